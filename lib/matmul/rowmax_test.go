package matmul

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowMaxKernels checks each fused row-max kernel against the maxima of
// the same tile computed by Mul (and so against the plain Go product, which
// TestMulBatchedMatchesNaive checks).
func TestRowMaxKernels(t *testing.T) {
	kernels := RowMaxKernels()
	if len(kernels) == 0 {
		t.Skip("this CPU/architecture lacks the instructions")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, kn := range kernels {
		t.Run(kn.Name, func(t *testing.T) {
			for _, k := range []int{1, 2, 7, 128, 130} {
				const lda, ldb = 140, 37 // leading dimensions wider than the tile
				a := randFloats(rng, 4*lda)
				b := randFloats(rng, k*ldb)
				m := make([]float32, 4*3)
				kn.RowMax(k, a, lda, b, ldb, m, 3)
				// The tile, dense: A[4×k] and B[k×width].
				ta, tb, tc := make([]float32, 4*k), make([]float32, k*kn.Width), make([]float32, 4*kn.Width)
				for i := range 4 {
					copy(ta[i*k:(i+1)*k], a[i*lda:])
				}
				for p := range k {
					copy(tb[p*kn.Width:(p+1)*kn.Width], b[p*ldb:])
				}
				Mul(4, kn.Width, k, ta, tb, tc)
				for i := range 4 {
					want := float32(math.Inf(-1))
					for _, v := range tc[i*kn.Width : (i+1)*kn.Width] {
						want = max(want, v)
					}
					// The same kernel registers and summation order: equal.
					if m[i*3] != want {
						t.Fatalf("k=%d row %d = %v, want %v", k, i, m[i*3], want)
					}
				}
			}
		})
	}
}

func TestRowMaxChecksBounds(t *testing.T) {
	for _, kn := range RowMaxKernels() {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: a short b did not panic", kn.Name)
				}
			}()
			kn.RowMax(4, make([]float32, 16), 4, make([]float32, 3*kn.Width), kn.Width, make([]float32, 4), 1)
		}()
	}
}
