package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// RankTest is a rank-correlation test of two paired samples: Spearman's ρ
// (the Pearson correlation of the ranks, ties given their mean rank) and
// Kendall's τ-b (concordant minus discordant pairs over the geometric mean
// of the pairs untied in x and in y), each with a two-sided permutation
// p-value: the share of pairings of x with a permutation of y whose
// statistic is at least as far from 0 as the observed one. Up to
// ExactLimit values every permutation is enumerated (Exact; the observed
// pairing is one of them); above, Permutations random ones are drawn with
// a seeded generator and p = (1 + hits) / (1 + Permutations).
type RankTest struct {
	N                   int
	Spearman, SpearmanP float64
	Kendall, KendallP   float64
	Exact               bool
	Permutations        int // drawn permutations (0 when Exact)
}

// ExactLimit is the largest sample RankCorrelation enumerates every
// permutation of (8! = 40,320).
const ExactLimit = 8

// RankCorrelation tests x against y (same length, at least 3 values, all
// finite; neither constant). permutations is the number of random
// permutations above ExactLimit (10,000 when 0), seed their generator's.
func RankCorrelation(x, y []float64, permutations int, seed uint64) (RankTest, error) {
	n := len(x)
	if n != len(y) {
		return RankTest{}, fmt.Errorf("report: rank correlation of %d and %d values", len(x), len(y))
	}
	if n < 3 {
		return RankTest{}, fmt.Errorf("report: rank correlation needs at least 3 pairs, got %d", n)
	}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return RankTest{}, fmt.Errorf("report: rank correlation: pair %d (%g, %g) is not finite", i, x[i], y[i])
		}
	}
	rx, ry := ranks(x), ranks(y)
	if isConstant(rx) || isConstant(ry) {
		return RankTest{}, fmt.Errorf("report: rank correlation: a sample is constant")
	}
	rho := pearson(rx, ry)
	tau := kendallTauB(x, y)
	t := RankTest{N: n, Spearman: rho, Kendall: tau}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	py, pry := make([]float64, n), make([]float64, n)
	var hitsRho, hitsTau, total int
	count := func() {
		for i, j := range perm {
			py[i], pry[i] = y[j], ry[j]
		}
		// A permuted statistic equal to the observed one counts: compare
		// with a tolerance for the float sums.
		if math.Abs(pearson(rx, pry)) >= math.Abs(rho)-1e-12 {
			hitsRho++
		}
		if math.Abs(kendallTauB(x, py)) >= math.Abs(tau)-1e-12 {
			hitsTau++
		}
		total++
	}
	if n <= ExactLimit {
		t.Exact = true
		permute(perm, 0, count)
		t.SpearmanP, t.KendallP = float64(hitsRho)/float64(total), float64(hitsTau)/float64(total)
		return t, nil
	}
	if permutations <= 0 {
		permutations = 10000
	}
	rng := rand.New(rand.NewPCG(seed, 0x72616e6b)) // "rank"
	for k := 0; k < permutations; k++ {
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		count()
	}
	t.Permutations = permutations
	t.SpearmanP = float64(1+hitsRho) / float64(1+permutations)
	t.KendallP = float64(1+hitsTau) / float64(1+permutations)
	return t, nil
}

// permute calls fn with every permutation of p[k:] (Heap's algorithm would
// do; this recursive swap order is simpler and visits each once).
func permute(p []int, k int, fn func()) {
	if k == len(p) {
		fn()
		return
	}
	for i := k; i < len(p); i++ {
		p[k], p[i] = p[i], p[k]
		permute(p, k+1, fn)
		p[k], p[i] = p[i], p[k]
	}
}

// ranks are the 1-based ranks of v, ties given the mean of their ranks.
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

func isConstant(v []float64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

func pearson(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma, mb = ma/n, mb/n
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	return sab / math.Sqrt(saa*sbb)
}

// kendallTauB is Kendall's τ-b: (C − D) / sqrt((P − Tx)(P − Ty)) with C
// and D the concordant and discordant pairs, P all pairs, Tx and Ty the
// pairs tied in x and in y.
func kendallTauB(x, y []float64) float64 {
	var c, d, tx, ty int
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			sx, sy := sign(x[i]-x[j]), sign(y[i]-y[j])
			switch {
			case sx == 0 && sy == 0:
				tx++
				ty++
			case sx == 0:
				tx++
			case sy == 0:
				ty++
			case sx == sy:
				c++
			default:
				d++
			}
		}
	}
	p := len(x) * (len(x) - 1) / 2
	den := math.Sqrt(float64(p-tx) * float64(p-ty))
	if den == 0 {
		return 0
	}
	return float64(c-d) / den
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
