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
