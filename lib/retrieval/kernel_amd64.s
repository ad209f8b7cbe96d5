//go:build amd64 && !purego

#include "textflag.h"

// func kernel4x32max(k int, a *float32, lda int, b *float32, ldb int, m *float32, ldm int)
//
// The 4×32 tile of A[4×k]·B[k×32] (the AVX-512 kernel of lib/matmul,
// kernel4x32) followed by the maximum of each row of the tile:
// m[r·ldm] = max_j (A·B)[r, j] for r = 0..3 (the tile itself is not stored).
TEXT ·kernel4x32max(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R9
	MOVQ m+40(FP), DX
	MOVQ ldm+48(FP), R10
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7

loopmax:
	VMOVUPS      (DI), Z8
	VMOVUPS      64(DI), Z9
	VBROADCASTSS (SI), Z10
	VBROADCASTSS (R11), Z11
	VBROADCASTSS (R12), Z12
	VBROADCASTSS (R13), Z13
	VFMADD231PS  Z8, Z10, Z0
	VFMADD231PS  Z9, Z10, Z1
	VFMADD231PS  Z8, Z11, Z2
	VFMADD231PS  Z9, Z11, Z3
	VFMADD231PS  Z8, Z12, Z4
	VFMADD231PS  Z9, Z12, Z5
	VFMADD231PS  Z8, Z13, Z6
	VFMADD231PS  Z9, Z13, Z7
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         $4, R12
	ADDQ         $4, R13
	ADDQ         R9, DI
	DECQ         CX
	JNZ          loopmax

	VMAXPS        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y14
	VMAXPS        Y14, Y0, Y0
	VEXTRACTF128  $1, Y0, X14
	VMAXPS        X14, X0, X0
	VMOVHLPS      X0, X0, X14
	VMAXPS        X14, X0, X0
	VPSHUFD       $1, X0, X14
	VMAXSS        X14, X0, X0
	VMOVSS        X0, (DX)
	ADDQ          R10, DX
	VMAXPS        Z3, Z2, Z2
	VEXTRACTF64X4 $1, Z2, Y14
	VMAXPS        Y14, Y2, Y2
	VEXTRACTF128  $1, Y2, X14
	VMAXPS        X14, X2, X2
	VMOVHLPS      X2, X2, X14
	VMAXPS        X14, X2, X2
	VPSHUFD       $1, X2, X14
	VMAXSS        X14, X2, X2
	VMOVSS        X2, (DX)
	ADDQ          R10, DX
	VMAXPS        Z5, Z4, Z4
	VEXTRACTF64X4 $1, Z4, Y14
	VMAXPS        Y14, Y4, Y4
	VEXTRACTF128  $1, Y4, X14
	VMAXPS        X14, X4, X4
	VMOVHLPS      X4, X4, X14
	VMAXPS        X14, X4, X4
	VPSHUFD       $1, X4, X14
	VMAXSS        X14, X4, X4
	VMOVSS        X4, (DX)
	ADDQ          R10, DX
	VMAXPS        Z7, Z6, Z6
	VEXTRACTF64X4 $1, Z6, Y14
	VMAXPS        Y14, Y6, Y6
	VEXTRACTF128  $1, Y6, X14
	VMAXPS        X14, X6, X6
	VMOVHLPS      X6, X6, X14
	VMAXPS        X14, X6, X6
	VPSHUFD       $1, X6, X14
	VMAXSS        X14, X6, X6
	VMOVSS        X6, (DX)
	VZEROUPPER
	RET

// func kernel4x16max(k int, a *float32, lda int, b *float32, ldb int, m *float32, ldm int)
//
// The 4×16 tile of A[4×k]·B[k×16] (the AVX2 kernel of lib/matmul,
// kernel4x16) followed by the maximum of each row of the tile:
// m[r·ldm] = max_j (A·B)[r, j] for r = 0..3 (the tile itself is not stored).
TEXT ·kernel4x16max(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R9
	MOVQ m+40(FP), DX
	MOVQ ldm+48(FP), R10
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

loop16max:
	VMOVUPS      (DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS (SI), Y10
	VBROADCASTSS (R11), Y11
	VBROADCASTSS (R12), Y12
	VBROADCASTSS (R13), Y13
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         $4, R12
	ADDQ         $4, R13
	ADDQ         R9, DI
	DECQ         CX
	JNZ          loop16max

	VMAXPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X14
	VMAXPS       X14, X0, X0
	VMOVHLPS     X0, X0, X14
	VMAXPS       X14, X0, X0
	VPSHUFD      $1, X0, X14
	VMAXSS       X14, X0, X0
	VMOVSS       X0, (DX)
	ADDQ         R10, DX
	VMAXPS       Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X14
	VMAXPS       X14, X2, X2
	VMOVHLPS     X2, X2, X14
	VMAXPS       X14, X2, X2
	VPSHUFD      $1, X2, X14
	VMAXSS       X14, X2, X2
	VMOVSS       X2, (DX)
	ADDQ         R10, DX
	VMAXPS       Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X14
	VMAXPS       X14, X4, X4
	VMOVHLPS     X4, X4, X14
	VMAXPS       X14, X4, X4
	VPSHUFD      $1, X4, X14
	VMAXSS       X14, X4, X4
	VMOVSS       X4, (DX)
	ADDQ         R10, DX
	VMAXPS       Y7, Y6, Y6
	VEXTRACTF128 $1, Y6, X14
	VMAXPS       X14, X6, X6
	VMOVHLPS     X6, X6, X14
	VMAXPS       X14, X6, X6
	VPSHUFD      $1, X6, X14
	VMAXSS       X14, X6, X6
	VMOVSS       X6, (DX)
	VZEROUPPER
	RET
