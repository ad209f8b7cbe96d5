package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/tracker"
)

// fixture is the record of a run of system on lang→English UDHR with data
// seed seed (seeded systems), written and read through experiments/record
// like every real run.
func fixture(system, lang string, seed int64) record.EvalRun {
	e := record.EvalRun{System: system, Collection: record.CollectionUDHR, QueryLang: lang, DocLang: "eng",
		QueryLen: 64, DocLen: 96, Depth: 1000, BitextPairs: 3000, Seed: seed, IBM1Iterations: 10,
		TeacherKey: "t", StudentKey: fmt.Sprint("s", seed), Student: map[string]string{"train_steps": "400"},
		Provenance: record.Provenance{Data: "fixture", SplitSeed: 2023, TestFraction: 0.5, Seed: 1, Settings: "fixture"}}
	if lg, err := data.LookupLanguage(lang); err == nil {
		e.Resource = lg.Resource
	}
	return e
}

// fakeEval records a FINISHED evaluation run with the given per-query MAP
// values (synthetic numbers: this tests the table's arithmetic, not a
// model). seed "" is seed 0 (deterministic systems record none).
func fakeEval(t *testing.T, db *tracker.DB, system, lang, seed string, perQuery []float64) {
	t.Helper()
	var s int64
	if seed != "" {
		s, _ = strconv.ParseInt(seed, 10, 64)
	}
	writeEval(t, db, "paper", fixture(system, lang, s).Params(), perQuery)
}

// writeEval records a FINISHED evaluation run with the given parameters.
func writeEval(t *testing.T, db *tracker.DB, experiment string, params map[string]string, perQuery []float64) {
	t.Helper()
	r, err := db.StartRun(tracker.RunSpec{Experiment: experiment, Name: params[record.ParamSystem], Params: params,
		Tags: map[string]string{record.TagKind: record.KindEval}})
	if err != nil {
		t.Fatal(err)
	}
	pq := map[string]float64{}
	mean := 0.0
	for i, v := range perQuery {
		pq[fmt.Sprintf("q%02d", i)] = v
		mean += v / float64(len(perQuery))
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

func constant(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestBuildTable(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// swh (low): psq 0.2 on 20 queries; ot 0.5 and 0.7 (seeds 1, 2): mean 0.6,
	// sample std sqrt(((0.5-0.6)^2+(0.7-0.6)^2)/1) = 0.1414; every query
	// better in both seeds, so the sign-flip test gives p = 2/2^20 (exact, the
	// two all-same-sign assignments), far below 0.05 after Holm (x2).
	fakeEval(t, db, "psq", "swh", "", constant(20, 0.2))
	fakeEval(t, db, "ot", "swh", "1", constant(20, 0.5))
	fakeEval(t, db, "ot", "swh", "2", constant(20, 0.7))
	// deu (high): psq 0.4, ot 0.4: no difference, not significant.
	fakeEval(t, db, "psq", "deu", "", constant(20, 0.4))
	fakeEval(t, db, "ot", "deu", "1", constant(20, 0.4))
	tab, err := BuildTable(db, TableSpec{Experiment: "paper", Collection: "udhr", Permutation: 2000})
	if err != nil {
		t.Fatal(err)
	}
	ot := tab.Cells["ot"]["swh"]
	if math.Abs(ot.Mean-0.6) > 1e-12 || math.Abs(ot.Std-math.Sqrt(0.02)) > 1e-12 || ot.Seeds != 2 {
		t.Fatalf("ot swh: mean %v std %v seeds %d, want 0.6, 0.1414, 2", ot.Mean, ot.Std, ot.Seeds)
	}
	if !ot.Significant || tab.Cells["ot"]["deu"].Significant {
		t.Fatalf("significance: swh %v (p %v), deu %v (p %v)", ot.Significant, ot.PAdj, tab.Cells["ot"]["deu"].Significant, tab.Cells["ot"]["deu"].PAdj)
	}
	if g, ok := tab.Gain("ot", "swh"); !ok || math.Abs(g-2) > 1e-12 { // (0.6-0.2)/0.2
		t.Fatalf("gain %v, want 2", g)
	}
	if m, ok := tab.Average("ot", "low"); !ok || math.Abs(m-0.6) > 1e-12 {
		t.Fatalf("low average %v", m)
	}
	if !strings.EqualFold(strings.Join(tab.Languages, ","), "swh,deu") {
		t.Fatalf("language order %v, want low resource first", tab.Languages)
	}
	var md, tex, csv bytes.Buffer
	if err := tab.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := tab.WriteLaTeX(&tex); err != nil {
		t.Fatal(err)
	}
	if err := tab.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| ot | 0.600 ± 0.141▲ | 0.400 |", "+200.0%"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if !strings.Contains(tex.String(), `0.600 $\pm$ 0.141$^\dagger$`) || !strings.Contains(csv.String(), "ot,swh-eng,low,map,0.600000,0.141421,2,") {
		t.Errorf("latex or csv:\n%s\n%s", tex.String(), csv.String())
	}
	if _, err := BuildTable(db, TableSpec{Experiment: "nothing"}); err == nil {
		t.Fatal("empty experiment: want error")
	}
	dir := t.TempDir()
	paths, err := WriteStandardCharts(db, "paper", dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "map.html"), filepath.Join(dir, "table-udhr.html")}
	if strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Fatalf("charts written: %v, want %v", paths, want)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte("swh-eng")) || bytes.Contains(b, []byte("<script src=")) {
			t.Fatalf("%s: %v, %d bytes; want an offline page naming swh-eng", p, err, len(b))
		}
	}
}

// TestRenamedParamBreaksTheTable: a writer that renamed one parameter of
// the record (here "collection" → "coll", or "bitext_pairs" dropped) makes
// the table fail on that run, naming it, instead of silently leaving it out:
// the table reads runs through record.ParseEvalRun, the same schema the lab
// writes them with.
func TestRenamedParamBreaksTheTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m map[string]string)
		want string
	}{
		{"query_lang renamed", func(m map[string]string) { m["q_lang"] = m[record.ParamQueryLang]; delete(m, record.ParamQueryLang) },
			"params.query_lang is missing"},
		{"bitext_budget renamed", func(m map[string]string) {
			m["budget"] = m[record.ParamBitextBudget]
			delete(m, record.ParamBitextBudget)
		},
			"params.bitext_budget is missing"},
		{"data_seed renamed", func(m map[string]string) {
			m["student.seed"] = m["student.data_seed"]
			delete(m, "student.data_seed")
		}, "params.student.data_seed is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			fakeEval(t, db, "psq", "swh", "", constant(20, 0.2))
			p := fixture("ot", "swh", 1).Params()
			tc.edit(p)
			writeEval(t, db, "paper", p, constant(20, 0.5))
			_, err = BuildTable(db, TableSpec{Experiment: "paper", Collection: "udhr", Permutation: 100})
			if !errors.Is(err, record.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("BuildTable = %v, want record.ErrMalformed containing %q", err, tc.want)
			}
		})
	}
}
