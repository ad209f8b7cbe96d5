package data

import (
	"fmt"
	"strings"
)

// Exclusion is a set of held-out texts, the queries and documents of test
// and dev collections, that no training text may contain: the rule of
// CheckNoLeak (a held-out text of at least MinLeakWords words leaks when it
// occurs, as a normalized word sequence, inside a training text; a shorter
// one when it equals one). FilterPairs and FilterTexts remove what would
// leak, and Check (CheckNoLeak over Texts) proves the result clean.
type Exclusion struct {
	texts []Query
	seen  map[string]bool
}

// NewExclusion returns an empty set.
func NewExclusion() *Exclusion { return &Exclusion{seen: map[string]bool{}} }

// Add holds out one text; id names it in errors.
func (x *Exclusion) Add(id, text string) {
	k := itemKey(text)
	if k == "" || x.seen[k] {
		return
	}
	x.seen[k] = true
	x.texts = append(x.texts, Query{ID: id, Text: text})
}

// AddCollection holds out every query and document of c (ids prefixed
// with the collection's name).
func (x *Exclusion) AddCollection(c Collection) {
	for _, q := range c.Queries {
		x.Add(c.Name+"/"+q.ID, q.Text)
	}
	for _, d := range c.Docs {
		x.Add(c.Name+"/"+d.ID, d.Text)
	}
}

// Len is the number of distinct held-out texts.
func (x *Exclusion) Len() int { return len(x.texts) }

// Texts are the held-out texts as queries, for CheckNoLeak.
func (x *Exclusion) Texts() []Query { return append([]Query(nil), x.texts...) }

// FilterPairs returns the pairs neither side of which contains a held-out
// text, in order, and how many it dropped.
func (x *Exclusion) FilterPairs(pairs []Pair) ([]Pair, int) {
	idx := newLeakIndex()
	for i, p := range pairs {
		idx.add(p.Src, i)
		idx.add(p.Tgt, i)
	}
	drop := x.owners(idx)
	out := make([]Pair, 0, len(pairs)-len(drop))
	for i, p := range pairs {
		if !drop[i] {
			out = append(out, p)
		}
	}
	return out, len(drop)
}

// FilterTexts returns the texts that contain no held-out text, in order,
// and how many it dropped.
func (x *Exclusion) FilterTexts(texts []string) ([]string, int) {
	drop := x.dropTexts(texts)
	out := make([]string, 0, len(texts)-len(drop))
	for i, t := range texts {
		if !drop[i] {
			out = append(out, t)
		}
	}
	return out, len(drop)
}

// dropTexts are the indices of the texts that hold a held-out text.
func (x *Exclusion) dropTexts(texts []string) map[int]bool {
	idx := newLeakIndex()
	for i, t := range texts {
		idx.add(t, i)
	}
	return x.owners(idx)
}

func (x *Exclusion) owners(idx *leakIndex) map[int]bool {
	drop := map[int]bool{}
	for _, q := range x.texts {
		idx.find(q.Text, func(o int) bool { drop[o] = true; return true })
	}
	return drop
}

// Check is CheckNoLeak(train, x.Texts()).
func (x *Exclusion) Check(train []Pair) error { return CheckNoLeak(train, x.texts) }

// CheckTextsNoLeak is CheckNoLeak for a corpus of plain texts (the
// pretraining corpus): an error naming the first query that occurs in a
// text, and the text's index.
func CheckTextsNoLeak(texts []string, queries []Query) error {
	return CheckTextsNoLeakMin(texts, queries, MinLeakWords)
}

// CheckTextsNoLeakMin is CheckTextsNoLeak with queries of fewer than
// minWords words (at least MinLeakWords) leaking only by equalling a text,
// as CheckNoLeakMin: for queries of a language without word separators,
// MinLeakUnits(WordSepNone).
func CheckTextsNoLeakMin(texts []string, queries []Query, minWords int) error {
	idx := newLeakIndex()
	for i, t := range texts {
		idx.add(t, i)
	}
	for _, q := range queries {
		leak := -1
		found := func(o int) bool { leak = o; return false }
		if w := leakWords(q.Text); minWords > MinLeakWords && len(w) < minWords {
			if os := idx.exact[strings.Join(w, " ")]; len(os) > 0 {
				found(os[0])
			}
		} else {
			idx.find(q.Text, found)
		}
		if leak >= 0 {
			return fmt.Errorf("%w: query %s %q occurs in corpus text %d (%q)", ErrLeak, q.ID, q.Text, leak, clip(texts[leak], 80))
		}
	}
	return nil
}
