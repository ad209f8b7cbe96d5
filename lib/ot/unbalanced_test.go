package ot

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var update = flag.Bool("update", false, "rewrite testdata/unbalanced_pot.json by running testdata/gen_unbalanced.py (needs python3-pot)")

const (
	potScript = "testdata/gen_unbalanced.py"
	potGolden = "testdata/unbalanced_pot.json"
	sysPython = "/usr/bin/python3" // Debian's, where python3-pot installs (make setup-pot)
)

// potReference is the JSON that testdata/gen_unbalanced.py writes: one
// padded batch of problems and POT's plans and losses for each case.
type potReference struct {
	POTVersion string    `json:"pot_version"`
	B          int       `json:"b"`
	N          int       `json:"n"`
	M          int       `json:"m"`
	Cost       []float64 `json:"cost"`
	XMask      []bool    `json:"x_mask"`
	YMask      []bool    `json:"y_mask"`
	Cases      []struct {
		Reg        float64   `json:"reg"`
		RegM       float64   `json:"reg_m"`
		Iterations int       `json:"iterations"`
		Plan       []float64 `json:"plan"`
		Loss       []float64 `json:"loss"`
	} `json:"cases"`
}

func (r *potReference) problem() problem {
	return problem{b: r.B, n: r.N, m: r.M, cost: r.Cost, xMask: r.XMask, yMask: r.YMask}
}

func parsePOT(t *testing.T, name string, b []byte) *potReference {
	t.Helper()
	var r potReference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(r.Cases) == 0 || len(r.Cost) != r.B*r.N*r.M {
		t.Fatalf("%s: %d cases, %d costs for [%d,%d,%d]", name, len(r.Cases), len(r.Cost), r.B, r.N, r.M)
	}
	return &r
}

// potAvailable reports whether Debian's python3 has POT, without importing
// it (the import alone takes seconds).
func potAvailable() bool {
	return exec.Command(sysPython, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('ot') is None)").Run() == nil
}

// runPOTScript runs the generator and returns its JSON.
func runPOTScript(t *testing.T) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(sysPython, potScript)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", sysPython, potScript, err, stderr.String())
	}
	return out
}

// unbalancedOut runs UnbalancedDistance in the problem's dtype (float64 or
// float32) and returns plan and loss as float64.
func unbalancedOut(t *testing.T, p problem, f32 bool, eps, tau float64, iters int) (plan, loss []float64) {
	t.Helper()
	cost, xm, ym := p.tensors64()
	if f32 {
		cost, xm, ym = p.tensors32()
	}
	out := MustExecOnceN(backend(t), func(c, xm, ym *Node) []*Node {
		loss, plan := UnbalancedDistance(c, xm, ym, eps, tau, iters, false)
		return []*Node{ConvertDType(plan, dtypes.Float64), ConvertDType(loss, dtypes.Float64)}
	}, cost, xm, ym)
	return tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
}

// maxAbsDiff is max_i |a_i − b_i|.
func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// checkAgainstPOT compares the graph with each case of ref: in float64
// (log domain vs POT's scaling form: rounding only, ≤ 1e-12 observed, bound
// 1e-10) and in float32 (the training dtype: bound 1e-5 on plan entries,
// 1e-4 on losses, which are sums of up to 30 entries of magnitude ≤ 2).
func checkAgainstPOT(t *testing.T, name string, ref *potReference) {
	p := ref.problem()
	for _, c := range ref.Cases {
		for _, f32 := range []bool{false, true} {
			dt, planTol, lossTol := "float64", 1e-10, 1e-10
			if f32 {
				dt, planTol, lossTol = "float32", 1e-5, 1e-4
			}
			t.Run(fmt.Sprintf("%s/reg=%g/reg_m=%g/iters=%d/%s", name, c.Reg, c.RegM, c.Iterations, dt), func(t *testing.T) {
				plan, loss := unbalancedOut(t, p, f32, c.Reg, c.RegM, c.Iterations)
				dp, dl := maxAbsDiff(plan, c.Plan), maxAbsDiff(loss, c.Loss)
				t.Logf("max |plan − POT| = %.3g, max |loss − POT| = %.3g", dp, dl)
				if dp > planTol || dl > lossTol {
					t.Errorf("max |plan − POT %s| = %.3g (bound %g), max |loss − POT| = %.3g (bound %g)", ref.POTVersion, dp, planTol, dl, lossTol)
				}
				for i, v := range plan {
					if (!p.xMask[i/(p.n*p.m)*p.n+i/p.m%p.n] || !p.yMask[i/(p.n*p.m)*p.m+i%p.m]) && v != 0 {
						t.Fatalf("plan[%d] = %g on padding, want exactly 0", i, v)
					}
				}
			})
		}
	}
}

// TestUnbalancedMatchesPOT compares UnbalancedSinkhorn with the plans and
// losses of POT 0.8.2's ot.sinkhorn_unbalanced / sinkhorn_unbalanced2
// (method "sinkhorn", stopThr=0) committed in testdata/unbalanced_pot.json
// by testdata/gen_unbalanced.py: 7 (reg, reg_m, iterations) cases on a
// padded batch of 4 problems. -update rewrites the file from the script.
func TestUnbalancedMatchesPOT(t *testing.T) {
	if *update {
		if !potAvailable() {
			t.Fatalf("-update needs %s with POT (make setup-pot)", sysPython)
		}
		if err := os.WriteFile(potGolden, runPOTScript(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(potGolden)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstPOT(t, filepath.Base(potGolden), parsePOT(t, potGolden, b))
}

// TestUnbalancedMatchesPOTLive runs POT now (Debian's python3-pot) and
// compares the graph with its output, and the committed file with it.
func TestUnbalancedMatchesPOTLive(t *testing.T) {
	if !potAvailable() {
		t.Skipf("%s cannot import ot: install Debian's python3-pot (make setup-pot) to compare with POT live", sysPython)
	}
	live := parsePOT(t, "live "+potScript, runPOTScript(t))
	checkAgainstPOT(t, "live", live)
	b, err := os.ReadFile(potGolden)
	if err != nil {
		t.Fatal(err)
	}
	committed := parsePOT(t, potGolden, b)
	for i, c := range live.Cases {
		if d := maxAbsDiff(c.Plan, committed.Cases[i].Plan); d > 1e-12 {
			t.Errorf("case %d: live POT %s differs from %s (POT %s) by %.3g: rerun with -update", i, live.POTVersion, potGolden, committed.POTVersion, d)
		}
	}
}

// referenceUnbalanced is a pure-Go float64 transliteration of POT 0.8.2's
// sinkhorn_knopp_unbalanced (ot/unbalanced.py) on the real block of each
// problem: K = exp(−M/reg), fi = reg_m/(reg_m+reg), u = 1/|I|, v = 1/|J|,
// then u = (a/Kv)^fi, v = (b/Kᵀu)^fi, plan = diag(u) K diag(v).
func referenceUnbalanced(p problem, eps, tau float64, iters int) []float64 {
	plan := make([]float64, len(p.cost))
	fi := tau / (tau + eps)
	for k := range p.b {
		var I, J []int
		for i := range p.n {
			if p.xMask[k*p.n+i] {
				I = append(I, i)
			}
		}
		for j := range p.m {
			if p.yMask[k*p.m+j] {
				J = append(J, j)
			}
		}
		if len(I) == 0 || len(J) == 0 {
			continue
		}
		K := func(i, j int) float64 { return math.Exp(-p.cost[(k*p.n+i)*p.m+j] / eps) }
		u, v := make([]float64, p.n), make([]float64, p.m)
		for _, j := range J {
			v[j] = 1 / float64(len(J))
		}
		for range iters {
			for _, i := range I {
				s := 0.0
				for _, j := range J {
					s += K(i, j) * v[j]
				}
				u[i] = math.Pow(1/float64(len(I))/s, fi)
			}
			for _, j := range J {
				s := 0.0
				for _, i := range I {
					s += K(i, j) * u[i]
				}
				v[j] = math.Pow(1/float64(len(J))/s, fi)
			}
		}
		for _, i := range I {
			for _, j := range J {
				plan[(k*p.n+i)*p.m+j] = u[i] * K(i, j) * v[j]
			}
		}
	}
	return plan
}

// TestUnbalancedMatchesReference: random padded problems, the graph in
// float64 against the transliteration of POT (rounding only).
func TestUnbalancedMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	for _, tc := range []struct {
		eps, tau float64
		iters    int
	}{{0.05, 0.5, 20}, {0.1, 1, 50}, {0.3, 0.1, 10}, {1, 5, 3}} {
		t.Run(fmt.Sprintf("eps=%g/tau=%g/iters=%d", tc.eps, tc.tau, tc.iters), func(t *testing.T) {
			p := randomProblem(rng, 5, 7, 6)
			got, _ := unbalancedOut(t, p, false, tc.eps, tc.tau, tc.iters)
			want := referenceUnbalanced(p, tc.eps, tc.tau, tc.iters)
			if d := maxAbsDiff(got, want); d > 1e-12 {
				t.Errorf("max |plan − reference| = %.3g", d)
			}
		})
	}
}

// TestUnbalancedLargeTauIsBalanced: τ = +Inf is the balanced iteration
// (the plans agree to rounding), and τ = 1e6 (fi = 1 − 1e-7) is within 1e-6
// of it; a small τ moves mass away from the balanced marginals.
func TestUnbalancedLargeTauIsBalanced(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	p := randomProblem(rng, 4, 8, 9)
	const eps, iters = 0.1, 200
	cost, xm, ym := p.tensors64()
	balanced := tensors.MustCopyFlatData[float64](runSinkhorn(t, cost, xm, ym, eps, iters))
	for _, tc := range []struct {
		tau, bound float64
	}{{math.Inf(1), 1e-12}, {1e6, 1e-6}} {
		got, _ := unbalancedOut(t, p, false, eps, tc.tau, iters)
		if d := maxAbsDiff(got, balanced); d > tc.bound {
			t.Errorf("tau=%g: max |plan − balanced| = %.3g, want ≤ %g", tc.tau, d, tc.bound)
		}
	}
	got, _ := unbalancedOut(t, p, false, eps, 0.01, iters)
	if d := maxAbsDiff(got, balanced); d < 1e-3 {
		t.Errorf("tau=0.01: max |plan − balanced| = %.3g, want a visibly different plan", d)
	}
}

// TestUnbalancedEdgeProblems: a problem with no real document token and one
// with no real query token get all-zero plans and zero losses, finite in
// float32 with gradients (differentiatePlan both ways), at a small ε.
func TestUnbalancedEdgeProblems(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 3))
	p := randomProblem(rng, 3, 5, 6)
	for j := range p.m {
		p.yMask[j] = false // problem 0: no document token
	}
	for i := range p.n {
		p.xMask[p.n+i] = false // problem 1: no query token
	}
	cost, xm, ym := p.tensors32()
	for _, diff := range []bool{false, true} {
		out := MustExecOnceN(backend(t), func(c, xm, ym *Node) []*Node {
			loss, plan := UnbalancedDistance(c, xm, ym, 0.01, 0.5, 20, diff)
			return []*Node{loss, plan, Gradient(ReduceAllSum(loss), c)[0]}
		}, cost, xm, ym)
		loss := tensors.MustCopyFlatData[float32](out[0])
		if loss[0] != 0 || loss[1] != 0 || !(loss[2] > 0) {
			t.Errorf("differentiatePlan=%v: losses %v, want 0, 0 and > 0", diff, loss)
		}
		for o, name := range []string{"loss", "plan", "grad"} {
			for i, v := range tensors.MustCopyFlatData[float32](out[o]) {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("differentiatePlan=%v: %s[%d] = %g", diff, name, i, v)
				}
			}
		}
	}
}

// TestUnbalancedGradientIsPlan: with the plan under StopGradient, dLoss/dC = P.
func TestUnbalancedGradientIsPlan(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	p := randomProblem(rng, 3, 6, 5)
	cost, xm, ym := p.tensors32()
	out := MustExecOnceN(backend(t), func(c, xm, ym *Node) []*Node {
		loss, plan := UnbalancedDistance(c, xm, ym, 0.05, 1, 20, false)
		return []*Node{plan, Gradient(ReduceAllSum(loss), c)[0]}
	}, cost, xm, ym)
	plan, grad := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
	for i := range plan {
		if plan[i] != grad[i] {
			t.Fatalf("dLoss/dC[%d] = %g, plan %g", i, grad[i], plan[i])
		}
	}
}

// TestUnbalancedBadSettings: out-of-range values are refused with an error
// (CheckUnbalanced) or a panic (the graph function) naming the setting.
func TestUnbalancedBadSettings(t *testing.T) {
	for _, tc := range []struct {
		eps, tau float64
		iters    int
		setting  string
	}{
		{0, 1, 10, ParamEpsilon},
		{-0.1, 1, 10, ParamEpsilon},
		{math.NaN(), 1, 10, ParamEpsilon},
		{math.Inf(1), 1, 10, ParamEpsilon},
		{0.05, 0, 10, ParamMarginalTau},
		{0.05, -1, 10, ParamMarginalTau},
		{0.05, math.NaN(), 10, ParamMarginalTau},
		{0.05, math.Inf(-1), 10, ParamMarginalTau},
		{0.05, 1, 0, ParamIterations},
	} {
		name := fmt.Sprintf("eps=%g/tau=%g/iters=%d", tc.eps, tc.tau, tc.iters)
		err := CheckUnbalanced(tc.eps, tc.tau, tc.iters)
		if err == nil || !strings.Contains(err.Error(), tc.setting) {
			t.Errorf("%s: CheckUnbalanced = %v, want an error naming %s", name, err, tc.setting)
		}
		var msg string
		func() {
			defer func() { msg = fmt.Sprint(recover()) }()
			MustExecOnce(backend(t), func(c, xm, ym *Node) *Node {
				return UnbalancedSinkhorn(c, xm, ym, tc.eps, tc.tau, tc.iters)
			}, tensors.FromValue([][][]float32{{{0, 1}, {1, 0}}}), tensors.FromValue([][]bool{{true, true}}), tensors.FromValue([][]bool{{true, true}}))
		}()
		if !strings.Contains(msg, tc.setting) || !strings.Contains(msg, "UnbalancedSinkhorn") {
			t.Errorf("%s: panic %q, want one naming UnbalancedSinkhorn and %s", name, msg, tc.setting)
		}
	}
	if err := CheckUnbalanced(0.05, math.Inf(1), 1); err != nil {
		t.Errorf("tau=+Inf (the balanced limit): %v", err)
	}
}
