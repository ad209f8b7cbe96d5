package bm25

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/ibm1"
)

// Sentinel errors.
var (
	// ErrBadParam is wrapped when a parameter is out of range.
	ErrBadParam = errors.New("bm25: bad parameter")
	// ErrNoDocs is returned by NewIndex for an empty collection.
	ErrNoDocs = errors.New("bm25: no documents")
	// ErrDuplicateDoc is wrapped when two documents share an ID.
	ErrDuplicateDoc = errors.New("bm25: duplicate document id")
	// ErrMalformed is wrapped by ReadTranslatedQueries for a bad line.
	ErrMalformed = errors.New("bm25: malformed line")
	// ErrEmpty is wrapped by ReadTranslatedQueries for a file with no queries.
	ErrEmpty = errors.New("bm25: no queries")
)

// Anserini's BM25 defaults.
const (
	DefaultK1 = 0.9
	DefaultB  = 0.4
)

// Params configure an Index.
type Params struct {
	K1 float64 // term-frequency saturation, >= 0
	B  float64 // length normalisation, in [0, 1]
	// Tokenize splits a text into terms; nil means ibm1.Terms.
	Tokenize func(string) []string
}

// DefaultParams returns K1 0.9, B 0.4 (Anserini) and Tokenize ibm1.Terms.
func DefaultParams() Params { return Params{K1: DefaultK1, B: DefaultB, Tokenize: ibm1.Terms} }

// posting is one document of a term's posting list.
type posting struct {
	doc int32
	tf  int32
}

// Index is an inverted index of English documents. It is read-only after
// NewIndex and safe for concurrent searches.
type Index struct {
	k1, b    float64
	tokenize func(string) []string
	docIDs   []string
	idRank   []int32   // position of each docID in byte order, for tie-breaks
	norm     []float64 // k1·(1 − b + b·|d|/avgdl) per document
	avgdl    float64
	terms    map[string]int32
	postings [][]posting // by term id, documents ascending
}

// NewIndex tokenises and indexes docs. IDs must be unique and non-empty; a
// document without terms is indexed with length 0.
func NewIndex(docs []data.Doc, params Params) (*Index, error) {
	if math.IsNaN(params.K1) || params.K1 < 0 || math.IsInf(params.K1, 0) {
		return nil, fmt.Errorf("%w: K1 = %v, want a finite value >= 0", ErrBadParam, params.K1)
	}
	if math.IsNaN(params.B) || params.B < 0 || params.B > 1 {
		return nil, fmt.Errorf("%w: B = %v, want [0, 1]", ErrBadParam, params.B)
	}
	if len(docs) == 0 {
		return nil, ErrNoDocs
	}
	if len(docs) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d documents, at most %d", ErrBadParam, len(docs), math.MaxInt32)
	}
	ix := &Index{
		k1: params.K1, b: params.B, tokenize: params.Tokenize,
		docIDs: make([]string, len(docs)),
		norm:   make([]float64, len(docs)),
		terms:  map[string]int32{},
	}
	if ix.tokenize == nil {
		ix.tokenize = ibm1.Terms
	}
	seen := make(map[string]int, len(docs))
	lengths := make([]int, len(docs))
	total := 0
	tf := map[int32]int32{}
	var order []int32
	for d, doc := range docs {
		if doc.ID == "" {
			return nil, fmt.Errorf("%w: document %d has an empty ID", ErrBadParam, d)
		}
		if prev, ok := seen[doc.ID]; ok {
			return nil, fmt.Errorf("%w: %q at documents %d and %d", ErrDuplicateDoc, doc.ID, prev, d)
		}
		seen[doc.ID] = d
		ix.docIDs[d] = doc.ID
		terms := ix.tokenize(doc.Text)
		lengths[d] = len(terms)
		total += len(terms)
		clear(tf)
		order = order[:0]
		for _, w := range terms {
			id, ok := ix.terms[w]
			if !ok {
				id = int32(len(ix.postings))
				ix.terms[w] = id
				ix.postings = append(ix.postings, nil)
			}
			if tf[id] == 0 {
				order = append(order, id)
			}
			tf[id]++
		}
		for _, id := range order {
			ix.postings[id] = append(ix.postings[id], posting{doc: int32(d), tf: tf[id]})
		}
	}
	byID := make([]int32, len(docs))
	for d := range byID {
		byID[d] = int32(d)
	}
	slices.SortFunc(byID, func(a, b int32) int { return strings.Compare(ix.docIDs[a], ix.docIDs[b]) })
	ix.idRank = make([]int32, len(docs))
	for r, d := range byID {
		ix.idRank[d] = int32(r)
	}
	ix.avgdl = float64(total) / float64(len(docs))
	for d, l := range lengths {
		rel := 1.0 // all documents empty: every length equals the average
		if ix.avgdl > 0 {
			rel = float64(l) / ix.avgdl
		}
		ix.norm[d] = ix.k1 * (1 - ix.b + ix.b*rel)
	}
	return ix, nil
}

// Len returns the number of documents.
func (ix *Index) Len() int { return len(ix.docIDs) }

// DF returns the number of documents containing term (a term as Tokenize
// produces it).
func (ix *Index) DF(term string) int {
	id, ok := ix.terms[term]
	if !ok {
		return 0
	}
	return len(ix.postings[id])
}

// IDF returns ln(1 + (N − df + 0.5)/(df + 0.5)) for a (possibly fractional)
// document frequency df.
func (ix *Index) IDF(df float64) float64 {
	n := float64(len(ix.docIDs))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// weighted is one English term id with its weight in a query term.
type weighted struct {
	id int32
	w  float64
}

// scorer holds the per-search scratch space.
type scorer struct {
	ix      *Index
	score   []float64
	hit     []bool
	touched []int32
	tf      []float64
	tfDocs  []int32
	hits    []hit
}

func (ix *Index) newScorer() *scorer {
	n := len(ix.docIDs)
	return &scorer{ix: ix, score: make([]float64, n), hit: make([]bool, n), tf: make([]float64, n)}
}

// addTerm adds score(t, d) of one (structured) query term to every matching
// document: tf and df are the weighted sums over the term's English terms.
func (s *scorer) addTerm(set []weighted) {
	ix := s.ix
	df := 0.0
	for _, x := range set {
		df += x.w * float64(len(ix.postings[x.id]))
	}
	if df == 0 {
		return
	}
	idf := ix.IDF(df)
	s.tfDocs = s.tfDocs[:0]
	for _, x := range set {
		for _, p := range ix.postings[x.id] {
			if s.tf[p.doc] == 0 {
				s.tfDocs = append(s.tfDocs, p.doc)
			}
			s.tf[p.doc] += x.w * float64(p.tf)
		}
	}
	k1 := ix.k1
	for _, d := range s.tfDocs {
		tf := s.tf[d]
		if tf == 0 { // listed twice after an underflowing weight
			continue
		}
		s.tf[d] = 0
		if !s.hit[d] {
			s.hit[d] = true
			s.touched = append(s.touched, d)
		}
		s.score[d] += idf * tf * (k1 + 1) / (tf + ix.norm[d])
	}
}

// hit is one scored document while ranking.
type hit struct {
	score float64
	rank  int32 // idRank of the document
	doc   int32
}

// trecOrder orders hits as trec_eval does: score descending, then docno
// descending.
func trecOrder(a, b hit) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	}
	return cmp.Compare(b.rank, a.rank)
}

// run returns the matching documents in trec_eval order cut at depth and
// resets the scratch space.
func (s *scorer) run(depth int) []eval.ScoredDoc {
	ix := s.ix
	s.hits = s.hits[:0]
	for _, d := range s.touched {
		s.hits = append(s.hits, hit{score: s.score[d], rank: ix.idRank[d], doc: d})
		s.score[d], s.hit[d] = 0, false
	}
	s.touched = s.touched[:0]
	slices.SortFunc(s.hits, trecOrder)
	n := len(s.hits)
	if depth > 0 && n > depth {
		n = depth
	}
	out := make([]eval.ScoredDoc, n)
	for i, h := range s.hits[:n] {
		out[i] = eval.ScoredDoc{DocNo: ix.docIDs[h.doc], Score: h.score}
	}
	return out
}

// Search ranks the documents for English queries with BM25 and returns the
// top depth documents of each (depth <= 0: all matching). Queries sharing
// an ID: the last one wins.
func (ix *Index) Search(queries []data.Query, depth int) eval.Run {
	s := ix.newScorer()
	run := make(eval.Run, len(queries))
	for _, q := range queries {
		for _, w := range ix.tokenize(q.Text) {
			if id, ok := ix.terms[w]; ok {
				s.addTerm([]weighted{{id: id, w: 1}})
			}
		}
		run[q.ID] = s.run(depth)
	}
	return run
}
