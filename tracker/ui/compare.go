package ui

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

// Compare-page limits and the paired test's settings.
const (
	MinCompare = 2
	MaxCompare = 10
	// Permutations and PermutationSeed of the paired randomization test
	// (eval.RandomizationTest): 10,000 sign flips, fixed seed, so a page
	// shows the same p-value every time.
	Permutations    = 10000
	PermutationSeed = 20230227
)

type compareData struct {
	Runs          []compareRun
	IDs           string
	OnlyDiff      bool
	AllURL        string
	DiffURL       string
	Rows          []compareRow // attributes, then params, then tags
	Metrics       []compareRow
	Charts        []template.HTML
	Scatter       template.HTML
	Measures      []string
	Measure       string
	A, B          int64
	Pair          *pairedResult
	PairNote      string
	PairRows      []pairRow
	PairRowsTotal int
	HasTexts      bool
	Truncated     bool
}

func (d *compareData) title() string {
	return fmt.Sprintf("Compare %d runs", len(d.Runs))
}
func (d *compareData) hasCharts() bool { return len(d.Charts) > 0 || d.Scatter != "" }

type compareRun struct {
	ID                  int64
	Name, Status, Class string
}

type compareRow struct {
	Section, Key string
	Values       []string
	Fulls        []string
	Differs      bool
	Best         int // index of the largest metric, -1 when none or equal
}

type pairedResult struct {
	N                  int
	MeanA, MeanB, Diff string
	Wins, Losses, Ties int
	PRandom, T, PT     string
	PRandomV, PTV      float64
	Significant        bool
}

type pairRow struct {
	QID, Text  string
	A, B, Diff string
	Better     string // "a", "b" or ""
	diff       float64
}

// maxPairRows caps the per-query rows listed under the scatter.
const maxPairRows = 50

func (s *Server) comparePage(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	ids, err := parseIDs(v["ids"])
	if err != nil {
		return err
	}
	if len(ids) < MinCompare || len(ids) > MaxCompare {
		return badRequest("compare takes %d to %d runs, got %d (select them on the runs page)", MinCompare, MaxCompare, len(ids))
	}
	runs := make([]*tracker.RunRecord, len(ids))
	for i, id := range ids {
		if runs[i], err = s.opts.DB.GetRun(id); err != nil {
			return err
		}
	}
	idList := make([]string, len(ids))
	for i, id := range ids {
		idList[i] = strconv.FormatInt(id, 10)
	}
	d := &compareData{IDs: joinComma(idList), OnlyDiff: v.Get("diff") == "only"}
	base := url.Values{"ids": {d.IDs}}
	for _, k := range []string{"measure", "a", "b"} {
		if x := v.Get(k); x != "" {
			base.Set(k, x)
		}
	}
	d.AllURL = "/compare?" + base.Encode()
	base.Set("diff", "only")
	d.DiffURL = "/compare?" + base.Encode()
	for _, rr := range runs {
		d.Runs = append(d.Runs, compareRun{rr.ID, rr.Name, rr.Status, statusClass(rr.Status)})
	}
	d.Rows = compareRows(runs, d.OnlyDiff)
	d.Metrics = compareMetrics(runs, d.OnlyDiff)
	nonce := newNonce()
	if err := s.compareCurves(d, runs, nonce); err != nil {
		return err
	}
	if err := s.comparePerQuery(d, runs, v, nonce); err != nil {
		return err
	}
	s.renderNonce(w, r, http.StatusOK, "compare.html", d, nonce)
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func allEqual(vals []string, present []bool) bool {
	for i := range vals {
		if !present[i] || vals[i] != vals[0] {
			return false
		}
	}
	return true
}

// compareRows lists attributes, params and tags side by side; a row
// differs when a value is missing in some run or not equal in all.
func compareRows(runs []*tracker.RunRecord, onlyDiff bool) []compareRow {
	var out []compareRow
	add := func(section, key string, get func(*tracker.RunRecord) (string, bool)) {
		row := compareRow{Section: section, Key: key, Best: -1}
		present := make([]bool, len(runs))
		for i, rr := range runs {
			v, ok := get(rr)
			present[i] = ok
			row.Fulls = append(row.Fulls, v)
			row.Values = append(row.Values, elide(v, 60))
		}
		row.Differs = !allEqual(row.Fulls, present)
		if !onlyDiff || row.Differs {
			out = append(out, row)
		}
	}
	attr := func(f func(*tracker.RunRecord) string) func(*tracker.RunRecord) (string, bool) {
		return func(rr *tracker.RunRecord) (string, bool) { return f(rr), true }
	}
	add("run", "experiment", attr(func(rr *tracker.RunRecord) string { return rr.Experiment }))
	add("run", "status", attr(func(rr *tracker.RunRecord) string { return rr.Status }))
	add("run", "start", attr(func(rr *tracker.RunRecord) string { return fmtTime(rr.Start) }))
	add("run", "duration", attr(func(rr *tracker.RunRecord) string {
		if rr.Status == tracker.StatusRunning {
			return "running " + fmtDuration(time.Since(rr.Start))
		}
		return fmtDuration(rr.Duration())
	}))
	add("run", "git_commit", attr(func(rr *tracker.RunRecord) string { return rr.GitCommit }))
	add("run", "git_dirty", attr(func(rr *tracker.RunRecord) string { return strconv.FormatBool(rr.GitDirty) }))
	add("run", "host", attr(func(rr *tracker.RunRecord) string { return rr.Host }))
	add("run", "backend", attr(func(rr *tracker.RunRecord) string { return rr.Backend }))
	add("run", "config_hash", attr(func(rr *tracker.RunRecord) string { return rr.ConfigHash }))
	for _, section := range []string{"params", "tags"} {
		keys := map[string]bool{}
		for _, rr := range runs {
			m := rr.Params
			if section == "tags" {
				m = rr.Tags
			}
			for k := range m {
				keys[k] = true
			}
		}
		for _, k := range sortedKeys(keys) {
			add(section, k, func(rr *tracker.RunRecord) (string, bool) {
				m := rr.Params
				if section == "tags" {
					m = rr.Tags
				}
				v, ok := m[k]
				return v, ok
			})
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// compareMetrics lists final (else latest) metric values, marking the
// largest of each row.
func compareMetrics(runs []*tracker.RunRecord, onlyDiff bool) []compareRow {
	keys := map[string]bool{}
	for _, rr := range runs {
		for k := range rr.Final {
			keys[k] = true
		}
		for k := range rr.Latest {
			keys[k] = true
		}
	}
	var out []compareRow
	for _, k := range sortedKeys(keys) {
		row := compareRow{Section: "metrics", Key: k, Best: -1}
		present := make([]bool, len(runs))
		best, nbest := math.Inf(-1), 0
		for i, rr := range runs {
			v, ok := rr.Metric(k)
			present[i] = ok
			if !ok {
				row.Values, row.Fulls = append(row.Values, ""), append(row.Fulls, "")
				continue
			}
			row.Values, row.Fulls = append(row.Values, fmtFloat(v)), append(row.Fulls, fmtFull(v))
			switch {
			case v > best:
				best, nbest, row.Best = v, 1, i
			case v == best:
				nbest++
			}
		}
		if nbest != 1 {
			row.Best = -1
		}
		row.Differs = !allEqual(row.Fulls, present)
		if !onlyDiff || row.Differs {
			out = append(out, row)
		}
	}
	return out
}

// compareCurves overlays, per metric key, the logged curves of every run
// that has one.
func (s *Server) compareCurves(d *compareData, runs []*tracker.RunRecord, nonce string) error {
	curves := map[string][]plots.Curve{}
	var keys []string
	for _, rr := range runs {
		ks, byKey, _, truncated, err := s.history(rr.ID)
		if err != nil {
			return err
		}
		d.Truncated = d.Truncated || truncated
		for _, k := range ks {
			if curves[k] == nil {
				keys = append(keys, k)
			}
			curves[k] = append(curves[k], curveOf(fmt.Sprintf("%d %s", rr.ID, rr.Name), byKey[k]))
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := plots.LineCurves(k+" per step", "step", k, curves[k])
		d.Charts = append(d.Charts, template.HTML(c.Fragment(nonce))) // lib/plots escapes user text
	}
	return nil
}

// comparePerQuery draws run a's against run b's per-query values of a
// measure and runs the paired tests over the queries both have.
func (s *Server) comparePerQuery(d *compareData, runs []*tracker.RunRecord, v url.Values, nonce string) error {
	measures := map[string]int{}
	for _, rr := range runs {
		ms, err := s.opts.DB.PerQueryMeasures(rr.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			measures[m]++
		}
	}
	for m, n := range measures {
		if n >= 2 {
			d.Measures = append(d.Measures, m)
		}
	}
	sort.Strings(d.Measures)
	if len(d.Measures) == 0 {
		return nil
	}
	d.Measure = v.Get("measure")
	if d.Measure == "" {
		d.Measure = d.Measures[0]
		if slices.Contains(d.Measures, "map") {
			d.Measure = "map"
		}
	}
	if !slices.Contains(d.Measures, d.Measure) {
		return badRequest("measure %q: not a per-query measure of two of these runs", d.Measure)
	}
	values := map[int64]map[string]float64{}
	var with []int64
	for _, rr := range runs {
		pq, err := s.opts.DB.PerQuery(rr.ID, d.Measure)
		if err != nil {
			return err
		}
		if len(pq) > 0 {
			values[rr.ID] = pq
			with = append(with, rr.ID)
		}
	}
	pick := func(key string, def int64) (int64, error) {
		s := v.Get(key)
		if s == "" {
			return def, nil
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || values[id] == nil {
			return 0, badRequest("%s=%q: not one of the compared runs with per-query %s", key, s, d.Measure)
		}
		return id, nil
	}
	var err error
	if d.A, err = pick("a", with[0]); err != nil {
		return err
	}
	if d.B, err = pick("b", with[1]); err != nil {
		return err
	}
	if d.A == d.B {
		d.PairNote = "pick two different runs"
		return nil
	}
	var texts map[string]string
	if s.opts.QueryTexts != nil {
		for _, rr := range runs {
			if rr.ID == d.A {
				texts, _ = s.opts.QueryTexts(rr) // ids alone when unknown
			}
		}
	}
	d.HasTexts = len(texts) > 0
	va, vb := values[d.A], values[d.B]
	var qids []string
	for q, x := range va {
		if y, ok := vb[q]; ok && !math.IsNaN(x) && !math.IsNaN(y) {
			qids = append(qids, q)
		}
	}
	sort.Strings(qids)
	if len(qids) < 2 {
		d.PairNote = fmt.Sprintf("runs %d and %d share %d queries with a %s value: no test", d.A, d.B, len(qids), d.Measure)
		return nil
	}
	a, b := make([]float64, len(qids)), make([]float64, len(qids))
	groups := map[string][]plots.Point{}
	nameA, nameB := fmt.Sprintf("run %d", d.A), fmt.Sprintf("run %d", d.B)
	res := &pairedResult{N: len(qids)}
	var sa, sb float64
	for i, q := range qids {
		a[i], b[i] = va[q], vb[q]
		sa, sb = sa+a[i], sb+b[i]
		label := q
		if t := texts[q]; t != "" {
			label += ": " + elide(t, 80)
		}
		g := "tie"
		row := pairRow{QID: q, Text: texts[q], A: fmtFloat(a[i]), B: fmtFloat(b[i]), Diff: fmtFloat(b[i] - a[i]), diff: b[i] - a[i]}
		switch {
		case b[i] > a[i]:
			g, row.Better = nameB+" better", "b"
			res.Wins++
		case b[i] < a[i]:
			g, row.Better = nameA+" better", "a"
			res.Losses++
		default:
			res.Ties++
		}
		groups[g] = append(groups[g], plots.Point{X: a[i], Y: b[i], Label: label})
		d.PairRows = append(d.PairRows, row)
	}
	n := float64(len(qids))
	res.MeanA, res.MeanB, res.Diff = fmtFloat(sa/n), fmtFloat(sb/n), fmtFloat((sb-sa)/n)
	p, err := eval.RandomizationTest(b, a, Permutations, PermutationSeed)
	if err != nil {
		return err
	}
	t, pt, err := eval.PairedTTest(b, a)
	if err != nil {
		return err
	}
	res.PRandomV, res.PTV = p, pt
	res.PRandom, res.T, res.PT = fmtFloat(p), fmtFloat(t), fmtFloat(pt)
	res.Significant = p < 0.05
	d.Pair = res
	// Largest differences first in the table below the scatter.
	sort.SliceStable(d.PairRows, func(i, j int) bool { return math.Abs(d.PairRows[i].diff) > math.Abs(d.PairRows[j].diff) })
	d.PairRowsTotal = len(d.PairRows)
	d.PairRows = d.PairRows[:min(maxPairRows, len(d.PairRows))]
	title := fmt.Sprintf("per-query %s: run %d (x) against run %d (y)", d.Measure, d.A, d.B)
	c := plots.Scatter(title, nameA+" "+d.Measure, nameB+" "+d.Measure, groups)
	d.Scatter = template.HTML(c.Fragment(nonce)) // lib/plots escapes user text
	return nil
}
