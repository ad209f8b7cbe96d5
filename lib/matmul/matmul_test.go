package matmul

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randFloats(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

// naive is the float64 reference product of one batch element.
func naive(m, n, k int, a, b []float32) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			out[i*n+j] = s
		}
	}
	return out
}

// closeTo compares a float32 result with the float64 reference: float32
// sums of k products of N(0,1) values carry a relative error around
// k·2⁻²⁴ of the sum of magnitudes; 1e-5·k·(1+|want|) bounds it.
func closeTo(got float32, want float64, k int) bool {
	return math.Abs(float64(got)-want) <= 1e-5*float64(k+1)*(1+math.Abs(want))
}

func TestMulBatchedMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Edges of the 4×32 (AVX-512) and 4×16 (AVX2) tiles, k = 1, and sizes
	// big enough to take the parallel path (2·m·n·k ≥ 2²¹).
	sizes := [][4]int{{1, 1, 1, 1}, {1, 4, 32, 1}, {1, 5, 33, 7}, {2, 3, 17, 2}, {3, 8, 15, 9}, {1, 4, 16, 128},
		{2, 31, 65, 40}, {1, 130, 100, 130}, {4, 33, 64, 128}, {1, 257, 129, 128}, {16, 32, 32, 32},
		{1, 260, 70, 300}, {2, 257, 33, 256}} // the last two pack B (packMinRows, packMinDepth)
	for range 20 {
		sizes = append(sizes, [4]int{1 + rng.IntN(3), 1 + rng.IntN(70), 1 + rng.IntN(70), 1 + rng.IntN(70)})
	}
	for _, s := range sizes {
		batch, m, n, k := s[0], s[1], s[2], s[3]
		t.Run(fmt.Sprintf("b%d_m%d_n%d_k%d", batch, m, n, k), func(t *testing.T) {
			a, b := randFloats(rng, batch*m*k), randFloats(rng, batch*k*n)
			c := make([]float32, batch*m*n+3)
			for i := range c {
				c[i] = 99 // overwritten in the product, untouched past it
			}
			MulBatched(batch, m, n, k, a, b, c)
			for e := range batch {
				want := naive(m, n, k, a[e*m*k:], b[e*k*n:])
				for i, w := range want {
					if got := c[e*m*n+i]; !closeTo(got, w, k) {
						t.Fatalf("batch %d C[%d,%d] = %v, want %v (kernel %s)", e, i/n, i%n, got, w, Kernel())
					}
				}
			}
			for _, v := range c[batch*m*n:] {
				if v != 99 {
					t.Fatalf("MulBatched wrote past the product: %v", c[batch*m*n:])
				}
			}
		})
	}
}

// TestMulGo checks the plain Go path used where no kernel is available.
func TestMulGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 33, 64}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := randFloats(rng, m*k), randFloats(rng, k*n), randFloats(rng, m*n)
		mulGo(n, k, a, b, c, 0, m)
		for i, w := range naive(m, n, k, a, b) {
			if !closeTo(c[i], w, k) {
				t.Fatalf("%v: C[%d] = %v, want %v", s, i, c[i], w)
			}
		}
	}
}

func TestMulBatchedZeroSizes(t *testing.T) {
	c := []float32{5, 5, 5, 5}
	MulBatched(1, 2, 2, 0, nil, nil, c) // k = 0: the empty sum
	for _, v := range c {
		if v != 0 {
			t.Fatalf("k=0 product = %v, want zeros", c)
		}
	}
	MulBatched(0, 2, 2, 2, nil, nil, nil) // nothing to do, no panic
	defer func() {
		if recover() == nil {
			t.Fatal("short slice did not panic")
		}
	}()
	MulBatched(1, 2, 2, 2, make([]float32, 3), make([]float32, 4), make([]float32, 4))
}

func TestPermute(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 40 {
		rank := rng.IntN(5)
		dims := make([]int, rank)
		size := 1
		for i := range dims {
			dims[i] = 1 + rng.IntN(5)
			size *= dims[i]
		}
		perm := rng.Perm(rank)
		src := randFloats(rng, size)
		dst := make([]float32, size)
		Permute(dst, src, dims, perm)
		// Check every element through explicit multi-indices.
		outDims := make([]int, rank)
		for i, p := range perm {
			outDims[i] = dims[p]
		}
		for o := range size {
			idx := make([]int, rank) // index in dst
			rem := o
			for ax := rank - 1; ax >= 0; ax-- {
				idx[ax] = rem % outDims[ax]
				rem /= outDims[ax]
			}
			srcIdx := make([]int, rank)
			for i, p := range perm {
				srcIdx[p] = idx[i]
			}
			off := 0
			for ax := range rank {
				off = off*dims[ax] + srcIdx[ax]
			}
			if dst[o] != src[off] {
				t.Fatalf("trial %d dims %v perm %v: dst[%d] = %v, want src[%d] = %v", trial, dims, perm, o, dst[o], off, src[off])
			}
		}
	}
}

func BenchmarkMul(b *testing.B) {
	for _, s := range [][3]int{{1024, 128, 128}, {1024, 256, 128}, {128, 128, 1024}, {1024, 1024, 128}, {1024, 1024, 1024}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 8))
			x, y, z := randFloats(rng, m*k), randFloats(rng, k*n), make([]float32, m*n)
			b.ReportAllocs()
			for b.Loop() {
				Mul(m, n, k, x, y, z)
			}
			b.ReportMetric(float64(2*m*n*k*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
