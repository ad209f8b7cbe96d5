package eval

import (
	"errors"
	"math"
	"testing"
)

// tCDF3Survival2 is the two-sided p-value of Student's t with 3 degrees of
// freedom, from the closed form of its CDF (Abramowitz & Stegun 26.7.3):
// F(t) = 1/2 + (1/pi)(x/(1+x^2) + atan x), x = t/sqrt(3), so
// p = 1 - (2/pi)(x/(1+x^2) + atan x).
func tCDF3Survival2(t float64) float64 {
	x := math.Abs(t) / math.Sqrt(3)
	return 1 - 2/math.Pi*(x/(1+x*x)+math.Atan(x))
}

func TestPairedTTest(t *testing.T) {
	// Hand computation: d = a-b = [0.1, 0, 0.2, 0.3], mean 0.15, squared
	// deviations 0.0025+0.0225+0.0025+0.0225 = 0.05, sd = sqrt(0.05/3),
	// t = 0.15 / (sd/2) = 2.3237900..., df 3.
	a := []float64{0.5, 0.6, 0.7, 0.8}
	b := []float64{0.4, 0.6, 0.5, 0.5}
	tv, p, err := PairedTTest(a, b)
	if err != nil {
		t.Fatal(err)
	}
	wantT := 0.15 / (math.Sqrt(0.05/3) / 2)
	if math.Abs(tv-wantT) > 1e-12 {
		t.Errorf("t = %v, want %v", tv, wantT)
	}
	if want := tCDF3Survival2(wantT); math.Abs(p-want) > 1e-9 {
		t.Errorf("p = %v, want %v (closed form, df 3)", p, want)
	}
	// Swapping the systems flips t, keeps p.
	tv2, p2, _ := PairedTTest(b, a)
	if tv2 != -tv || math.Abs(p2-p) > 1e-15 {
		t.Errorf("swapped: t %v p %v, want %v %v", tv2, p2, -tv, p)
	}
	// Degenerate: identical vectors -> t 0, p 1; constant shift -> p 0.
	if tv, p, _ := PairedTTest(a, a); tv != 0 || p != 1 {
		t.Errorf("identical: t %v p %v, want 0 1", tv, p)
	}
	if tv, p, _ := PairedTTest([]float64{1, 2}, []float64{0, 1}); !math.IsInf(tv, 1) || p != 0 {
		t.Errorf("constant shift: t %v p %v, want +Inf 0", tv, p)
	}
	for _, bad := range [][2][]float64{{{1}, {1}}, {{1, 2}, {1}}, {{1, math.NaN()}, {1, 2}}} {
		if _, _, err := PairedTTest(bad[0], bad[1]); !errors.Is(err, ErrSample) {
			t.Errorf("PairedTTest(%v, %v) err = %v, want ErrSample", bad[0], bad[1], err)
		}
	}
}

func TestRandomizationTest(t *testing.T) {
	a := []float64{0.5, 0.6, 0.7, 0.8}
	b := []float64{0.4, 0.6, 0.5, 0.5}
	// Identical systems: every sign flip is as extreme, p = 1 exactly.
	if p, err := RandomizationTest(a, a, 0, 1); err != nil || p != 1 {
		t.Errorf("identical: p %v err %v, want 1", p, err)
	}
	// Exact enumeration for d = [0.1, 0, 0.2, 0.3]: |sum| >= 0.6 only when
	// 0.1, 0.2, 0.3 share a sign (2 ways) times 2 signs of the 0: 4 of 16,
	// p = 0.25. 20000 permutations: sd of the estimate 0.003.
	p, err := RandomizationTest(a, b, 20000, 7)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p-0.25) > 0.012 {
		t.Errorf("p = %v, want 0.25 +- 0.012", p)
	}
	// Same seed, same answer.
	if p2, _ := RandomizationTest(a, b, 20000, 7); p2 != p {
		t.Errorf("not deterministic: %v then %v", p, p2)
	}
	// More than 64 pairs uses several random words per permutation: a large
	// consistent improvement is significant (p at its floor 1/(1+n)).
	x, y := make([]float64, 100), make([]float64, 100)
	for i := range x {
		x[i], y[i] = 0.5+0.001*float64(i%7), 0.3
	}
	if p, _ := RandomizationTest(x, y, 999, 3); p != 1.0/1000 {
		t.Errorf("clear win: p = %v, want 1/1000", p)
	}
	if _, err := RandomizationTest(a, b[:3], 10, 1); !errors.Is(err, ErrSample) {
		t.Errorf("length mismatch: err %v", err)
	}
}

func TestCorrections(t *testing.T) {
	// Worked example, checked against R: p.adjust(c(0.01, 0.04, 0.03,
	// 0.005), "bonferroni") = 0.04 0.16 0.12 0.02 and "holm" = 0.03 0.06
	// 0.06 0.02 (sorted 0.005*4, 0.01*3, 0.03*2, max(0.04*1, 0.06)).
	p := []float64{0.01, 0.04, 0.03, 0.005}
	cases := []struct {
		name string
		got  []float64
		want []float64
	}{
		{"bonferroni", Bonferroni(p), []float64{0.04, 0.16, 0.12, 0.02}},
		{"holm", Holm(p), []float64{0.03, 0.06, 0.06, 0.02}},
		{"bonferroni cap", Bonferroni([]float64{0.6, 0.2}), []float64{1, 0.4}},
		// Holm: 0.2*2 = 0.4, then 0.6*1 = 0.6; and 0.6*2 capped at 1, carried to 0.7.
		{"holm step", Holm([]float64{0.6, 0.2}), []float64{0.6, 0.4}},
		{"holm cap", Holm([]float64{0.6, 0.7}), []float64{1, 1}},
		{"empty", Holm(nil), []float64{}},
	}
	for _, c := range cases {
		if len(c.got) != len(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			continue
		}
		for i := range c.want {
			if math.Abs(c.got[i]-c.want[i]) > 1e-15 {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				break
			}
		}
	}
	if p[0] != 0.01 {
		t.Error("Holm modified its input")
	}
}

func TestBootstrapCI(t *testing.T) {
	// Constant differences: every resample mean is 0.1.
	lo, hi, err := BootstrapCI([]float64{0.3, 0.5, 0.9}, []float64{0.2, 0.4, 0.8}, 500, 0.95, 1)
	if err != nil || math.Abs(lo-0.1) > 1e-12 || math.Abs(hi-0.1) > 1e-12 {
		t.Errorf("constant: [%v, %v] err %v, want [0.1, 0.1]", lo, hi, err)
	}
	// d = [0, 1] (n = 2): resample means are 0, 0.5, 1 with probability
	// 1/4, 1/2, 1/4, so the 2.5% and 97.5% quantiles are 0 and 1.
	lo, hi, err = BootstrapCI([]float64{0, 1}, []float64{0, 0}, 4000, 0.95, 2)
	if err != nil || lo != 0 || hi != 1 {
		t.Errorf("two pairs: [%v, %v] err %v, want [0, 1]", lo, hi, err)
	}
	// An interval of a larger sample holds the observed mean and narrows
	// as confidence falls.
	a, b := make([]float64, 50), make([]float64, 50)
	for i := range a {
		a[i], b[i] = float64(i%10)/10, float64((i*7)%10)/10
	}
	lo95, hi95, _ := BootstrapCI(a, b, 2000, 0.95, 3)
	lo50, hi50, _ := BootstrapCI(a, b, 2000, 0.50, 3)
	mean := 0.0
	for i := range a {
		mean += (a[i] - b[i]) / 50
	}
	if !(lo95 <= lo50 && lo50 <= mean && mean <= hi50 && hi50 <= hi95) {
		t.Errorf("intervals 95%% [%v,%v] 50%% [%v,%v] do not nest around mean %v", lo95, hi95, lo50, hi50, mean)
	}
	for _, conf := range []float64{0, 1, -0.5, math.NaN()} {
		if _, _, err := BootstrapCI(a, b, 10, conf, 1); !errors.Is(err, ErrSample) {
			t.Errorf("confidence %v: err %v, want ErrSample", conf, err)
		}
	}
}

func TestPairedScores(t *testing.T) {
	q := Qrels{"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 1}}
	x, err := Evaluate(q, Run{"q1": {{"a", 1}}, "q2": {{"z", 1}, {"b", 0}}}, Options{Measures: []string{"map"}})
	if err != nil {
		t.Fatal(err)
	}
	y, err := Evaluate(q, Run{"q2": {{"b", 1}}, "q3": {{"c", 1}}}, Options{Measures: []string{"map"}})
	if err != nil {
		t.Fatal(err)
	}
	qids, a, b, err := PairedScores(x, y, "map")
	if err != nil {
		t.Fatal(err)
	}
	// Only q2 is in both: x ranks b second (AP 1/2), y first (AP 1).
	if len(qids) != 1 || qids[0] != "q2" || a[0] != 0.5 || b[0] != 1 {
		t.Errorf("PairedScores = %v %v %v, want [q2] [0.5] [1]", qids, a, b)
	}
	if _, _, _, err := PairedScores(x, y, "P_10"); !errors.Is(err, ErrUnknownMeasure) {
		t.Errorf("absent measure: err %v", err)
	}
}
