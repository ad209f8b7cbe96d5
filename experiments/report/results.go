package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

// evalFilter selects an experiment's evaluation runs (and, when collection
// is not "", of one collection).
func evalFilter(experiment, collection string) string {
	f := fmt.Sprintf(`experiment = %q and tags.%s = %q`, experiment, record.TagKind, record.KindEval)
	if collection != "" {
		f += fmt.Sprintf(` and params.%s = %q`, record.ParamCollection, collection)
	}
	return f
}

// latestEvals is the newest finished evaluation of each key among the
// runs matching filter, parsed; key returns ok false to leave a run out.
func latestEvals(db *tracker.DB, filter string, key func(record.EvalRun) (string, bool)) ([]*tracker.RunRecord, []record.EvalRun, error) {
	var parseErr error
	var recs []record.EvalRun
	byID := map[int64]record.EvalRun{}
	runs, err := db.LatestFinished(filter, func(rr *tracker.RunRecord) (string, bool) {
		e, err := record.ParseEvalRun(rr)
		if err != nil {
			if parseErr == nil {
				parseErr = fmt.Errorf("report: %s: %w", db.Path(), err)
			}
			return "", false
		}
		byID[rr.ID] = e
		return key(e)
	})
	if err == nil {
		err = parseErr
	}
	if err != nil {
		return nil, nil, err
	}
	for _, rr := range runs {
		recs = append(recs, byID[rr.ID])
	}
	return runs, recs, nil
}

// collectionRank orders collections: UDHR, CLDR, then others by name.
func collectionRank(c string) int {
	switch c {
	case record.CollectionUDHR:
		return 0
	case record.CollectionCLDR:
		return 1
	}
	return 2
}

// LoadResults reads the newest FINISHED evaluation of every (collection,
// system, pair) of an experiment — of one collection when collection is not
// "" — in table order: collections UDHR, CLDR, others; English→English
// last; pairs by name; systems as record.Systems. It is what notebooks and
// `otclir table -format list` show, since nothing survives in memory
// between notebook cells.
func LoadResults(db *tracker.DB, experiment, collection string) ([]*record.Result, error) {
	runs, recs, err := latestEvals(db, evalFilter(experiment, collection), func(e record.EvalRun) (string, bool) {
		return e.Collection + "|" + e.System + "|" + e.Pair(), true
	})
	if err != nil {
		return nil, err
	}
	out := make([]*record.Result, len(runs))
	for i, rr := range runs {
		out[i] = &record.Result{Run: recs[i], RunID: rr.ID, Metrics: rr.Final}
	}
	if len(out) == 0 {
		what := ""
		if collection != "" {
			what = collection + " "
		}
		return nil, fmt.Errorf("report: no finished %sevaluation runs for experiment %q in %s", what, experiment, db.Path())
	}
	SortResults(out)
	return out, nil
}

// SortResults orders results as LoadResults does.
func SortResults(rs []*record.Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Run.Collection != b.Run.Collection {
			if ca, cb := collectionRank(a.Run.Collection), collectionRank(b.Run.Collection); ca != cb {
				return ca < cb
			}
			return a.Run.Collection < b.Run.Collection
		}
		pa, pb := a.Pair(), b.Pair()
		if (pa == "eng-eng") != (pb == "eng-eng") {
			return pb == "eng-eng"
		}
		if pa != pb {
			return pa < pb
		}
		return record.SystemRank(a.System()) < record.SystemRank(b.System())
	})
}

// Collections lists the collections of results, in LoadResults' order.
func Collections(rs []*record.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if !seen[r.Run.Collection] {
			seen[r.Run.Collection] = true
			out = append(out, r.Run.Collection)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ci, cj := collectionRank(out[i]), collectionRank(out[j]); ci != cj {
			return ci < cj
		}
		return out[i] < out[j]
	})
	return out
}

// WriteTable prints results as an aligned text table.
func WriteTable(w io.Writer, results []*record.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "pair\tsystem\tMAP\tnDCG@10\tMRR@10\tR@100\t#queries\trun\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d%s\t\n", r.Pair(), r.System(),
			measure(r, "map"), measure(r, "ndcg_cut_10"), measure(r, "recip_rank_cut_10"),
			measure(r, "recall_100"), int(r.Metrics["num_q"]), r.RunID, cachedMark(r))
	}
	return tw.Flush()
}

// measure formats one final measure of r, or "—" when the run has none
// (e.g. an nDCG removed because it was computed with a wrong formula).
func measure(r *record.Result, key string) string {
	v, ok := r.Metrics[key]
	if !ok || math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.4f", v)
}

func cachedMark(r *record.Result) string {
	if r.Cached {
		return " (cached)"
	}
	return ""
}

// MAPChart is the grouped bar chart of MAP per pair (x) and system (series).
func MAPChart(title string, results []*record.Result) *plots.Chart {
	var pairs, systems []string
	seenP, seenS := map[string]bool{}, map[string]bool{}
	val := map[[2]string]float64{}
	for _, r := range results {
		if !seenP[r.Pair()] {
			seenP[r.Pair()] = true
			pairs = append(pairs, r.Pair())
		}
		if !seenS[r.System()] {
			seenS[r.System()] = true
			systems = append(systems, r.System())
		}
		val[[2]string{r.Pair(), r.System()}] = r.Metrics["map"]
	}
	series := make([]plots.BarSeries, len(systems))
	for i, s := range systems {
		series[i].Name = s
		for _, p := range pairs {
			series[i].Values = append(series[i].Values, val[[2]string{p, s}]) // 0 where the system did not run
		}
	}
	return plots.GroupedBar(title, "language pair (queries-documents)", "MAP", pairs, series)
}

// WriteSignificanceTable prints results (one collection) as an aligned
// table with, per system, the paired randomization test of its per-query
// MAP against baseline's (10,000 permutations; the p-values are
// Bonferroni-corrected over the systems compared; * marks p < 0.05). Per-query
// values come from db.
func WriteSignificanceTable(w io.Writer, db *tracker.DB, results []*record.Result, baseline string) error {
	perQuery := func(r *record.Result) (map[string]float64, error) { return db.PerQuery(r.RunID, "map") }
	var base *record.Result
	for _, r := range results {
		if r.System() == baseline {
			base = r
		}
	}
	p := make([]float64, len(results))
	for i := range p {
		p[i] = math.NaN()
	}
	var tested []int
	var raw []float64
	if base != nil {
		bq, err := perQuery(base)
		if err != nil {
			return err
		}
		for i, r := range results {
			if r == base || r.Pair() != base.Pair() {
				continue
			}
			rq, err := perQuery(r)
			if err != nil {
				return err
			}
			pv, ok, err := PairedTest(rq, bq, 10000)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			tested, raw = append(tested, i), append(raw, pv)
		}
	}
	for j, pv := range eval.Bonferroni(raw) {
		p[tested[j]] = pv
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "pair\tsystem\tMAP\tnDCG@10\tMRR@10\tR@100\t#queries\tp (MAP vs %s)\trun\t\n", baseline)
	for i, r := range results {
		ptext := "–"
		switch {
		case r == base:
			ptext = "baseline"
		case !math.IsNaN(p[i]):
			ptext = fmtP(p[i])
			if p[i] < 0.05 {
				ptext += " *"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d%s\t\n", r.Pair(), r.System(),
			measure(r, "map"), measure(r, "ndcg_cut_10"), measure(r, "recip_rank_cut_10"), measure(r, "recall_100"),
			int(r.Metrics["num_q"]), ptext, r.RunID, cachedMark(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if base != nil && len(raw) > 0 {
		_, err := fmt.Fprintf(w, "p: paired randomization test over queries (10,000 permutations), Bonferroni over %d systems; * p < 0.05\n", len(raw))
		return err
	}
	return nil
}

// PairedTest is the paired randomization test (seeded) of a system's
// per-query scores against a baseline's, over the queries both have; ok is
// false when fewer than two queries are shared.
func PairedTest(system, baseline map[string]float64, permutations int) (p float64, ok bool, err error) {
	var qids []string
	for q := range system {
		if _, ok := baseline[q]; ok {
			qids = append(qids, q)
		}
	}
	if len(qids) < 2 {
		return 0, false, nil
	}
	sort.Strings(qids)
	x, y := make([]float64, len(qids)), make([]float64, len(qids))
	for i, q := range qids {
		x[i], y[i] = system[q], baseline[q]
	}
	p, err = eval.RandomizationTest(x, y, permutations, 20230227)
	return p, err == nil, err
}
