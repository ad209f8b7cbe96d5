package fastexec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	g "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ulps is the distance between two float32 values in units in the last
// place of want.
func ulps(got, want float32) float64 {
	if got == want {
		return 0
	}
	aw := float32(math.Abs(float64(want)))
	ulp := float64(math.Nextafter32(aw, float32(math.Inf(1))) - aw)
	return math.Abs(float64(got)-float64(want)) / ulp
}

func TestErfWithinTwoUlps(t *testing.T) {
	// Dense grid of [-5, 5] and the float32 values around 0: erf32 against
	// float32(math.Erf), the value simplego computes.
	const n = 2_000_000
	worst := 0.0
	check := func(x float32) {
		want := float32(math.Erf(float64(x)))
		if u := ulps(erf32(x), want); u > worst {
			worst = u
			if u > 2 {
				t.Fatalf("erf32(%g) = %g, math.Erf %g: %.1f ulp", x, erf32(x), want, u)
			}
		}
	}
	for i := 0; i <= n; i++ {
		check(float32(-5 + 10*float64(i)/n))
	}
	for x := float32(1e-38); x < 1; x *= 1.01 {
		check(x)
		check(-x)
	}
	t.Logf("max %.2f ulp", worst)
	for _, c := range []struct{ x, want float32 }{
		{0, 0}, {float32(math.Inf(1)), 1}, {float32(math.Inf(-1)), -1}, {4, 1}, {-10, -1},
	} {
		if got := erf32(c.x); got != c.want {
			t.Errorf("erf32(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if got := erf32(float32(math.NaN())); !math.IsNaN(float64(got)) {
		t.Errorf("erf32(NaN) = %g", got)
	}
}

// TestErfExecutorAgainstSimplego runs Erf through GoMLX on this package's
// executor and on simplego's own (large tensors: split across cores; owned
// intermediate: buffer reused).
func TestErfExecutorAgainstSimplego(t *testing.T) {
	backend(t)
	rng := rand.New(rand.NewPCG(31, 32))
	x := randTensor(rng, dtypes.Float32, 3, 170, 129)
	for _, f := range []func(xs []*g.Node) *g.Node{
		func(xs []*g.Node) *g.Node { return g.Erf(xs[0]) },
		func(xs []*g.Node) *g.Node { return g.Erf(g.MulScalar(xs[0], 3)) },
	} {
		run := func(fast bool) []float32 {
			prev := SetEnabled(fast)
			defer SetEnabled(prev)
			return tensors.MustCopyFlatData[float32](g.MustExecOnce(backend(t), f, x))
		}
		want := run(false)
		before := Calls(backends.OpTypeErf)
		got := run(true)
		if Calls(backends.OpTypeErf) == before {
			t.Fatal("Erf did not run on fastexec")
		}
		for i := range want {
			if u := ulps(got[i], want[i]); u > 2 {
				t.Fatalf("out[%d] = %g, simplego %g (%.1f ulp)", i, got[i], want[i], u)
			}
		}
	}
}
