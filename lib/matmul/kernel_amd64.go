//go:build amd64 && !purego

package matmul

import "golang.org/x/sys/cpu"

var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = cpu.X86.HasAVX512F
)

// kernel4x16 sets C[4×16] = A[4×k]·B[k×16] (row-major, leading dimensions
// in floats; C overwritten); k >= 1. AVX2 + FMA. Implemented in
// kernel_amd64.s.
//
//go:noescape
func kernel4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// kernel4x32 is kernel4x16 on 32 columns with AVX-512F.
//
//go:noescape
func kernel4x32(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// kernel4x16max sets c[r·ldc] to the maximum of row r of the tile
// A[4×k]·B[k×16], r = 0..3, without storing the tile. AVX2 + FMA.
//
//go:noescape
func kernel4x16max(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// kernel4x32max is kernel4x16max on 32 columns with AVX-512F.
//
//go:noescape
func kernel4x32max(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
