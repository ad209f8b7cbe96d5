package retrieval

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/otclir/otclir/lib/matmul"
)

// BenchmarkSgemm1024 measures gonum's float32 matrix product on
// 1024×1024×1024 (2·n³ flops): the rate that MaxSim scoring can reach with
// gonum on this machine.
func BenchmarkSgemm1024(b *testing.B) {
	const n = 1024
	rng := rand.New(rand.NewPCG(7, 8))
	x, y, z := randVecs(rng, n, n), randVecs(rng, n, n), make([]float32, n*n)
	b.ReportAllocs()
	for b.Loop() {
		blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, y, n, 0, z, n)
	}
	b.ReportMetric(float64(2*n*n*n*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemmLayouts times one scoring product, queryRows query tokens ×
// chunkTokens document tokens × d=128, with the documents row-major
// ("rowmajor", Sgemm NoTrans×Trans: gonum's dot-product kernel) and
// transposed ("transposed", NoTrans×NoTrans: its axpy kernel, the layout
// Index uses), and lib/matmul's SIMD product on the transposed layout (the
// tile kernels Index fuses with the row maxima). gonum's Sgemm and
// lib/matmul split large products across GOMAXPROCS.
func BenchmarkSgemmLayouts(b *testing.B) {
	const m, n, k = queryRows, chunkTokens, 128
	rng := rand.New(rand.NewPCG(5, 6))
	q, d, dt, s := randVecs(rng, m, k), randVecs(rng, n, k), randVecs(rng, k, n), make([]float32, m*n)
	rate := func(b *testing.B) { b.ReportMetric(float64(2*m*n*k*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s") }
	b.Run("rowmajor", func(b *testing.B) {
		for b.Loop() {
			blas32.Implementation().Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, q, k, d, k, 0, s, n)
		}
		rate(b)
	})
	b.Run("transposed", func(b *testing.B) {
		for b.Loop() {
			blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, q, k, dt, n, 0, s, n)
		}
		rate(b)
	})
	b.Run("matmul-"+matmul.Kernel(), func(b *testing.B) {
		for b.Loop() {
			matmul.Mul(m, n, k, q, dt, s)
		}
		rate(b)
	})
}
