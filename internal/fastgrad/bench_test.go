package fastgrad

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func randTensor32(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// BenchmarkDotBackward times the forward pass alone ("forward") and forward
// plus the gradients with respect to both operands under the stock v0.26.0
// VJPs ("stock") and this package's ("fast"), in float32. The 512x128x256
// case is the one README.md quotes; the einsum cases are the encoder
// shapes (batch 32, 32 tokens, d=128, 4 heads of 32) used by lib/encoder.
func BenchmarkDotBackward(b *testing.B) {
	cases := []struct {
		name             string
		f                func(l, r *Node) *Node
		lhsDims, rhsDims []int
	}{
		{"512x128x256", func(l, r *Node) *Node { return Dot(l, r) }, []int{512, 128}, []int{128, 256}},
		{"dense_bsd,de->bse", func(l, r *Node) *Node { return Einsum("bsd,de->bse", l, r) }, []int{32, 32, 128}, []int{128, 128}},
		{"attn_bqhd,bkhd->bhqk", func(l, r *Node) *Node { return Einsum("bqhd,bkhd->bhqk", l, r) }, []int{32, 32, 4, 32}, []int{32, 32, 4, 32}},
		{"attn_bhqk,bkhd->bqhd", func(l, r *Node) *Node { return Einsum("bhqk,bkhd->bqhd", l, r) }, []int{32, 4, 32, 32}, []int{32, 32, 4, 32}},
		{"maxsim_bqd,bkd->bqk", func(l, r *Node) *Node { return Einsum("bqd,bkd->bqk", l, r) }, []int{32, 32, 128}, []int{32, 32, 128}},
	}
	for _, mode := range []string{"forward", "stock", "fast"} {
		for _, c := range cases {
			b.Run(mode+"/"+c.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				lhs, rhs := randTensor32(rng, c.lhsDims...), randTensor32(rng, c.rhsDims...)
				withVJPs(mode == "fast", func() {
					var exec *Exec
					if mode == "forward" {
						exec = MustNewExec(backend(b), func(l, r *Node) []*Node { return []*Node{c.f(l, r)} })
					} else {
						exec = MustNewExec(backend(b), func(l, r *Node) []*Node {
							out := c.f(l, r)
							return append([]*Node{out}, Gradient(ReduceAllSum(out), l, r)...)
						})
					}
					defer exec.Finalize()
					for _, t := range exec.MustExec(lhs, rhs) { // compile outside the timed loop
						t.FinalizeAll()
					}
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						for _, t := range exec.MustExec(lhs, rhs) {
							t.FinalizeAll()
						}
					}
				})
			})
		}
	}
}

// BenchmarkMatmulRate times simplego's float32 DotGeneral forward pass on a
// 1024×1024×1024 matrix product and reports GFLOP/s (2·n³ per product): the
// matrix-product rate available to training (compare
// lib/retrieval.BenchmarkSgemm1024 for gonum's Sgemm on the same machine).
func BenchmarkMatmulRate(b *testing.B) {
	const n = 1024
	rng := rand.New(rand.NewPCG(3, 3))
	lhs, rhs := randTensor32(rng, n, n), randTensor32(rng, n, n)
	exec := MustNewExec(backend(b), func(l, r *Node) *Node { return Dot(l, r) })
	defer exec.Finalize()
	exec.MustExec(lhs, rhs)[0].FinalizeAll() // compile outside the timed loop
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		exec.MustExec(lhs, rhs)[0].FinalizeAll()
	}
	b.ReportMetric(float64(2*n*n*n*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
