package fastexec

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// unaryOps are the element-wise functions this package executes: simplego
// runs them on one goroutine; here large tensors are split across cores.
// Each element is computed exactly as simplego does (float64 math, rounded
// to float32), so results are bit-identical.
var unaryOps = map[backends.OpType]func(float64) float64{
	backends.OpTypeExp: math.Exp,
	backends.OpTypeLog: math.Log,
}

func execUnary(op backends.OpType) executor {
	f := unaryOps[op]
	return func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		in, ok := float32Inputs(inputs)
		if !enabled.Load() || !ok || len(in[0]) < parallelMin {
			return stock[op](backend, node, inputs, owned)
		}
		out, o := outputFor(backend, node, inputs, owned, 0)
		src := in[0]
		parallelFor(len(src), func(lo, hi int) {
			for i, v := range src[lo:hi] {
				o[lo+i] = float32(f(float64(v)))
			}
		})
		calls[op].Add(1)
		return out, nil
	}
}

// outputFor returns the output buffer of node: input i itself when the
// executor owns it and it has the output's shape (simplego's reuse; inputs[i]
// is then set to nil, which tells simplego the buffer was taken over), else
// a new buffer from the pool.
func outputFor(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool, i int) (*simplego.Buffer, []float32) {
	shape := nodeShape(node)
	if owned[i] && bufShape(inputs[i]).Equal(shape) {
		out := inputs[i]
		inputs[i] = nil
		f, _ := bufFloats(out)
		return out, f
	}
	return newFloats(backend, shape)
}
