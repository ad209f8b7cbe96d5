package data

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// WordTaskConfig sets up the word tasks (BuildWordTasks).
type WordTaskConfig struct {
	Seed         int64   // split seed (InDev of each headword)
	TestFraction float64 // share of eligible headwords held out, e.g. 0.1
	MaxQueries   int     // test queries per language at most (<= 0: all), a seeded sample
	MaxRelevant  int     // headwords with more relevant synsets are not queries (<= 0: no limit)
	Distractors  int     // WordNet glosses added to every collection's documents
}

// DefaultWordTaskConfig is the configuration the tests measure.
func DefaultWordTaskConfig(seed int64) WordTaskConfig {
	return WordTaskConfig{Seed: seed, TestFraction: 0.1, MaxQueries: 300, MaxRelevant: 10, Distractors: 2000}
}

// WordTasks are retrieval tasks where relevance is not translation, built
// from FreeDict and WordNet, with the training bitext that goes with them
// and the texts no training stage may see.
type WordTasks struct {
	// Gloss are the foreign word → English gloss collections by language
	// ("words-swh-eng"): queries are held-out FreeDict headwords (qid
	// "w-<n>"), documents are WordNet glosses (docno "wn-<pos>-<offset>",
	// the gloss without lemmas or examples) and the relevant documents of
	// a headword are the synsets that have one of its English translations
	// as a lemma, with the part of speech of its grammar label when it has
	// one. Documents are the relevant synsets of the language's queries
	// plus Distractors glosses drawn with the seed (the same for every
	// language).
	Gloss map[string]Collection
	// Definitions are the English word → foreign definition collections
	// ("defs-eng-fin") of the dictionaries whose senses carry definitions
	// in the headword's language (FreeDictFinEng): queries are the English
	// translations of held-out headwords, documents the definitions of the
	// held-out headwords (definitions that occur in more than one article,
	// "eräs lintulaji () tai sen yksilö", are left out), relevant = the
	// headwords translated by the query. Only dictionaries with at least 100
	// such definitions get one.
	Definitions map[string]Collection
	// Train is each language's FreeDict bitext without the held-out
	// headwords (FreeDictBitext), filtered with Exclusion. Bitext of an
	// English → foreign dictionary (FreeDictEngSwh) is the caller's to add:
	// FreeDictBitext(FreeDictEngSwh, entries, TestHeadwords["swh"]), then
	// Exclusion.FilterPairs.
	Train map[string][]Pair
	// TestHeadwords are the held-out headword keys (normalized words) by
	// language: a training stage must not use their entries.
	TestHeadwords map[string]map[string]bool
	// CLDRGloss are the CLDR name → English gloss collections
	// ("cldrwords-som-eng", AddCLDRGloss), for languages without FreeDict.
	CLDRGloss map[string]Collection
	// Exclusion holds every query and document of Gloss and Definitions:
	// filter the teacher's WordNet pairs, the student's bitext and the
	// pretraining corpus with it (FilterPairs, FilterTexts), and check them
	// (Check, CheckTextsNoLeak with Texts).
	Exclusion *Exclusion

	synsets    []Synset
	index      wordNetIndex
	distract   []int
	maxRel     int
	maxQueries int
	seed       int64
	dicts      map[string][]FreeDictEntry
}

var parenthetical = regexp.MustCompile(`\s*\([^()]*\)\s*`)

// translationLemma is the WordNet lemma a FreeDict translation may name:
// lower case, parenthesised parts dropped ("(paternal) uncle" → "uncle"),
// "to " dropped before a verb.
func translationLemma(tr, pos string) string {
	s := strings.ToLower(strings.TrimSpace(parenthetical.ReplaceAllString(tr, " ")))
	if pos == "v" {
		s = strings.TrimPrefix(s, "to ")
	}
	return strings.Join(strings.Fields(s), " ")
}

// wordNetIndex maps a lower-case lemma to the synsets (indices) that have it.
type wordNetIndex map[string][]int

func newWordNetIndex(synsets []Synset) wordNetIndex {
	x := wordNetIndex{}
	for i, s := range synsets {
		if s.Gloss == "" {
			continue
		}
		for _, l := range s.Lemmas {
			k := strings.ToLower(l)
			if ids := x[k]; len(ids) == 0 || ids[len(ids)-1] != i {
				x[k] = append(ids, i)
			}
		}
	}
	return x
}

// SynsetDocID is the docno of a synset's gloss: "wn-n-02121620".
func SynsetDocID(s Synset) string { return "wn-" + s.POS + "-" + s.Offset }

func posMatches(want, got string) bool {
	return want == "" || want == got || (want == "a" && got == "s")
}

// relevantSynsets are the synsets named by the translations of entries.
func (x wordNetIndex) relevantSynsets(synsets []Synset, entries []FreeDictEntry) []int {
	set := map[int]bool{}
	for _, e := range entries {
		for _, tr := range e.Translations() {
			for _, i := range x[translationLemma(tr, e.POS)] {
				if posMatches(e.POS, synsets[i].POS) {
					set[i] = true
				}
			}
		}
	}
	out := make([]int, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// FreeDictBitext is the training bitext of a dictionary, foreign side
// first (Src foreign, Tgt English, as every Pair): for a foreign → English
// dictionary, headword → its translations joined by ", " and then its
// examples, for every entry whose headword key (normalized words) is not in
// exclude; for an English → foreign one (FreeDictEngSwh), each translation
// → the headword, for translations not in exclude (Origin "freedict").
func FreeDictBitext(d FreeDict, entries []FreeDictEntry, exclude map[string]bool) []Pair {
	var out []Pair
	for _, e := range entries {
		if d.From == "eng" {
			for _, tr := range e.Translations() {
				if !exclude[itemKey(tr)] {
					out = append(out, Pair{Src: tr, Tgt: e.Headword, Origin: OriginFreeDict})
				}
			}
			continue
		}
		if exclude[itemKey(e.Headword)] {
			continue
		}
		out = append(out, Pair{Src: e.Headword, Tgt: strings.Join(e.Translations(), ", "), Origin: OriginFreeDict})
		out = append(out, e.Examples...)
	}
	return out
}

// BuildWordTasks builds the word tasks of every language of dicts (lang →
// its FreeDict X→English entries) against WordNet. The split holds out a
// headword (all its entries) when InDev(its key, Seed, TestFraction) and
// it has 1..MaxRelevant relevant synsets; at most MaxQueries of those are
// queries, but every held-out headword stays out of Train. Everything is a
// deterministic function of the inputs and cfg.
func BuildWordTasks(synsets []Synset, dicts map[string][]FreeDictEntry, cfg WordTaskConfig) (*WordTasks, error) {
	if !(cfg.TestFraction > 0 && cfg.TestFraction < 1) { // NaN too
		return nil, fmt.Errorf("data: word tasks: test fraction %v, want in (0, 1)", cfg.TestFraction)
	}
	if cfg.Distractors < 0 {
		return nil, fmt.Errorf("data: word tasks: distractors %d, want >= 0", cfg.Distractors)
	}
	x := newWordNetIndex(synsets)
	var withGloss []int
	for i, s := range synsets {
		if s.Gloss != "" {
			withGloss = append(withGloss, i)
		}
	}
	newRand(cfg.Seed).Shuffle(len(withGloss), func(i, j int) { withGloss[i], withGloss[j] = withGloss[j], withGloss[i] })
	distract := withGloss[:min(cfg.Distractors, len(withGloss))]

	t := &WordTasks{Gloss: map[string]Collection{}, Definitions: map[string]Collection{}, Train: map[string][]Pair{},
		CLDRGloss: map[string]Collection{}, TestHeadwords: map[string]map[string]bool{}, Exclusion: NewExclusion(),
		synsets: synsets, index: x, distract: distract, maxRel: cfg.MaxRelevant, maxQueries: cfg.MaxQueries, seed: cfg.Seed, dicts: dicts}
	langs := make([]string, 0, len(dicts))
	for l := range dicts {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		entries := dicts[lang]
		groups := map[string][]FreeDictEntry{}
		for _, e := range entries {
			if k := itemKey(e.Headword); k != "" {
				groups[k] = append(groups[k], e)
			}
		}
		keys := make([]string, 0, len(groups))
		for k := range groups {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		held := map[string]bool{}
		rel := map[string][]int{}
		var cands []string
		for _, k := range keys {
			if !InDev(k, cfg.Seed, cfg.TestFraction) {
				continue
			}
			r := x.relevantSynsets(synsets, groups[k])
			if len(r) == 0 || (cfg.MaxRelevant > 0 && len(r) > cfg.MaxRelevant) {
				continue
			}
			held[k], rel[k] = true, r
			cands = append(cands, k)
		}
		if len(cands) == 0 {
			return nil, fmt.Errorf("data: word tasks: no %s headword of %d has a WordNet synset in the test split", lang, len(keys))
		}
		newRand(cfg.Seed).Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		if cfg.MaxQueries > 0 && len(cands) > cfg.MaxQueries {
			cands = cands[:cfg.MaxQueries]
		}
		sort.Strings(cands)
		t.TestHeadwords[lang] = held

		c := Collection{Name: "words-" + lang + "-eng", QueryLang: lang, DocLang: "eng", Qrels: Qrels{}}
		inDocs := map[int]bool{}
		addDoc := func(i int) {
			if !inDocs[i] {
				inDocs[i] = true
				c.Docs = append(c.Docs, Doc{ID: SynsetDocID(synsets[i]), Text: synsets[i].Gloss})
			}
		}
		for n, k := range cands {
			qid := fmt.Sprintf("w-%d", n+1)
			c.Queries = append(c.Queries, Query{ID: qid, Text: groups[k][0].Headword})
			c.Qrels[qid] = map[string]int{}
			for _, i := range rel[k] {
				addDoc(i)
				c.Qrels[qid][SynsetDocID(synsets[i])] = 1
			}
		}
		for _, i := range distract {
			addDoc(i)
		}
		t.Gloss[lang] = c
		t.Exclusion.AddCollection(c)
		if d, ok := definitionCollection(lang, entries, groups, held); ok {
			t.Definitions[lang] = d
			t.Exclusion.AddCollection(d)
		}
	}
	t.filterTrain()
	return t, nil
}

// filterTrain (re)computes Train with the current Exclusion.
func (t *WordTasks) filterTrain() {
	for lang, entries := range t.dicts {
		d := FreeDict{From: lang, To: "eng"}
		t.Train[lang], _ = t.Exclusion.FilterPairs(FreeDictBitext(d, entries, t.TestHeadwords[lang]))
	}
}

// AddCLDRGloss adds the CLDR name → English gloss collection of lang
// ("cldrwords-<lang>-eng") to CLDRGloss and its texts to Exclusion (and
// filters Train again): for a language without a FreeDict dictionary.
// Queries are the foreign CLDR names (Annotation.Name) of split's test
// keys whose English name is a WordNet lemma (lower case; "cat", "chess
// pawn"), at most MaxQueries by a seeded sample, with 1..MaxRelevant
// synsets (its noun synsets when it has some), and whose name does not
// leak (CheckNoLeak's rule) into a name or text of a concept outside the
// test keys; documents are those synsets' glosses and the distractors of
// the Gloss collections; relevant = the synsets of the English name. A
// name is a different text from the CLDR collection's "name, keywords"
// query, and split keeps the test keys out of the CLDR bitext.
func (t *WordTasks) AddCLDRGloss(lang string, foreign, english []Annotation, split CLDRSplit) (Collection, error) {
	fm, em := byKey(foreign), byKey(english)
	// Names and texts of the other concepts (the CLDR bitext's texts): a
	// query equal to one would be trained on.
	test := split.Exclude()
	other := newLeakIndex()
	for _, k := range SharedKeys(foreign, english) {
		if !test[k] {
			for _, s := range []string{fm[k].Name, em[k].Name, AnnotationText(fm[k]), AnnotationText(em[k])} {
				other.add(s, 0)
			}
		}
	}
	trained := func(q string) bool {
		found := false
		other.find(q, func(int) bool { found = true; return false })
		return found
	}
	type cand struct {
		key string
		rel []int
	}
	var cands []cand
	for _, k := range split.TestKeys {
		f, ok1 := fm[k]
		e, ok2 := em[k]
		if !ok1 || !ok2 || itemKey(f.Name) == "" || trained(f.Name) {
			continue
		}
		rel := t.index[strings.ToLower(strings.TrimSpace(e.Name))]
		var nouns []int
		for _, i := range rel {
			if t.synsets[i].POS == "n" {
				nouns = append(nouns, i)
			}
		}
		if len(nouns) > 0 {
			rel = nouns // emoji names are nouns: "cat" the animal, not the verb
		}
		if len(rel) == 0 || (t.maxRel > 0 && len(rel) > t.maxRel) {
			continue
		}
		cands = append(cands, cand{k, rel})
	}
	if len(cands) == 0 {
		return Collection{}, fmt.Errorf("data: word tasks: no CLDR test concept of %s has an English name that is a WordNet lemma", lang)
	}
	newRand(t.seed).Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	if t.maxQueries > 0 && len(cands) > t.maxQueries {
		cands = cands[:t.maxQueries]
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].key < cands[j].key })
	c := Collection{Name: "cldrwords-" + lang + "-eng", QueryLang: lang, DocLang: "eng", Qrels: Qrels{}}
	inDocs := map[int]bool{}
	addDoc := func(i int) {
		if !inDocs[i] {
			inDocs[i] = true
			c.Docs = append(c.Docs, Doc{ID: SynsetDocID(t.synsets[i]), Text: t.synsets[i].Gloss})
		}
	}
	for _, cd := range cands {
		qid := "cldr-" + CLDRKeyID(cd.key)
		c.Queries = append(c.Queries, Query{ID: qid, Text: fm[cd.key].Name})
		c.Qrels[qid] = map[string]int{}
		for _, i := range cd.rel {
			addDoc(i)
			c.Qrels[qid][SynsetDocID(t.synsets[i])] = 1
		}
	}
	for _, i := range t.distract {
		addDoc(i)
	}
	t.CLDRGloss[lang] = c
	t.Exclusion.AddCollection(c)
	t.filterTrain()
	return c, nil
}

// minDefinitionDocs is the fewest documents of a definition collection.
const minDefinitionDocs = 100

// definitionCollection is the English → foreign definition collection of
// the held-out headwords, when the dictionary has definitions.
func definitionCollection(lang string, entries []FreeDictEntry, groups map[string][]FreeDictEntry, held map[string]bool) (Collection, bool) {
	count := map[string]int{}
	for _, e := range entries {
		for _, s := range e.Senses {
			for _, d := range s.Definitions {
				count[itemKey(d)]++
			}
		}
	}
	c := Collection{Name: "defs-eng-" + lang, QueryLang: "eng", DocLang: lang, Qrels: Qrels{}}
	byTrans := map[string][]string{}
	var transOrder []string
	keys := make([]string, 0, len(held))
	for k := range held {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, e := range groups[k] {
			for _, s := range e.Senses {
				for _, d := range s.Definitions {
					if count[itemKey(d)] != 1 || len(leakWords(d)) < 2 {
						continue
					}
					id := fmt.Sprintf("d-%d", len(c.Docs)+1)
					c.Docs = append(c.Docs, Doc{ID: id, Text: d})
					for _, tr := range s.Translations {
						tk := itemKey(tr)
						if tk == "" {
							continue
						}
						if _, ok := byTrans[tk]; !ok {
							transOrder = append(transOrder, tk)
						}
						byTrans[tk] = append(byTrans[tk], id)
					}
				}
			}
		}
	}
	if len(c.Docs) < minDefinitionDocs {
		return Collection{}, false // swh-eng's few English notes are not a collection
	}
	sort.Strings(transOrder)
	for n, tk := range transOrder {
		qid := fmt.Sprintf("e-%d", n+1)
		c.Queries = append(c.Queries, Query{ID: qid, Text: tk})
		c.Qrels[qid] = map[string]int{}
		for _, id := range byTrans[tk] {
			c.Qrels[qid][id] = 1
		}
	}
	return c, true
}
