package fastexec

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// binaryOps are the element-wise operations whose broadcasting this package
// executes.
var binaryOps = []backends.OpType{
	backends.OpTypeAdd, backends.OpTypeSub, backends.OpTypeMul,
	backends.OpTypeDiv, backends.OpTypeMax, backends.OpTypeMin,
}

// execBinary returns the executor of a binary op: operands of different
// shapes (implicit broadcasting, where simplego steps an index iterator per
// element) run on contiguous rows; equal shapes and a scalar right operand,
// where simplego's loops are already direct, run here only when large
// enough to split across cores.
func execBinary(op backends.OpType) executor {
	return func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		in, ok := float32Inputs(inputs)
		ls, rs := bufShape(inputs[0]), bufShape(inputs[1])
		if !enabled.Load() || !ok || len(in[1]) == 1 && len(in[0]) < parallelMin || ls.Equal(rs) && len(in[0]) < parallelMin {
			return stock[op](backend, node, inputs, owned)
		}
		row := rowFunc(op)
		if ls.Equal(rs) || len(in[1]) == 1 { // large: split across cores
			a, b := in[0], in[1]
			sb := 1
			if len(b) == 1 {
				sb = 0
			}
			out, o := outputFor(backend, node, inputs, owned, 0)
			parallelFor(len(o), func(lo, hi int) { row(o[lo:hi], a[lo:], b[lo*sb:], 1, sb) })
			calls[op].Add(1)
			return out, nil
		}
		outShape := nodeShape(node)
		sa, okA := broadcastStrides(ls.Dimensions, outShape.Dimensions)
		sb, okB := broadcastStrides(rs.Dimensions, outShape.Dimensions)
		if !okA || !okB {
			return stock[op](backend, node, inputs, owned)
		}
		out, o := newFloats(backend, outShape)
		a, b := in[0], in[1]
		forEachRow(outShape.Dimensions, [][]int{sa, sb}, func(off int, offs []int, n int, inner []int) {
			row(o[off:off+n], a[offs[0]:], b[offs[1]:], inner[0], inner[1])
		})
		calls[op].Add(1)
		return out, nil
	}
}

// rowFunc returns the row kernel of op: out[i] = a[i·sa] op b[i·sb], with
// sa, sb in {0, 1}.
func rowFunc(op backends.OpType) func(out, a, b []float32, sa, sb int) {
	switch op {
	case backends.OpTypeAdd:
		return rowAdd
	case backends.OpTypeSub:
		return rowSub
	case backends.OpTypeMul:
		return rowMul
	case backends.OpTypeDiv:
		return rowDiv
	case backends.OpTypeMax:
		return rowMax
	case backends.OpTypeMin:
		return rowMin
	}
	panic("fastexec: no row kernel for " + op.String())
}

func rowAdd(out, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case sa == 1:
		y := b[0]
		a = a[:len(out)]
		for i := range out {
			out[i] = a[i] + y
		}
	case sb == 1:
		x := a[0]
		b = b[:len(out)]
		for i := range out {
			out[i] = x + b[i]
		}
	default:
		v := a[0] + b[0]
		for i := range out {
			out[i] = v
		}
	}
}

func rowSub(out, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case sa == 1:
		y := b[0]
		a = a[:len(out)]
		for i := range out {
			out[i] = a[i] - y
		}
	case sb == 1:
		x := a[0]
		b = b[:len(out)]
		for i := range out {
			out[i] = x - b[i]
		}
	default:
		v := a[0] - b[0]
		for i := range out {
			out[i] = v
		}
	}
}

func rowMul(out, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = a[i] * b[i]
		}
	case sa == 1:
		y := b[0]
		a = a[:len(out)]
		for i := range out {
			out[i] = a[i] * y
		}
	case sb == 1:
		x := a[0]
		b = b[:len(out)]
		for i := range out {
			out[i] = x * b[i]
		}
	default:
		v := a[0] * b[0]
		for i := range out {
			out[i] = v
		}
	}
}

func rowDiv(out, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = a[i] / b[i]
		}
	case sa == 1:
		y := b[0]
		a = a[:len(out)]
		for i := range out {
			out[i] = a[i] / y
		}
	case sb == 1:
		x := a[0]
		b = b[:len(out)]
		for i := range out {
			out[i] = x / b[i]
		}
	default:
		v := a[0] / b[0]
		for i := range out {
			out[i] = v
		}
	}
}

func rowMax(out, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = max(a[i], b[i])
		}
	case sa == 1:
		y := b[0]
		a = a[:len(out)]
		for i := range out {
			out[i] = max(a[i], y)
		}
	case sb == 1:
		x := a[0]
		b = b[:len(out)]
		for i := range out {
			out[i] = max(x, b[i])
		}
	default:
		v := max(a[0], b[0])
		for i := range out {
			out[i] = v
		}
	}
}

func rowMin(out, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = min(a[i], b[i])
		}
	case sa == 1:
		y := b[0]
		a = a[:len(out)]
		for i := range out {
			out[i] = min(a[i], y)
		}
	case sb == 1:
		x := a[0]
		b = b[:len(out)]
		for i := range out {
			out[i] = min(x, b[i])
		}
	default:
		v := min(a[0], b[0])
		for i := range out {
			out[i] = v
		}
	}
}
