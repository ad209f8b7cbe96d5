package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"

	"github.com/otclir/otclir/experiments/record"
)

// MaxExactUnits is the most units ExactSignFlip enumerates (2^20 sign
// assignments).
const MaxExactUnits = 20

// AlwaysExactUnits: SignFlip enumerates up to this many units whatever
// the number of permutations (2^16 assignments cost about a millisecond).
// UDHR's 15 test articles are tested exactly: at 10,000 Monte-Carlo
// permutations a p of 0.0015 has a standard error of 0.0004, enough to
// move a Holm decision near α. A table whose seeds hold out different
// articles (record.PipelineV2's two UDHR folds) tests the union of their
// 30 articles with permutations random assignments.
const AlwaysExactUnits = 16

// SignFlip is the two-sided paired randomization (sign-flip) test of
// H0: E[Σ_u c_u] = 0 over exchangeable units u with contributions c
// (Fisher 1935; Smucker, Allan & Carterette, CIKM 2007, for IR). Under H0
// the sign of each unit's contribution is a fair coin, so the statistic
// |Σ_u s_u c_u| / div with s_u = ±1 is compared with its observed value
// (s = +1). A unit is a query (c_u its difference, div the number of
// queries: the mean difference), a cluster of queries permuted together
// (c_u the sum of its queries' differences), or a language (c_u its mean
// difference over the number of languages).
//
// With at most AlwaysExactUnits units, or when 2^len(c) <= permutations,
// the test enumerates every assignment and returns the exact p =
// #{|stat| >= observed} / 2^len(c) (exact true); otherwise it draws permutations assignments (<= 0 means 10,000) from
// seed and returns (1 + #extreme) / (1 + permutations), which is never 0.
// With one unit per query it draws the same stream as
// lib/eval.RandomizationTest and returns the same p-value.
func SignFlip(c []float64, div float64, permutations int, seed uint64) (p float64, exact bool, err error) {
	if len(c) == 0 {
		return 0, false, fmt.Errorf("report: sign-flip test of no units")
	}
	for i, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false, fmt.Errorf("report: sign-flip test: unit %d has contribution %v", i, v)
		}
	}
	if !(div > 0) {
		return 0, false, fmt.Errorf("report: sign-flip test: divisor %v is not positive", div)
	}
	if permutations <= 0 {
		permutations = 10000
	}
	if len(c) <= AlwaysExactUnits || (len(c) <= MaxExactUnits && 1<<len(c) <= permutations) {
		return ExactSignFlip(c, div), true, nil
	}
	return signFlipSample(c, div, permutations, seed), false, nil
}

// signFlipSample is SignFlip's Monte-Carlo p-value.
func signFlipSample(c []float64, div float64, permutations int, seed uint64) float64 {
	observed, tol := observedStat(c, div)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	extreme := 0
	for range permutations {
		s := 0.0
		for i := 0; i < len(c); i += 64 {
			b := rng.Uint64()
			for j := i; j < len(c) && j < i+64; j++ {
				if b&1 == 1 {
					s -= c[j]
				} else {
					s += c[j]
				}
				b >>= 1
			}
		}
		if math.Abs(s/div) >= observed-tol {
			extreme++
		}
	}
	return float64(extreme+1) / float64(permutations+1)
}

// observedStat is |Σc| / div, summed in unit order like every permuted
// statistic, and the tolerance below it within which a permuted statistic
// counts as "at least as extreme" (ties up to summation rounding; the same
// relative 1e-12 as lib/eval.RandomizationTest).
func observedStat(c []float64, div float64) (observed, tol float64) {
	s := 0.0
	for _, v := range c {
		s += v
	}
	observed = math.Abs(s / div)
	return observed, 1e-12 * math.Max(1, observed)
}

// ExactSignFlip is SignFlip's exact p-value: every one of the 2^len(c)
// sign assignments (bit j of the mask set flips unit j), counted when
// |Σ s_u c_u| / div >= the observed value. It panics past MaxExactUnits.
func ExactSignFlip(c []float64, div float64) float64 {
	if len(c) > MaxExactUnits {
		panic(fmt.Sprintf("report: ExactSignFlip of %d units (at most %d)", len(c), MaxExactUnits))
	}
	observed, tol := observedStat(c, div)
	n := uint64(1) << len(c)
	extreme := uint64(0)
	for mask := uint64(0); mask < n; mask++ {
		s := 0.0
		for j, v := range c {
			if mask>>j&1 == 1 {
				s -= v
			} else {
				s += v
			}
		}
		if math.Abs(s/div) >= observed-tol {
			extreme++
		}
	}
	return float64(extreme) / float64(n)
}

// units groups paired per-query differences d (parallel to qids) into
// the units of a sign-flip test: one per distinct cluster key, in order of
// first appearance, each contributing the sum of its queries' differences.
func units(d []float64, keys []string) []float64 {
	idx := map[string]int{}
	var c []float64
	for i, k := range keys {
		j, ok := idx[k]
		if !ok {
			j = len(c)
			idx[k] = j
			c = append(c, 0)
		}
		c[j] += d[i]
	}
	return c
}

// Clustering names how queries are grouped into the units a sign flip
// permutes together.
const (
	ClusterAuto    = "auto"    // by UDHR article on the UDHR collection when every query id names one, else none
	ClusterNone    = "none"    // every query its own unit
	ClusterArticle = "article" // UDHR queries by article (UDHRArticle); an id naming none is an error
)

var udhrQID = regexp.MustCompile(`^udhr-a([0-9]{2,})-p([0-9]+)$`)

// UDHRArticle is the article number a UDHR query id names: queries are the
// paragraphs of held-out articles, with ids "udhr-" + data.UDHRDocID(a, p)
// ("udhr-a07-p1" is paragraph 1 of article 7), which the tracker's
// per-query values keep; the article is recovered from the id, not stored
// separately. ok is false for an id of another form.
func UDHRArticle(qid string) (article int, ok bool) {
	m := udhrQID.FindStringSubmatch(qid)
	if m == nil {
		return 0, false
	}
	a, err := strconv.Atoi(m[1])
	return a, err == nil
}

// resolveClustering turns ClusterAuto into ClusterArticle (collection is
// UDHR and every id of qids names an article) or ClusterNone, and checks
// the other values.
func resolveClustering(clustering, collection string, qids func(yield func(string) bool)) (string, error) {
	switch clustering {
	case ClusterNone, ClusterArticle:
		return clustering, nil
	case ClusterAuto, "":
	default:
		return "", fmt.Errorf("report: clustering %q (want %s, %s or %s)", clustering, ClusterAuto, ClusterNone, ClusterArticle)
	}
	if collection != record.CollectionUDHR {
		return ClusterNone, nil
	}
	for q := range qids {
		if _, ok := UDHRArticle(q); !ok {
			return ClusterNone, nil
		}
	}
	return ClusterArticle, nil
}

// clusterKeys returns each query's unit key under a resolved clustering:
// the qid itself (ClusterNone) or "a" and its UDHR article. A query whose
// id names no article is an error naming it, never a silent singleton.
func clusterKeys(qids []string, clustering string) ([]string, error) {
	if clustering != ClusterArticle {
		return qids, nil
	}
	keys := make([]string, len(qids))
	for i, q := range qids {
		a, ok := UDHRArticle(q)
		if !ok {
			return nil, fmt.Errorf("report: query %q names no UDHR article (want udhr-aNN-pM), so it cannot be clustered by article", q)
		}
		keys[i] = "a" + strconv.Itoa(a)
	}
	return keys, nil
}

// tableQueries yields the query ids of every cell of t.
func tableQueries(t *Table) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for _, byLang := range t.Cells {
			for _, c := range byLang {
				for q := range c.PerQuery {
					if !yield(q) {
						return
					}
				}
			}
		}
	}
}

// pairedP is the per-query sign-flip p-value of differences d (queries
// qids, sorted) and, when clustering is ClusterArticle, the clustered one
// with its number of units (NaN and len(d) otherwise); exact tells whether
// the last of them was enumerated.
func pairedP(qids []string, d []float64, clustering string, permutations int, seed uint64) (p, pClustered float64, clusters int, exact bool, err error) {
	n := float64(len(d))
	if p, exact, err = SignFlip(d, n, permutations, seed); err != nil {
		return
	}
	pClustered, clusters = math.NaN(), len(d)
	if clustering != ClusterArticle {
		return
	}
	keys, err := clusterKeys(qids, clustering)
	if err != nil {
		return
	}
	u := units(d, keys)
	clusters = len(u)
	pClustered, exact, err = SignFlip(u, n, permutations, seed)
	return
}
