//go:build amd64 && !purego

package retrieval

import "golang.org/x/sys/cpu"

// hasKernel reports whether kernel4x16max can run: it needs AVX2 and FMA.
var hasKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasKernel512 reports whether kernel4x32max can run: it needs AVX-512F.
var hasKernel512 = cpu.X86.HasAVX512F

// kernel4x32max sets m[r·ldm] to the maximum of row r of A[4×k]·B[k×32]
// (row-major, leading dimensions in floats), r = 0..3, with AVX-512; k >= 1.
// Implemented in kernel_amd64.s.
//
//go:noescape
func kernel4x32max(k int, a *float32, lda int, b *float32, ldb int, m *float32, ldm int)

// kernel4x16max sets m[r·ldm] to the maximum of row r of A[4×k]·B[k×16],
// r = 0..3, with AVX2 + FMA.
//
//go:noescape
func kernel4x16max(k int, a *float32, lda int, b *float32, ldb int, m *float32, ldm int)
