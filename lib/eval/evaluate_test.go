package eval

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func measureNames(ms []*measure) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.names...)
	}
	return out
}

func TestMeasureNames(t *testing.T) {
	p := func(ks ...string) []string {
		var out []string
		for _, k := range ks {
			out = append(out, "P_"+k)
		}
		return out
	}
	iprec := []string{"iprec_at_recall_0.00", "iprec_at_recall_0.10", "iprec_at_recall_0.20",
		"iprec_at_recall_0.30", "iprec_at_recall_0.40", "iprec_at_recall_0.50", "iprec_at_recall_0.60",
		"iprec_at_recall_0.70", "iprec_at_recall_0.80", "iprec_at_recall_0.90", "iprec_at_recall_1.00"}
	// trec_eval's default cutoffs for a bare family name (m_P.c).
	defaultP := p("5", "10", "15", "20", "30", "100", "200", "500", "1000")
	// The default set is trec_eval's "official" nickname (measures.c).
	official := append(append([]string{"runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "map",
		"gm_map", "Rprec", "bpref", "recip_rank"}, iprec...), defaultP...)
	cases := []struct {
		in   []string
		want []string
	}{
		{[]string{"P_10", "map", "P.5", "num_q"}, []string{"num_q", "map", "P_5", "P_10"}},
		{[]string{"ndcg_cut.10,5", "recip_rank_cut_10"}, []string{"ndcg_cut_5", "ndcg_cut_10", "recip_rank_cut_10"}},
		{[]string{"P"}, defaultP},
		{[]string{"map_cut_1000 recall.3"}, []string{"recall_3", "map_cut_1000"}},
		{DefaultMeasures, official},
		{[]string{"official"}, official},
		// trec_eval uses the first parameter list of a repeated measure.
		{[]string{"P.5", "P.10"}, p("5")},
		{[]string{"all_trec", "P.5", "set_F.0.5"}, nil}, // checked below
		// Parameters of a measure that takes none are ignored (map.5 prints map).
		{[]string{"map.5"}, []string{"map"}},
		{[]string{"Rprec_mult.0.5,0.25", "iprec_at_recall_0.5"}, []string{"iprec_at_recall_0.50", "Rprec_mult_0.25", "Rprec_mult_0.50"}},
		{[]string{"utility.2,-1,0,0", "relstring.20", "ndcg.1=3.5,2=9", "11pt_avg.0.5"},
			[]string{"relstring_20", "utility_2,-1,0,0", "11pt_avg_0.5", "ndcg_1=3.5,2=9"}},
		// ir_measures and ranx spellings; output keeps trec_eval's names.
		{[]string{"AP", "nDCG@10", "P@5", "R@100", "RR", "RR@10"},
			[]string{"map", "recip_rank", "P_5", "recall_100", "ndcg_cut_10", "recip_rank_cut_10"}},
		{[]string{"ndcg", "mrr@10", "precision@5", "recall@100", "map@100", "AP@5", "IPrec@0.5", "SetF", "Bpref", "NumRelRet"},
			[]string{"num_rel_ret", "bpref", "iprec_at_recall_0.50", "P_5", "recall_100", "ndcg", "map_cut_5", "map_cut_100", "set_F", "recip_rank_cut_10"}},
		{[]string{"P(rel=2)@5", "map"}, []string{"map", "P_5"}},
		// rel equal to the run's level is the plain measure.
		{[]string{"P(rel=1)@5", "P@5"}, p("5")},
	}
	for _, c := range cases {
		ms, err := parseMeasures(c.in, 1)
		if err != nil {
			t.Fatalf("parseMeasures(%q): %v", c.in, err)
		}
		if c.want == nil {
			continue
		}
		if got := measureNames(ms); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseMeasures(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	ms, _ := parseMeasures([]string{"all_trec", "P.5", "set_F.0.5"}, 1)
	got := strings.Join(measureNames(ms), " ")
	for _, w := range []string{" P_5 relstring ", " set_F_0.5 ", " success_1 success_5 success_10 "} {
		if !strings.Contains(got, w) {
			t.Errorf("all_trec -m P.5 -m set_F.0.5: %q lacks %q", got, w)
		}
	}
	if strings.Contains(got, " P_10 ") {
		t.Errorf("all_trec -m P.5: %q has P_10", got)
	}
	// The level of P(rel=2)@5.
	ms, _ = parseMeasures([]string{"P(rel=2)@5", "map"}, 1)
	if ms[0].level != 1 || ms[1].level != 2 {
		t.Errorf("P(rel=2)@5 with map: levels %d, %d; want 1, 2", ms[0].level, ms[1].level)
	}
	for _, bad := range []string{"bogus", "P_0", "P.x", "P_", "_5", "ndcg_cut.-1", "recip_rank_10", "P.5,5",
		"P.", "P_avgjg", "all_prefs", "nDCG(rel=2)@10", "P@x", "R", "utility.1,2", "ndcg.1", "Foo@5",
		"P(judged_only=1)@5", "P(rel=2@5", "map@0"} {
		if _, err := parseMeasures([]string{bad}, 1); !errors.Is(err, ErrUnknownMeasure) && !errors.Is(err, ErrMeasureParams) {
			t.Errorf("parseMeasures(%q) err = %v, want ErrUnknownMeasure or ErrMeasureParams", bad, err)
		}
	}
	if _, err := parseMeasures([]string{"P@5", "P(rel=2)@5"}, 1); err == nil {
		t.Error("P@5 and P(rel=2)@5 both print P_5: want an error")
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
	if _, err := Evaluate(q, Run{"q1": {{"a", 1}}}, Options{Measures: []string{"bogus"}}); !errors.Is(err, ErrUnknownMeasure) {
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
	// map = (1/2)/1; ndcg_cut_10 = (2/log2(3)) / (2/log2(2)) = 1/log2(3)
	// (m_ndcg_cut.c divides the gain at 0-based rank i by log2(i+2)).
	q := Qrels{"q1": {"p": -1, "r": 2}}
	run := Run{"q1": {{"p", 2}, {"r", 1}}}
	r, err := Evaluate(q, run, Options{Measures: []string{"map", "num_rel", "ndcg_cut_10"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"map": 0.5, "num_rel": 1, "ndcg_cut_10": 1 / math.Log2(3)}
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

// TestHandDerived checks the options and parameterised measures the
// trec_eval golden cases do not exercise, on one query derived by hand.
//
// qrels q1: a=2 b=0 c=1 d=-1 (pooled, unjudged) e=1 f=0 (e, f never
// retrieved). Run: a u b d c (u not in the qrels), so the ranked relevance
// is 2 - 0 . 1 (trec_eval's relstring). Judged levels: 0: b f, 1: c e, 2: a.
// At level 1 num_rel = 3 (a c e), num_ret = 5, num_rel_ret = 2 (a c).
func TestHandDerived(t *testing.T) {
	q := Qrels{"q1": {"a": 2, "b": 0, "c": 1, "d": -1, "e": 1, "f": 0}}
	run := Run{"q1": {{"a", 0.9}, {"u", 0.8}, {"b", 0.7}, {"d", 0.6}, {"c", 0.5}}}
	cases := []struct {
		name     string
		opt      Options
		measures []string
		want     map[string]float64
	}{
		{"plain", Options{}, []string{"num_ret", "map", "set_P", "num_nonrel_judged_ret", "utility", "set_F", "yaap", "bpref", "infAP"},
			map[string]float64{
				"num_ret": 5,
				"map":     (1.0/1 + 2.0/5) / 3, // m_map.c
				"set_P":   2.0 / 5,
				// num_ret - nonpool (u) - unjudged (d) - num_rel_ret
				"num_nonrel_judged_ret": 5 - 1 - 1 - 2,
				// utility.1,-1,0,0: 1*rel_ret - 1*(ret - rel_ret)
				"utility": 2 - 3,
				// set_F.1: 2PR/(P+R), P = 2/5, R = 2/3
				"set_F": 2 * 0.4 * (2.0 / 3) / (0.4 + 2.0/3),
				// yaap: log((1 + sum) / (1 + num_rel - sum)), sum = 1/1 + 2/5
				"yaap": math.Log(2.4 / 2.6),
				// bpref: a counts 1; c follows 1 of the 2 judged non-relevant: 1 - 1/2
				"bpref": (1 + 0.5) / 3,
				// infAP: a at rank 1 counts 1; c at 0-based j=4 after 1 rel, 1
				// nonrel, 1 unjudged: 1/5 + (4/5)(3/4)(1+eps)/(2+2eps) = 0.5
				"infAP": (1 + 0.5) / 3,
			}},
		// -J drops u and d: ranking a b c (2 0 1).
		{"judged only", Options{JudgedOnly: true}, []string{"num_ret", "map", "P_5", "set_P", "num_nonrel_judged_ret"},
			map[string]float64{"num_ret": 3, "map": (1.0/1 + 2.0/3) / 3, "P_5": 2.0 / 5, "set_P": 2.0 / 3, "num_nonrel_judged_ret": 1}},
		// -M 2 keeps a u.
		{"max retrieved", Options{MaxRetrieved: 2}, []string{"num_ret", "num_rel_ret", "map", "P_5", "recall_5"},
			map[string]float64{"num_ret": 2, "num_rel_ret": 1, "map": 1.0 / 3, "P_5": 1.0 / 5, "recall_5": 1.0 / 3}},
		// -M 0 (ExplicitMax) retrieves nothing: P_5 = 0/5.
		{"max retrieved 0", Options{MaxRetrieved: 0, ExplicitMax: true}, []string{"num_ret", "P_5"},
			map[string]float64{"num_ret": 0, "P_5": 0}},
		// utility.2,-1,-0.5,0.25 with -N 100: 2a - b - c/2 + d/4 for
		// a = 2 rel_ret, b = 3 nonrel_ret, c = 1 rel not ret,
		// d = 100 + 2 - 5 - 3 = 94 nonrel not ret: 4 - 3 - 0.5 + 23.5.
		{"utility params", Options{NumDocsInColl: 100}, []string{"utility.2,-1,-0.5,0.25"},
			map[string]float64{"utility_2,-1,-0.5,0.25": 24}},
		// set_F.0.5: (1.5 P R)/(0.5 P + R) = 0.4/0.866667.
		{"set_F param", Options{}, []string{"set_F.0.5"}, map[string]float64{"set_F_0.5": 1.5 * 0.4 * (2.0 / 3) / (0.5*0.4 + 2.0/3)}},
		// ndcg: DCG = 2/log2(2) + 1/log2(6); ideal 2,1,1: 2 + 1/log2(3) + 1/log2(4).
		// ndcg.1=3,2=1 swaps the gains: DCG = 1 + 3/log2(6), ideal 3,3,1 =
		// 3 + 3/log2(3) + 1/log2(4). Asked for together, ndcg takes the
		// parameters (trec_eval: a measure's parameter list applies however
		// it was marked).
		{"ndcg gains", Options{}, []string{"ndcg"},
			map[string]float64{"ndcg": (2 + 1/math.Log2(6)) / (2 + 1/math.Log2(3) + 0.5)}},
		{"ndcg gains params", Options{}, []string{"ndcg", "ndcg.1=3,2=1"},
			map[string]float64{"ndcg_1=3,2=1": (1 + 3/math.Log2(6)) / (3 + 3/math.Log2(3) + 0.5)}},
		// -l 0: judged 0 is relevant too: a b c e f, 3 retrieved at ranks 1 3 5;
		// bpref has no non-relevant document left: (1+1+1)/5.
		{"level 0", Options{RelevanceLevel: 0, ExplicitLevel: true}, []string{"map", "bpref"},
			map[string]float64{"map": (1.0/1 + 2.0/3 + 3.0/5) / 5, "bpref": 3.0 / 5}},
		// Rprec_mult.0.5,1: cutoffs (long)(0.5*3+0.9) = 2 and (long)(3.9) = 3;
		// precision at 2 = 1/2, at 3 = 1/3. 11pt_avg.0.5,1: recall cutoffs 2
		// and 3 of the relevant; only 2 are retrieved, so the mean of the
		// interpolated precision at the 2nd (0.4, rank 5) and 0: 0.2.
		{"fractions", Options{}, []string{"Rprec_mult.0.5,1", "11pt_avg.0.5,1"},
			map[string]float64{"Rprec_mult_0.50": 0.5, "Rprec_mult_1.00": 1.0 / 3, "11pt_avg_0.5,1": 0.2}},
		// P(rel=2)@5 is P_5 at level 2 (only a): 1/5, next to map at level 1.
		{"per-measure level", Options{}, []string{"P(rel=2)@5", "AP"},
			map[string]float64{"P_5": 1.0 / 5, "map": (1.0/1 + 2.0/5) / 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opt.Measures = c.measures
			r, err := Evaluate(q, run, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			for m, w := range c.want {
				got, ok := r.Aggregate[m]
				if !ok {
					t.Errorf("%s missing; have %q", m, r.Measures)
					continue
				}
				if math.Abs(got-w) > 1e-12 {
					t.Errorf("%s = %.6f, want %.6f", m, got, w)
				}
			}
		})
	}

	r, err := Evaluate(q, run, Options{Measures: []string{"relstring"}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := r.WriteTrec(&out, true); err != nil {
		t.Fatal(err)
	}
	if want := "relstring             \tq1\t'2-0.1'\n"; out.String() != want {
		t.Errorf("relstring -q output %q, want %q", out.String(), want)
	}
	r, err = Evaluate(q, run, Options{Measures: []string{"relstring", "relstring.3", "relstring.4"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.RelString["q1"]; got != "2-0" || r.Measures[0] != "relstring_3" {
		t.Errorf("relstring.3 (then .4) = %q named %q, want \"2-0\" named relstring_3", got, r.Measures[0])
	}
}
