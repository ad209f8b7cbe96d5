package data

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MinLeakWords is the query length, in words, from which CheckNoLeak looks
// for the query inside training texts. Shorter queries are common phrases
// that legitimately occur in unrelated training texts (the Tagalog CLDR name
// of "∀", "para sa lahat" = "for all", occurs in the Tagalog UDHR preamble),
// so for them only an exact match with a whole training text counts as a
// leak.
const MinLeakWords = 4

// ErrLeak is returned by CheckNoLeak.
var ErrLeak = errors.New("data: test query leaks into training data")

// leakWords normalizes s for leak checks (NFKC, lower case, punctuation,
// symbols and U+1361 ETHIOPIC WORDSPACE as spaces) and splits it into words.
func leakWords(s string) []string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == '\u1361'
	})
}

func shingleHash(words []string) uint64 {
	h := fnv.New64a()
	for _, w := range words {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// leakIndex finds the indexed texts that contain a query as a word
// sequence. Texts are indexed by their MinLeakWords-word shingles, so a query
// is compared only with the texts that contain its first shingle.
type leakIndex struct {
	padded []string // " w1 w2 … " per text
	owner  []int    // caller's id per text
	exact  map[string][]int
	index  map[uint64][]int32
}

func newLeakIndex() *leakIndex {
	return &leakIndex{exact: make(map[string][]int), index: make(map[uint64][]int32)}
}

// add indexes text s under the caller's id owner.
func (x *leakIndex) add(s string, owner int) {
	w := leakWords(s)
	if len(w) == 0 {
		return
	}
	joined := strings.Join(w, " ")
	x.exact[joined] = append(x.exact[joined], owner)
	id := int32(len(x.padded))
	x.padded = append(x.padded, " "+joined+" ")
	x.owner = append(x.owner, owner)
	for i := 0; i+MinLeakWords <= len(w); i++ {
		h := shingleHash(w[i : i+MinLeakWords])
		if l := x.index[h]; len(l) == 0 || l[len(l)-1] != id {
			x.index[h] = append(l, id)
		}
	}
}

// find calls fn with the owner of every indexed text that q leaks into (see
// CheckNoLeak), in index order, until fn returns false.
func (x *leakIndex) find(q string, fn func(owner int) bool) {
	w := leakWords(q)
	if len(w) == 0 {
		return
	}
	joined := strings.Join(w, " ")
	if len(w) < MinLeakWords {
		for _, o := range x.exact[joined] {
			if !fn(o) {
				return
			}
		}
		return
	}
	padded := " " + joined + " "
	for _, id := range x.index[shingleHash(w[:MinLeakWords])] {
		if strings.Contains(x.padded[id], padded) && !fn(x.owner[id]) {
			return
		}
	}
}

// CheckNoLeak returns an error naming the first query whose text occurs in a
// training text (Src or Tgt of any pair). Texts are compared as sequences of
// normalized words (see leakWords), so "Everyone has the right to life." leaks
// into "... everyone has the right to life, liberty ..." but "art" does not
// leak into "party". Queries of at least MinLeakWords words leak when they
// occur anywhere inside a training text; shorter ones only when they equal
// one. Training texts are indexed by word shingles, so the check costs about
// one map look-up per query plus the comparisons with the candidate texts.
func CheckNoLeak(train []Pair, queries []Query) error {
	x := newLeakIndex()
	for i, p := range train {
		x.add(p.Src, i)
		x.add(p.Tgt, i)
	}
	for _, q := range queries {
		leak := -1
		x.find(q.Text, func(o int) bool { leak = o; return false })
		if leak >= 0 {
			return leakError(q, train, leak)
		}
	}
	return nil
}

func leakError(q Query, train []Pair, i int) error {
	p := train[i]
	return fmt.Errorf("%w: query %s %q occurs in training pair %d (%s: %q -> %q)",
		ErrLeak, q.ID, q.Text, i, p.Origin, clip(p.Src, 80), clip(p.Tgt, 80))
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
