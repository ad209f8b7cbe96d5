package retrieval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestMaxSimHandComputed(t *testing.T) {
	// dim 2. Query tokens (1,0) and (0,1); document tokens (0.6,0.8) and (1,0).
	// token 1: max(0.6, 1) = 1; token 2: max(0.8, 0) = 0.8; total 1.8 (hand derivation).
	q := []float32{1, 0, 0, 1}
	d := []float32{0.6, 0.8, 1, 0}
	if got := MaxSim(q, d, 2); math.Abs(float64(got)-1.8) > 1e-6 {
		t.Fatalf("MaxSim = %v, want 1.8", got)
	}
	if got := MaxSim(q, nil, 2); got != 0 {
		t.Fatalf("MaxSim with an empty document = %v, want 0", got)
	}
}

func naiveMaxSim(q, d []float32, dim int) float64 {
	total := 0.0
	for i := 0; i < len(q)/dim; i++ {
		best := math.Inf(-1)
		for j := 0; j < len(d)/dim; j++ {
			s := 0.0
			for k := 0; k < dim; k++ {
				s += float64(q[i*dim+k]) * float64(d[j*dim+k])
			}
			best = math.Max(best, s)
		}
		total += best
	}
	return total
}

func randVecs(rng *rand.Rand, n, dim int) []float32 {
	v := make([]float32, n*dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

func TestMaxSimMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		dim := 1 + rng.IntN(20)
		q := randVecs(rng, 1+rng.IntN(8), dim)
		d := randVecs(rng, 1+rng.IntN(8), dim)
		got, want := float64(MaxSim(q, d, dim)), naiveMaxSim(q, d, dim)
		if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Fatalf("trial %d: MaxSim = %v, naive = %v", trial, got, want)
		}
	}
}

func TestSearchOrderAndDepth(t *testing.T) {
	// Documents: a = (1,0), b = (0,1), c = (1,0) (same score as a: tie -> docno descending: c before a).
	ix, err := NewIndex([]string{"a", "b", "c"}, [][]float32{{1, 0}, {0, 1}, {1, 0}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	run, err := ix.Search([]string{"q1"}, [][]float32{{1, 0}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range run["q1"] {
		got = append(got, d.DocNo)
	}
	if want := []string{"c", "a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ranking %v, want %v", got, want)
	}
}

func TestShapeErrors(t *testing.T) {
	if _, err := NewIndex([]string{"a"}, [][]float32{{1, 2, 3}}, 2); err == nil {
		t.Fatal("3 floats with dim 2: want error")
	}
	if _, err := NewIndex([]string{"a", "b"}, [][]float32{{1, 2}}, 2); err == nil {
		t.Fatal("2 ids, 1 vector: want error")
	}
	ix, _ := NewIndex([]string{"a"}, [][]float32{{1, 0}}, 2)
	if _, err := ix.Search([]string{"q"}, [][]float32{{1}}, 0); err == nil {
		t.Fatal("query with 1 float, dim 2: want error")
	}
}

func TestRandomRunDeterministicPermutation(t *testing.T) {
	docs := []string{"d1", "d2", "d3", "d4", "d5"}
	a := RandomRun([]string{"q1", "q2"}, docs, 7, 0)
	b := RandomRun([]string{"q1", "q2"}, docs, 7, 0)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different runs")
	}
	seen := map[string]bool{}
	for _, d := range a["q1"] {
		seen[d.DocNo] = true
	}
	if len(seen) != len(docs) {
		t.Fatalf("random run ranks %d distinct docs, want %d", len(seen), len(docs))
	}
}

func BenchmarkSearch(b *testing.B) {
	// 100 queries x 1,000 documents x 32 tokens x d=128.
	rng := rand.New(rand.NewPCG(3, 4))
	const dim, toks = 128, 32
	ids := make([]string, 1000)
	vecs := make([][]float32, len(ids))
	for i := range ids {
		ids[i] = fmt.Sprintf("d%04d", i)
		vecs[i] = randVecs(rng, toks, dim)
	}
	ix, _ := NewIndex(ids, vecs, dim)
	qids := make([]string, 100)
	qs := make([][]float32, len(qids))
	for i := range qids {
		qids[i] = fmt.Sprintf("q%03d", i)
		qs[i] = randVecs(rng, toks, dim)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ix.Search(qids, qs, 100); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ids)*len(qids)*b.N)/b.Elapsed().Seconds(), "docscores/s")
}
