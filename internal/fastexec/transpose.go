package fastexec

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"github.com/otclir/otclir/lib/matmul"
)

// execTranspose permutes the axes of a float32 operand with matmul.Permute
// (node data: the permutation, output axis i = operand axis perm[i]).
func execTranspose(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	const op = backends.OpTypeTranspose
	perm, ok := nodeData(node).([]int)
	in, ok2 := float32Inputs(inputs)
	dims := bufShape(inputs[0]).Dimensions
	if !enabled.Load() || !ok || !ok2 || len(perm) != len(dims) {
		return stock[op](backend, node, inputs, owned)
	}
	out, o := newFloats(backend, nodeShape(node))
	matmul.Permute(o, in[0], dims, perm)
	calls[op].Add(1)
	return out, nil
}
