package fastgrad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
)

// testBackendConfig ($GOMLX_BACKEND overrides it) is simplego with sequential ops and an unbounded worker pool: the default
// pool deadlocked on 2 cores in training, and lib/encoder ships
// this configuration.
const testBackendConfig = "go:ops_sequential,parallelism=-1"

var (
	backendOnce sync.Once
	testBackend backends.Backend
)

func backend(tb testing.TB) backends.Backend {
	tb.Helper()
	cfg := testBackendConfig
	if c := os.Getenv(backends.ConfigEnvVar); c != "" {
		cfg = c // e.g. GOMLX_BACKEND=go:ops_sequential go test -bench .
	}
	backendOnce.Do(func() {
		var err error
		testBackend, err = backends.NewWithConfig(cfg)
		if err != nil {
			tb.Fatalf("backend %q: %v", cfg, err)
		}
	})
	if testBackend == nil {
		tb.Fatal("no backend")
	}
	return testBackend
}

// withVJPs runs fn with the fast (true) or stock (false) VJPs registered,
// restoring the previous registration afterwards. Graphs are built lazily at
// their first execution, so fn must execute them.
func withVJPs(fast bool, fn func()) {
	prevDot, prevDG := VJPRegistration[NodeTypeDot], VJPRegistration[NodeTypeDotGeneral]
	defer func() {
		VJPRegistration[NodeTypeDot], VJPRegistration[NodeTypeDotGeneral] = prevDot, prevDG
	}()
	if fast {
		VJPRegistration[NodeTypeDot], VJPRegistration[NodeTypeDotGeneral] = dotVJP, dotGeneralVJP
	} else {
		VJPRegistration[NodeTypeDot], VJPRegistration[NodeTypeDotGeneral] = stockDotVJP, stockDotGeneralVJP
	}
	fn()
}

func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// gradients of sum(f(lhs, rhs) * w) with respect to lhs and rhs.
func gradients(tb testing.TB, fast bool, f func(lhs, rhs *Node) *Node, lhs, rhs, w *tensors.Tensor) (dl, dr []float64) {
	tb.Helper()
	withVJPs(fast, func() {
		out := MustExecOnceN(backend(tb), func(l, r, w *Node) []*Node {
			loss := ReduceAllSum(Mul(f(l, r), w))
			return Gradient(loss, l, r)
		}, lhs, rhs, w)
		dl = tensors.MustCopyFlatData[float64](out[0])
		dr = tensors.MustCopyFlatData[float64](out[1])
	})
	return dl, dr
}

// outputShape executes f once to find its output dimensions.
func outputDims(tb testing.TB, f func(lhs, rhs *Node) *Node, lhs, rhs *tensors.Tensor) []int {
	out := MustExecOnce(backend(tb), func(l, r *Node) *Node { return f(l, r) }, lhs, rhs)
	return out.Shape().Dimensions
}

func assertClose(tb testing.TB, what string, got, want []float64, tol float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > tol*(1+math.Abs(want[i])) || math.IsNaN(got[i]) {
			tb.Fatalf("%s[%d] = %g, want %g (stock)", what, i, got[i], want[i])
		}
	}
}

// compareWithStock checks fast against stock gradients of f.
func compareWithStock(t *testing.T, rng *rand.Rand, f func(lhs, rhs *Node) *Node, lhsDims, rhsDims []int) {
	t.Helper()
	lhs, rhs := randTensor(rng, lhsDims...), randTensor(rng, rhsDims...)
	w := randTensor(rng, outputDims(t, f, lhs, rhs)...)
	sl, sr := gradients(t, false, f, lhs, rhs, w)
	fl, fr := gradients(t, true, f, lhs, rhs, w)
	// float64 sums of at most a few hundred products: 1e-9 relative is ample.
	assertClose(t, "dLhs", fl, sl, 1e-9)
	assertClose(t, "dRhs", fr, sr, 1e-9)
}

// dgConfig is one random DotGeneral layout.
type dgConfig struct {
	lhsDims, rhsDims []int
	lc, lb, rc, rb   []int
}

func (c dgConfig) String() string {
	return fmt.Sprintf("lhs%v_rhs%v_lc%v_lb%v_rc%v_rb%v", c.lhsDims, c.rhsDims, c.lc, c.lb, c.rc, c.rb)
}

// randomConfig draws operand ranks in 1..4 with random batch, contracting and
// cross axis counts, then places them at random (permuted) axis positions.
func randomConfig(rng *rand.Rand) dgConfig {
	for {
		nb, nc, nlx, nrx := rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)
		lr, rr := nb+nc+nlx, nb+nc+nrx
		if lr < 1 || lr > 4 || rr < 1 || rr > 4 {
			continue
		}
		batchSize := make([]int, nb)
		contractSize := make([]int, nc)
		for i := range batchSize {
			batchSize[i] = 1 + rng.IntN(3)
		}
		for i := range contractSize {
			contractSize[i] = 1 + rng.IntN(4)
		}
		build := func(rank, nx int) (dims, contracting, batch []int) {
			pos := rng.Perm(rank) // pos[k] = axis of the k-th role slot
			dims = make([]int, rank)
			for i := range nb {
				batch = append(batch, pos[i])
				dims[pos[i]] = batchSize[i]
			}
			for i := range nc {
				contracting = append(contracting, pos[nb+i])
				dims[pos[nb+i]] = contractSize[i]
			}
			for i := range nx {
				dims[pos[nb+nc+i]] = 1 + rng.IntN(4)
			}
			return dims, contracting, batch
		}
		var c dgConfig
		c.lhsDims, c.lc, c.lb = build(lr, nlx)
		c.rhsDims, c.rc, c.rb = build(rr, nrx)
		return c
	}
}

// TestDotGeneralRandomLayouts compares fast and stock gradients on 60 random
// DotGeneral layouts (seeded).
func TestDotGeneralRandomLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	for i := range 60 {
		c := randomConfig(rng)
		t.Run(fmt.Sprintf("%02d_%s", i, c), func(t *testing.T) {
			compareWithStock(t, rng, func(l, r *Node) *Node {
				return DotGeneral(l, c.lc, c.lb, r, c.rc, c.rb)
			}, c.lhsDims, c.rhsDims)
		})
	}
}

// TestDotGeneralEdgeCases covers hand-picked layouts (outer product, rank-1
// operands, several contracting axes in swapped order, transposed matrices).
func TestDotGeneralEdgeCases(t *testing.T) {
	tests := []dgConfig{
		{lhsDims: []int{3}, rhsDims: []int{3}, lc: []int{0}, rc: []int{0}},                                   // vector·vector
		{lhsDims: []int{3}, rhsDims: []int{4}},                                                               // outer product, no contraction
		{lhsDims: []int{3}, rhsDims: []int{3, 2}, lc: []int{0}, rc: []int{0}},                                // vector·matrix
		{lhsDims: []int{2, 3}, rhsDims: []int{4, 3}, lc: []int{1}, rc: []int{1}},                             // A·Bᵀ
		{lhsDims: []int{3, 2}, rhsDims: []int{3, 4}, lc: []int{0}, rc: []int{0}},                             // Aᵀ·B
		{lhsDims: []int{2, 3, 4}, rhsDims: []int{4, 3, 5}, lc: []int{1, 2}, rc: []int{1, 0}},                 // two contracting axes, swapped
		{lhsDims: []int{2, 3}, rhsDims: []int{3, 2}, lc: []int{1}, lb: []int{0}, rc: []int{0}, rb: []int{1}}, // batch only + contract, no cross
		{lhsDims: []int{4, 2}, rhsDims: []int{2, 4}, lb: []int{1}, rb: []int{0}},                             // batch + crosses, no contraction
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range tests {
		t.Run(c.String(), func(t *testing.T) {
			compareWithStock(t, rng, func(l, r *Node) *Node {
				return DotGeneral(l, c.lc, c.lb, r, c.rc, c.rb)
			}, c.lhsDims, c.rhsDims)
		})
	}
}

// TestEinsumPatterns compares gradients of the einsum patterns the encoder
// and the MaxSim scorer use.
func TestEinsumPatterns(t *testing.T) {
	tests := []struct {
		eq               string
		lhsDims, rhsDims []int
	}{
		{"bsd,de->bse", []int{2, 5, 4}, []int{4, 6}},              // Dense on [batch, seq, dim]
		{"bqhd,bkhd->bhqk", []int{2, 3, 2, 4}, []int{2, 5, 2, 4}}, // attention scores
		{"bhqk,bkhd->bqhd", []int{2, 2, 3, 5}, []int{2, 5, 2, 4}}, // attention-weighted values
		{"bqd,bkd->bqk", []int{3, 4, 6}, []int{3, 5, 6}},          // MaxSim similarity matrix
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range tests {
		t.Run(tc.eq, func(t *testing.T) {
			compareWithStock(t, rng, func(l, r *Node) *Node { return Einsum(tc.eq, l, r) }, tc.lhsDims, tc.rhsDims)
		})
	}
}

// TestDot covers the three operand-rank combinations of graph.Dot.
func TestDot(t *testing.T) {
	tests := []struct{ lhsDims, rhsDims []int }{
		{[]int{5}, []int{5}},
		{[]int{3, 5}, []int{5}},
		{[]int{3, 5}, []int{5, 4}},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v·%v", tc.lhsDims, tc.rhsDims), func(t *testing.T) {
			compareWithStock(t, rng, func(l, r *Node) *Node { return Dot(l, r) }, tc.lhsDims, tc.rhsDims)
		})
	}
}

// TestDenseRank3 compares the gradients of layers.Dense on a rank-3 input
// (which GoMLX builds with Einsum) with respect to input, weights and bias.
func TestDenseRank3(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := randTensor(rng, 2, 3, 4)
	w := randTensor(rng, 2, 3, 5)
	ctx := context.New()
	run := func(fast bool) [][]float64 {
		var res [][]float64
		withVJPs(fast, func() {
			out := context.MustExecOnceN(backend(t), ctx.Reuse(), func(ctx *context.Context, x, w *Node) []*Node {
				y := layers.Dense(ctx.Checked(false), x, true, 5)
				loss := ReduceAllSum(Mul(y, w))
				wrt := []*Node{x}
				for v := range ctx.IterVariables() {
					if v.Shape().DType == dtypes.Float64 { // skip the RNG state
						wrt = append(wrt, v.ValueGraph(x.Graph()))
					}
				}
				return Gradient(loss, wrt...)
			}, x, w)
			for _, o := range out {
				res = append(res, tensors.MustCopyFlatData[float64](o))
			}
		})
		return res
	}
	// Initialise the variables (float64: set the context dtype) once, then compare.
	ctx.SetParam("dtype", "float64")
	stock := run(false)
	fast := run(true)
	if len(stock) != 3 || len(stock) != len(fast) {
		t.Fatalf("got %d gradients (fast) and %d (stock), want 3 each (input, weights, bias)", len(fast), len(stock))
	}
	for i := range stock {
		assertClose(t, fmt.Sprintf("grad[%d]", i), fast[i], stock[i], 1e-9)
	}
}

// TestFiniteDifferences checks the fast gradients against central finite
// differences of the forward pass, independently of the stock VJP.
func TestFiniteDifferences(t *testing.T) {
	tests := []dgConfig{
		{lhsDims: []int{2, 3}, rhsDims: []int{3, 2}, lc: []int{1}, rc: []int{0}},
		{lhsDims: []int{2, 3, 2}, rhsDims: []int{2, 2, 4}, lc: []int{2}, lb: []int{0}, rc: []int{1}, rb: []int{0}},
		{lhsDims: []int{3, 2, 2}, rhsDims: []int{2, 2, 3}, lc: []int{2, 0}, rc: []int{1, 2}},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range tests {
		t.Run(c.String(), func(t *testing.T) {
			f := func(l, r *Node) *Node { return DotGeneral(l, c.lc, c.lb, r, c.rc, c.rb) }
			lhs, rhs := randTensor(rng, c.lhsDims...), randTensor(rng, c.rhsDims...)
			w := randTensor(rng, outputDims(t, f, lhs, rhs)...)
			dl, dr := gradients(t, true, f, lhs, rhs, w)
			exec := MustNewExec(backend(t), func(l, r, w *Node) *Node { return ReduceAllSum(Mul(f(l, r), w)) })
			defer exec.Finalize()
			lossAt := func(l, r []float64) float64 {
				out := exec.MustExec(tensors.FromFlatDataAndDimensions(l, c.lhsDims...), tensors.FromFlatDataAndDimensions(r, c.rhsDims...), w)
				return tensors.MustCopyFlatData[float64](out[0])[0]
			}
			l0, r0 := tensors.MustCopyFlatData[float64](lhs), tensors.MustCopyFlatData[float64](rhs)
			const h = 1e-5 // central differences: error O(h²) on a bilinear function is exactly 0 up to rounding
			numeric := func(x0 []float64, isLhs bool) []float64 {
				g := make([]float64, len(x0))
				for i := range x0 {
					xp, xm := slices.Clone(x0), slices.Clone(x0)
					xp[i] += h
					xm[i] -= h
					if isLhs {
						g[i] = (lossAt(xp, r0) - lossAt(xm, r0)) / (2 * h)
					} else {
						g[i] = (lossAt(l0, xp) - lossAt(l0, xm)) / (2 * h)
					}
				}
				return g
			}
			assertClose(t, "dLhs vs finite differences", dl, numeric(l0, true), 1e-6)
			assertClose(t, "dRhs vs finite differences", dr, numeric(r0, false), 1e-6)
		})
	}
}

// TestReadAxesMatchesString cross-checks the reflect-read axes against the
// node's String() output.
func TestReadAxesMatchesString(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		c := randomConfig(rng)
		lhs, rhs := randTensor(rng, c.lhsDims...), randTensor(rng, c.rhsDims...)
		var got dotGeneralAxes
		var str string
		MustExecOnce(backend(t), func(l, r *Node) *Node {
			n := DotGeneral(l, c.lc, c.lb, r, c.rc, c.rb)
			got = readDotGeneralAxes(n)
			str = n.String()
			return n
		}, lhs, rhs)
		want := fmt.Sprintf("lhsContractingAxes=%v, lhsBatchAxes=%v", got.lhsContracting, got.lhsBatch)
		want2 := fmt.Sprintf("rhsContractingAxes=%v, rhsBatchAxes=%v", got.rhsContracting, got.rhsBatch)
		if !strings.Contains(str, want) || !strings.Contains(str, want2) {
			t.Errorf("node %s: reflect read %+v", str, got)
		}
		if !slices.Equal(nilToEmpty(got.lhsContracting), nilToEmpty(c.lc)) || !slices.Equal(nilToEmpty(got.rhsBatch), nilToEmpty(c.rb)) {
			t.Errorf("config %s: reflect read %+v", c, got)
		}
	}
}

func nilToEmpty(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func TestInstall(t *testing.T) {
	Install()
	Install() // idempotent
	if !Installed() {
		t.Fatal("Installed() = false after Install")
	}
	if fmt.Sprintf("%p", VJPRegistration[NodeTypeDotGeneral]) != fmt.Sprintf("%p", dotGeneralVJP) {
		t.Error("DotGeneral VJP not replaced")
	}
	if fmt.Sprintf("%p", VJPRegistration[NodeTypeDot]) != fmt.Sprintf("%p", dotVJP) {
		t.Error("Dot VJP not replaced")
	}
}
