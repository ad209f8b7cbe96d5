package fastgrad

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestRsqrtGradient checks Rsqrt's VJP against the derivative −½·x^−3/2
// written out, and against central finite differences of the forward pass.
func TestRsqrtGradient(t *testing.T) {
	Install()
	tests := []struct {
		name string
		x, w []float64
	}{
		{"around 1", []float64{0.5, 1, 2, 4}, []float64{1, -2, 0.5, 3}},
		{"small and large", []float64{1e-3, 1e-1, 10, 1e4}, []float64{1, 1, -1, 2}},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			x, w := tensors.FromValue(c.x), tensors.FromValue(c.w)
			loss := func(x, w *Node) *Node { return ReduceAllSum(Mul(Rsqrt(x), w)) }
			out := MustExecOnceN(backend(t), func(x, w *Node) []*Node { return Gradient(loss(x, w), x) }, x, w)
			got := tensors.MustCopyFlatData[float64](out[0])
			exec := MustNewExec(backend(t), func(x, w *Node) *Node { return loss(x, w) })
			defer exec.Finalize()
			at := func(v []float64) float64 {
				return tensors.MustCopyFlatData[float64](exec.MustExec(tensors.FromValue(v), w)[0])[0]
			}
			for i, xi := range c.x {
				want := -0.5 * c.w[i] * math.Pow(xi, -1.5) // d/dx of w·x^−½
				if d := math.Abs(got[i] - want); d > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("x=%g: gradient %g, want %g", xi, got[i], want)
				}
				h := 1e-6 * xi // central differences, relative step: error O(h²)
				xp, xm := append([]float64(nil), c.x...), append([]float64(nil), c.x...)
				xp[i], xm[i] = xi+h, xi-h
				num := (at(xp) - at(xm)) / (2 * h)
				if d := math.Abs(got[i] - num); d > 1e-6*math.Max(1, math.Abs(num)) {
					t.Errorf("x=%g: gradient %g, finite differences %g", xi, got[i], num)
				}
			}
		})
	}
}
