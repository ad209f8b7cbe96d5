package fastgrad

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// rsqrtVJP is the VJP of Rsqrt, which GoMLX v0.26.0 lacks (training a graph
// with graph.Rsqrt, as lib/bert's LayerNorm, fails with "no gradient is
// defined yet"): d(x^−½)/dx = −½·x^−3/2 = −½·rsqrt(x)/x, written with the
// node's own output.
func rsqrtVJP(node *Node, vjpOutputs []*Node, _ shapes.Shape) []*Node {
	x := node.Inputs()[0]
	return []*Node{Mul(vjpOutputs[0], MulScalar(Div(node, x), -0.5))}
}
