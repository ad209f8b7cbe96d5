package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
)

// enumerate is an exact sign-flip p-value written independently of
// ExactSignFlip: every assignment of a sign to each distinct cluster, the
// mean over the queries recomputed from scratch with each query taking its
// cluster's sign.
func enumerate(d []float64, keys []string) float64 {
	var clusters []string
	for _, k := range keys {
		if !slices.Contains(clusters, k) {
			clusters = append(clusters, k)
		}
	}
	meanWith := func(sign map[string]float64) float64 {
		s := 0.0
		for i, x := range d {
			s += sign[keys[i]] * x
		}
		return s / float64(len(d))
	}
	all := map[string]float64{}
	for _, c := range clusters {
		all[c] = 1
	}
	observed := math.Abs(meanWith(all))
	extreme := 0
	total := 1 << len(clusters)
	for mask := 0; mask < total; mask++ {
		sign := map[string]float64{}
		for j, c := range clusters {
			sign[c] = 1 - 2*float64(mask>>j&1)
		}
		if math.Abs(meanWith(sign)) >= observed-1e-12 {
			extreme++
		}
	}
	return float64(extreme) / float64(total)
}

func queryKeys(n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = strconv.Itoa(i)
	}
	return k
}

// TestTableSignFlipExact: the exact clustered sign-flip p-value against
// two independent derivations: testdata/signflip_reference.py (Python
// standard library, exact fractions; its output is quoted per case) and
// enumerate above.
func TestTableSignFlipExact(t *testing.T) {
	twelve := []float64{0.25, -0.5, 0.125, 0.3, 0, 0.2, -0.05, 0.6, 0.1, -0.15, 0.4, 0.35}
	six := []float64{0.3, 0.1, -0.2, 0.05, 0.4, -0.1}
	for _, tc := range []struct {
		name string
		d    []float64
		keys []string
		want float64
	}{
		{"eval example", []float64{0.1, 0, 0.2, 0.3}, queryKeys(4), 1.0 / 4},                       // reference.py: 1/4
		{"six queries, four articles", six, []string{"a1", "a1", "a2", "a3", "a3", "a4"}, 1.0 / 2}, // reference.py: 1/2
		{"six queries, unclustered", six, queryKeys(6), 13.0 / 32},                                 // reference.py: 13/32
		{"twelve queries, unclustered", twelve, queryKeys(12), 143.0 / 1024},                       // reference.py: 143/1024
		{"twelve queries, seven articles", twelve, []string{"a01", "a01", "a03", "a03", "a03", "a06", "a07", "a07", // reference.py: 5/32
			"a09", "a10", "a11", "a11"}, 5.0 / 32},
		// Hand-worked: two articles of five queries, every query +0.1. Per
		// query: only all-plus and all-minus of 2^10 reach |mean| 0.1, p =
		// 2/1024; per article: 2 of 4, p = 1/2.
		{"two articles of five, unclustered", constant(10, 0.1), queryKeys(10), 2.0 / 1024},
		{"two articles of five, clustered", constant(10, 0.1), []string{"a", "a", "a", "a", "a", "b", "b", "b", "b", "b"}, 0.5},
		{"identical systems", constant(5, 0), queryKeys(5), 1}, // every assignment ties
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := units(tc.d, tc.keys)
			got := ExactSignFlip(u, float64(len(tc.d)))
			if math.Abs(got-tc.want) > 1e-15 {
				t.Errorf("ExactSignFlip = %v, want %v", got, tc.want)
			}
			if e := enumerate(tc.d, tc.keys); math.Abs(e-tc.want) > 1e-15 {
				t.Errorf("independent enumeration = %v, want %v", e, tc.want)
			}
			// SignFlip enumerates when 2^units <= permutations.
			p, exact, err := SignFlip(u, float64(len(tc.d)), 1<<len(u), 1)
			if err != nil || !exact || p != got {
				t.Errorf("SignFlip(permutations 2^%d) = %v, exact %v, %v; want the exact %v", len(u), p, exact, err, got)
			}
		})
	}
}

// TestTableSignFlipMonteCarlo: the sampled p-value (what SignFlip returns
// past AlwaysExactUnits units); on inputs small enough to enumerate, it is
// within 4 standard errors sqrt(p(1-p)/N) of the exact one (the seed is
// fixed, so this is deterministic, not a flaky tolerance), and the same
// seed gives the same p.
func TestTableSignFlipMonteCarlo(t *testing.T) {
	d := []float64{0.25, -0.5, 0.125, 0.3, 0, 0.2, -0.05, 0.6, 0.1, -0.15, 0.4, 0.35, 0.05, -0.2, 0.15, 0.1}
	articles := []string{"a1", "a1", "a2", "a3", "a3", "a3", "a4", "a5", "a6", "a6", "a7", "a8", "a9", "a10", "a11", "a11"}
	const n = 20000
	for _, keys := range [][]string{queryKeys(len(d)), articles} {
		u := units(d, keys)
		exact := ExactSignFlip(u, float64(len(d)))
		if e := enumerate(d, keys); math.Abs(e-exact) > 1e-15 {
			t.Fatalf("%d units: ExactSignFlip %v, enumeration %v", len(u), exact, e)
		}
		if p, isExact, err := SignFlip(u, float64(len(d)), n, 20230227); err != nil || !isExact || p != exact {
			t.Errorf("%d units: SignFlip = %v (exact %v, %v); want the exact %v (at most AlwaysExactUnits)", len(u), p, isExact, err, exact)
		}
		p := signFlipSample(u, float64(len(d)), n, 20230227)
		if se := math.Sqrt(exact * (1 - exact) / n); math.Abs(p-exact) > 4*se+1.0/n {
			t.Errorf("%d units: Monte-Carlo p %v, exact %v (se %.4f)", len(u), p, exact, se)
		}
		if again := signFlipSample(u, float64(len(d)), n, 20230227); again != p {
			t.Errorf("%d units: same seed gave %v then %v", len(u), p, again)
		}
	}
}

// TestTableSignFlipSingletonsAreEval: one unit per query, SignFlip draws
// lib/eval.RandomizationTest's stream and returns its p-value bit for bit,
// across several random words per permutation (100 queries).
func TestTableSignFlipSingletonsAreEval(t *testing.T) {
	for _, n := range []int{23, 100} {
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i] = 0.5 + 0.37*math.Sin(float64(i)) // arbitrary, with both signs of a−b
			b[i] = 0.45 + 0.29*math.Cos(float64(3*i))
		}
		want, err := eval.RandomizationTest(a, b, 5000, 11)
		if err != nil {
			t.Fatal(err)
		}
		d := make([]float64, n)
		for i := range d {
			d[i] = a[i] - b[i]
		}
		got, exact, err := SignFlip(units(d, queryKeys(n)), float64(n), 5000, 11)
		if err != nil || exact || got != want {
			t.Errorf("n=%d: SignFlip %v (exact %v, %v), eval.RandomizationTest %v", n, got, exact, err, want)
		}
	}
	for _, tc := range []struct {
		c   []float64
		div float64
	}{{nil, 1}, {[]float64{math.NaN()}, 1}, {[]float64{1}, 0}, {[]float64{math.Inf(1)}, 1}} {
		if _, _, err := SignFlip(tc.c, tc.div, 10, 1); err == nil {
			t.Errorf("SignFlip(%v, %v): want an error", tc.c, tc.div)
		}
	}
}

// TestTableUDHRArticle: the article comes back from the query ids lib/data
// writes ("udhr-" + data.UDHRDocID); auto clusters a UDHR table by article
// when every id names one (and says which it did: Significance.Clustered);
// clustering by article refuses an id that names none rather than making
// it its own cluster.
func TestTableUDHRArticle(t *testing.T) {
	for _, tc := range []struct{ a, p int }{{1, 1}, {7, 2}, {23, 4}, {30, 1}} {
		qid := "udhr-" + data.UDHRDocID(tc.a, tc.p)
		if a, ok := UDHRArticle(qid); !ok || a != tc.a {
			t.Errorf("UDHRArticle(%q) = %d, %v; want %d", qid, a, ok, tc.a)
		}
	}
	for _, qid := range []string{"cldr-1f600", "udhr-a7", "udhr-a07-p", "xudhr-a07-p1", "udhr-a07-p1 "} {
		if _, ok := UDHRArticle(qid); ok {
			t.Errorf("UDHRArticle(%q): want not ok", qid)
		}
	}
	ids := func(q ...string) func(func(string) bool) { return slices.Values(q) }
	for _, tc := range []struct {
		mode, coll string
		qids       []string
		want       string
	}{
		{ClusterAuto, record.CollectionUDHR, []string{"udhr-a07-p1", "udhr-a11-p1"}, ClusterArticle},
		{ClusterAuto, record.CollectionUDHR, []string{"udhr-a07-p1", "q3"}, ClusterNone}, // not lib/data's ids: per query
		{ClusterAuto, record.CollectionCLDR, []string{"udhr-a07-p1"}, ClusterNone},
		{ClusterArticle, record.CollectionCLDR, []string{"cldr-1f600"}, ClusterArticle}, // as asked; clusterKeys refuses the ids
		{ClusterNone, record.CollectionUDHR, []string{"udhr-a07-p1"}, ClusterNone},
	} {
		if got, err := resolveClustering(tc.mode, tc.coll, ids(tc.qids...)); err != nil || got != tc.want {
			t.Errorf("resolveClustering(%s, %s, %v) = %v, %v; want %s", tc.mode, tc.coll, tc.qids, got, err, tc.want)
		}
	}
	if _, err := resolveClustering("per-seed", record.CollectionUDHR, ids()); err == nil {
		t.Error("unknown clustering: want an error")
	}
	if keys, err := clusterKeys([]string{"udhr-a07-p1", "udhr-a07-p2", "udhr-a11-p1"}, ClusterArticle); err != nil || strings.Join(keys, ",") != "a7,a7,a11" {
		t.Errorf("clusterKeys(article) = %v, %v", keys, err)
	}
	if keys, _ := clusterKeys([]string{"cldr-1f600"}, ClusterNone); keys[0] != "cldr-1f600" {
		t.Errorf("clusterKeys(none) = %v: want one unit per query", keys)
	}
	if _, err := clusterKeys([]string{"udhr-a07-p1", "q3"}, ClusterArticle); err == nil || !strings.Contains(err.Error(), `"q3"`) {
		t.Errorf("clusterKeys with an id naming no article = %v, want an error naming it", err)
	}
}

// table builds a Table directly (one seed per cell) from per-query values:
// system -> language -> qid -> value.
func table(collection string, cells map[string]map[string]map[string]float64) *Table {
	t := &Table{Spec: TableSpec{Collection: collection, Measure: "map", Alpha: 0.05, Permutation: 10000},
		Resource: map[string]string{}, Cells: map[string]map[string]*Cell{}}
	for s, byLang := range cells {
		for l, pq := range byLang {
			c := t.cell(s, l)
			c.Seeds, c.PerQuery = 1, pq
			for _, v := range pq {
				c.Mean += v / float64(len(pq))
			}
			lg, _ := data.LookupLanguage(l)
			t.Resource[l] = lg.Resource
		}
	}
	t.order()
	return t
}

// udhrQueries are n UDHR query ids, each its own article (so clustering
// changes nothing) with value v.
func udhrQueries(n int, v float64) map[string]float64 {
	m := map[string]float64{}
	for i := range n {
		m["udhr-"+data.UDHRDocID(i+1, 1)] = v
	}
	return m
}

// TestTableSignificanceFamily: every comparison of the table (2 baselines
// × 2 pairs) is one family. Queries all favour ot by 0.1, on k common
// queries, so each exact p is 2/2^k: swh: mse k=7 (1/64), psq k=5 (1/16);
// deu: mse k=8 (1/128), psq k=4 (1/8). Hand-worked Holm (1979) step-down,
// m = 4: sorted 1/128×4 = 0.03125, 1/64×3 = 0.046875, 1/16×2 = 0.125,
// 1/8×1 = 0.125 (kept non-decreasing); at α = 0.05 the first two survive,
// as testdata/signflip_reference.py's step-down rejection rule gives
// ([True, False, True, False] in p order 1/64, 1/16, 1/128, 1/8).
// Bonferroni (×4): 0.0625, 0.25, 0.03125, 0.5: only deu mse survives.
// random is a reference, not a baseline.
func TestTableSignificanceFamily(t *testing.T) {
	tab := table(record.CollectionUDHR, map[string]map[string]map[string]float64{
		"ot":     {"swh": udhrQueries(8, 0.5), "deu": udhrQueries(8, 0.5)},
		"mse":    {"swh": udhrQueries(7, 0.4), "deu": udhrQueries(8, 0.4)},
		"psq":    {"swh": udhrQueries(5, 0.4), "deu": udhrQueries(4, 0.4)},
		"random": {"swh": udhrQueries(8, 0.01), "deu": udhrQueries(8, 0.01)},
	})
	type want struct {
		p, holm, bonf float64
		holmSig       bool
	}
	wants := map[string]want{
		"mse swh": {1.0 / 64, 0.046875, 0.0625, true},
		"psq swh": {1.0 / 16, 0.125, 0.25, false},
		"mse deu": {1.0 / 128, 0.03125, 0.03125, true},
		"psq deu": {1.0 / 8, 0.125, 0.5, false},
	}
	for _, corr := range []string{CorrectionHolm, CorrectionBonferroni} {
		s, err := BuildSignificance(tab, SignificanceSpec{Correction: corr})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(s.Baselines, ",") != "mse,psq" || len(s.Comparisons) != 4 {
			t.Fatalf("%s: baselines %v, %d comparisons; want mse,psq and 4", corr, s.Baselines, len(s.Comparisons))
		}
		for _, c := range s.Comparisons {
			w := wants[c.Baseline+" "+c.Lang]
			adj, sig := w.holm, w.holmSig
			if corr == CorrectionBonferroni {
				adj, sig = w.bonf, c.Baseline == "mse" && c.Lang == "deu"
			}
			if math.Abs(c.PFamily-w.p) > 1e-15 || math.Abs(c.PAdj-adj) > 1e-15 || c.Significant != sig {
				t.Errorf("%s %s %s: p %v adj %v sig %v; want %v, %v, %v", corr, c.Baseline, c.Lang, c.PFamily, c.PAdj, c.Significant, w.p, adj, sig)
			}
			if math.Abs(c.Diff-0.1) > 1e-12 || !s.Clustered || c.Clusters != c.Queries {
				t.Errorf("%s %s: diff %v, clustered %v, %d clusters of %d queries", c.Baseline, c.Lang, c.Diff, s.Clustered, c.Clusters, c.Queries)
			}
		}
	}
	// Baselines can be named; the system under test cannot be one.
	if s, err := BuildSignificance(tab, SignificanceSpec{Baselines: []string{"random"}}); err != nil || len(s.Comparisons) != 2 {
		t.Errorf("-baselines random: %v, %v", s, err)
	}
	if _, err := BuildSignificance(tab, SignificanceSpec{Baselines: []string{"ot"}}); err == nil {
		t.Error("ot as its own baseline: want an error")
	}
	if _, err := BuildSignificance(tab, SignificanceSpec{Correction: "fdr"}); err == nil {
		t.Error("unknown correction: want an error")
	}
}

// TestTableSignificanceClustered: on UDHR the family takes the
// article-clustered p; the per-query p is kept next to it. Six queries of
// four articles with the differences of testdata/signflip_reference.py's
// "six queries" cases: per article 1/2, per query 13/32.
func TestTableSignificanceClustered(t *testing.T) {
	qids := []string{"udhr-a01-p1", "udhr-a01-p2", "udhr-a02-p1", "udhr-a03-p1", "udhr-a03-p2", "udhr-a04-p1"}
	diffs := []float64{0.3, 0.1, -0.2, 0.05, 0.4, -0.1}
	ot, psq := map[string]float64{}, map[string]float64{}
	for i, q := range qids {
		psq[q] = 0.4
		ot[q] = 0.4 + diffs[i]
	}
	for _, tc := range []struct {
		coll, clustering string
		wantP            float64
		clustered        bool
	}{
		{record.CollectionUDHR, ClusterAuto, 0.5, true},
		{record.CollectionUDHR, ClusterArticle, 0.5, true},
		{record.CollectionUDHR, ClusterNone, 13.0 / 32, false},
	} {
		tab := table(tc.coll, map[string]map[string]map[string]float64{"ot": {"swh": ot}, "psq": {"swh": psq}})
		s, err := BuildSignificance(tab, SignificanceSpec{Clustering: tc.clustering, Permutations: 64})
		if err != nil {
			t.Fatal(err)
		}
		c := s.Comparisons[0]
		if math.Abs(c.PFamily-tc.wantP) > 1e-15 || math.Abs(c.P-13.0/32) > 1e-15 || s.Clustered != tc.clustered {
			t.Errorf("%s: family p %v, query p %v, clustered %v; want %v, 13/32, %v", tc.clustering, c.PFamily, c.P, s.Clustered, tc.wantP, tc.clustered)
		}
		if tc.clustered && c.Clusters != 4 {
			t.Errorf("%s: %d clusters, want 4", tc.clustering, c.Clusters)
		}
	}
	// A CLDR table is not clustered by default; asked to cluster by
	// article, its ids are refused by name.
	cldr := table(record.CollectionCLDR, map[string]map[string]map[string]float64{
		"ot": {"swh": {"cldr-1f600": 0.5, "cldr-1f601": 0.4}}, "psq": {"swh": {"cldr-1f600": 0.3, "cldr-1f601": 0.2}}})
	if s, err := BuildSignificance(cldr, SignificanceSpec{}); err != nil || s.Clustered || !math.IsNaN(s.Comparisons[0].PClustered) {
		t.Errorf("cldr auto: %v, clustered %v", err, s.Clustered)
	}
	if _, err := BuildSignificance(cldr, SignificanceSpec{Clustering: ClusterArticle}); err == nil || !strings.Contains(err.Error(), "cldr-1f600") {
		t.Errorf("cldr by article = %v, want the id named", err)
	}
	// A NaN per-query value is an error naming the pair and query.
	bad := table(record.CollectionUDHR, map[string]map[string]map[string]float64{
		"ot": {"swh": {"udhr-a01-p1": math.NaN(), "udhr-a02-p1": 0.1}}, "psq": {"swh": {"udhr-a01-p1": 0.3, "udhr-a02-p1": 0.2}}})
	if _, err := BuildSignificance(bad, SignificanceSpec{}); err == nil || !strings.Contains(err.Error(), `swh-eng query "udhr-a01-p1"`) {
		t.Errorf("NaN = %v, want an error naming swh-eng and the query", err)
	}
}

// TestTableSignificanceAverages: the low-resource average against each
// baseline, with testdata/signflip_reference.py's AVERAGE per-query
// differences (psq 0.4 everywhere): Δ = 13/120 for every unit; exact p by
// language 1/4, by query (shared across languages) 1/8, by article 1/4.
// One baseline, so the correction leaves p as it is.
func TestTableSignificanceAverages(t *testing.T) {
	avg := map[string]map[string]float64{
		"swh": {"udhr-a01-p1": 0.3, "udhr-a01-p2": 0.1, "udhr-a02-p1": -0.1, "udhr-a03-p1": 0.2},
		"yor": {"udhr-a01-p1": 0.2, "udhr-a01-p2": 0.2, "udhr-a02-p1": 0.1, "udhr-a03-p1": -0.3},
		"hau": {"udhr-a01-p1": 0.05, "udhr-a02-p1": 0.25, "udhr-a03-p1": 0.15},
	}
	cells := map[string]map[string]map[string]float64{"ot": {}, "psq": {}}
	for l, qs := range avg {
		cells["ot"][l], cells["psq"][l] = map[string]float64{}, map[string]float64{}
		for q, d := range qs {
			cells["ot"][l][q], cells["psq"][l][q] = 0.4+d, 0.4
		}
	}
	cells["ot"]["deu"], cells["psq"]["deu"] = udhrQueries(3, 0.5), udhrQueries(3, 0.4) // one high language: no high average
	for _, tc := range []struct {
		clustering, unit string
		units            int
		p                float64
	}{
		{ClusterAuto, UnitLanguage, 3, 1.0 / 4},
		{ClusterAuto, UnitQuery, 3, 1.0 / 4}, // by article: a01, a02, a03
		{ClusterNone, UnitQuery, 4, 1.0 / 8},
	} {
		s, err := BuildSignificance(table(record.CollectionUDHR, cells), SignificanceSpec{Clustering: tc.clustering, Permutations: 16})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Averages) != 2 {
			t.Fatalf("%d average tests, want low × (language, query)", len(s.Averages))
		}
		for _, a := range s.Averages {
			if a.Unit != tc.unit {
				continue
			}
			if a.Resource != data.ResourceLow || a.Units != tc.units || math.Abs(a.Diff-13.0/120) > 1e-12 ||
				math.Abs(a.P-tc.p) > 1e-15 || a.PAdj != a.P || !a.Exact {
				t.Errorf("%s %s: %+v; want %d units, Δ 13/120, exact p %v", tc.clustering, tc.unit, a, tc.units, tc.p)
			}
			if want, _ := (&Table{Cells: s.Table.Cells, Languages: s.Table.Languages, Resource: s.Table.Resource}).Average("ot", data.ResourceLow); math.Abs(a.System-want) > 1e-12 {
				t.Errorf("average ot %v, table's avg low %v", a.System, want)
			}
		}
	}
}

// TestTableSignificanceFromTracker: through results.db, with whatever
// systems are there: every non-reference system is a baseline (mt was
// never named in this package's code), seeds are averaged per query over
// the seeds that evaluated it, and the three formats carry the numbers.
func TestTableSignificanceFromTracker(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, lang := range []string{"swh", "yor", "deu"} {
		fakeEval(t, db, "psq", lang, "", constant(20, 0.2))
		fakeEval(t, db, "zero-shot", lang, "", constant(20, 0.1))
		fakeEval(t, db, "random", lang, "1", constant(20, 0.01))
		// ot seeds 1 and 2 on 20 queries, seed 3 on the first 10 only: a
		// query's value is the mean over the seeds that evaluated it.
		fakeEval(t, db, "ot", lang, "1", constant(20, 0.5))
		fakeEval(t, db, "ot", lang, "2", constant(20, 0.7))
		fakeEval(t, db, "ot", lang, "3", constant(10, 0.9))
	}
	e := fixture(record.SystemMT, "swh", 0)
	e.MTQueries = "testdata/mt-swh.tsv"
	writeEval(t, db, "paper", e.Params(), constant(20, 0.3))
	tab, err := BuildTable(db, TableSpec{Experiment: "paper", Collection: "udhr", Permutation: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if c := tab.Cells["ot"]["swh"]; math.Abs(c.PerQuery["q00"]-0.7) > 1e-12 || math.Abs(c.PerQuery["q15"]-0.6) > 1e-12 {
		t.Fatalf("ot per-query: q00 %v (want (0.5+0.7+0.9)/3), q15 %v (want (0.5+0.7)/2)", c.PerQuery["q00"], c.PerQuery["q15"])
	}
	s, err := BuildSignificance(tab, SignificanceSpec{Clustering: ClusterNone})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := LoadSignificance(db, tab.Spec, SignificanceSpec{Clustering: ClusterNone}); err != nil || len(again.Comparisons) != 7 || again.Comparisons[0].P != s.Comparisons[0].P {
		t.Fatalf("LoadSignificance: %v, %v", again, err)
	}
	if strings.Join(s.Baselines, ",") != "psq,mt,zero-shot" || len(s.Comparisons) != 7 {
		t.Fatalf("baselines %v with %d comparisons; want psq,mt,zero-shot and 3+1+3", s.Baselines, len(s.Comparisons))
	}
	for _, c := range s.Comparisons { // 20 queries, all better: p at the Monte-Carlo floor 1/2001, Holm ×7 at most
		if !c.Significant || c.PAdj > 7.0/2001+1e-15 || c.SystemSeeds != 3 {
			t.Errorf("%s %s: p %v adj %v seeds %d", c.Baseline, c.Pair, c.P, c.PAdj, c.SystemSeeds)
		}
	}
	var md, tex, out bytes.Buffer
	if err := s.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteLaTeX(&tex); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteCSV(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| swh-eng (low) | mt | 0.650 | 0.300 | +0.350 | 20 | 0.0004998 | 0.003498 | ✓ better |",
		"Holm over the 7 comparisons", "| avg low (2) | psq | language | 2 |", "ot vs mt: significantly better on 1, worse on 0 of 1 pairs"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if !strings.Contains(tex.String(), `\checkmark`) || strings.Contains(tex.String(), "✓") {
		t.Errorf("latex:\n%s", tex.String())
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+7+4 || rows[0][15] != "p" || rows[0][18] != "exact" || rows[0][20] != "p_adjusted" {
		t.Fatalf("csv: %d rows, header %v", len(rows), rows[0])
	}
	if r := rows[1]; strings.Join(r[:6], ",") != "udhr,map,ot,psq,pair,swh-eng" || r[18] != "false" || r[22] != "true" {
		t.Errorf("csv row %v", r)
	}
}

// TestTableMarkersClustered: the paper table's markers use the same test
// as BuildSignificance: on UDHR ids, articles flip together (the "six
// queries" differences: 1/2 by article, 13/32 by query), corrected with
// Holm by default, and the caption names both.
func TestTableMarkersClustered(t *testing.T) {
	qids := []string{"udhr-a01-p1", "udhr-a01-p2", "udhr-a02-p1", "udhr-a03-p1", "udhr-a03-p2", "udhr-a04-p1"}
	diffs := []float64{0.3, 0.1, -0.2, 0.05, 0.4, -0.1}
	ot, psq := map[string]float64{}, map[string]float64{}
	for i, q := range qids {
		ot[q], psq[q] = 0.4+diffs[i], 0.4
	}
	for _, tc := range []struct {
		clustering, caption string
		p                   float64
	}{
		{ClusterAuto, "over UDHR articles", 0.5},
		{ClusterNone, "over queries", 13.0 / 32},
	} {
		tab := table(record.CollectionUDHR, map[string]map[string]map[string]float64{"ot": {"swh": ot}, "psq": {"swh": psq}})
		tab.Spec.Baseline, tab.Spec.Clustering, tab.Spec.Correction = "psq", tc.clustering, CorrectionHolm
		if err := tab.significance(); err != nil {
			t.Fatal(err)
		}
		c := tab.Cells["ot"]["swh"]
		if math.Abs(c.P-tc.p) > 1e-15 || c.PAdj != c.P || c.Significant {
			t.Errorf("%s: p %v adj %v significant %v; want %v", tc.clustering, c.P, c.PAdj, c.Significant, tc.p)
		}
		if cap := tab.caption(); !strings.Contains(cap, tc.caption) || !strings.Contains(cap, "Holm over pairs") {
			t.Errorf("%s: caption %q", tc.clustering, cap)
		}
	}
	if _, err := BuildTable(nil, TableSpec{Correction: "fdr"}); err == nil {
		t.Error("unknown correction: want an error")
	}
}

// TestTableSignFlipPythonReference re-derives the quoted reference values:
// testdata/signflip_reference.py (exact fractions, standard library) must
// still print them. Skipped where python3 is not installed.
func TestTableSignFlipPythonReference(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	out, err := exec.Command(py, filepath.Join("testdata", "signflip_reference.py")).CombinedOutput()
	if err != nil {
		t.Fatalf("signflip_reference.py: %v\n%s", err, out)
	}
	for _, want := range []string{
		"eval example: p = 1/4 ",
		"six queries, four articles: p = 1/2 ",
		"six queries, unclustered: p = 13/32 ",
		"twelve queries, seven articles: p = 5/32 ",
		"twelve queries, unclustered: p = 143/1024 ",
		"average by language: diff = 13/120 = 0.10833333333333334, p = 1/4 ",
		"average by query: diff = 13/120 = 0.10833333333333334, p = 1/8 ",
		"average by article: diff = 13/120 = 0.10833333333333334, p = 1/4 ",
		"reject at 0.05: [True, False, True, False]",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("signflip_reference.py no longer prints %q:\n%s", want, out)
		}
	}
}
