package fastexec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	g "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var (
	backendOnce sync.Once
	testBackend backends.Backend
	backendErr  error
)

// backend installs the bridge and creates a simplego backend.
func backend(tb testing.TB) backends.Backend {
	tb.Helper()
	backendOnce.Do(func() {
		if backendErr = Install(); backendErr == nil {
			// ops_sequential: simplego's parallel executor has a data race of its
			// own (exec.go, numUsed) that would fail go test -race here.
			testBackend, backendErr = backends.NewWithConfig("go:ops_sequential")
		}
	})
	if backendErr != nil {
		tb.Fatal(backendErr)
	}
	if !Installed() {
		tb.Skipf("the bridge is off (%s=off)", EnvVar)
	}
	return testBackend
}

// layout is one g.DotGeneral configuration.
type layout struct {
	lhsDims, rhsDims []int
	lc, lb, rc, rb   []int
}

func (c layout) String() string {
	return fmt.Sprintf("lhs%v_rhs%v_lc%v_lb%v_rc%v_rb%v", c.lhsDims, c.rhsDims, c.lc, c.lb, c.rc, c.rb)
}

// randomLayout draws 0–2 batch, contracting and cross axes per operand
// (ranks 1..4) at random axis positions, with dimensions in 1..maxDim.
func randomLayout(rng *rand.Rand, maxDim int) layout {
	for {
		nb, nc, nlx, nrx := rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)
		lr, rr := nb+nc+nlx, nb+nc+nrx
		if lr < 1 || lr > 4 || rr < 1 || rr > 4 {
			continue
		}
		dim := func() int { return 1 + rng.IntN(maxDim) }
		batch, contract := make([]int, nb), make([]int, nc)
		for i := range batch {
			batch[i] = 1 + rng.IntN(3)
		}
		for i := range contract {
			contract[i] = dim()
		}
		build := func(rank, nx int) (dims, c, b []int) {
			pos := rng.Perm(rank)
			dims = make([]int, rank)
			for i := range nb {
				b = append(b, pos[i])
				dims[pos[i]] = batch[i]
			}
			for i := range nc {
				c = append(c, pos[nb+i])
				dims[pos[nb+i]] = contract[i]
			}
			for i := range nx {
				dims[pos[nb+nc+i]] = dim()
			}
			return dims, c, b
		}
		var l layout
		l.lhsDims, l.lc, l.lb = build(lr, nlx)
		l.rhsDims, l.rc, l.rb = build(rr, nrx)
		return l
	}
}

func randFloats(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

func randTensor(rng *rand.Rand, dtype dtypes.DType, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	if dtype == dtypes.Float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	return tensors.FromFlatDataAndDimensions(randFloats(rng, n), dims...)
}

// run executes g.DotGeneral on the bridge (fast) or on simplego's kernels.
func run(tb testing.TB, fast bool, c layout, lhs, rhs *tensors.Tensor) []float64 {
	tb.Helper()
	prev := SetEnabled(fast)
	defer SetEnabled(prev)
	out := g.MustExecOnce(backend(tb), func(l, r *g.Node) *g.Node {
		return g.ConvertDType(g.DotGeneral(l, c.lc, c.lb, r, c.rc, c.rb), dtypes.Float64)
	}, lhs, rhs)
	return tensors.MustCopyFlatData[float64](out)
}

// TestBridgeMatchesSimplego runs g.DotGeneral on random layouts (small and
// tile-sized dimensions) through the bridge and through simplego's own
// kernels, and checks that the results agree and that the bridge ran.
func TestBridgeMatchesSimplego(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 60 {
		maxDim := 4
		if i%3 == 2 {
			maxDim = 40
		}
		c := randomLayout(rng, maxDim)
		t.Run(fmt.Sprintf("%02d_%s", i, c), func(t *testing.T) {
			lhs, rhs := randTensor(rng, dtypes.Float32, c.lhsDims...), randTensor(rng, dtypes.Float32, c.rhsDims...)
			want := run(t, false, c, lhs, rhs)
			before := Calls(backends.OpTypeDotGeneral)
			got := run(t, true, c, lhs, rhs)
			if Calls(backends.OpTypeDotGeneral) == before {
				t.Fatal("the bridge did not execute the g.DotGeneral")
			}
			k := 1
			for _, a := range c.lc {
				k *= c.lhsDims[a]
			}
			for j := range want {
				if d := math.Abs(got[j] - want[j]); d > 1e-5*float64(k+1)*(1+math.Abs(want[j])) {
					t.Fatalf("out[%d] = %v, simplego %v", j, got[j], want[j])
				}
			}
		})
	}
}

// TestBridgeLeavesFloat64 checks that other dtypes keep simplego's
// executor, exactly.
func TestBridgeLeavesFloat64(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(13, 14))
	c := layout{lhsDims: []int{3, 5}, rhsDims: []int{5, 4}, lc: []int{1}, rc: []int{0}}
	lhs, rhs := randTensor(rng, dtypes.Float64, 3, 5), randTensor(rng, dtypes.Float64, 5, 4)
	want := run(t, false, c, lhs, rhs)
	before := Calls(backends.OpTypeDotGeneral)
	got := run(t, true, c, lhs, rhs)
	if Calls(backends.OpTypeDotGeneral) != before {
		t.Fatal("the bridge executed a float64 g.DotGeneral")
	}
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("out[%d] = %v, want %v", j, got[j], want[j])
		}
	}
}

// TestBridgeGradient checks a training-shaped gradient (Dense layer on a
// [batch, seq, d] input, through GoMLX's stock VJPs) against simplego's.
func TestBridgeGradient(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(15, 16))
	x, w := randTensor(rng, dtypes.Float32, 4, 9, 24), randTensor(rng, dtypes.Float32, 24, 20)
	grads := func(fast bool) [][]float64 {
		prev := SetEnabled(fast)
		defer SetEnabled(prev)
		out := g.MustExecOnceN(backend(t), func(x, w *g.Node) []*g.Node {
			y := g.Einsum("bsd,de->bse", x, w)
			loss := g.ReduceAllSum(g.Mul(y, y))
			d := g.Gradient(loss, x, w)
			return []*g.Node{g.ConvertDType(d[0], dtypes.Float64), g.ConvertDType(d[1], dtypes.Float64)}
		}, x, w)
		return [][]float64{tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])}
	}
	want, got := grads(false), grads(true)
	for i := range want {
		for j := range want[i] {
			if d := math.Abs(got[i][j] - want[i][j]); d > 1e-3*(1+math.Abs(want[i][j])) {
				t.Fatalf("gradient %d [%d] = %v, simplego %v", i, j, got[i][j], want[i][j])
			}
		}
	}
}

// BenchmarkDotGeneral times a 1024³ float32 product through GoMLX (graph
// execution included) with this package and with simplego's kernels, in
// one run.
func BenchmarkDotGeneral(b *testing.B) {
	const n = 1024
	backend(b) // installs the bridge before SetEnabled
	rng := rand.New(rand.NewPCG(3, 3))
	lhs, rhs := randTensor(rng, dtypes.Float32, n, n), randTensor(rng, dtypes.Float32, n, n)
	for _, fast := range []bool{false, true} {
		b.Run(map[bool]string{false: "simplego", true: "fastexec"}[fast], func(b *testing.B) {
			prev := SetEnabled(fast)
			defer SetEnabled(prev)
			exec := g.MustNewExec(backend(b), func(l, r *g.Node) *g.Node { return g.Dot(l, r) })
			defer exec.Finalize()
			exec.MustExec(lhs, rhs)[0].FinalizeAll()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				exec.MustExec(lhs, rhs)[0].FinalizeAll()
			}
			b.ReportMetric(float64(2*n*n*n*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkAdamUpdate times the element-wise part of one Adam step on an
// FFN weight of BERT-base ([3072, 768]), written as GoMLX v0.26.0's
// optimizers.Adam writes it (scalar constants on the left of Mul:
// β₁·m + (1−β₁)·g, lr·m̂; √v̂ + ε), on simplego's executors and on this
// package's.
func BenchmarkAdamUpdate(b *testing.B) {
	backend(b)
	rng := rand.New(rand.NewPCG(5, 5))
	dims := []int{3072, 768}
	w, gr := randTensor(rng, dtypes.Float32, dims...), randTensor(rng, dtypes.Float32, dims...)
	m, v := randTensor(rng, dtypes.Float32, dims...), randTensor(rng, dtypes.Float32, dims...)
	adam := func(w, gr, m, v *g.Node) []*g.Node {
		c := func(x float64) *g.Node { return g.Scalar(w.Graph(), dtypes.Float32, x) }
		b1, b2 := c(0.9), c(0.999)
		m1 := g.Add(g.Mul(b1, m), g.Mul(g.OneMinus(b1), gr))
		v1 := g.Add(g.Mul(b2, g.Abs(v)), g.Mul(g.OneMinus(b2), g.Square(gr)))
		den := g.Add(g.Sqrt(g.Mul(v1, c(1000))), c(1e-8))
		return []*g.Node{g.Sub(w, g.Div(g.Mul(c(1e-4), g.Mul(m1, c(10))), den)), m1, v1}
	}
	for _, fast := range []bool{false, true} {
		b.Run(map[bool]string{false: "simplego", true: "fastexec"}[fast], func(b *testing.B) {
			prev := SetEnabled(fast)
			defer SetEnabled(prev)
			exec := g.MustNewExec(backend(b), adam)
			defer exec.Finalize()
			run := func() {
				for _, t := range exec.MustExec(w, gr, m, v) {
					t.FinalizeAll()
				}
			}
			run()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run()
			}
			b.ReportMetric(float64(size(dims)*b.N)/b.Elapsed().Seconds()/1e6, "Mparams/s")
		})
	}
}
