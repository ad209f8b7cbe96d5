//go:build amd64 && !purego

#include "textflag.h"

// The kernels of this package: each computes the 4×w tile of A[4×k]·B[k×w]
// (w = 16 with AVX2 + FMA, 32 with AVX-512F), all row-major with leading
// dimensions lda, ldb, ldc in floats, k >= 1. The tile lives in eight
// accumulators (4 rows × 2 vectors); each step of k loads two vectors of B,
// broadcasts one element of each A row and issues eight FMAs. kernel4x16
// and kernel4x32 store the tile in C; kernel4x16max and kernel4x32max store
// only the maximum of each of its rows, c[r·ldc] (lib/retrieval's MaxSim,
// which never needs the tile). The four share their argument loading and
// their inner loop (the macros below), so there is one copy of each.

// KARGS loads the arguments (k, a, lda, b, ldb, c, ldc) into CX, SI, R8,
// DI, R9, DX, R10, turns the leading dimensions into bytes and points R11,
// R12, R13 at rows 1, 2, 3 of A.
#define KARGS \
	MOVQ k+0(FP), CX; \
	MOVQ a+8(FP), SI; \
	MOVQ lda+16(FP), R8; \
	MOVQ b+24(FP), DI; \
	MOVQ ldb+32(FP), R9; \
	MOVQ c+40(FP), DX; \
	MOVQ ldc+48(FP), R10; \
	SHLQ $2, R8; \
	SHLQ $2, R9; \
	SHLQ $2, R10; \
	LEAQ (SI)(R8*1), R11; \
	LEAQ (R11)(R8*1), R12; \
	LEAQ (R12)(R8*1), R13

// KSTEP is one step of k with vector registers V0..V13 and vector width
// bytes W (Y registers, 32; Z registers, 64): the tile += A[:, p] ⊗ B[p, :].
// It ends with DECQ CX, so the caller loops on JNZ.
#define KSTEP(W, V0, V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13) \
	VMOVUPS      (DI), V8; \
	VMOVUPS      W(DI), V9; \
	VBROADCASTSS (SI), V10; \
	VBROADCASTSS (R11), V11; \
	VBROADCASTSS (R12), V12; \
	VBROADCASTSS (R13), V13; \
	VFMADD231PS  V8, V10, V0; \
	VFMADD231PS  V9, V10, V1; \
	VFMADD231PS  V8, V11, V2; \
	VFMADD231PS  V9, V11, V3; \
	VFMADD231PS  V8, V12, V4; \
	VFMADD231PS  V9, V12, V5; \
	VFMADD231PS  V8, V13, V6; \
	VFMADD231PS  V9, V13, V7; \
	ADDQ         $4, SI; \
	ADDQ         $4, R11; \
	ADDQ         $4, R12; \
	ADDQ         $4, R13; \
	ADDQ         R9, DI; \
	DECQ         CX

#define ZERO8Y \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7

#define ZERO8Z \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7

// ROWMAXY stores the maximum of the 16 floats of Ya, Yb at (DX) and
// advances DX by a row; Xa is Ya's low half.
#define ROWMAXY(Ya, Yb, Xa) \
	VMAXPS       Yb, Ya, Ya; \
	VEXTRACTF128 $1, Ya, X14; \
	VMAXPS       X14, Xa, Xa; \
	VMOVHLPS     Xa, Xa, X14; \
	VMAXPS       X14, Xa, Xa; \
	VPSHUFD      $1, Xa, X14; \
	VMAXSS       X14, Xa, Xa; \
	VMOVSS       Xa, (DX); \
	ADDQ         R10, DX

// ROWMAXZ is ROWMAXY for the 32 floats of Za, Zb (Ya, Xa: Za's halves).
#define ROWMAXZ(Za, Zb, Ya, Xa) \
	VMAXPS        Zb, Za, Za; \
	VEXTRACTF64X4 $1, Za, Y14; \
	VMAXPS        Y14, Ya, Ya; \
	VEXTRACTF128  $1, Ya, X14; \
	VMAXPS        X14, Xa, Xa; \
	VMOVHLPS      Xa, Xa, X14; \
	VMAXPS        X14, Xa, Xa; \
	VPSHUFD       $1, Xa, X14; \
	VMAXSS        X14, Xa, Xa; \
	VMOVSS        Xa, (DX); \
	ADDQ          R10, DX

// func kernel4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
//
// C[4×16] = A[4×k] · B[k×16]; C is overwritten. AVX2 + FMA.
TEXT ·kernel4x16(SB), NOSPLIT, $0-56
	KARGS
	ZERO8Y

loop:
	KSTEP(32, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13)
	JNZ loop

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

// func kernel4x32(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
//
// kernel4x16 with 512-bit vectors (AVX-512F): C[4×32] = A[4×k]·B[k×32].
TEXT ·kernel4x32(SB), NOSPLIT, $0-56
	KARGS
	ZERO8Z

loop:
	KSTEP(64, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13)
	JNZ loop

	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ    R10, DX
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	ADDQ    R10, DX
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	ADDQ    R10, DX
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	VZEROUPPER
	RET

// func kernel4x16max(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
//
// The tile of kernel4x16, reduced to the maximum of each row:
// c[r·ldc] = max_j (A·B)[r, j] for r = 0..3 (the tile is not stored).
TEXT ·kernel4x16max(SB), NOSPLIT, $0-56
	KARGS
	ZERO8Y

loop:
	KSTEP(32, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13)
	JNZ loop

	ROWMAXY(Y0, Y1, X0)
	ROWMAXY(Y2, Y3, X2)
	ROWMAXY(Y4, Y5, X4)
	ROWMAXY(Y6, Y7, X6)
	VZEROUPPER
	RET

// func kernel4x32max(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
//
// kernel4x16max with 512-bit vectors (AVX-512F): the row maxima of the
// 4×32 tile of A[4×k]·B[k×32].
TEXT ·kernel4x32max(SB), NOSPLIT, $0-56
	KARGS
	ZERO8Z

loop:
	KSTEP(64, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13)
	JNZ loop

	ROWMAXZ(Z0, Z1, Y0, X0)
	ROWMAXZ(Z2, Z3, Y2, X2)
	ROWMAXZ(Z4, Z5, Y4, X4)
	ROWMAXZ(Z6, Z7, Y6, X6)
	VZEROUPPER
	RET
