package fastexec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	g "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// exact runs f on this package's executors and on simplego's, and checks
// that the outputs are bit-identical (NaN where NaN) and that op ran here.
func exact(t *testing.T, op backends.OpType, f func(xs []*g.Node) *g.Node, inputs ...*tensors.Tensor) {
	t.Helper()
	exec := func(fast bool) []float32 {
		prev := SetEnabled(fast)
		defer SetEnabled(prev)
		args := make([]any, len(inputs))
		for i, in := range inputs {
			args[i] = in
		}
		out := g.MustExecOnce(backend(t), func(xs []*g.Node) *g.Node { return f(xs) }, args...)
		return tensors.MustCopyFlatData[float32](out)
	}
	want := exec(false)
	before := Calls(op)
	got := exec(true)
	if Calls(op) == before {
		t.Fatalf("%s did not run on fastexec", op)
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, simplego %d", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
			t.Fatalf("out[%d] = %v, simplego %v", i, got[i], want[i])
		}
	}
}

func randDims(rng *rand.Rand, rank, maxDim int) []int {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1 + rng.IntN(maxDim)
	}
	return dims
}

// broadcastPair draws output dimensions and two operand shapes of the same
// rank whose every dimension is the output's or 1, not both equal.
func broadcastPair(rng *rand.Rand, maxDim int) (out, a, b []int) {
	for {
		out = randDims(rng, 1+rng.IntN(4), maxDim)
		a, b = make([]int, len(out)), make([]int, len(out))
		same := true
		for i, d := range out {
			a[i], b[i] = d, d
			switch rng.IntN(3) {
			case 1:
				a[i] = 1
			case 2:
				b[i] = 1
			}
			same = same && a[i] == b[i]
		}
		if !same && size(b) > 1 {
			return out, a, b
		}
	}
}

func size(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

func TestBinaryBroadcastExact(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(21, 22))
	ops := map[backends.OpType]func(a, b *g.Node) *g.Node{
		backends.OpTypeAdd: g.Add, backends.OpTypeSub: g.Sub, backends.OpTypeMul: g.Mul,
		backends.OpTypeDiv: g.Div, backends.OpTypeMax: g.Max, backends.OpTypeMin: g.Min,
	}
	for _, op := range binaryOps {
		for i := range 8 {
			maxDim := 5
			if i == 7 {
				maxDim = 40
			}
			_, a, b := broadcastPair(rng, maxDim)
			t.Run(fmt.Sprintf("%s_%v_%v", op, a, b), func(t *testing.T) {
				x, y := randTensor(rng, dtypes.Float32, a...), randTensor(rng, dtypes.Float32, b...)
				exact(t, op, func(xs []*g.Node) *g.Node { return ops[op](xs[0], xs[1]) }, x, y)
			})
		}
	}
	// A size-1 left operand against a larger right one.
	x, y := randTensor(rng, dtypes.Float32, 1, 1), randTensor(rng, dtypes.Float32, 3, 4)
	exact(t, backends.OpTypeSub, func(xs []*g.Node) *g.Node { return g.Sub(xs[0], xs[1]) }, x, y)
}

func TestBroadcastInDimExact(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(23, 24))
	for i := range 20 {
		out := randDims(rng, 1+rng.IntN(4), 6)
		if i == 19 {
			out = []int{7, 33, 40}
		}
		from := make([]int, len(out))
		for j, d := range out {
			from[j] = d
			if rng.IntN(2) == 0 {
				from[j] = 1
			}
		}
		t.Run(fmt.Sprintf("%v_to_%v", from, out), func(t *testing.T) {
			x := randTensor(rng, dtypes.Float32, from...)
			exact(t, backends.OpTypeBroadcastInDim, func(xs []*g.Node) *g.Node { return g.BroadcastToDims(xs[0], out...) }, x)
		})
	}
	// New axes (ExpandAndBroadcast): [3,5] -> [3,4,5,2].
	x := randTensor(rng, dtypes.Float32, 3, 5)
	exact(t, backends.OpTypeBroadcastInDim, func(xs []*g.Node) *g.Node {
		return g.ExpandAndBroadcast(xs[0], []int{3, 4, 5, 2}, []int{1, 3})
	}, x)
}

func TestReduceExact(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(25, 26))
	for _, op := range []backends.OpType{backends.OpTypeReduceSum, backends.OpTypeReduceMax} {
		for i := range 15 {
			maxDim := 6
			if i >= 12 {
				maxDim = 40
			}
			dims := randDims(rng, 1+rng.IntN(4), maxDim)
			var axes []int
			for ax := range dims {
				if rng.IntN(2) == 0 {
					axes = append(axes, ax)
				}
			}
			if len(axes) == 0 {
				axes = []int{rng.IntN(len(dims))}
			}
			t.Run(fmt.Sprintf("%s_%v_axes%v", op, dims, axes), func(t *testing.T) {
				x := randTensor(rng, dtypes.Float32, dims...)
				exact(t, op, func(xs []*g.Node) *g.Node {
					if op == backends.OpTypeReduceSum {
						return g.ReduceSum(xs[0], axes...)
					}
					return g.ReduceMax(xs[0], axes...)
				}, x)
			})
		}
	}
	// -Inf and NaN inputs: the maximum propagates NaN as simplego's does.
	x := tensors.FromFlatDataAndDimensions([]float32{float32(math.Inf(-1)), 1, float32(math.NaN()), 2, 3, float32(math.Inf(-1))}, 2, 3)
	exact(t, backends.OpTypeReduceMax, func(xs []*g.Node) *g.Node { return g.ReduceMax(xs[0], 1) }, x)
}

func TestTransposeExact(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(27, 28))
	for i := range 20 {
		dims := randDims(rng, 2+rng.IntN(4), 6)
		if i == 19 {
			dims = []int{32, 40, 4}
		}
		perm := rng.Perm(len(dims))
		if perm[0] == 0 && perm[1] == 1 {
			perm[0], perm[1] = 1, 0 // not the identity
		}
		t.Run(fmt.Sprintf("%v_perm%v", dims, perm), func(t *testing.T) {
			x := randTensor(rng, dtypes.Float32, dims...)
			exact(t, backends.OpTypeTranspose, func(xs []*g.Node) *g.Node { return g.TransposeAllDims(xs[0], perm...) }, x)
		})
	}
}

func TestForEachRowCollapses(t *testing.T) {
	// [2,3,4] read densely and through a [1,3,4]-broadcast operand: the inner
	// 3·4 axes merge into one row of 12; the outer axis is walked twice.
	var rows [][3]int
	forEachRow([]int{2, 3, 4}, [][]int{{0, 4, 1}}, func(off int, offs []int, n int, inner []int) {
		rows = append(rows, [3]int{off, offs[0], n})
		if inner[0] != 1 {
			t.Fatalf("inner stride %d, want 1", inner[0])
		}
	})
	if want := [][3]int{{0, 0, 12}, {12, 0, 12}}; fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", rows, want)
	}
}

// TestLargeElementwiseExact covers the paths split across cores: Exp and Log
// (negative inputs give NaN), same-shape and scalar-operand binary ops.
func TestLargeElementwiseExact(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(29, 30))
	x := randTensor(rng, dtypes.Float32, 3, 170, 129) // > parallelMin elements, odd sizes
	y := randTensor(rng, dtypes.Float32, 3, 170, 129)
	s := randTensor(rng, dtypes.Float32)
	exact(t, backends.OpTypeExp, func(xs []*g.Node) *g.Node { return g.Exp(xs[0]) }, x)
	exact(t, backends.OpTypeLog, func(xs []*g.Node) *g.Node { return g.Log(xs[0]) }, x)
	// An intermediate result is owned by the op: its buffer is reused.
	exact(t, backends.OpTypeExp, func(xs []*g.Node) *g.Node { return g.Exp(g.Neg(xs[0])) }, x)
	exact(t, backends.OpTypeDiv, func(xs []*g.Node) *g.Node { return g.Div(xs[0], xs[1]) }, x, y)
	exact(t, backends.OpTypeMax, func(xs []*g.Node) *g.Node { return g.Max(g.Neg(xs[0]), xs[1]) }, x, y)
	exact(t, backends.OpTypeSub, func(xs []*g.Node) *g.Node { return g.Sub(xs[0], xs[1]) }, x, s)
}

func TestMaxOfMatchesFold(t *testing.T) {
	nan, negZero := float32(math.NaN()), float32(math.Copysign(0, -1))
	for _, row := range [][]float32{{1}, {negZero, 0}, {0, negZero, negZero, negZero, negZero}, {1, 2, nan, 3, 4, 5}, {-3, -2, -5, -1, -9, -8, -7}} {
		want := row[0]
		for _, v := range row[1:] {
			want = max(want, v)
		}
		if got := maxOf(row); math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
			t.Fatalf("maxOf(%v) = %v, fold %v", row, got, want)
		}
	}
}
