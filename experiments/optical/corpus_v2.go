package optical

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
)

// CollectionWords is the word tasks' collection (PipelineV2): a foreign
// word → its English WordNet glosses (wordsSource).
const CollectionWords = record.CollectionWords

// GCIDE split of PipelineV2: the share of GCIDE terms held out as the dev
// side (data.EnglishPairs, data.EnglishDevCollection) and the most
// definitions a dev query may have. 2 % of GCIDE's terms is several
// thousand definitions: enough documents for the dev task's
// PipelineConfig.DevQueries queries (300 by default) while the teacher
// keeps 98 % of the pairs; terms with more than 10 definitions ("set",
// "run") are not dev queries, as in the word tasks
// (data.DefaultWordTaskConfig's MaxRelevant).
const (
	gcideDevFraction = 0.02
	gcideDevRelevant = 10
	debianRoot       = "/" // where `make setup-freedict` installs the Debian packages
	sourceGCIDEDev   = "gcide-dev"
)

// cldrSplitSeed is the seed of the CLDR splits: SplitSeed under v1, and
// under PipelineV2 SplitSeed + Seed - 1, so that a grid seed varies the
// held-out concepts too and seed 1 keeps v1's split.
func (c *Config) cldrSplitSeed() int64 {
	if !c.V2() {
		return c.SplitSeed
	}
	return c.SplitSeed + c.Seed - 1
}

// swapFold is fold 1 of a UDHR split: its test and train articles
// swapped, the preamble (article 0) staying in Train, both sorted.
func swapFold(s data.UDHRSplit) data.UDHRSplit {
	out := data.UDHRSplit{Train: []int{0}}
	for _, n := range s.Train {
		if n != 0 {
			out.Test = append(out.Test, n)
		}
	}
	out.Train = append(out.Train, s.Test...)
	sort.Ints(out.Test)
	sort.Ints(out.Train)
	return out
}

// v2Data is what PipelineV2 adds to the corpus (loadV2): the FreeDict
// dictionaries, GCIDE, the word tasks and the GCIDE teacher and dev data.
type v2Data struct {
	dicts  []data.LoadedFreeDict // every data.FreeDicts() dictionary, in its order
	debian []data.DebianPackage  // data.DebianPackages(): provenance
	// Words are the word tasks: a gloss collection for every FreeDict
	// X→English language (BuildWordTasks) and a CLDR gloss collection for
	// every loaded foreign language without one (AddCLDRGloss); its
	// Exclusion also holds the gcide-dev collection.
	Words      *data.WordTasks
	gcideTrain []data.Pair     // GCIDE train pairs, filtered with Words.Exclusion
	dev        data.Collection // gcide-dev
	gcideN     int             // PipelineConfig.GCIDEPairs (0 = all)
	languages  string          // PipelineConfig.PretrainLanguages
	mu         sync.Mutex      // guards the caches below
	bitext     map[string][]data.Pair
	teacher    []data.Pair
	pretrain   []data.PretrainText
	tlm        []data.Pair
	heldOut    *data.Exclusion
}

// loadV2 loads PipelineV2's data into c: every FreeDict dictionary and
// GCIDE from the Debian packages (`make setup-freedict`), the word tasks,
// the GCIDE pairs and the gcide-dev collection.
func loadV2(ctx context.Context, cfg *Config, c *Corpus) error {
	return loadV2At(ctx, cfg, c, debianRoot)
}

func loadV2At(ctx context.Context, cfg *Config, c *Corpus, root string) error {
	v := &v2Data{debian: data.DebianPackages(), bitext: map[string][]data.Pair{}, gcideN: cfg.PipelineConfig.GCIDEPairs,
		languages: cfg.PipelineConfig.PretrainLanguages}
	toEng := map[string][]data.FreeDictEntry{}
	for _, d := range data.FreeDicts() {
		if err := cause(ctx); err != nil {
			return err
		}
		es, err := data.LoadFreeDict(root, d)
		if err != nil {
			return fmt.Errorf("optical: pipeline v2: %w", err)
		}
		v.dicts = append(v.dicts, data.LoadedFreeDict{Dict: d, Entries: es})
		if d.To == "eng" {
			toEng[d.From] = es
		}
	}
	if err := cause(ctx); err != nil {
		return err
	}
	defs, err := data.LoadGCIDE(root)
	if err != nil {
		return fmt.Errorf("optical: pipeline v2: %w", err)
	}
	if v.Words, err = data.BuildWordTasks(c.Synsets, toEng, data.DefaultWordTaskConfig(cfg.SplitSeed)); err != nil {
		return fmt.Errorf("optical: pipeline v2: %w", err)
	}
	// The dev task joins the exclusion before AddCLDRGloss, which filters
	// Words.Train again with it.
	if v.dev, err = data.EnglishDevCollection(defs, cfg.SplitSeed, gcideDevFraction, cfg.PipelineConfig.DevQueries, gcideDevRelevant); err != nil {
		return fmt.Errorf("optical: pipeline v2: %w", err)
	}
	v.Words.Exclusion.AddCollection(v.dev)
	for _, code := range c.tokenizerLanguages() {
		if code == "eng" || v.Words.Gloss[data.ISOOf(code)].Name != "" {
			continue
		}
		if _, err := v.Words.AddCLDRGloss(code, c.Annotations[code], c.Annotations["eng"], c.CLDRSplits[code]); err != nil {
			return fmt.Errorf("optical: pipeline v2: language %s: %w", code, err)
		}
	}
	for lang, pairs := range v.Words.Train { // in case no AddCLDRGloss ran after the dev task joined
		v.Words.Train[lang], _ = v.Words.Exclusion.FilterPairs(pairs)
	}
	train, _, err := data.EnglishPairs(defs, cfg.SplitSeed, gcideDevFraction)
	if err != nil {
		return fmt.Errorf("optical: pipeline v2: %w", err)
	}
	v.gcideTrain, _ = v.Words.Exclusion.FilterPairs(train)
	c.v2 = v
	return nil
}

// Words are the word tasks of PipelineV2 (nil under v1).
func (c *Corpus) Words() *data.WordTasks {
	if c.v2 == nil {
		return nil
	}
	return c.v2.Words
}

// filterBitext is pairs without those that hold a word-task or gcide-dev
// text (Words.Exclusion), cached by language.
func (v *v2Data) filterBitext(lang string, pairs []data.Pair) []data.Pair {
	v.mu.Lock()
	defer v.mu.Unlock()
	if b, ok := v.bitext[lang]; ok {
		return b
	}
	b, _ := v.Words.Exclusion.FilterPairs(pairs)
	v.bitext[lang] = b
	return b
}

// TeacherPairsV2 are the English teacher's pairs under PipelineV2: the
// WordNet pairs (TeacherPairs) and the GCIDE train pairs (all, or
// PipelineConfig.GCIDEPairs of them by a shuffle seeded with the pipeline
// seed, in GCIDE order), both without any pair that holds a word-task
// query or gloss or a gcide-dev text (Words.Exclusion). Nil under v1.
func (c *Corpus) TeacherPairsV2() []data.Pair {
	v := c.v2
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.teacher != nil {
		return v.teacher
	}
	wn, _ := v.Words.Exclusion.FilterPairs(c.TeacherPairs())
	g := v.gcideTrain
	if n := v.gcideN; n > 0 && n < len(g) {
		idx := rand.New(rand.NewPCG(uint64(c.teacherSeed), 0x6763696465)).Perm(len(g))[:n] // "gcide"
		sort.Ints(idx)
		s := make([]data.Pair, n)
		for i, j := range idx {
			s[i] = g[j]
		}
		g = s
	}
	v.teacher = append(wn, g...)
	return v.teacher
}

// GCIDEDev is the teacher's dev task (PipelineV2): English GCIDE terms
// held out of its pairs as queries, all definitions of the held-out terms
// as documents, a term's own definitions relevant (not self-retrieval).
func (c *Corpus) GCIDEDev() data.Collection {
	if c.v2 == nil {
		return data.Collection{}
	}
	return c.v2.dev
}

// heldOutQuery is a test query with the source and language it is a test
// query of.
type heldOutQuery struct {
	source, lang string
	minUnits     int // data.MinLeakUnits of its language
	q            data.Query
}

// heldOutQueries are every test query of every source (UDHR, CLDR, the
// word tasks; the user's collection when configured) in every loaded
// foreign language (both directions), and the gcide-dev queries.
func (c *Corpus) heldOutQueries() ([]heldOutQuery, error) {
	var out []heldOutQuery
	for _, lang := range c.tokenizerLanguages() {
		if lang == "eng" {
			continue // English queries are the English side of every foreign language's directions
		}
		min := data.MinLeakUnits(c.Languages[lang].WordSep)
		for _, src := range c.Sources() {
			qs, err := src.TestQueries(lang)
			if err != nil {
				return nil, err
			}
			for _, q := range qs {
				out = append(out, heldOutQuery{src.Name(), lang, min, q})
			}
		}
	}
	for _, q := range c.GCIDEDev().Queries {
		out = append(out, heldOutQuery{sourceGCIDEDev, "eng", data.MinLeakWords, q})
	}
	return out, nil
}

// heldOutExclusion is an Exclusion of every held-out query and of the word
// tasks' texts: what the shared training stages (pretraining, TLM) are
// filtered with. The CLDR splits differ by language (the concepts held out
// for swh are trained on for deu), so a stage that sees every language's
// bitext must drop the test queries of all of them.
func (c *Corpus) heldOutExclusion() (*data.Exclusion, error) {
	v := c.v2
	v.mu.Lock()
	x := v.heldOut
	v.mu.Unlock()
	if x != nil {
		return x, nil
	}
	qs, err := c.heldOutQueries()
	if err != nil {
		return nil, err
	}
	x = data.NewExclusion()
	for _, q := range v.Words.Exclusion.Texts() {
		x.Add(q.ID, q.Text)
	}
	for _, h := range qs {
		x.Add(h.source+"/"+h.lang+"/"+h.q.ID, h.q.Text)
	}
	v.mu.Lock()
	v.heldOut = x
	v.mu.Unlock()
	return x, nil
}

// checkHeldOut checks texts (or pairs when texts is nil) against every
// held-out query (heldOutQueries), with each language's MinLeakUnits: a
// leak is an error naming the stage, the source and the language.
func (c *Corpus) checkHeldOut(stage string, texts []string, pairs []data.Pair) error {
	qs, err := c.heldOutQueries()
	if err != nil {
		return err
	}
	byMin := map[int][]data.Query{}
	where := map[string]heldOutQuery{}
	for i, h := range qs {
		id := fmt.Sprintf("%d:%s", i, h.q.ID)
		where[id] = h
		byMin[h.minUnits] = append(byMin[h.minUnits], data.Query{ID: id, Text: h.q.Text})
	}
	mins := make([]int, 0, len(byMin))
	for m := range byMin {
		mins = append(mins, m)
	}
	sort.Ints(mins)
	for _, m := range mins {
		var err error
		if pairs != nil {
			err = data.CheckNoLeakMin(pairs, byMin[m], m)
		} else {
			err = data.CheckTextsNoLeakMin(texts, byMin[m], m)
		}
		if err == nil {
			continue
		}
		for id, h := range where { // name the query's source and language
			if strings.Contains(err.Error(), "query "+id+" ") {
				return fmt.Errorf("optical: %s vs the %s test queries of %s: %w", stage, h.source, h.lang, err)
			}
		}
		return fmt.Errorf("optical: %s vs the test queries: %w", stage, err)
	}
	return nil
}

// PretrainTexts is PipelineV2's multilingual pretraining corpus
// (data.BuildPretrainCorpus): the train articles (Split, the current
// fold's) of every UDHR translation, every FreeDict dictionary without the
// word tasks' held-out headwords, and the training bitext of every loaded
// language and the teacher pairs (TeacherPairsV2), both sides; every text
// holding a word-task text or any language's test query is dropped, then
// the corpus is checked against every test query (checkHeldOut). Cached.
func (c *Corpus) PretrainTexts() ([]data.PretrainText, error) {
	if c.v2 == nil {
		return nil, fmt.Errorf("optical: the pretraining corpus is pipeline %s's (setting %q)", PipelineV2, settingPipeline)
	}
	v := c.v2
	v.mu.Lock()
	cached := v.pretrain
	v.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	var extra []data.PretrainText
	for _, l := range c.tokenizerLanguages() {
		if l == "eng" {
			continue
		}
		b, err := c.builtinBitext(l)
		if err != nil {
			return nil, err
		}
		extra = append(extra, data.PairTexts(b, data.ISOOf(l), "eng")...)
	}
	extra = append(extra, data.PairTexts(c.TeacherPairsV2(), "eng", "eng")...)
	texts, err := c.buildPretrain(extra)
	if err != nil {
		return nil, err
	}
	if v.languages != PretrainAll {
		texts = data.OfLanguages(texts, c.pretrainLanguages())
	}
	v.mu.Lock()
	v.pretrain = texts
	v.mu.Unlock()
	return texts, nil
}

// buildPretrain builds and checks the pretraining corpus with extra texts.
func (c *Corpus) buildPretrain(extra []data.PretrainText) ([]data.PretrainText, error) {
	x, err := c.heldOutExclusion()
	if err != nil {
		return nil, err
	}
	words := *c.v2.Words // the word tasks with the held-out queries of every source added
	words.Exclusion = x
	pc, err := data.BuildPretrainCorpus(data.PretrainSources{UDHRRoot: c.udhrRoot, Split: c.Split, Dicts: c.v2.dicts, Words: &words, Extra: extra})
	if err != nil {
		return nil, fmt.Errorf("optical: pretraining corpus: %w", err)
	}
	if err := c.checkHeldOut("pretraining corpus", data.Texts(pc.Texts), nil); err != nil {
		return nil, err
	}
	return pc.Texts, nil
}

// checkPretrain checks texts as the pretraining corpus is checked (tests
// plant leaks with it).
func (c *Corpus) checkPretrain(texts []data.PretrainText) error {
	return c.checkHeldOut("pretraining corpus", data.Texts(texts), nil)
}

// PretrainBitext are PipelineV2's translation-language-modelling pairs:
// the training bitext of every loaded language and the FreeDict training
// bitext (Words.Train, and the English → Swahili dictionary's without the
// held-out Swahili headwords), foreign side first, without pairs that hold
// a held-out text of any language, checked against every test query.
// Cached.
func (c *Corpus) PretrainBitext() ([]data.Pair, error) {
	if c.v2 == nil {
		return nil, fmt.Errorf("optical: the pretraining bitext is pipeline %s's (setting %q)", PipelineV2, settingPipeline)
	}
	v := c.v2
	v.mu.Lock()
	cached := v.tlm
	v.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	var pairs []data.Pair
	for _, l := range c.tokenizerLanguages() {
		if l == "eng" {
			continue
		}
		b, err := c.builtinBitext(l)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, b...)
	}
	langs := make([]string, 0, len(v.Words.Train))
	for l := range v.Words.Train {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		pairs = append(pairs, v.Words.Train[l]...)
	}
	for _, d := range v.dicts {
		if d.Dict.From == "eng" {
			pairs = append(pairs, data.FreeDictBitext(d.Dict, d.Entries, v.Words.TestHeadwords[d.Dict.To])...)
		}
	}
	x, err := c.heldOutExclusion()
	if err != nil {
		return nil, err
	}
	pairs, _ = x.FilterPairs(pairs)
	if err := c.checkHeldOut("pretraining bitext", nil, pairs); err != nil {
		return nil, err
	}
	v.mu.Lock()
	v.tlm = pairs
	v.mu.Unlock()
	return pairs, nil
}

// TokenizerCorpusV2 is what PipelineV2's subword vocabulary trains on: a
// language-balanced sample of the pretraining corpus
// (data.BalancedSample(PretrainTexts, alpha, words, seed)) and the texts
// of the teacher pairs (TeacherPairsV2), of every loaded language's
// training bitext and of the user's bitext, so every text a stage trains
// on is covered.
//
// Measured (TestMeasureSubwordsV2, BPE of 8,000 tokens, subwords per
// held-out UDHR word, alpha 0.3, 2,000,000 words, fold 0): the v1 corpus
// (TokenizerCorpus) gives swh 2.21, amh 3.67, mar 3.74, deu 2.66, fin
// 3.59, eng 1.24; a sample of all 456 pretraining languages 2.27, 4.12,
// 4.92, 2.94, 4.00, 1.55 (worse in all twelve table languages); a sample of
// the loaded languages only (data.OfLanguages) 2.00, 3.47, 3.41, 2.14,
// 2.95, 1.30 (better than v1 in all eleven foreign ones).
func (c *Corpus) TokenizerCorpusV2(alpha float64, words int, seed int64) ([]string, error) {
	return c.tokenizerCorpusV2(alpha, words, seed, false)
}

// tokenizerCorpusV2 is TokenizerCorpusV2, its sample drawn from the loaded
// languages' texts only (data.OfLanguages) when labLanguages.
func (c *Corpus) tokenizerCorpusV2(alpha float64, words int, seed int64, labLanguages bool) ([]string, error) {
	pre, err := c.PretrainTexts()
	if err != nil {
		return nil, err
	}
	if labLanguages {
		pre = data.OfLanguages(pre, c.tokenizerLanguages())
	}
	s, err := data.BalancedSample(pre, alpha, words, seed)
	if err != nil {
		return nil, fmt.Errorf("optical: tokenizer corpus: %w", err)
	}
	rest, err := c.trainingTexts(c.TeacherPairsV2())
	if err != nil {
		return nil, err
	}
	return append(data.Texts(s), rest...), nil
}

// wordsSource: the word tasks (PipelineV2): held-out FreeDict headwords
// of a language with a FreeDict X→English dictionary (Words.Gloss), else
// held-out CLDR names (Words.CLDRGloss), as queries; WordNet glosses as
// documents, the synsets of the word's translations relevant. English →
// foreign (Words.Definitions, the languages of wordsReverse): the English
// translations of held-out headwords as queries, the headwords' foreign
// definitions as documents. Every text of both directions is in
// Words.Exclusion, which filters every training stage.
type wordsSource struct{ c *Corpus }

// wordsReverse are the languages with an English → foreign words task:
// those whose FreeDict dictionary gives definitions in the headword's
// language (fin, from Wiktionary); TestWordsReverseLanguages checks it
// against the corpus.
var wordsReverse = map[string]bool{"fin": true}

func wordsReverseLanguages() []string {
	var out []string
	for l := range wordsReverse {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func (wordsSource) Name() string                  { return CollectionWords }
func (wordsSource) Provenance() map[string]string { return nil }

func (s wordsSource) Collection(qLang, dLang string) (data.Collection, error) {
	if w := s.c.Words(); w != nil && dLang == "eng" {
		for _, l := range []string{qLang, data.ISOOf(qLang)} {
			if c, ok := w.Gloss[l]; ok {
				return c, nil
			}
			if c, ok := w.CLDRGloss[l]; ok {
				return c, nil
			}
		}
	}
	if w := s.c.Words(); w != nil && qLang == "eng" {
		for _, l := range []string{dLang, data.ISOOf(dLang)} {
			if c, ok := w.Definitions[l]; ok {
				return c, nil
			}
		}
	}
	return data.Collection{}, fmt.Errorf("optical: the %s collection pairs a foreign word with English glosses, or English words with foreign definitions (%s only; pipeline %s), got %s",
		CollectionWords, strings.Join(wordsReverseLanguages(), ", "), PipelineV2, record.Pair(qLang, dLang))
}

func (s wordsSource) TestQueries(lang string) ([]data.Query, error) {
	c, err := s.Collection(lang, "eng")
	if err != nil {
		return nil, nil // no word task for lang (English, or no data)
	}
	return c.Queries, nil
}
