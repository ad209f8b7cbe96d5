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
