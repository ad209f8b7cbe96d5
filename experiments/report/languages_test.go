package report

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/tracker"
)

// sweepFixture records a small sweep (synthetic numbers: the arithmetic and
// the plumbing are tested, not a model): four languages of classes 0, 2, 4
// and 5 (Nigerian Pidgin, Zulu, Finnish, German), ot with two seeds, psq
// and zero-shot once; MAP grows with the class for ot, falls for psq; the
// bitext sizes are given per language; zero-shot records the tokenizer's
// coverage. Plus a budget-250 run and an English→foreign run that must be
// left out.
func sweepFixture(t *testing.T) *tracker.DB {
	t.Helper()
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	add := func(e record.EvalRun, final map[string]float64) {
		r, err := db.StartRun(tracker.RunSpec{Experiment: "sweep", Name: e.Name(), Params: e.Params(), Tags: e.Tags()})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.SetFinalMetrics(final); err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(nil); err != nil {
			t.Fatal(err)
		}
	}
	langs := []struct {
		code   string
		pairs  int
		ot     [2]float64
		psq    float64
		subw   float64
		labelT string
	}{
		{"pcm", 3158, [2]float64{0.10, 0.12}, 0.50, 1.9, data.ResourceLow},
		{"zul", 3168, [2]float64{0.15, 0.17}, 0.40, 2.4, data.ResourceLow},
		{"fin", 3178, [2]float64{0.20, 0.22}, 0.30, 1.6, data.ResourceHigh},
		{"deu", 120, [2]float64{0.30, 0.32}, 0.20, 1.3, data.ResourceHigh},
	}
	for _, l := range langs {
		for i, seed := range []int64{1, 2} {
			e := fixture(record.SystemOT, l.code, seed)
			e.BitextPairs, e.Resource = l.pairs, l.labelT
			add(e, map[string]float64{"map": l.ot[i]})
		}
		e := fixture(record.SystemPSQ, l.code, 0)
		e.BitextPairs, e.Resource = l.pairs, l.labelT
		add(e, map[string]float64{"map": l.psq})
		e = fixture(record.SystemZeroShot, l.code, 0)
		e.Resource = l.labelT
		add(e, map[string]float64{"map": 0.05, record.MetricSubwordsPerWord: l.subw, record.MetricUnkRate: 0.001})
	}
	e := fixture(record.SystemPSQ, "zul", 0)
	e.Budget, e.BitextPairs = 250, 250
	add(e, map[string]float64{"map": 0.9})
	e = fixture(record.SystemPSQ, "zul", 0)
	e.QueryLang, e.DocLang = "eng", "zul"
	add(e, map[string]float64{"map": 0.9})
	return db
}

func TestLanguageResults(t *testing.T) {
	db := sweepFixture(t)
	points, err := LanguageResults(db, LanguageSpec{Experiment: "sweep", Classes: data.ResourceClasses{"fin": 3}})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, p := range points {
		order = append(order, p.Lang)
	}
	// By class: pcm 0, zul 2, fin 3 (the user's), deu 5.
	if strings.Join(order, ",") != "pcm,zul,fin,deu" {
		t.Fatalf("order %v", order)
	}
	fin := points[2]
	if fin.Class != 3 || fin.ClassSource != data.SourceUser || fin.Resource != data.ResourceHigh || fin.BitextPairs != 3178 ||
		math.Abs(fin.Scores[record.SystemOT]-0.21) > 1e-12 || fin.Seeds[record.SystemOT] != 2 || fin.SubwordsPerWord != 1.6 {
		t.Errorf("fin %+v", fin)
	}
	zul := points[1]
	if zul.Scores[record.SystemPSQ] != 0.40 || math.Abs(zul.Gap(record.SystemOT, record.SystemPSQ)-(0.16-0.40)) > 1e-12 ||
		zul.ClassSource != data.SourceJoshi2020 {
		t.Errorf("zul %+v: the budget-250 and English→Zulu runs must be left out", zul)
	}
	if !math.IsNaN(zul.Gap(record.SystemOT, "mse")) {
		t.Error("gap with a missing system is not NaN")
	}
	if got := strings.Join(LanguageSystems(points), ","); got != "ot,psq,zero-shot" {
		t.Errorf("systems %s", got)
	}
	if _, err := LanguageResults(db, LanguageSpec{Experiment: "none"}); err == nil {
		t.Error("an empty experiment gave no error")
	}
}

// TestLanguageCorrelations: with four languages the permutation tests are
// exact. ot rises with the class (classes 0, 2, 4, 5: ρ = τ = 1, and only
// the identity and its reverse of the 24 pairings are as extreme: p =
// 2/24); psq falls (ρ = τ = −1); the gap ot − psq rises. Against the
// bitext size (3158, 3168, 3178, 120) ot's ranks are (2, 3, 4, 1) against
// (1, 2, 3, 4): d = (1, 1, 1, −3), ρ = 1 − 6·12/60 = −0.2.
func TestLanguageCorrelations(t *testing.T) {
	points, err := LanguageResults(sweepFixture(t), LanguageSpec{Experiment: "sweep"})
	if err != nil {
		t.Fatal(err)
	}
	systems := LanguageSystems(points)
	corr := LanguageCorrelations(points, systems, record.SystemOT, record.SystemPSQ, "map", 0, 1)
	got := map[string]LanguageCorrelation{}
	for _, c := range corr {
		got[c.Quantity+"|"+string(c.Axis)] = c
	}
	for _, tc := range []struct {
		key            string
		rho, p, tau, q float64
	}{
		{"map ot|class", 1, 2.0 / 24, 1, 2.0 / 24},
		{"map psq|class", -1, 2.0 / 24, -1, 2.0 / 24},
		{"map ot − psq|class", 1, 2.0 / 24, 1, 2.0 / 24},
		{"map ot|bitext", -0.2, math.NaN(), 0, math.NaN()},
	} {
		c, ok := got[tc.key]
		if !ok || c.Err != nil || !c.Test.Exact || c.Test.N != 4 {
			t.Errorf("%s: %+v", tc.key, c)
			continue
		}
		near := func(a, b float64) bool { return math.IsNaN(b) || math.Abs(a-b) < 1e-12 }
		if !near(c.Test.Spearman, tc.rho) || !near(c.Test.SpearmanP, tc.p) || !near(c.Test.Kendall, tc.tau) || !near(c.Test.KendallP, tc.q) {
			t.Errorf("%s: %+v, want ρ %g p %g τ %g p %g", tc.key, c.Test, tc.rho, tc.p, tc.tau, tc.q)
		}
	}
	// zero-shot's MAP is the same for every language: a constant sample.
	if c := got["map zero-shot|class"]; c.Err == nil || !strings.Contains(c.Err.Error(), "constant") {
		t.Errorf("zero-shot: %+v", c)
	}
	var out bytes.Buffer
	if err := WriteLanguageSummary(&out, points, systems, record.SystemOT, record.SystemPSQ, "map", corr); err != nil {
		t.Fatal(err)
	}
	var lines []string // with runs of spaces as one
	for _, l := range strings.Split(out.String(), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	for _, want := range []string{
		"zul 2 low 3168 2.40 0.0010 0.1600 0.4000 0.0500 -0.2400",
		"map ot − psq class 4 +1.000 0.0833 +1.000 0.0833 (exact)",
		"map zero-shot class 4 - - - - (a sample is constant)",
	} {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("summary lacks the line %q:\n%s", want, out.String())
		}
	}
}

func TestLanguageCharts(t *testing.T) {
	db := sweepFixture(t)
	points, err := LanguageResults(db, LanguageSpec{Experiment: "sweep"})
	if err != nil {
		t.Fatal(err)
	}
	c := LanguageChart(points, AxisClass, LanguageSystems(points), "map")
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	b, err := c.OptionJSON()
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		Series []struct {
			Name string `json:"name"`
			Data []struct {
				Value [2]float64 `json:"value"`
				Name  string     `json:"name"`
			} `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal(b, &opt); err != nil {
		t.Fatal(err)
	}
	// Series sorted by name: ot, psq, zero-shot; on the class axis they sit
	// at class − 0.12, class, class + 0.12.
	if len(opt.Series) != 3 || opt.Series[0].Name != "ot" || len(opt.Series[0].Data) != 4 {
		t.Fatalf("series %+v", opt.Series)
	}
	zulOT := opt.Series[0].Data[1]
	if math.Abs(zulOT.Value[0]-1.88) > 1e-12 || math.Abs(zulOT.Value[1]-0.16) > 1e-12 || !strings.HasPrefix(zulOT.Name, "zul (class 2, 3168 bitext pairs") {
		t.Errorf("zul ot point %+v", zulOT)
	}
	for _, ch := range []interface{ Err() error }{
		LanguageChart(points, AxisBitext, []string{record.SystemOT}, "map"),
		LanguageChart(points, AxisSubwords, []string{record.SystemZeroShot}, "map"),
		LanguageGapChart(points, AxisClass, record.SystemOT, record.SystemPSQ, "map"),
	} {
		if err := ch.Err(); err != nil {
			t.Error(err)
		}
	}
	dir := t.TempDir()
	paths, err := WriteLanguageCharts(db, "sweep", dir, nil)
	if err != nil || len(paths) != 1 || filepath.Base(paths[0]) != "languages-udhr.html" {
		t.Fatalf("WriteLanguageCharts = %v, %v", paths, err)
	}
	page, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	// Offline: ECharts is inlined, nothing is loaded from the network.
	if !bytes.Contains(page, []byte("echarts")) || bytes.Contains(page, []byte("src=\"http")) {
		t.Error("the page is not standalone")
	}
	if _, err := WriteLanguageCharts(db, "../x", dir, nil); err == nil {
		t.Error("an experiment name with a path was accepted")
	}
}
