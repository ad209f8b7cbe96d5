package ot_test

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/otclir/otclir/lib/ot"
)

// A 2×2 problem padded to 3×3: cost [[0,1],[1,0]] between two real tokens
// on each side, ε = 1. By symmetry the plan is s·K with K = exp(−C/ε) =
// [[1, e⁻¹],[e⁻¹, 1]] and rows summing to 1/2, so s = 1/(2(1+e⁻¹)):
// P = [[0.36553, 0.13447],[0.13447, 0.36553]] (one iteration reaches it).
// The padded row and column (cost 5, ignored) get exactly 0.
func ExampleSinkhorn() {
	// ops_sequential: the parallelism option prints a line to stdout.
	backend, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		panic(err)
	}
	cost := tensors.FromValue([][][]float32{{{0, 1, 5}, {1, 0, 5}, {5, 5, 5}}})
	xMask := tensors.FromValue([][]bool{{true, true, false}})
	yMask := tensors.FromValue([][]bool{{true, true, false}})
	out := MustExecOnceN(backend, func(c, xm, ym *Node) []*Node {
		loss, plan := ot.Distance(c, xm, ym, 1.0, 5, false)
		return []*Node{plan, loss}
	}, cost, xMask, yMask)
	for _, row := range out[0].Value().([][][]float32)[0] {
		fmt.Printf("%.4f %.4f %.4f\n", row[0], row[1], row[2])
	}
	// <P,C> = 2·0.13447 = 0.26894.
	fmt.Printf("loss %.4f\n", out[1].Value().([]float32)[0])
	// Output:
	// 0.3655 0.1345 0.0000
	// 0.1345 0.3655 0.0000
	// 0.0000 0.0000 0.0000
	// loss 0.2689
}

// The example of POT 0.8.2's ot.unbalanced.sinkhorn_knopp_unbalanced
// docstring (a = b = [.5, .5], M = [[0,1],[1,0]], reg = 1, reg_m = 1), whose
// plan POT prints as [[0.51122823, 0.18807035], [0.18807035, 0.51122823]],
// padded to 3×3 (POT stops at its default stopThr = 1e-6, so the digits
// agree to 6 places; 100 iterations here reach the fixed point). The relaxed marginals let the rows sum to 0.6993, not 1/2.
func ExampleUnbalancedSinkhorn() {
	backend, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		panic(err)
	}
	cost := tensors.FromValue([][][]float64{{{0, 1, 5}, {1, 0, 5}, {5, 5, 5}}})
	xMask := tensors.FromValue([][]bool{{true, true, false}})
	yMask := tensors.FromValue([][]bool{{true, true, false}})
	plan := MustExecOnce(backend, func(c, xm, ym *Node) *Node {
		return ot.UnbalancedSinkhorn(c, xm, ym, 1.0, 1.0, 100)
	}, cost, xMask, yMask)
	for _, row := range plan.Value().([][][]float64)[0] {
		fmt.Printf("%.6f %.6f %.6f\n", row[0], row[1], row[2])
	}
	// Output:
	// 0.511228 0.188070 0.000000
	// 0.188070 0.511228 0.000000
	// 0.000000 0.000000 0.000000
}
