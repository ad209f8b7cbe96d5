package fastexec

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// execReduce returns the executor of ReduceSum or ReduceMax on float32
// (node data: the reduced axes). It visits the operand in memory order, as
// simplego does, so every output element accumulates the same values in the
// same order: results are bit-identical.
func execReduce(op backends.OpType) executor {
	return func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		axes, ok := nodeData(node).([]int)
		in, ok2 := float32Inputs(inputs)
		if !enabled.Load() || !ok || !ok2 || len(axes) == 0 {
			return stock[op](backend, node, inputs, owned)
		}
		dims := bufShape(inputs[0]).Dimensions
		reduced := make([]bool, len(dims))
		for _, ax := range axes {
			if ax < 0 || ax >= len(dims) {
				return stock[op](backend, node, inputs, owned)
			}
			reduced[ax] = true
		}
		// Output strides over the operand's axes, 0 on reduced axes.
		strides := make([]int, len(dims))
		s := 1
		for ax := len(dims) - 1; ax >= 0; ax-- {
			if !reduced[ax] {
				strides[ax] = s
				s *= dims[ax]
			}
		}
		out, o := newFloats(backend, nodeShape(node))
		src := in[0]
		if op == backends.OpTypeReduceSum {
			clear(o)
			forEachRow(dims, [][]int{strides}, func(off int, offs []int, n int, inner []int) {
				row := src[off : off+n]
				if inner[0] == 0 {
					acc := o[offs[0]]
					for _, v := range row {
						acc += v
					}
					o[offs[0]] = acc
					return
				}
				dst := o[offs[0] : offs[0]+n]
				for i, v := range row {
					dst[i] += v
				}
			})
		} else {
			lowest := float32(math.Inf(-1))
			for i := range o {
				o[i] = lowest
			}
			forEachRow(dims, [][]int{strides}, func(off int, offs []int, n int, inner []int) {
				row := src[off : off+n]
				if inner[0] == 0 {
					acc := o[offs[0]]
					for _, v := range row {
						acc = max(acc, v)
					}
					o[offs[0]] = acc
					return
				}
				dst := o[offs[0] : offs[0]+n]
				for i, v := range row {
					dst[i] = max(dst[i], v)
				}
			})
		}
		calls[op].Add(1)
		return out, nil
	}
}
