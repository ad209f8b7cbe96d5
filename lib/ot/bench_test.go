package ot

import (
	"fmt"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// BenchmarkSinkhorn times Sinkhorn on b problems of n×n float32 costs in
// [0, 2] with all tokens real, ε = 0.05 (DefaultEpsilon), and reports
// problems/s = b·N/elapsed. The "exact" cases time exactSinkhorn (two full
// log-sum-exps per iteration) for comparison, the "unbalanced" cases
// UnbalancedSinkhorn with τ = DefaultMarginalTau (also two full LSEs). testdata/bench_pot.py times
// POT's ot.bregman.sinkhorn_log on the same sizes.
func BenchmarkSinkhorn(b *testing.B) {
	type sinkhornFn func(cost, xMask, yMask *Node, epsilon float64, iterations int) *Node
	cases := []struct {
		name            string
		fn              sinkhornFn
		batch, n, iters int
	}{
		{"", Sinkhorn, 32, 32, 20}, {"", Sinkhorn, 32, 64, 20}, {"", Sinkhorn, 32, 32, 100},
		{"exact/", exactSinkhorn, 32, 32, 20}, {"exact/", exactSinkhorn, 32, 64, 20},
		{"unbalanced/", unbalancedDefault, 32, 32, 20}, {"unbalanced/", unbalancedDefault, 32, 64, 20},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%sb=%d/n=%d/iters=%d", c.name, c.batch, c.n, c.iters), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			p := randomProblem(rng, c.batch, c.n, c.n)
			for i := range p.xMask {
				p.xMask[i] = true
			}
			for i := range p.yMask {
				p.yMask[i] = true
			}
			cost, xm, ym := p.tensors32()
			exec := MustNewExec(backend(b), func(cost, xm, ym *Node) *Node {
				return c.fn(cost, xm, ym, DefaultEpsilon, c.iters)
			})
			defer exec.Finalize()
			exec.MustExec(cost, xm, ym)[0].FinalizeAll() // compile outside the timed loop
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				exec.MustExec(cost, xm, ym)[0].FinalizeAll()
			}
			b.ReportMetric(float64(c.batch*b.N)/b.Elapsed().Seconds(), "problems/s")
		})
	}
}

func unbalancedDefault(cost, xMask, yMask *Node, epsilon float64, iterations int) *Node {
	return UnbalancedSinkhorn(cost, xMask, yMask, epsilon, DefaultMarginalTau, iterations)
}
