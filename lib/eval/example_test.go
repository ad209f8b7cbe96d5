package eval_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/otclir/otclir/lib/eval"
)

// Average precision of a toy run: relevant documents at ranks 1 and 3, and
// a third relevant document never retrieved, so AP = (1/1 + 2/3) / 3.
func ExampleEvaluate() {
	qrels := eval.Qrels{"q1": {"d1": 1, "d3": 1, "d9": 1, "d2": 0}}
	run := eval.Run{"q1": {{DocNo: "d1", Score: 0.9}, {DocNo: "d2", Score: 0.8}, {DocNo: "d3", Score: 0.7}}}
	res, err := eval.Evaluate(qrels, run, eval.Options{Measures: []string{"map", "P.3"}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("AP = %.4f\n", res.PerQuery["q1"]["map"])
	res.WriteTrec(os.Stdout, false)
	// Output:
	// AP = 0.5556
	// map                   	all	0.5556
	// P_3                   	all	0.6667
}

// Parsing a qrels line: "qid iter docno relevance".
func ExampleParseQrels() {
	q, err := eval.ParseQrels(strings.NewReader("401 0 FBIS3-10082 2\n"), "example.qrels")
	if err != nil {
		panic(err)
	}
	fmt.Println(q["401"]["FBIS3-10082"])
	_, err = eval.ParseQrels(strings.NewReader("401 0 FBIS3-10082\n"), "example.qrels")
	fmt.Println(err)
	// Output:
	// 2
	// example.qrels:1: want 4 fields "qid iter docno rel", got 3: eval: malformed line
}

// The README's example. The ranked relevance is 0 0 1 - 1 (ties by docno
// descending), so map = (1/3 + 2/5)/2, P_5 = 2/5 and nDCG@10 =
// (1/log2(4) + 1/log2(6)) / (1/log2(2) + 1/log2(3)) = 0.5438, the value
// issue 11 reports trec_eval 9.0.8 printing (the old discount gave 0.5308).
func ExampleRunCLI() {
	err := eval.RunCLI([]string{"-m", "map", "-m", "P.5", "-m", "ndcg_cut.10",
		"testdata/ties/qrels", "testdata/ties/run"}, os.Stdout)
	if err != nil {
		panic(err)
	}
	// Output:
	// map                   	all	0.3667
	// P_5                   	all	0.4000
	// ndcg_cut_10           	all	0.5438
}

// ir_measures names are accepted and print under trec_eval's names, in
// trec_eval's order. Ranked grades 2 0 1: AP = (1/1 + 2/3)/2; P(rel=2)@3 is
// P_3 at relevance level 2, where only d1 qualifies; nDCG@3 = (2 +
// 1/log2(4)) / (2 + 1/log2(3)) = 2.5/2.63093.
func ExampleEvaluate_irMeasuresNames() {
	qrels := eval.Qrels{"q1": {"d1": 2, "d2": 1, "d3": 0}}
	run := eval.Run{"q1": {{DocNo: "d1", Score: 3}, {DocNo: "d3", Score: 2}, {DocNo: "d2", Score: 1}}}
	res, err := eval.Evaluate(qrels, run, eval.Options{Measures: []string{"AP", "RR@10", "P(rel=2)@3", "nDCG@3"}})
	if err != nil {
		panic(err)
	}
	res.WriteTrec(os.Stdout, false)
	// Output:
	// map                   	all	0.8333
	// P_3                   	all	0.3333
	// ndcg_cut_3            	all	0.9502
	// recip_rank_cut_10     	all	1.0000
}
