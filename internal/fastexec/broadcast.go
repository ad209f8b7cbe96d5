package fastexec

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// execBroadcastInDim copies a float32 operand into a larger output (node
// data: the output axis of each operand axis), row by row.
func execBroadcastInDim(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	const op = backends.OpTypeBroadcastInDim
	axes, ok := nodeData(node).([]int)
	in, ok2 := float32Inputs(inputs)
	if !enabled.Load() || !ok || !ok2 || !slices.IsSorted(axes) {
		// simplego reads the operand's flat data in output-axis order, which is
		// the operand's own order only when axes increase.
		return stock[op](backend, node, inputs, owned)
	}
	outShape := nodeShape(node)
	from := make([]int, outShape.Rank())
	for i := range from {
		from[i] = 1
	}
	for i, ax := range axes {
		from[ax] = bufShape(inputs[0]).Dimensions[i]
	}
	strides, ok := broadcastStrides(from, outShape.Dimensions)
	if !ok {
		return stock[op](backend, node, inputs, owned)
	}
	out, o := newFloats(backend, outShape)
	src := in[0]
	forEachRow(outShape.Dimensions, [][]int{strides}, func(off int, offs []int, n int, inner []int) {
		row := o[off : off+n]
		if inner[0] == 1 {
			copy(row, src[offs[0]:offs[0]+n])
			return
		}
		v := src[offs[0]]
		for i := range row {
			row[i] = v
		}
	})
	calls[op].Add(1)
	return out, nil
}
