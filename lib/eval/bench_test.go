package eval

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// benchMeasureSets are the measure sets of BenchmarkEvaluate: otclir's
// former default set (what the code before the trec_eval 9.0.8 rewrite
// computed by default, for comparison with it), trec_eval's default
// ("official") and every standard measure (-m all_trec).
var benchMeasureSets = []struct {
	name     string
	measures []string
}{
	{"old-default", []string{"num_q", "num_ret", "num_rel", "num_rel_ret", "map", "recip_rank",
		"P_5", "P_10", "recall_100", "ndcg_cut_10", "recip_rank_cut_10"}},
	{"official", []string{"official"}},
	{"all_trec", []string{"all_trec"}},
}

// BenchmarkEvaluate scores 1,000 queries x 1,000 ranked documents.
func BenchmarkEvaluate(b *testing.B) {
	q, r := benchData(1000, 1000)
	for _, s := range benchMeasureSets {
		b.Run("measures="+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Evaluate(q, r, Options{Measures: s.measures}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCLI runs "otclir eval -q -m ... QRELS RUN" on the same
// 1,000 x 1,000 data written to files: parsing, evaluation and printing.
func BenchmarkCLI(b *testing.B) {
	q, r := benchData(1000, 1000)
	dir := b.TempDir()
	qrels, run := filepath.Join(dir, "qrels"), filepath.Join(dir, "run")
	for path, write := range map[string]func(io.Writer) error{
		qrels: func(w io.Writer) error { return WriteQrels(w, q) },
		run:   func(w io.Writer) error { return WriteRun(w, r, "bench") },
	} {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := write(f); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	for _, s := range benchMeasureSets {
		args := []string{"-q"}
		for _, m := range s.measures {
			args = append(args, "-m", m)
		}
		args = append(args, qrels, run)
		b.Run("measures="+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := RunCLI(args, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
