package eval

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchData builds nq queries of ndoc ranked documents each, with qrels
// judging 100 documents per query (20 relevant, grades 1-3), seed fixed.
func benchData(nq, ndoc int) (Qrels, Run) {
	rng := rand.New(rand.NewPCG(1, 2))
	q, r := Qrels{}, Run{}
	for i := range nq {
		qid := fmt.Sprintf("q%04d", i)
		docs := make([]ScoredDoc, ndoc)
		for j := range docs {
			docs[j] = ScoredDoc{DocNo: fmt.Sprintf("doc%06d", rng.IntN(10*ndoc)*ndoc+j), Score: float64(rng.IntN(ndoc))}
		}
		r[qid] = docs
		judged := map[string]int{}
		for j := 0; j < 100; j++ {
			rel := 0
			if j < 20 {
				rel = 1 + j%3
			}
			judged[docs[rng.IntN(ndoc)].DocNo] = rel
		}
		q[qid] = judged
	}
	return q, r
}

// BenchmarkEvaluate scores 1,000 queries x 1,000 ranked documents with the
// default measures.
func BenchmarkEvaluate(b *testing.B) {
	q, r := benchData(1000, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Evaluate(q, r, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
