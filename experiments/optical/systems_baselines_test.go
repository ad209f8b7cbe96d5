package optical

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/apertium"
)

// TestOneBestRealTable: the IBM Model 1 tables trained on the real
// Spanish and Swahili bitext (UDHR training articles + CLDR names, the
// default split) give the dictionary translation as the 1-best of common
// words, and a UDHR test query translates word by word into those words
// (values from running the table; the Spanish–English and
// Swahili–English meanings are those of any dictionary).
func TestOneBestRealTable(t *testing.T) {
	c := tinyConfig(t)
	c.Languages = []string{"spa", "swh"}
	lab := openLab(t, c)
	defer lab.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		lang  string
		words map[string]string
		query string // a UDHR test query id
		want  []string
	}{
		{"spa", map[string]string{"derechos": "rights", "libertad": "freedom", "persona": "person", "familia": "family", "perro": "dog"},
			// "Todo individuo tiene derecho a la vida, a la libertad y a la seguridad de su persona."
			"udhr-a03-p1", []string{"right", "life", "freedom", "safety", "person"}},
		{"swh", map[string]string{"mtu": "person", "mbwa": "dog", "familia": "family"},
			// "Kila mtu ana haki ya kuishi, haki ya uhuru, na haki ya kulindwa nafsi yake."
			"udhr-a03-p1", []string{"everyone", "person", "protection"}},
	} {
		tab, err := lab.TranslationTable(ctx, tc.lang, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		for f, e := range tc.words {
			if got, ok := tab.Best(f); !ok || got.Word != e {
				t.Errorf("%s: Best(%q) = %+v, %v; want %q", tc.lang, f, got, ok, e)
			}
		}
		coll, err := lab.Corpus.UDHRCollection(tc.lang, "eng")
		if err != nil {
			t.Fatal(err)
		}
		en, terms, unknown := translateOneBest(coll, tab)
		if en.QueryLang != "eng" || len(en.Queries) != len(coll.Queries) || terms == 0 || unknown >= terms {
			t.Fatalf("%s: %d queries, %d terms, %d unknown", tc.lang, len(en.Queries), terms, unknown)
		}
		found := false
		for i, q := range en.Queries {
			if q.ID != tc.query {
				continue
			}
			found = true
			t.Logf("%s %s: %q -> %q", tc.lang, q.ID, coll.Queries[i].Text, q.Text)
			words := " " + q.Text + " "
			for _, w := range tc.want {
				if !strings.Contains(words, " "+w+" ") {
					t.Errorf("%s %s: %q lacks %q", tc.lang, q.ID, q.Text, w)
				}
			}
		}
		if !found {
			t.Fatalf("%s: no query %s", tc.lang, tc.query)
		}
		// English queries: the foreign documents are translated instead.
		rev, err := lab.Corpus.UDHRCollection("eng", tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		if en, _, _ := translateOneBest(rev, tab); en.DocLang != "eng" || en.Queries[0] != rev.Queries[0] || en.Docs[0] == rev.Docs[0] {
			t.Fatalf("%s: English queries: the documents must be translated, the queries kept", tc.lang)
		}
	}
}

// needApertium skips without Apertium's spa-eng (failing under CI=true,
// where make setup-apertium has installed it).
func needApertium(t *testing.T) {
	t.Helper()
	if err := apertium.Check(context.Background(), "spa-eng"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and Apertium is missing: %v", err)
		}
		t.Skip(err)
	}
}

// TestBaselinesEvaluate evaluates the new baselines on the real Spanish
// UDHR collection (and the pooled MSE student on Swahili) in a tiny lab:
// each run records what tells it apart, and the translation baselines rank
// far above chance (23 queries against 60 documents, each with one
// relevant paragraph: random MAP ≈ 0.08).
func TestBaselinesEvaluate(t *testing.T) {
	needApertium(t)
	c := tinyConfig(t)
	c.Languages = []string{"spa", "swh"}
	lab := openLab(t, c)
	defer lab.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		cell    Cell
		params  map[string]string
		minMAP  float64
		without []string
	}{
		{lab.Cell(SystemOneBestBM25, CollectionUDHR, "spa", "eng"), map[string]string{"ibm1_iterations": "10"}, 0.3, []string{"teacher_hash"}},
		{lab.Cell(SystemOneBestBM25, CollectionUDHR, "eng", "spa"), map[string]string{"ibm1_iterations": "10"}, 0.3, nil},
		{lab.Cell(SystemOneBestTeacher, CollectionUDHR, "spa", "eng"), map[string]string{"teacher_hash": lab.TeacherSpec().Key()}, 0, nil},
		{lab.Cell(SystemMTApertium, CollectionUDHR, "spa", "eng"), map[string]string{"mt_engine": "apertium spa-eng"}, 0.5, []string{"mt_queries"}},
		{lab.Cell(SystemMTApertium, CollectionUDHR, "eng", "spa"), map[string]string{"mt_engine": "apertium eng-spa"}, 0.3, nil},
		{lab.Cell(SystemMSE, CollectionUDHR, "swh", "eng"), map[string]string{"scoring": record.ScoringMeanCosine, "system": "mse"}, 0, nil},
		{lab.Cell(SystemMSEMaxSim, CollectionUDHR, "swh", "eng"), map[string]string{"system": "mse"}, 0, []string{"scoring"}},
	} {
		res, err := lab.Evaluate(ctx, tc.cell)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.cell.System, tc.cell.Pair(), err)
		}
		rr, err := lab.DB.GetRun(res.RunID)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.params {
			if rr.Params[k] != v {
				t.Errorf("%s %s: params.%s = %q, want %q", tc.cell.System, tc.cell.Pair(), k, rr.Params[k], v)
			}
		}
		for _, k := range tc.without {
			if _, ok := rr.Params[k]; ok {
				t.Errorf("%s %s: records %s", tc.cell.System, tc.cell.Pair(), k)
			}
		}
		if e, err := record.ParseEvalRun(rr); err != nil || e.System != tc.cell.System {
			t.Errorf("run %d read back as %q, %v", rr.ID, e.System, err)
		}
		m := res.Metrics["map"]
		t.Logf("%s %s udhr: MAP %.4f (run %d)", tc.cell.System, tc.cell.Pair(), m, res.RunID)
		if !(m >= tc.minMAP && m <= 1) || res.Metrics["num_q"] != 23 {
			t.Errorf("%s %s: MAP %v over %v queries, want >= %v over 23", tc.cell.System, tc.cell.Pair(), m, res.Metrics["num_q"], tc.minMAP)
		}
		if tc.cell.System == SystemMTApertium && !strings.HasPrefix(rr.Params["mt_engine_version"], "apertium 3.") {
			t.Errorf("mt_engine_version %q", rr.Params["mt_engine_version"])
		}
	}
}

// TestApertiumCells: mt-apertium serves Spanish only, and without the
// engine recording its cell fails with the package to install (nothing is
// recorded).
func TestApertiumCells(t *testing.T) {
	c := tinyConfig(t)
	c.Languages = []string{"spa", "swh"}
	lab := openLab(t, c)
	defer lab.Close()
	if _, err := lab.Record(lab.Cell(SystemMTApertium, CollectionUDHR, "swh", "eng")); err == nil || !strings.Contains(err.Error(), "serves only spa") {
		t.Fatalf("swh: %v, want an error saying it serves only spa", err)
	}
	apertiumInfos.Clear()
	defer apertiumInfos.Clear()
	t.Setenv("PATH", t.TempDir())
	_, err := lab.Evaluate(context.Background(), lab.Cell(SystemMTApertium, CollectionUDHR, "spa", "eng"))
	if !errors.Is(err, apertium.ErrNotInstalled) || !strings.Contains(err.Error(), "apertium-en-es") || !strings.Contains(err.Error(), SystemMTApertium) {
		t.Fatalf("no engine: %v, want ErrNotInstalled naming mt-apertium and apertium-en-es", err)
	}
	if runs, _ := lab.DB.SearchRuns(`tags.kind = "eval"`, "", 0); len(runs) != 0 {
		t.Fatalf("a failed cell recorded %d runs", len(runs))
	}
}
