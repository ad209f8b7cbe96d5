package report

import (
	"math"
	"strings"
	"testing"
)

func TestRankCorrelation(t *testing.T) {
	for _, tc := range []struct {
		name               string
		x, y               []float64
		rho, rhoP, tau, tP float64
	}{
		// One adjacent pair swapped twice: d = (−1, 1, −1, 1, 0), Σd² = 4,
		// ρ = 1 − 6·4/(5·24) = 0.8; two discordant of ten pairs, τ = 0.6.
		// Exact two-sided p over the 120 permutations: |ρ| ≥ 0.8 needs Σd²
		// ≤ 4 (the identity, 4 adjacent swaps, 3 pairs of disjoint adjacent
		// swaps) or its reverse, 16/120 (Spearman tables: P(ρ ≥ 0.8 | n = 5)
		// = 0.0667); |τ| ≥ 0.6 needs at most 2 inversions (1 + 4 + 9
		// permutations, the Mahonian numbers of n = 5) or at least 8, 28/120.
		{"n=5", []float64{1, 2, 3, 4, 5}, []float64{2, 1, 4, 3, 5}, 0.8, 16.0 / 120, 0.6, 28.0 / 120},
		// Reversed order: ρ = τ = −1; only the reverse and the identity are
		// as extreme, 2/24.
		{"reverse", []float64{1, 2, 3, 4}, []float64{9, 7, 5, 3}, -1, 2.0 / 24, -1, 2.0 / 24},
		// Ties: x ranks (1.5, 1.5, 3, 4), y ranks (1, 2.5, 2.5, 4);
		// Pearson of the ranks 3.75/4.5; τ-b: C = 4, D = 0, one pair tied in
		// x and one in y of six, 4/√(5·5) = 0.8. p by enumeration of the
		// 24 pairings: TestRankCorrelationTiesEnumerated.
		{"ties", []float64{1, 1, 2, 3}, []float64{1, 2, 2, 3}, 3.75 / 4.5, math.NaN(), 0.8, math.NaN()},
	} {
		got, err := RankCorrelation(tc.x, tc.y, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		near := func(a, b float64) bool { return math.IsNaN(b) || math.Abs(a-b) < 1e-12 }
		if !got.Exact || !near(got.Spearman, tc.rho) || !near(got.SpearmanP, tc.rhoP) || !near(got.Kendall, tc.tau) || !near(got.KendallP, tc.tP) {
			t.Errorf("%s: %+v, want ρ %g (p %g), τ %g (p %g)", tc.name, got, tc.rho, tc.rhoP, tc.tau, tc.tP)
		}
	}
}

// TestRankCorrelationTiesEnumerated: the exact p of the tied sample equals
// a count written out separately: τ-b of x against each of the 24 orders of
// y = (1, 2, 2, 3) (its two equal values give each distinct order twice).
func TestRankCorrelationTiesEnumerated(t *testing.T) {
	got, err := RankCorrelation([]float64{1, 1, 2, 3}, []float64{1, 2, 2, 3}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	perms := [][]float64{}
	var rec func(p []float64, rest []float64)
	rec = func(p, rest []float64) {
		if len(rest) == 0 {
			perms = append(perms, append([]float64(nil), p...))
			return
		}
		for i := range rest {
			r := append(append([]float64(nil), rest[:i]...), rest[i+1:]...)
			rec(append(p, rest[i]), r)
		}
	}
	rec(nil, []float64{1, 2, 2, 3})
	for _, y := range perms {
		if math.Abs(kendallTauB([]float64{1, 1, 2, 3}, y)) >= 0.8-1e-12 {
			hits++
		}
	}
	if len(perms) != 24 || math.Abs(got.KendallP-float64(hits)/24) > 1e-12 {
		t.Errorf("KendallP %g, enumeration %d/%d", got.KendallP, hits, len(perms))
	}
}

func TestRankCorrelationMonteCarlo(t *testing.T) {
	x := make([]float64, 30)
	for i := range x {
		x[i] = float64(i)
	}
	got, err := RankCorrelation(x, x, 1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	// No random permutation of 30 is as concordant as the identity
	// (probability 1/30!): p = 1/(1 + 1000).
	if got.Exact || got.Permutations != 1000 || got.Spearman != 1 || got.Kendall != 1 || got.SpearmanP != 1.0/1001 || got.KendallP != 1.0/1001 {
		t.Errorf("%+v", got)
	}
	again, _ := RankCorrelation(x, x, 1000, 7)
	if again != got {
		t.Error("the same seed gave another result")
	}
}

func TestRankCorrelationErrors(t *testing.T) {
	for _, tc := range []struct {
		x, y []float64
		want string
	}{
		{[]float64{1, 2, 3}, []float64{1, 2}, "3 and 2 values"},
		{[]float64{1, 2}, []float64{1, 2}, "at least 3"},
		{[]float64{1, 2, math.NaN()}, []float64{1, 2, 3}, "not finite"},
		{[]float64{1, 1, 1}, []float64{1, 2, 3}, "constant"},
	} {
		if _, err := RankCorrelation(tc.x, tc.y, 0, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want %q", tc.x, tc.y, err, tc.want)
		}
	}
}
