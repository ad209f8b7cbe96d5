package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// Qrels maps a query id to the relevance of each judged document:
// qid -> docno -> rel. It has the same underlying type as lib/eval.Qrels.
type Qrels map[string]map[string]int

// Query is one test query.
type Query struct{ ID, Text string }

// Doc is one document.
type Doc struct{ ID, Text string }

// Collection is a test collection: queries in QueryLang, documents in
// DocLang (ISO 639-3 codes) and relevance judgements.
type Collection struct {
	Name, QueryLang, DocLang string
	Queries                  []Query
	Docs                     []Doc
	Qrels                    Qrels
}

// Pair is one training pair: Src (the foreign or query side) and Tgt (the
// English or document side); Origin names where it came from.
type Pair struct{ Src, Tgt, Origin string }

// Pair origins.
const (
	OriginCLDRName     = "cldr-name"
	OriginCLDRKeywords = "cldr-keywords"
	OriginUDHR         = "udhr"
	OriginWordNetLemma = "wordnet-lemmas"
	OriginWordNetEx    = "wordnet-example"
)

// UDHRArticles is the number of numbered UDHR articles.
const UDHRArticles = 30

// UDHRSplit assigns UDHR article numbers to test or train. The preamble (0)
// is always train.
type UDHRSplit struct{ Test, Train []int }

// newRand returns the deterministic generator used by all splits.
func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x6f74636c6972)) // "otclir"
}

// testCount returns round(n*fraction), fraction clamped to [0, 1] (NaN: 0).
func testCount(n int, fraction float64) int {
	if math.IsNaN(fraction) || fraction <= 0 {
		return 0
	}
	if fraction >= 1 {
		return n
	}
	return int(math.Round(float64(n) * fraction))
}

// SplitUDHR shuffles articles 1..30 with seed and puts round(30*testFraction)
// of them in Test (testFraction is clamped to [0, 1]); the rest and the
// preamble go to Train. Both lists are sorted.
func SplitUDHR(seed int64, testFraction float64) UDHRSplit {
	nums := make([]int, UDHRArticles)
	for i := range nums {
		nums[i] = i + 1
	}
	newRand(seed).Shuffle(len(nums), func(i, j int) { nums[i], nums[j] = nums[j], nums[i] })
	k := testCount(len(nums), testFraction)
	s := UDHRSplit{Test: append([]int(nil), nums[:k]...), Train: append([]int{0}, nums[k:]...)}
	sort.Ints(s.Test)
	sort.Ints(s.Train)
	return s
}

// UDHRDocID returns the docno of paragraph p (1-based) of article a: "a07-p1".
func UDHRDocID(article, paragraph int) string { return fmt.Sprintf("a%02d-p%d", article, paragraph) }

// UDHRCollection builds a paragraph retrieval collection. Queries are the
// paragraphs of split.Test articles in queryDecl (qid "udhr-a07-p1"); the
// documents are all paragraphs of docDecl, preamble included (docno
// "a07-p1"); the relevant documents of a query (rel 1) are the paragraphs of
// the same article in docDecl. A test article missing from docDecl gives no
// queries. Either side may be English.
func UDHRCollection(queryDecl, docDecl *Declaration, split UDHRSplit) Collection {
	c := Collection{
		Name:      "udhr-" + queryDecl.Lang + "-" + docDecl.Lang,
		QueryLang: queryDecl.Lang,
		DocLang:   docDecl.Lang,
		Qrels:     Qrels{},
	}
	for _, a := range docDecl.Articles {
		for i, p := range a.Paragraphs {
			c.Docs = append(c.Docs, Doc{ID: UDHRDocID(a.Number, i+1), Text: p})
		}
	}
	for _, n := range split.Test {
		qa, da := queryDecl.Article(n), docDecl.Article(n)
		if qa == nil || da == nil || len(da.Paragraphs) == 0 {
			continue
		}
		rel := make(map[string]int, len(da.Paragraphs))
		for i := range da.Paragraphs {
			rel[UDHRDocID(n, i+1)] = 1
		}
		for i, p := range qa.Paragraphs {
			qid := "udhr-" + UDHRDocID(n, i+1)
			c.Queries = append(c.Queries, Query{ID: qid, Text: p})
			c.Qrels[qid] = rel
		}
	}
	return c
}

// UDHRBitext aligns the given articles of src and tgt: paragraph by
// paragraph where both have the same number of paragraphs, else one pair per
// article with the paragraphs joined by a space. Articles missing on either
// side are skipped.
func UDHRBitext(src, tgt *Declaration, articles []int) []Pair {
	var out []Pair
	for _, n := range articles {
		sa, ta := src.Article(n), tgt.Article(n)
		if sa == nil || ta == nil || len(sa.Paragraphs) == 0 || len(ta.Paragraphs) == 0 {
			continue
		}
		if len(sa.Paragraphs) == len(ta.Paragraphs) {
			for i := range sa.Paragraphs {
				out = append(out, Pair{Src: sa.Paragraphs[i], Tgt: ta.Paragraphs[i], Origin: OriginUDHR})
			}
			continue
		}
		out = append(out, Pair{
			Src:    strings.Join(sa.Paragraphs, " "),
			Tgt:    strings.Join(ta.Paragraphs, " "),
			Origin: OriginUDHR,
		})
	}
	return out
}

// AnnotationText is "name, keyword, keyword…", the text of a concept in the
// CLDR collections and bitext.
func AnnotationText(a Annotation) string {
	return strings.Join(append([]string{a.Name}, a.Keywords...), ", ")
}

// byKey indexes annotations by Key.
func byKey(as []Annotation) map[string]Annotation {
	m := make(map[string]Annotation, len(as))
	for _, a := range as {
		m[a.Key] = a
	}
	return m
}

// SharedKeys returns the sorted keys annotated in both lists.
func SharedKeys(a, b []Annotation) []string {
	mb := byKey(b)
	var keys []string
	for _, x := range a {
		if _, ok := mb[x.Key]; ok {
			keys = append(keys, x.Key)
		}
	}
	sort.Strings(keys)
	return keys
}

// CLDRBitext pairs, for every key in both lists and not in exclude, the
// foreign and English names (Origin "cldr-name") and, when either side has
// keywords, the AnnotationTexts (Origin "cldr-keywords"). Pairs come in key
// order.
func CLDRBitext(foreign, english []Annotation, exclude map[string]bool) []Pair {
	fm, em := byKey(foreign), byKey(english)
	var out []Pair
	for _, k := range SharedKeys(foreign, english) {
		if exclude[k] {
			continue
		}
		f, e := fm[k], em[k]
		out = append(out, Pair{Src: f.Name, Tgt: e.Name, Origin: OriginCLDRName})
		if len(f.Keywords) > 0 || len(e.Keywords) > 0 {
			out = append(out, Pair{Src: AnnotationText(f), Tgt: AnnotationText(e), Origin: OriginCLDRKeywords})
		}
	}
	return out
}

// CLDRSplit assigns CLDR keys to test or train.
type CLDRSplit struct{ TestKeys, TrainKeys []string }

// Exclude returns the test keys as a set, for CLDRBitext.
func (s CLDRSplit) Exclude() map[string]bool {
	m := make(map[string]bool, len(s.TestKeys))
	for _, k := range s.TestKeys {
		m[k] = true
	}
	return m
}

// SplitCLDR de-duplicates and sorts keys, shuffles them with seed and puts
// round(n*testFraction) in TestKeys (testFraction clamped to [0, 1]). Both
// lists are sorted. The split depends only on the set of keys and the seed.
func SplitCLDR(keys []string, seed int64, testFraction float64) CLDRSplit {
	set := make(map[string]bool, len(keys))
	var uniq []string
	for _, k := range keys {
		if !set[k] {
			set[k] = true
			uniq = append(uniq, k)
		}
	}
	sort.Strings(uniq)
	newRand(seed).Shuffle(len(uniq), func(i, j int) { uniq[i], uniq[j] = uniq[j], uniq[i] })
	k := testCount(len(uniq), testFraction)
	s := CLDRSplit{TestKeys: append([]string(nil), uniq[:k]...), TrainKeys: append([]string(nil), uniq[k:]...)}
	sort.Strings(s.TestKeys)
	sort.Strings(s.TrainKeys)
	return s
}

// SplitCLDRGrouped splits the keys annotated in both foreign and english
// like SplitCLDR, but keeps related concepts on the same side: when the
// foreign or English text of one key (its AnnotationText, the CLDRCollection
// query in either direction)
// occurs inside the name or text of another key in either language — "⇔"
// "left right double arrow" inside "⇎" "left right double arrow stroke", or
// "=" "égal, est égal" inside the keywords of "≤" — the two keys form one
// group. Groups are shuffled with seed and go to TestKeys while they fit in
// round(n*testFraction) keys. With this split CheckNoLeak holds for
// CLDRCollection against CLDRBitext of the train keys; SplitCLDR gives no
// such guarantee.
func SplitCLDRGrouped(foreign, english []Annotation, seed int64, testFraction float64) CLDRSplit {
	keys := SharedKeys(foreign, english)
	fm, em := byKey(foreign), byKey(english)
	x := newLeakIndex()
	for i, k := range keys {
		f, e := fm[k], em[k]
		x.add(f.Name, i)
		x.add(AnnotationText(f), i)
		x.add(e.Name, i)
		x.add(AnnotationText(e), i)
	}
	parent := make([]int, len(keys))
	for i := range parent {
		parent[i] = i
	}
	var root func(int) int
	root = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i, k := range keys {
		// Both directions: foreign queries (foreign→English) and English
		// queries (English→foreign) must not occur in another group's text.
		for _, q := range []string{AnnotationText(fm[k]), AnnotationText(em[k])} {
			x.find(q, func(o int) bool {
				if a, b := root(i), root(o); a != b {
					if a > b {
						a, b = b, a
					}
					parent[b] = a // the smaller index is the root
				}
				return true
			})
		}
	}
	groups := map[int][]string{}
	var roots []int
	for i, k := range keys {
		r := root(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], k)
	}
	newRand(seed).Shuffle(len(roots), func(i, j int) { roots[i], roots[j] = roots[j], roots[i] })
	target := testCount(len(keys), testFraction)
	var s CLDRSplit
	for _, r := range roots {
		if g := groups[r]; len(s.TestKeys)+len(g) <= target {
			s.TestKeys = append(s.TestKeys, g...)
		} else {
			s.TrainKeys = append(s.TrainKeys, g...)
		}
	}
	sort.Strings(s.TestKeys)
	sort.Strings(s.TrainKeys)
	return s
}

// CLDRKeyID turns an emoji key into an id safe for TREC files: its code
// points in hex joined by "_", e.g. "1f408".
func CLDRKeyID(key string) string {
	parts := make([]string, 0, 2)
	for _, r := range key {
		parts = append(parts, fmt.Sprintf("%x", r))
	}
	return strings.Join(parts, "_")
}

// CLDRCollection builds a concept retrieval collection: one query per test
// key annotated in both lists, the foreign AnnotationText (qid
// "cldr-<id>"); documents are the English AnnotationTexts of all shared keys
// (docno "e-<id>"), so train concepts act as distractors; the relevant
// document is the one with the same key. lang is the query language code.
func CLDRCollection(foreign, english []Annotation, split CLDRSplit, lang string) Collection {
	fm, em := byKey(foreign), byKey(english)
	c := Collection{Name: "cldr-" + lang + "-eng", QueryLang: lang, DocLang: "eng", Qrels: Qrels{}}
	for _, k := range SharedKeys(foreign, english) {
		c.Docs = append(c.Docs, Doc{ID: "e-" + CLDRKeyID(k), Text: AnnotationText(em[k])})
	}
	for _, k := range split.TestKeys {
		f, ok1 := fm[k]
		_, ok2 := em[k]
		if !ok1 || !ok2 {
			continue
		}
		qid := "cldr-" + CLDRKeyID(k)
		c.Queries = append(c.Queries, Query{ID: qid, Text: AnnotationText(f)})
		c.Qrels[qid] = map[string]int{"e-" + CLDRKeyID(k): 1}
	}
	return c
}

// TeacherPairs builds English query -> document pairs for the teacher from
// WordNet: the lemmas joined by ", " -> gloss (Origin "wordnet-lemmas") and
// each example sentence -> "lemmas: gloss" (Origin "wordnet-example"; the
// lemmas give the example, which uses one of them, a word to match, so the
// pair teaches lexical as well as semantic matching). Synsets with an
// empty gloss are skipped. The pairs are shuffled with seed and cut to max
// (max <= 0: all).
func TeacherPairs(synsets []Synset, seed int64, max int) []Pair {
	var out []Pair
	for _, s := range synsets {
		if s.Gloss == "" {
			continue
		}
		doc := s.Gloss
		if len(s.Lemmas) > 0 {
			doc = strings.Join(s.Lemmas, ", ") + ": " + s.Gloss
			out = append(out, Pair{Src: strings.Join(s.Lemmas, ", "), Tgt: s.Gloss, Origin: OriginWordNetLemma})
		}
		for _, e := range s.Examples {
			out = append(out, Pair{Src: e, Tgt: doc, Origin: OriginWordNetEx})
		}
	}
	newRand(seed).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if max > 0 && len(out) > max {
		out = out[:max:max]
	}
	return out
}
