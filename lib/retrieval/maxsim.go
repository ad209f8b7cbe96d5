package retrieval

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/otclir/otclir/lib/eval"
)

// ErrShape reports token vectors whose length is not a multiple of the dimension.
var ErrShape = errors.New("retrieval: token vectors do not match the dimension")

// MaxSim returns Σ_i max_j q_i·d_j for q (nq×dim) and d (nd×dim), both flat
// row-major. An empty document scores 0 for every query token.
func MaxSim(q, d []float32, dim int) float32 {
	nq, nd := len(q)/dim, len(d)/dim
	if nd == 0 {
		return 0
	}
	var total float32
	for i := 0; i < nq; i++ {
		qi := q[i*dim : (i+1)*dim]
		best := float32(math.Inf(-1))
		for j := 0; j < nd; j++ {
			if s := dot(qi, d[j*dim:(j+1)*dim]); s > best {
				best = s
			}
		}
		total += best
	}
	return total
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Index is an in-memory collection of documents' token vectors.
type Index struct {
	DocIDs []string
	Dim    int
	Vecs   [][]float32
}

// NewIndex checks shapes and builds an index.
func NewIndex(ids []string, vecs [][]float32, dim int) (*Index, error) {
	if len(ids) != len(vecs) {
		return nil, fmt.Errorf("retrieval: %d document ids for %d vectors", len(ids), len(vecs))
	}
	if dim <= 0 {
		return nil, fmt.Errorf("retrieval: dimension %d", dim)
	}
	for i, v := range vecs {
		if len(v)%dim != 0 {
			return nil, fmt.Errorf("%w: document %q has %d floats, dim %d", ErrShape, ids[i], len(v), dim)
		}
	}
	return &Index{DocIDs: ids, Dim: dim, Vecs: vecs}, nil
}

// Scores returns MaxSim(query, doc) for every document of the index.
func (ix *Index) Scores(query []float32) []float32 {
	out := make([]float32, len(ix.Vecs))
	workers := min(runtime.GOMAXPROCS(0), len(ix.Vecs))
	if workers <= 1 {
		for j, d := range ix.Vecs {
			out[j] = MaxSim(query, d, ix.Dim)
		}
		return out
	}
	var wg sync.WaitGroup
	chunk := (len(ix.Vecs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(ix.Vecs))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for j := lo; j < hi; j++ {
				out[j] = MaxSim(query, ix.Vecs[j], ix.Dim)
			}
		}(lo, hi)
	}
	wg.Wait()
	return out
}

// Search scores every query against every document and keeps the top depth
// documents per query (all when depth <= 0).
func (ix *Index) Search(qids []string, queries [][]float32, depth int) (eval.Run, error) {
	if len(qids) != len(queries) {
		return nil, fmt.Errorf("retrieval: %d query ids for %d query vectors", len(qids), len(queries))
	}
	run := make(eval.Run, len(qids))
	for i, q := range queries {
		if len(q)%ix.Dim != 0 {
			return nil, fmt.Errorf("%w: query %q has %d floats, dim %d", ErrShape, qids[i], len(q), ix.Dim)
		}
		run[qids[i]] = topK(ix.DocIDs, ix.Scores(q), depth)
	}
	return run, nil
}

func topK(ids []string, scores []float32, depth int) []eval.ScoredDoc {
	docs := make([]eval.ScoredDoc, len(ids))
	for j, id := range ids {
		docs[j] = eval.ScoredDoc{DocNo: id, Score: float64(scores[j])}
	}
	// trec_eval order: score descending, then docno descending.
	sort.Slice(docs, func(a, b int) bool {
		if docs[a].Score != docs[b].Score {
			return docs[a].Score > docs[b].Score
		}
		return docs[a].DocNo > docs[b].DocNo
	})
	if depth > 0 && len(docs) > depth {
		docs = docs[:depth]
	}
	return docs
}

// RandomRun ranks all documents for each query in a random order (seeded):
// the chance-level reference, scored with the same measures as real systems.
func RandomRun(qids, docIDs []string, seed uint64, depth int) eval.Run {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	run := make(eval.Run, len(qids))
	for _, q := range qids {
		scores := make([]float32, len(docIDs))
		perm := rng.Perm(len(docIDs))
		for rank, j := range perm {
			scores[j] = float32(len(docIDs) - rank)
		}
		run[q] = topK(docIDs, scores, depth)
	}
	return run
}
