package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

var (
	// ErrUnknownMeasure is wrapped when a measure name is not supported.
	ErrUnknownMeasure = errors.New("eval: unknown measure")
	// ErrNoOverlap is returned when no query is in both the run and the qrels
	// (trec_eval: "No queries with both results and relevance info").
	ErrNoOverlap = errors.New("eval: no queries with both results and relevance info")
)

// Options select how Evaluate scores a run.
type Options struct {
	// RelevanceLevel is trec_eval's -l: a judgement >= RelevanceLevel is
	// relevant. 0 means the default, 1 (set ExplicitLevel to use 0).
	RelevanceLevel int
	// ExplicitLevel makes RelevanceLevel 0 mean level 0 rather than the default.
	ExplicitLevel bool
	// Complete is trec_eval's -c: average over every qrels query, a query the
	// run lacks counting 0.
	Complete bool
	// Measures lists measure names (see the package doc); nil means
	// DefaultMeasures.
	Measures []string
}

// DefaultMeasures is the measure set Evaluate computes when Options.Measures is nil.
var DefaultMeasures = []string{"num_q", "num_ret", "num_rel", "num_rel_ret", "map", "recip_rank",
	"P_5", "P_10", "recall_100", "ndcg_cut_10", "recip_rank_cut_10"}

// trecDefaultCutoffs are trec_eval's default cutoffs for P, recall, map_cut
// and ndcg_cut (m_P.c: "Default param: -m P.5,10,15,20,30,100,200,500,1000").
var trecDefaultCutoffs = []int{5, 10, 15, 20, 30, 100, 200, 500, 1000}

// family is one measure family in trec_eval's print order (measures.c's
// te_trec_measures), followed by otclir's extension.
type family struct {
	name    string
	cutoffs bool // parameterised by cutoffs, printed name_k
	integer bool // summed count printed as an integer
}

var families = []family{
	{name: "num_q", integer: true},
	{name: "num_ret", integer: true},
	{name: "num_rel", integer: true},
	{name: "num_rel_ret", integer: true},
	{name: "map"},
	{name: "recip_rank"},
	{name: "P", cutoffs: true},
	{name: "recall", cutoffs: true},
	{name: "ndcg_cut", cutoffs: true},
	{name: "map_cut", cutoffs: true},
	{name: "recip_rank_cut", cutoffs: true}, // otclir extension: MRR@k
}

// measureSet is the parsed request: per family, whether it is wanted and
// which cutoffs.
type measureSet struct {
	want    map[string]bool
	cutoffs map[string][]int
}

func parseMeasures(names []string) (*measureSet, error) {
	ms := &measureSet{want: map[string]bool{}, cutoffs: map[string][]int{}}
	add := func(fam string, ks []int) {
		ms.want[fam] = true
		for _, k := range ks {
			if !slices.Contains(ms.cutoffs[fam], k) {
				ms.cutoffs[fam] = append(ms.cutoffs[fam], k)
			}
		}
	}
	findFamily := func(n string) *family {
		for i := range families {
			if families[i].name == n {
				return &families[i]
			}
		}
		return nil
	}
	for _, raw := range names {
		for _, n := range strings.Fields(raw) {
			// trec_eval syntax: family.k1,k2
			if base, params, ok := strings.Cut(n, "."); ok {
				f := findFamily(base)
				if f == nil || !f.cutoffs {
					return nil, fmt.Errorf("measure %q: %w", n, ErrUnknownMeasure)
				}
				var ks []int
				for _, p := range strings.Split(params, ",") {
					k, err := strconv.Atoi(p)
					if err != nil || k <= 0 {
						return nil, fmt.Errorf("measure %q: cutoff %q must be a positive integer: %w", n, p, ErrUnknownMeasure)
					}
					ks = append(ks, k)
				}
				add(f.name, ks)
				continue
			}
			if f := findFamily(n); f != nil {
				if f.cutoffs {
					add(f.name, trecDefaultCutoffs)
				} else {
					add(f.name, nil)
				}
				continue
			}
			// otclir syntax: family_k
			i := strings.LastIndexByte(n, '_')
			if i <= 0 {
				return nil, fmt.Errorf("measure %q: %w", n, ErrUnknownMeasure)
			}
			f := findFamily(n[:i])
			k, err := strconv.Atoi(n[i+1:])
			if f == nil || !f.cutoffs || err != nil || k <= 0 {
				return nil, fmt.Errorf("measure %q: %w", n, ErrUnknownMeasure)
			}
			add(f.name, []int{k})
		}
	}
	if len(ms.want) == 0 {
		return nil, fmt.Errorf("no measure named: %w", ErrUnknownMeasure)
	}
	for _, ks := range ms.cutoffs {
		slices.Sort(ks)
	}
	return ms, nil
}

// names lists the requested measure names in print order.
func (ms *measureSet) names() []string {
	var out []string
	for _, f := range families {
		if !ms.want[f.name] {
			continue
		}
		if !f.cutoffs {
			out = append(out, f.name)
			continue
		}
		for _, k := range ms.cutoffs[f.name] {
			out = append(out, f.name+"_"+strconv.Itoa(k))
		}
	}
	return out
}

// isCount reports whether measure m is one of the summed integer counts.
func isCount(m string) bool {
	return m == "num_q" || m == "num_ret" || m == "num_rel" || m == "num_rel_ret"
}

// Results holds per-query and aggregate values.
type Results struct {
	// Measures are the measure names, in trec_eval print order.
	Measures []string
	// QueryIDs are the evaluated queries (in both run and qrels), strcmp order.
	QueryIDs []string
	// Missing are qrels queries absent from the run; with Options.Complete
	// they count 0 in the aggregates but have no PerQuery entry.
	Missing []string
	// PerQuery maps qid -> measure -> value (num_q is not per query).
	PerQuery map[string]map[string]float64
	// Aggregate maps measure -> value over all queries ("all" in trec_eval).
	Aggregate map[string]float64
}

// queryEval is the per-query scratch state, reused across queries.
type queryEval struct {
	docs  []ScoredDoc
	seen  map[string]struct{}
	rels  []int     // relevance by rank; -1 not in qrels, -2 negative judgement
	ideal []float64 // gains > 0 of the qrels, descending
}

// Evaluate scores run against qrels. See the package doc for the semantics.
func Evaluate(qrels Qrels, run Run, opt Options) (*Results, error) {
	names := opt.Measures
	if names == nil {
		names = DefaultMeasures
	}
	ms, err := parseMeasures(names)
	if err != nil {
		return nil, fmt.Errorf("eval: Evaluate: %w", err)
	}
	level := opt.RelevanceLevel
	if level == 0 && !opt.ExplicitLevel {
		level = 1
	}
	res := &Results{
		Measures:  ms.names(),
		PerQuery:  map[string]map[string]float64{},
		Aggregate: map[string]float64{},
	}
	qe := &queryEval{seen: map[string]struct{}{}}
	for _, qid := range sortedQIDs(qrels) {
		docs, ok := run[qid]
		if !ok {
			res.Missing = append(res.Missing, qid)
			continue
		}
		vals, err := qe.evaluate(qid, qrels[qid], docs, level, ms)
		if err != nil {
			return nil, err
		}
		res.QueryIDs = append(res.QueryIDs, qid)
		res.PerQuery[qid] = vals
		for _, m := range res.Measures {
			res.Aggregate[m] += vals[m]
		}
	}
	if len(res.QueryIDs) == 0 {
		return nil, ErrNoOverlap
	}
	n := len(res.QueryIDs)
	if opt.Complete {
		n = len(qrels)
	}
	for _, m := range res.Measures {
		switch {
		case m == "num_q":
			res.Aggregate[m] = float64(n)
		case isCount(m):
			// summed, like trec_eval's te_calc_avg_meas_empty
		default:
			res.Aggregate[m] /= float64(n)
		}
	}
	return res, nil
}

func (qe *queryEval) evaluate(qid string, judged map[string]int, retrieved []ScoredDoc, level int, ms *measureSet) (map[string]float64, error) {
	qe.docs = append(qe.docs[:0], retrieved...)
	clear(qe.seen)
	for _, d := range qe.docs {
		if _, dup := qe.seen[d.DocNo]; dup {
			return nil, fmt.Errorf("eval: query %s retrieves %s twice: %w", qid, d.DocNo, ErrDuplicate)
		}
		qe.seen[d.DocNo] = struct{}{}
	}
	rankOrder(qe.docs)

	// Relevance by rank, as te_form_res_rels builds results_rel_list.
	qe.rels = qe.rels[:0]
	numRelRet := 0
	for _, d := range qe.docs {
		rel, ok := judged[d.DocNo]
		switch {
		case !ok:
			rel = -1 // RELVALUE_NONPOOL
		case rel < 0:
			rel = -2 // RELVALUE_UNJUDGED
		default:
			if rel >= level {
				numRelRet++
			}
		}
		qe.rels = append(qe.rels, rel)
	}
	numRel := 0
	qe.ideal = qe.ideal[:0]
	for _, rel := range judged {
		if rel >= 0 && rel >= level {
			numRel++
		}
		if rel > 0 {
			qe.ideal = append(qe.ideal, float64(rel))
		}
	}
	slices.SortFunc(qe.ideal, func(a, b float64) int { return -compareFloat(a, b) })
	numRet := len(qe.rels)

	v := map[string]float64{}
	if ms.want["num_ret"] {
		v["num_ret"] = float64(numRet)
	}
	if ms.want["num_rel"] {
		v["num_rel"] = float64(numRel)
	}
	if ms.want["num_rel_ret"] {
		v["num_rel_ret"] = float64(numRelRet)
	}
	if ms.want["map"] {
		// m_map.c: sum of precision at each relevant rank over num_rel.
		relSoFar, sum := 0, 0.0
		for i, rel := range qe.rels {
			if rel >= level {
				relSoFar++
				sum += float64(relSoFar) / float64(i+1)
			}
		}
		if relSoFar > 0 {
			v["map"] = sum / float64(numRel)
		} else {
			v["map"] = 0
		}
	}
	firstRel := -1 // 0-based rank of the first relevant document
	for i, rel := range qe.rels {
		if rel >= level {
			firstRel = i
			break
		}
	}
	if ms.want["recip_rank"] {
		v["recip_rank"] = 0
		if firstRel >= 0 {
			v["recip_rank"] = 1 / float64(firstRel+1)
		}
	}
	for _, k := range ms.cutoffs["P"] {
		// m_P.c: relevant in top k over k, even when fewer were retrieved.
		v["P_"+strconv.Itoa(k)] = float64(qe.relInTop(k, level)) / float64(k)
	}
	for _, k := range ms.cutoffs["recall"] {
		r := 0.0
		if numRel > 0 {
			r = float64(qe.relInTop(k, level)) / float64(numRel)
		}
		v["recall_"+strconv.Itoa(k)] = r
	}
	for _, k := range ms.cutoffs["ndcg_cut"] {
		v["ndcg_cut_"+strconv.Itoa(k)] = qe.ndcgCut(k)
	}
	for _, k := range ms.cutoffs["map_cut"] {
		// m_map_cut.c: as map, counting only ranks <= k.
		r := 0.0
		if numRel > 0 {
			relSoFar, sum := 0, 0.0
			for i := 0; i < k && i < numRet; i++ {
				if qe.rels[i] >= level {
					relSoFar++
					sum += float64(relSoFar) / float64(i+1)
				}
			}
			r = sum / float64(numRel)
		}
		v["map_cut_"+strconv.Itoa(k)] = r
	}
	for _, k := range ms.cutoffs["recip_rank_cut"] {
		r := 0.0
		if firstRel >= 0 && firstRel < k {
			r = 1 / float64(firstRel+1)
		}
		v["recip_rank_cut_"+strconv.Itoa(k)] = r
	}
	return v, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (qe *queryEval) relInTop(k, level int) int {
	n := 0
	for i := 0; i < k && i < len(qe.rels); i++ {
		if qe.rels[i] >= level {
			n++
		}
	}
	return n
}

// trecDiscount is m_ndcg_cut.c's discount for 0-based rank i: 1 at i == 0,
// log2(i+1) after, i.e. log2(rank) for 1-based rank >= 2.
func trecDiscount(i int) float64 {
	if i == 0 {
		return 1
	}
	return math.Log2(float64(i + 1))
}

// ndcgCut follows m_ndcg_cut.c: DCG over the top k with the qrels value as
// gain (only gains > 0), divided by the DCG of the ideal ranking of every
// judged document with gain > 0, cut at k. 0 when the ideal DCG is 0.
func (qe *queryEval) ndcgCut(k int) float64 {
	dcg := 0.0
	for i := 0; i < k && i < len(qe.rels); i++ {
		if g := float64(qe.rels[i]); g > 0 {
			dcg += g / trecDiscount(i)
		}
	}
	idcg := 0.0
	for i := 0; i < k && i < len(qe.ideal); i++ {
		idcg += qe.ideal[i] / trecDiscount(i)
	}
	if idcg > 0 {
		return dcg / idcg
	}
	return dcg
}
