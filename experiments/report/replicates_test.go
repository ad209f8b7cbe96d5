package report

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

// v2Fixture is the record of a run of a v2 experiment (record.PipelineV2):
// provenance seed seed for every system, the data seed too for a seeded
// one (fixture writes it only for those), and the UDHR fold of the seed
// (seed 1 → 0, 2 → 1, 3 → 0).
func v2Fixture(system, collection, lang string, seed int64) record.EvalRun {
	e := fixture(system, lang, seed)
	e.Collection = collection
	e.Provenance.Seed = seed
	e.Pipeline = record.PipelineV2
	e.UDHRFold = fmt.Sprint((seed + 1) % 2)
	return e
}

// writeEvalQueries records a FINISHED evaluation run with the given
// per-query values (synthetic numbers: this tests the arithmetic) and, as
// its final measure, their mean: each replicate's MAP over its own queries.
func writeEvalQueries(t *testing.T, db *tracker.DB, experiment string, params map[string]string, pq map[string]float64) {
	t.Helper()
	r, err := db.StartRun(tracker.RunSpec{Experiment: experiment, Name: params[record.ParamSystem], Params: params,
		Tags: map[string]string{record.TagKind: record.KindEval}})
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, v := range pq {
		mean += v / float64(len(pq))
	}
	if err := r.LogPerQuery("map", pq); err != nil {
		t.Fatal(err)
	}
	if err := r.SetFinalMetrics(map[string]float64{"map": mean}); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(nil); err != nil {
		t.Fatal(err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// TestPipelineSeedReplicates: a v2 experiment on CLDR, three seeds whose
// query sets differ. psq is deterministic but has one run per provenance
// seed (each seed's psq is trained on that seed's split), so its cell has
// three replicates like ot's.
//
//	seed 1: psq q1 .2 q2 .4 q3 .6 (MAP .4)   ot q1 .5 q2 .7 q3 .9 (MAP .7)
//	seed 2: psq q2 .2 q3 .2 q4 .5 (MAP .3)   ot q2 .5 q3 .6 q4 .7 (MAP .6)
//	seed 3: psq q1 .4 q4 .6       (MAP .5)   ot q1 .9 q5 .7       (MAP .8)
//
// Cell means are the means of the replicates' MAPs: psq (.4+.3+.5)/3 = .4,
// sample std sqrt((0²+.1²+.1²)/2) = .1; ot (.7+.6+.8)/3 = .7, std .1.
// A query's value is the mean over the seeds that evaluated it: psq q1
// (.2+.4)/2 = .3, q2 (.4+.2)/2 = .3, q3 (.6+.2)/2 = .4, q4 (.5+.6)/2 = .55;
// ot q1 (.5+.9)/2 = .7, q2 (.7+.5)/2 = .6, q3 (.9+.6)/2 = .75, q4 .7 (seed
// 2 only), q5 .7 (ot only). The paired test runs on the queries both have,
// q1..q4: differences .4, .3, .35, .15, mean .3 (ot .6875, psq .3875), all
// positive, so the exact sign flip over 4 queries gives p = 2/2^4 = .125.
// yor repeats swh's runs: the low average's language unit then has two
// positive units, p = 2/2^2 = .5, and its query unit the 4 common queries
// (q5 is in no pair test), each flipping in both languages, p = .125.
func TestPipelineSeedReplicates(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	psq := []map[string]float64{{"q1": .2, "q2": .4, "q3": .6}, {"q2": .2, "q3": .2, "q4": .5}, {"q1": .4, "q4": .6}}
	ot := []map[string]float64{{"q1": .5, "q2": .7, "q3": .9}, {"q2": .5, "q3": .6, "q4": .7}, {"q1": .9, "q5": .7}}
	for _, lang := range []string{"swh", "yor"} {
		for i := range 3 {
			seed := int64(i + 1)
			writeEvalQueries(t, db, "v2", v2Fixture(record.SystemPSQ, record.CollectionCLDR, lang, seed).Params(), psq[i])
			writeEvalQueries(t, db, "v2", v2Fixture(record.SystemOT, record.CollectionCLDR, lang, seed).Params(), ot[i])
		}
	}
	tab, err := BuildTable(db, TableSpec{Experiment: "v2", Collection: record.CollectionCLDR, Permutation: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !tab.PipelineSeeds || tab.Clustered {
		t.Fatalf("PipelineSeeds %v, Clustered %v; want true, false", tab.PipelineSeeds, tab.Clustered)
	}
	for _, tc := range []struct {
		system    string
		mean, std float64
		perQuery  map[string]float64 // psq has no q5
	}{
		{record.SystemPSQ, .4, .1, map[string]float64{"q1": .3, "q2": .3, "q3": .4, "q4": .55}},
		{record.SystemOT, .7, .1, map[string]float64{"q1": .7, "q2": .6, "q3": .75, "q4": .7, "q5": .7}},
	} {
		c := tab.Cells[tc.system]["swh"]
		if c.Seeds != 3 || len(c.RunIDs) != 3 || !near(c.Mean, tc.mean) || !near(c.Std, tc.std) {
			t.Errorf("%s: %d replicates (runs %v), mean %v std %v; want 3, %v ± %v", tc.system, c.Seeds, c.RunIDs, c.Mean, c.Std, tc.mean, tc.std)
		}
		if len(c.PerQuery) != len(tc.perQuery) {
			t.Errorf("%s: queries %v, want %v", tc.system, c.PerQuery, tc.perQuery)
		}
		for q, want := range tc.perQuery {
			if !near(c.PerQuery[q], want) {
				t.Errorf("%s %s: %v, want %v", tc.system, q, c.PerQuery[q], want)
			}
		}
	}
	if c := tab.Cells[record.SystemOT]["swh"]; !near(c.P, .125) {
		t.Errorf("marker test p %v, want 2/16", c.P)
	}
	s, err := BuildSignificance(tab, SignificanceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Comparisons) != 2 {
		t.Fatalf("%d comparisons, want swh and yor", len(s.Comparisons))
	}
	c := s.Comparisons[0]
	if c.Queries != 4 || !near(c.System, .6875) || !near(c.Base, .3875) || !near(c.Diff, .3) || !near(c.P, .125) || !c.Exact || c.SystemSeeds != 3 || c.BaseSeeds != 3 {
		t.Errorf("comparison %+v; want 4 queries, .6875 vs .3875, Δ .3, exact p .125, 3 and 3 seeds", c)
	}
	want := map[string]float64{UnitLanguage: .5, UnitQuery: .125}
	units := map[string]int{UnitLanguage: 2, UnitQuery: 4}
	if len(s.Averages) != 2 {
		t.Fatalf("averages %+v, want the low level by language and by query", s.Averages)
	}
	for _, a := range s.Averages {
		if a.Resource != "low" || a.Units != units[a.Unit] || !near(a.P, want[a.Unit]) || !a.Exact || !near(a.Diff, .3) {
			t.Errorf("average %+v; want %d units, exact p %v, Δ .3", a, units[a.Unit], want[a.Unit])
		}
	}
	// The language sweep and the budget chart read the same replicates:
	// psq's three seeds, mean MAP .4.
	points, err := LanguageResults(db, LanguageSpec{Experiment: "v2", Collection: record.CollectionCLDR})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range points {
		if p.Seeds[record.SystemPSQ] != 3 || !near(p.Scores[record.SystemPSQ], .4) {
			t.Errorf("language %s: psq %d seeds, MAP %v; want 3, .4", p.Lang, p.Seeds[record.SystemPSQ], p.Scores[record.SystemPSQ])
		}
	}
	budget, err := BudgetResults(db, "v2", record.CollectionCLDR, "map")
	if err != nil {
		t.Fatal(err)
	}
	psqPoints := 0
	for _, p := range budget {
		if p.System == record.SystemPSQ {
			psqPoints++
			if p.Seeds != 3 || !near(p.Mean, .4) {
				t.Errorf("budget point %+v; want 3 seeds, MAP .4", p)
			}
		}
	}
	if len(points) != 2 || psqPoints != 2 {
		t.Errorf("%d language points, %d psq budget points; want 2 and 2", len(points), psqPoints)
	}
	var md, sig bytes.Buffer
	if err := tab.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteMarkdown(&sig); err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s\nsignificance:\n%s", md.String(), sig.String())
	for _, w := range []string{"| psq | 0.400 ± 0.100 | 0.400 ± 0.100 |", "| ot | 0.700 ± 0.100 | 0.700 ± 0.100 |", pipelineSeedsText, pipelinePerQueryText} {
		if !strings.Contains(md.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, md.String())
		}
	}
	for _, w := range []string{"averaged over the seeds that evaluated the query", "the union of the seeds' queries common to both systems"} {
		if !strings.Contains(sig.String(), w) {
			t.Errorf("significance lacks %q:\n%s", w, sig.String())
		}
	}
}

// TestPipelineSeedUDHRFolds: on UDHR, seed 1 (fold 0) tests articles
// 1–15, seed 2 (fold 1) articles 16–30, seed 3 (fold 0) articles 1–15
// again; two paragraphs per article. psq scores .2 everywhere; ot .5, .6
// and .9 in seeds 1, 2, 3. ot's cell mean is the mean of the seeds' MAPs,
// (.5+.6+.9)/3 = 2/3, std sqrt(((1/6)²+(1/15)²+(7/30)²)/2) = sqrt(13/300)
// = 0.208167; its per-query values (.5+.9)/2 = .7 on articles 1–15 and .6
// on 16–30; psq's .2 everywhere (two or one replicates). The test against
// psq pairs the union, 60 queries in 30 articles: Δ = (30×.5 + 30×.4)/60 =
// .45, and 30 units exceed AlwaysExactUnits, so p is Monte-Carlo. Every
// article's difference is positive, so only the all-equal sign assignments
// (2 of 2^30) are as extreme; none of the 2000 seeded draws is one, and
// p = (1+0)/(1+2000), for the per-query and the clustered test alike.
func TestPipelineSeedUDHRFolds(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	otMAP := map[int64]float64{1: .5, 2: .6, 3: .9}
	for seed := int64(1); seed <= 3; seed++ {
		first := 1 + 15*((seed+1)%2) // fold 0: 1..15, fold 1: 16..30
		psq, ot := map[string]float64{}, map[string]float64{}
		for a := first; a < first+15; a++ {
			for p := 1; p <= 2; p++ {
				q := fmt.Sprintf("udhr-a%02d-p%d", a, p)
				psq[q], ot[q] = .2, otMAP[seed]
			}
		}
		writeEvalQueries(t, db, "v2", v2Fixture(record.SystemPSQ, record.CollectionUDHR, "swh", seed).Params(), psq)
		writeEvalQueries(t, db, "v2", v2Fixture(record.SystemOT, record.CollectionUDHR, "swh", seed).Params(), ot)
	}
	tab, err := BuildTable(db, TableSpec{Experiment: "v2", Collection: record.CollectionUDHR, Permutation: 2000})
	if err != nil {
		t.Fatal(err)
	}
	c := tab.Cells[record.SystemOT]["swh"]
	if !tab.Clustered || c.Seeds != 3 || !near(c.Mean, 2.0/3) || math.Abs(c.Std-math.Sqrt(13.0/300)) > 1e-12 {
		t.Fatalf("clustered %v, ot %d replicates, mean %v std %v; want true, 3, 2/3 ± 0.208167", tab.Clustered, c.Seeds, c.Mean, c.Std)
	}
	if len(c.PerQuery) != 60 || !near(c.PerQuery["udhr-a01-p1"], .7) || !near(c.PerQuery["udhr-a30-p2"], .6) {
		t.Fatalf("ot per-query: %d queries, a01 %v, a30 %v; want 60, .7, .6", len(c.PerQuery), c.PerQuery["udhr-a01-p1"], c.PerQuery["udhr-a30-p2"])
	}
	s, err := BuildSignificance(tab, SignificanceSpec{Baselines: []string{record.SystemPSQ}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Comparisons) != 1 {
		t.Fatalf("comparisons %+v", s.Comparisons)
	}
	cmp := s.Comparisons[0]
	if cmp.Queries != 60 || cmp.Clusters != 30 || cmp.Exact || !near(cmp.Diff, .45) || !near(cmp.P, 1.0/2001) || !near(cmp.PClustered, 1.0/2001) {
		t.Errorf("comparison %+v; want 60 queries in 30 articles, Monte-Carlo, Δ .45, p = pClustered = 1/2001", cmp)
	}
	if !c.Significant || !near(c.P, 1.0/2001) {
		t.Errorf("table marker: significant %v p %v; want true, 1/2001", c.Significant, c.P)
	}
}

// TestCollectionCaptions: "words" has its own caption and per-query test;
// a collection with only English→English runs (a dev collection) gives a
// one-column table instead of an error; an unknown cross-lingual one the
// generic caption. A single provenance seed keeps the older wording.
func TestCollectionCaptions(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	words := map[string]float64{"w-1": .2, "w-2": .4, "w-3": .6}
	for _, sys := range []string{record.SystemPSQ, record.SystemOT} {
		e := fixture(sys, "swh", 1)
		e.Collection = collectionWords
		writeEvalQueries(t, db, "x", e.Params(), words)
		e = fixture(sys, "swh", 1)
		e.Collection = "mine"
		writeEvalQueries(t, db, "x", e.Params(), words)
	}
	for _, sys := range []string{record.SystemTeacher, record.SystemBM25} {
		e := fixture(sys, "eng", 1)
		e.Collection, e.QueryLang, e.Resource = "gcide-dev", "eng", "eng"
		writeEvalQueries(t, db, "x", e.Params(), words)
	}
	for _, tc := range []struct {
		collection, want, header string
		pipeline                 bool
	}{
		{collectionWords, "MAP on words (foreign word queries → English WordNet glosses of their translations", "swh-eng (low)", false},
		{"mine", "MAP on mine (foreign queries → English documents, all bitext); mean ± std over seeds;", "swh-eng (low)", false},
		{"gcide-dev", "MAP on gcide-dev (English queries → English documents); mean ± std over seeds\n", "eng-eng (eng)", false},
	} {
		tab, err := BuildTable(db, TableSpec{Experiment: "x", Collection: tc.collection, Permutation: 100})
		if err != nil {
			t.Fatalf("%s: %v", tc.collection, err)
		}
		var md bytes.Buffer
		if err := tab.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s:\n%s", tc.collection, md.String())
		if !strings.Contains(md.String(), tc.want) || !strings.Contains(md.String(), tc.header) || tab.PipelineSeeds != tc.pipeline || tab.Clustered {
			t.Errorf("%s: PipelineSeeds %v, clustered %v:\n%s\nwant %q and %q", tc.collection, tab.PipelineSeeds, tab.Clustered, md.String(), tc.want, tc.header)
		}
	}
}
