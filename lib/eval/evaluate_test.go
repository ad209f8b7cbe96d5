package eval

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestMeasureNames(t *testing.T) {
	cases := []struct {
		in   []string
		want []string
	}{
		{[]string{"P_10", "map", "P.5", "num_q"}, []string{"num_q", "map", "P_5", "P_10"}},
		{[]string{"ndcg_cut.10,5", "recip_rank_cut_10"}, []string{"ndcg_cut_5", "ndcg_cut_10", "recip_rank_cut_10"}},
		// trec_eval's default cutoffs for a bare family name (m_P.c).
		{[]string{"P"}, []string{"P_5", "P_10", "P_15", "P_20", "P_30", "P_100", "P_200", "P_500", "P_1000"}},
		{[]string{"map_cut_1000 recall.3"}, []string{"recall_3", "map_cut_1000"}},
		{DefaultMeasures, DefaultMeasures},
	}
	for _, c := range cases {
		ms, err := parseMeasures(c.in)
		if err != nil {
			t.Fatalf("parseMeasures(%q): %v", c.in, err)
		}
		if got := ms.names(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseMeasures(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"bpref", "P_0", "P.x", "map.5", "P_", "_5", "ndcg_cut.-1", "recip_rank_10"} {
		if _, err := parseMeasures([]string{bad}); !errors.Is(err, ErrUnknownMeasure) {
			t.Errorf("parseMeasures(%q) err = %v, want ErrUnknownMeasure", bad, err)
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	q := Qrels{"q1": {"a": 1}}
	if _, err := Evaluate(q, Run{"q2": {{"a", 1}}}, Options{}); !errors.Is(err, ErrNoOverlap) {
		t.Errorf("disjoint queries: err = %v, want ErrNoOverlap", err)
	}
	if _, err := Evaluate(q, Run{"q1": {{"a", 1}, {"b", 2}, {"a", 0}}}, Options{}); !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), "q1") {
		t.Errorf("duplicate docno: err = %v, want ErrDuplicate naming q1", err)
	}
	if _, err := Evaluate(q, Run{"q1": {{"a", 1}}}, Options{Measures: []string{"bpref"}}); !errors.Is(err, ErrUnknownMeasure) {
		t.Errorf("unknown measure: err = %v", err)
	}
}

func TestRelevanceLevelZero(t *testing.T) {
	// -l 0 makes judged-0 documents relevant; unjudged ones stay not
	// relevant (rel -1 < 0). Ranking a(0) u(unjudged) b(1): relevant a, b,
	// map = (1/1 + 2/3)/2 = 0.83333.
	q := Qrels{"q1": {"a": 0, "b": 1}}
	run := Run{"q1": {{"a", 3}, {"u", 2}, {"b", 1}}}
	r, err := Evaluate(q, run, Options{RelevanceLevel: 0, ExplicitLevel: true, Measures: []string{"map", "num_rel"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Aggregate["map"], (1.0+2.0/3)/2; math.Abs(got-want) > 1e-15 {
		t.Errorf("map at -l 0 = %v, want %v", got, want)
	}
	if r.Aggregate["num_rel"] != 2 {
		t.Errorf("num_rel at -l 0 = %v, want 2", r.Aggregate["num_rel"])
	}
	// RelevanceLevel 0 without ExplicitLevel is the default level 1: map = (1/3)/1.
	r, err = Evaluate(q, run, Options{Measures: []string{"map"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Aggregate["map"]; math.Abs(got-1.0/3) > 1e-15 {
		t.Errorf("map at default level = %v, want 1/3", got)
	}
}

func TestNegativeJudgementsAreNotRelevant(t *testing.T) {
	// A negative judgement (trec_eval RELVALUE_UNJUDGED) counts in neither
	// num_rel nor the ideal nDCG ranking. Ranking p(-1 judged) r(2):
	// map = (1/2)/1, ndcg_cut_10 = (2/log2(2)) / 2 = 1.
	q := Qrels{"q1": {"p": -1, "r": 2}}
	run := Run{"q1": {{"p", 2}, {"r", 1}}}
	r, err := Evaluate(q, run, Options{Measures: []string{"map", "num_rel", "ndcg_cut_10"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"map": 0.5, "num_rel": 1, "ndcg_cut_10": 1}
	for m, w := range want {
		if r.Aggregate[m] != w {
			t.Errorf("%s = %v, want %v", m, r.Aggregate[m], w)
		}
	}
}

func TestEvaluateDoesNotModifyRun(t *testing.T) {
	run := Run{"q1": {{"a", 1}, {"b", 2}}}
	if _, err := Evaluate(Qrels{"q1": {"a": 1}}, run, Options{}); err != nil {
		t.Fatal(err)
	}
	if run["q1"][0].DocNo != "a" {
		t.Error("Evaluate reordered the caller's run")
	}
}

func TestCompleteMissing(t *testing.T) {
	q := Qrels{"q1": {"a": 1}, "q2": {"b": 1}}
	run := Run{"q1": {{"a", 1}}}
	r, err := Evaluate(q, run, Options{Complete: true, Measures: []string{"num_q", "map"}})
	if err != nil {
		t.Fatal(err)
	}
	// map: q1 = 1, q2 missing counts 0 under -c -> 1/2.
	if r.Aggregate["map"] != 0.5 || r.Aggregate["num_q"] != 2 || !reflect.DeepEqual(r.Missing, []string{"q2"}) {
		t.Errorf("Complete: map %v num_q %v missing %v; want 0.5, 2, [q2]", r.Aggregate["map"], r.Aggregate["num_q"], r.Missing)
	}
}
