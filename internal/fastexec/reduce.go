package fastexec

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// execReduce returns the executor of ReduceSum or ReduceMax on float32
// (node data: the reduced axes). Sums visit the operand in memory order, as
// simplego does, so every output element accumulates the same values in the
// same order; maxima are order-free. Results are bit-identical.
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
					o[offs[0]] = max(o[offs[0]], maxOf(row))
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

// maxOf is the maximum of a non-empty row by Go's max (NaN wins; +0 over
// -0) in four independent chains. That max is associative and commutative,
// so the result equals a left-to-right fold bit for bit.
func maxOf(row []float32) float32 {
	m0 := row[0]
	m1, m2, m3 := m0, m0, m0
	i := 1
	for ; i+4 <= len(row); i += 4 {
		m0 = max(m0, row[i])
		m1 = max(m1, row[i+1])
		m2 = max(m2, row[i+2])
		m3 = max(m3, row[i+3])
	}
	for ; i < len(row); i++ {
		m0 = max(m0, row[i])
	}
	return max(max(m0, m1), max(m2, m3))
}
