package retrieval

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestPooledByHand: cosines of mean-pooled vectors computed by hand (dim 2).
//
//	q  = tokens (1,0), (0,1):        mean (1/2, 1/2), unit (1,1)/√2
//	d1 = token (1,0):                unit (1,0)          cos = 1/√2      = 0.70710678
//	d2 = tokens (0,1), (0,1), (1,0): sum (1,2), unit (1,2)/√5, cos = 3/√10 = 0.94868330
//	d3 = no tokens:                  zero vector         cos = 0
//	d4 = tokens (1,0), (-1,0):       mean (0,0)          cos = 0
//
// Token MaxSim gives other values (MaxSim(q,d1) = 1, MaxSim(q,d2) = 2,
// MaxSim(q,d4) = 1): pooling is a different scorer, and d4's opposite
// tokens cancel.
func TestPooledByHand(t *testing.T) {
	const dim = 2
	q := []float32{1, 0, 0, 1}
	docs := map[string][]float32{
		"d1": {1, 0},
		"d2": {0, 1, 0, 1, 1, 0},
		"d3": {},
		"d4": {1, 0, -1, 0},
	}
	want := map[string]float64{"d1": 1 / math.Sqrt2, "d2": 3 / math.Sqrt(10), "d3": 0, "d4": 0}
	ids := []string{"d1", "d2", "d3", "d4"}
	var vecs [][]float32
	for _, id := range ids {
		vecs = append(vecs, docs[id])
		if got := PooledCosine(q, docs[id], dim); math.Abs(float64(got)-want[id]) > 1e-6 {
			t.Errorf("PooledCosine(q, %s) = %v, want %v", id, got, want[id])
		}
	}
	ix, err := NewPooledIndex(ids, vecs, dim)
	if err != nil {
		t.Fatal(err)
	}
	pq, err := MeanPooled([][]float32{q}, dim)
	if err != nil {
		t.Fatal(err)
	}
	run, err := ix.Search([]string{"q"}, pq, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Ranked by cosine; d4 and d3 tie at 0, docno descending (trec_eval).
	wantOrder := []string{"d2", "d1", "d4", "d3"}
	for i, sd := range run["q"] {
		if sd.DocNo != wantOrder[i] || math.Abs(sd.Score-want[sd.DocNo]) > 1e-6 {
			t.Errorf("rank %d: %s %v, want %s %v", i+1, sd.DocNo, sd.Score, wantOrder[i], want[wantOrder[i]])
		}
	}
}

// TestPooledIndexMatchesCosine: on random texts of 1–40 tokens, the pooled
// index scores every document as PooledCosine does.
func TestPooledIndexMatchesCosine(t *testing.T) {
	for _, dim := range []int{3, 16, 64} {
		rng := rand.New(rand.NewPCG(uint64(dim), 7))
		texts := func(n int) [][]float32 {
			out := make([][]float32, n)
			for i := range out {
				out[i] = make([]float32, (1+rng.IntN(40))*dim)
				for k := range out[i] {
					out[i][k] = float32(rng.NormFloat64())
				}
			}
			return out
		}
		docs, queries := texts(50), texts(5)
		ids := make([]string, len(docs))
		for i := range ids {
			ids[i] = string(rune('A'+i/26)) + string(rune('a'+i%26))
		}
		ix, err := NewPooledIndex(ids, docs, dim)
		if err != nil {
			t.Fatal(err)
		}
		pq, err := MeanPooled(queries, dim)
		if err != nil {
			t.Fatal(err)
		}
		for i, q := range queries {
			scores := ix.Scores(pq[i])
			for j, d := range docs {
				if want := PooledCosine(q, d, dim); math.Abs(float64(scores[j]-want)) > 1e-5 {
					t.Fatalf("dim %d query %d doc %d: %v, want %v", dim, i, j, scores[j], want)
				}
			}
		}
	}
}

func TestMeanPooledErrors(t *testing.T) {
	if _, err := MeanPooled([][]float32{{1, 2, 3}}, 2); !errors.Is(err, ErrShape) {
		t.Errorf("3 floats at dim 2: %v, want ErrShape", err)
	}
	if _, err := MeanPooled(nil, 0); !errors.Is(err, ErrShape) {
		t.Errorf("dim 0: %v, want ErrShape", err)
	}
}
