package ibm1

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"unicode"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/text"
)

// NullToken is the foreign NULL word, present in every foreign sentence when
// Options.NullWord is set.
const NullToken = "<null>"

// DefaultMinProb is the pruning threshold of DefaultOptions.
const DefaultMinProb = 1e-4

// Sentinel errors.
var (
	// ErrEmptyBitext is returned when no pair has terms on both sides.
	ErrEmptyBitext = errors.New("ibm1: empty bitext")
	// ErrBadOption is wrapped when an option or argument is out of range.
	ErrBadOption = errors.New("ibm1: bad option")
	// ErrMalformed is wrapped by Load for a line it cannot parse.
	ErrMalformed = errors.New("ibm1: malformed table file")
)

// Options configure Train. Use DefaultOptions and change fields: the zero
// Options has no NULL word.
type Options struct {
	// NullWord adds the NULL word NullToken to every foreign sentence
	// (Brown et al. 1993). DefaultOptions sets it.
	NullWord bool
	// MinProb drops entries with t(e|f) < MinProb after training (then
	// renormalises). 0 means DefaultMinProb; a negative value keeps every
	// entry. Must be < 1.
	MinProb float64
	// Tokenize splits a text into words; nil means Terms.
	Tokenize func(string) []string
}

// DefaultOptions returns NullWord true, MinProb DefaultMinProb, Tokenize Terms.
func DefaultOptions() Options {
	return Options{NullWord: true, MinProb: DefaultMinProb, Tokenize: Terms}
}

// Terms returns the word-level terms of s: text.PreTokenize(text.Normalize(s))
// without tokens made only of punctuation and symbols.
func Terms(s string) []string {
	toks := text.PreTokenize(text.Normalize(s))
	out := toks[:0]
	for _, t := range toks {
		if !punctOnly(t) {
			out = append(out, t)
		}
	}
	return out
}

// punctOnly reports whether every rune of s is punctuation or a symbol
// (Ethiopic punctuation U+1362..U+1368 included, as in lib/text).
func punctOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsPunct(r) && !unicode.IsSymbol(r) && !(r >= '\u1362' && r <= '\u1368') {
			return false
		}
	}
	return true
}

// Translation is one English word and its probability t(e | f).
type Translation struct {
	Word string
	Prob float64
}

// Table holds t(e | f). It is read-only after Train or Load and safe for
// concurrent use.
type Table struct {
	sorted map[string][]Translation      // f -> translations, desc by prob, ties by word
	probs  map[string]map[string]float64 // f -> e -> prob
}

// Translations returns the k most probable English words for the term f (a
// term as the tokenizer produced it: Terms lower-cases), by descending
// probability, ties by word (byte order); k <= 0 returns all. The slice is a
// copy. An unknown f gives nil.
func (t *Table) Translations(f string, k int) []Translation {
	tr := t.sorted[f]
	if k > 0 && k < len(tr) {
		tr = tr[:k]
	}
	if len(tr) == 0 {
		return nil
	}
	return append([]Translation(nil), tr...)
}

// Prob returns t(e | f), 0 for a pair not in the table.
func (t *Table) Prob(e, f string) float64 { return t.probs[f][e] }

// Sources returns the foreign words of the table (NullToken included when
// trained with it) in byte order.
func (t *Table) Sources() []string {
	out := make([]string, 0, len(t.sorted))
	for f := range t.sorted {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Len returns the number of (f, e) entries.
func (t *Table) Len() int {
	n := 0
	for _, tr := range t.sorted {
		n += len(tr)
	}
	return n
}

// newTable builds the lookup maps from per-word translation lists, sorting
// each list.
func newTable(rows map[string][]Translation) *Table {
	t := &Table{sorted: rows, probs: make(map[string]map[string]float64, len(rows))}
	for f, tr := range rows {
		sortTranslations(tr)
		m := make(map[string]float64, len(tr))
		for _, x := range tr {
			m[x.Word] = x.Prob
		}
		t.probs[f] = m
	}
	return t
}

func sortTranslations(tr []Translation) {
	sort.Slice(tr, func(i, j int) bool {
		if tr[i].Prob != tr[j].Prob {
			return tr[i].Prob > tr[j].Prob
		}
		return tr[i].Word < tr[j].Word
	})
}

// vocab numbers words in order of first appearance.
type vocab struct {
	ids   map[string]int32
	words []string
}

func (v *vocab) id(w string) int32 {
	if i, ok := v.ids[w]; ok {
		return i
	}
	i := int32(len(v.words))
	v.ids[w] = i
	v.words = append(v.words, w)
	return i
}

// corpus is the bitext prepared for EM. For pair p, its English words are
// eIDs[eOff[p]:eOff[p+1]], its foreign words (NULL first when used)
// fIDs[fOff[p]:fOff[p+1]], and slot[sOff[p] + j*len(f) + i] is the index of
// the entry (e_j, f_i) in the sparse table.
type corpus struct {
	eIDs, fIDs       []int32
	eOff, fOff, sOff []int
	slot             []int32
	slotF            []int32 // foreign word of each entry
	slotE            []int32 // English word of each entry
	fv, ev           vocab
}

func prepare(pairs []data.Pair, opts Options) (*corpus, error) {
	tok := opts.Tokenize
	if tok == nil {
		tok = Terms
	}
	c := &corpus{
		fv: vocab{ids: map[string]int32{}},
		ev: vocab{ids: map[string]int32{}},
	}
	if opts.NullWord {
		c.fv.id(NullToken)
	}
	key := map[uint64]int32{}
	c.eOff, c.fOff, c.sOff = []int{0}, []int{0}, []int{0}
	for _, p := range pairs {
		fs, es := tok(p.Src), tok(p.Tgt)
		if len(fs) == 0 || len(es) == 0 {
			continue
		}
		f0 := len(c.fIDs)
		if opts.NullWord {
			c.fIDs = append(c.fIDs, 0)
		}
		for _, w := range fs {
			c.fIDs = append(c.fIDs, c.fv.id(w))
		}
		fids := c.fIDs[f0:]
		for _, w := range es {
			e := c.ev.id(w)
			c.eIDs = append(c.eIDs, e)
			for _, f := range fids {
				k := uint64(f)<<32 | uint64(e)
				s, ok := key[k]
				if !ok {
					s = int32(len(c.slotF))
					key[k] = s
					c.slotF = append(c.slotF, f)
					c.slotE = append(c.slotE, e)
				}
				c.slot = append(c.slot, s)
			}
		}
		c.eOff = append(c.eOff, len(c.eIDs))
		c.fOff = append(c.fOff, len(c.fIDs))
		c.sOff = append(c.sOff, len(c.slot))
	}
	if len(c.eOff) == 1 {
		return nil, fmt.Errorf("%w: %d pairs, none with terms on both sides", ErrEmptyBitext, len(pairs))
	}
	return c, nil
}

// em runs the iterations and returns the probability of each entry and the
// log-likelihood (without ε) under the parameters at the start of each
// iteration.
func (c *corpus) em(iterations int) (prob []float64, loglik []float64) {
	prob = make([]float64, len(c.slotF))
	u := 1 / float64(len(c.ev.words))
	for i := range prob {
		prob[i] = u
	}
	count := make([]float64, len(prob))
	total := make([]float64, len(c.fv.words))
	var row []float64
	for it := 0; it < iterations; it++ {
		clear(count)
		clear(total)
		ll := 0.0
		for p := 0; p+1 < len(c.eOff); p++ {
			nf := c.fOff[p+1] - c.fOff[p]
			fids := c.fIDs[c.fOff[p]:c.fOff[p+1]]
			slots := c.slot[c.sOff[p]:c.sOff[p+1]]
			m := c.eOff[p+1] - c.eOff[p]
			ll -= float64(m) * math.Log(float64(nf))
			for j := 0; j < m; j++ {
				rs := slots[j*nf : (j+1)*nf]
				row = row[:0]
				den := 0.0
				for _, s := range rs {
					v := prob[s]
					row = append(row, v)
					den += v
				}
				ll += math.Log(den)
				for i, s := range rs {
					x := row[i] / den
					count[s] += x
					total[fids[i]] += x
				}
			}
		}
		loglik = append(loglik, ll)
		for s := range prob {
			prob[s] = count[s] / total[c.slotF[s]]
		}
	}
	return prob, loglik
}

// Train learns t(e | f) from pairs (Src foreign, Tgt English) with the given
// number of EM iterations (>= 1). See the package doc for the algorithm.
func Train(pairs []data.Pair, iterations int, opts Options) (*Table, error) {
	t, _, err := train(pairs, iterations, opts)
	return t, err
}

func train(pairs []data.Pair, iterations int, opts Options) (*Table, []float64, error) {
	if iterations < 1 {
		return nil, nil, fmt.Errorf("%w: iterations = %d, want >= 1", ErrBadOption, iterations)
	}
	if math.IsNaN(opts.MinProb) || opts.MinProb >= 1 {
		return nil, nil, fmt.Errorf("%w: MinProb = %v, want < 1", ErrBadOption, opts.MinProb)
	}
	if len(pairs) == 0 {
		return nil, nil, ErrEmptyBitext
	}
	minProb := opts.MinProb
	if minProb == 0 {
		minProb = DefaultMinProb
	}
	c, err := prepare(pairs, opts)
	if err != nil {
		return nil, nil, err
	}
	prob, ll := c.em(iterations)
	rows := make(map[string][]Translation, len(c.fv.words))
	for s, p := range prob {
		if p < minProb {
			continue
		}
		f := c.fv.words[c.slotF[s]]
		rows[f] = append(rows[f], Translation{Word: c.ev.words[c.slotE[s]], Prob: p})
	}
	for f, tr := range rows {
		// Renormalise what pruning left; the sum runs in sorted order so the
		// result does not depend on map iteration.
		sortTranslations(tr)
		sum := 0.0
		for _, x := range tr {
			sum += x.Prob
		}
		for i := range tr {
			tr[i].Prob /= sum
		}
		rows[f] = tr
	}
	return newTable(rows), ll, nil
}
