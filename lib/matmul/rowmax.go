package matmul

import "fmt"

// A RowMaxKernel computes the row maxima of one tile of a matrix product
// without storing the tile: for A with 4 rows of k floats (leading
// dimension lda) and B with k rows of Width floats (leading dimension ldb),
// RowMax sets m[r·ldm] = max_j (A·B)[r, j] for r = 0..3. It is the tile
// kernel of MulBatched (same registers, same summation order) with a max
// reduction in place of the store; lib/retrieval's exhaustive MaxSim fuses
// its maxima over a document's tokens with its products this way.
type RowMaxKernel struct {
	Name  string // "avx2" or "avx512"
	Width int    // columns of B per call: 16 or 32
	fn    func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
}

// RowMaxKernels are the kernels this CPU runs, slowest first: none without
// AVX2 + FMA (or under the purego build tag), then AVX2, then AVX-512F.
func RowMaxKernels() []RowMaxKernel {
	var out []RowMaxKernel
	if hasAVX2 {
		out = append(out, RowMaxKernel{Name: "avx2", Width: 16, fn: kernel4x16max})
		if hasAVX512 {
			out = append(out, RowMaxKernel{Name: "avx512", Width: 32, fn: kernel4x32max})
		}
	}
	return out
}

// RowMax runs the kernel. It panics when k < 1 or a slice is shorter than
// the tile it must hold (a: 3·lda + k, b: (k−1)·ldb + Width, m: 3·ldm + 1).
func (kn RowMaxKernel) RowMax(k int, a []float32, lda int, b []float32, ldb int, m []float32, ldm int) {
	if k < 1 || lda < k || ldb < kn.Width || ldm < 1 || len(a) < 3*lda+k || len(b) < (k-1)*ldb+kn.Width || len(m) < 3*ldm+1 {
		panic(fmt.Sprintf("matmul: %s RowMax(k=%d, lda=%d, ldb=%d, ldm=%d) with len(a)=%d len(b)=%d len(m)=%d",
			kn.Name, k, lda, ldb, ldm, len(a), len(b), len(m)))
	}
	kn.fn(k, &a[0], lda, &b[0], ldb, &m[0], ldm)
}
