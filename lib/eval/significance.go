package eval

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// ErrSample is wrapped when paired score vectors cannot be tested.
var ErrSample = errors.New("eval: invalid sample")

func pairedDiffs(fn string, a, b []float64, minN int) ([]float64, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("eval: %s: len(a)=%d != len(b)=%d: %w", fn, len(a), len(b), ErrSample)
	}
	if len(a) < minN {
		return nil, fmt.Errorf("eval: %s: %d pairs, need at least %d: %w", fn, len(a), minN, ErrSample)
	}
	d := make([]float64, len(a))
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return nil, fmt.Errorf("eval: %s: NaN score at index %d: %w", fn, i, ErrSample)
		}
		d[i] = a[i] - b[i]
	}
	return d, nil
}

// RandomizationTest is the paired two-sided randomization (sign-flip
// permutation) test of mean(a-b) = 0 (Smucker, Allan & Carterette, CIKM
// 2007). Each of permutations rounds flips the sign of every difference
// with probability 1/2; the p-value is (1 + #{|mean| >= observed}) /
// (1 + permutations), so it is never 0 and is exactly 1 for identical
// vectors. permutations <= 0 means 10000. seed fixes the random stream.
func RandomizationTest(a, b []float64, permutations int, seed uint64) (pValue float64, err error) {
	d, err := pairedDiffs("RandomizationTest", a, b, 1)
	if err != nil {
		return 0, err
	}
	if permutations <= 0 {
		permutations = 10000
	}
	n := float64(len(d))
	observed := math.Abs(floatsSum(d) / n)
	// Tolerance so that permutations whose mean equals the observed one up
	// to rounding of the summation count as "at least as extreme".
	tol := 1e-12 * math.Max(1, observed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	extreme := 0
	for p := 0; p < permutations; p++ {
		s := 0.0
		for i := 0; i < len(d); i += 64 {
			bits := rng.Uint64()
			for j := i; j < len(d) && j < i+64; j++ {
				if bits&1 == 1 {
					s -= d[j]
				} else {
					s += d[j]
				}
				bits >>= 1
			}
		}
		if math.Abs(s/n) >= observed-tol {
			extreme++
		}
	}
	return float64(extreme+1) / float64(permutations+1), nil
}

func floatsSum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// PairedTTest is the two-sided paired Student t-test of mean(a-b) = 0:
// t = mean(d) / (sd(d)/sqrt(n)) with n-1 degrees of freedom. When every
// difference is equal, t is 0 with p 1 (all zero) or ±Inf with p 0.
func PairedTTest(a, b []float64) (t, pValue float64, err error) {
	d, err := pairedDiffs("PairedTTest", a, b, 2)
	if err != nil {
		return 0, 0, err
	}
	mean, sd := stat.MeanStdDev(d, nil)
	n := float64(len(d))
	if sd == 0 {
		if mean == 0 {
			return 0, 1, nil
		}
		return math.Copysign(math.Inf(1), mean), 0, nil
	}
	t = mean / (sd / math.Sqrt(n))
	dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}
	pValue = 2 * dist.Survival(math.Abs(t))
	return t, math.Min(1, pValue), nil
}

// Bonferroni multiplies each p-value by the number of tests, capped at 1.
func Bonferroni(p []float64) []float64 {
	out := make([]float64, len(p))
	m := float64(len(p))
	for i, v := range p {
		out[i] = math.Min(1, v*m)
	}
	return out
}

// Holm returns Holm's step-down adjusted p-values (Holm 1979), in the order
// of p: the i-th smallest p-value is multiplied by m-i+1 (1-based i), and
// adjusted values are made non-decreasing in that order and capped at 1.
func Holm(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(p[x], p[y]) })
	out := make([]float64, m)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, p[i]*float64(m-rank))
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}

// BootstrapCI is the percentile bootstrap confidence interval of mean(a-b):
// resamples (<= 0 means 10000) resamples of the query pairs with
// replacement, and the (1-confidence)/2 and (1+confidence)/2 empirical
// quantiles of their mean differences. confidence must be in (0, 1).
func BootstrapCI(a, b []float64, resamples int, confidence float64, seed uint64) (lo, hi float64, err error) {
	d, err := pairedDiffs("BootstrapCI", a, b, 1)
	if err != nil {
		return 0, 0, err
	}
	if !(confidence > 0 && confidence < 1) {
		return 0, 0, fmt.Errorf("eval: BootstrapCI: confidence %v not in (0, 1): %w", confidence, ErrSample)
	}
	if resamples <= 0 {
		resamples = 10000
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	means := make([]float64, resamples)
	n := len(d)
	for r := range means {
		s := 0.0
		for range n {
			s += d[rng.IntN(n)]
		}
		means[r] = s / float64(n)
	}
	slices.Sort(means)
	alpha := (1 - confidence) / 2
	lo = stat.Quantile(alpha, stat.Empirical, means, nil)
	hi = stat.Quantile(1-alpha, stat.Empirical, means, nil)
	return lo, hi, nil
}

// PairedScores returns, for the queries evaluated in both x and y (strcmp
// order), the values of measure in x (a) and in y (b).
func PairedScores(x, y *Results, measure string) (qids []string, a, b []float64, err error) {
	if x == nil || y == nil {
		return nil, nil, nil, fmt.Errorf("eval: PairedScores: nil Results: %w", ErrSample)
	}
	if !slices.Contains(x.Measures, measure) || !slices.Contains(y.Measures, measure) {
		return nil, nil, nil, fmt.Errorf("eval: PairedScores: measure %q not in both results: %w", measure, ErrUnknownMeasure)
	}
	if !hasPerQuery(x, measure) || !hasPerQuery(y, measure) {
		return nil, nil, nil, fmt.Errorf("eval: PairedScores: %s has no per-query values: %w", measure, ErrUnknownMeasure)
	}
	for _, q := range sortedQIDs(x.PerQuery) {
		vy, ok := y.PerQuery[q]
		if !ok {
			continue
		}
		qids = append(qids, q)
		a = append(a, x.PerQuery[q][measure])
		b = append(b, vy[measure])
	}
	if len(qids) == 0 {
		return nil, nil, nil, fmt.Errorf("eval: PairedScores: no query in both results: %w", ErrSample)
	}
	return qids, a, b, nil
}

// hasPerQuery reports whether r holds per-query values of measure.
func hasPerQuery(r *Results, measure string) bool {
	for _, vals := range r.PerQuery {
		_, ok := vals[measure]
		return ok
	}
	return false
}
