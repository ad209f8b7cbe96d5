package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

type kv struct{ Key, Value string }

type metricKV struct {
	Key, Value, Full string
}

type runData struct {
	Run                              *tracker.RunRecord
	StatusClass                      string
	Start, End, Heartbeat, Duration  string
	Params, Tags                     []kv
	Final, Latest                    []metricKV
	Charts                           []metricChart
	Truncated                        bool
	Live                             bool
	LiveURL                          string
	LiveAfter                        int64
	LivePeriodMS                     int64
	Measures                         []string
	PQSort                           []colView
	PQRows                           []pqRow
	HasTexts                         bool
	TextsErr                         string
	Artifacts                        []artView
	Alignments                       []alignView
	CompareURL                       string
	ExperimentURL, ExperimentRunsURL string
}

func (d *runData) title() string   { return fmt.Sprintf("Run %d %s", d.Run.ID, d.Run.Name) }
func (d *runData) hasCharts() bool { return len(d.Charts) > 0 || len(d.Alignments) > 0 || d.Live }

type metricChart struct {
	Key       string
	HTML      template.HTML
	Points    int
	LastStep  int64
	LastValue string
}

type pqRow struct {
	QID, Text string
	Values    []metricKV
}

type artView struct {
	Path, Kind, Size, SHA256, Logged string
	SizeBytes                        int64
	URL                              string
	Note                             string
}

type alignView struct {
	Path string
	HTML template.HTML
	Err  string
}

// maxAlignments caps the heatmaps drawn on one run page.
const maxAlignments = 8

func sortedKV(m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func sortedMetrics(m map[string]float64) []metricKV {
	out := make([]metricKV, 0, len(m))
	for k, v := range m {
		out = append(out, metricKV{k, fmtFloat(v), fmtFull(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// history reads up to MaxLivePoints metric points of a run grouped by key,
// each in step order, and the Seq of the last one read.
func (s *Server) history(runID int64) (keys []string, byKey map[string][]tracker.KeyedPoint, last int64, truncated bool, err error) {
	pts, err := s.opts.DB.MetricsAfter(runID, 0, MaxLivePoints+1)
	if err != nil {
		return nil, nil, 0, false, err
	}
	if len(pts) > MaxLivePoints {
		pts, truncated = pts[:MaxLivePoints], true
	}
	byKey = map[string][]tracker.KeyedPoint{}
	for _, p := range pts {
		if byKey[p.Key] == nil {
			keys = append(keys, p.Key)
		}
		byKey[p.Key] = append(byKey[p.Key], p)
		last = max(last, p.Seq)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sort.SliceStable(byKey[k], func(i, j int) bool { return byKey[k][i].Step < byKey[k][j].Step })
	}
	return keys, byKey, last, truncated, nil
}

func curveOf(name string, pts []tracker.KeyedPoint) plots.Curve {
	c := plots.Curve{Name: name, X: make([]float64, len(pts)), Y: make([]float64, len(pts))}
	for i, p := range pts {
		c.X[i], c.Y[i] = float64(p.Step), p.Value
	}
	return c
}

func (s *Server) runPage(w http.ResponseWriter, r *http.Request) error {
	id, err := parseRunID(r)
	if err != nil {
		return err
	}
	rr, err := s.opts.DB.GetRun(id)
	if err != nil {
		return err
	}
	nonce := newNonce()
	d := &runData{Run: rr, StatusClass: statusClass(rr.Status), Start: fmtTime(rr.Start), End: fmtTime(rr.End),
		Heartbeat: fmtTime(rr.Heartbeat), Params: sortedKV(rr.Params), Tags: sortedKV(rr.Tags),
		Final: sortedMetrics(rr.Final), Latest: sortedMetrics(rr.Latest),
		ExperimentURL:     "/experiments/" + url.PathEscape(rr.Experiment),
		ExperimentRunsURL: RunsURL(ExperimentFilter(rr.Experiment), ""),
	}
	if rr.Status == tracker.StatusRunning {
		d.Duration = "running for " + fmtDuration(time.Since(rr.Start))
	} else {
		d.Duration = fmtDuration(rr.Duration())
	}
	keys, byKey, last, truncated, err := s.history(id)
	if err != nil {
		return err
	}
	d.Truncated = truncated
	for _, k := range keys {
		pts := byKey[k]
		c := plots.LineCurves(k+" per step", "step", k, []plots.Curve{curveOf(k, pts)})
		mc := metricChart{Key: k, HTML: template.HTML(c.Fragment(nonce)), Points: len(pts)} // lib/plots escapes user text
		lp := pts[len(pts)-1]
		mc.LastStep, mc.LastValue = lp.Step, fmtFloat(lp.Value)
		d.Charts = append(d.Charts, mc)
	}
	if rr.Status == tracker.StatusRunning {
		d.Live, d.LiveAfter = true, last
		d.LiveURL = fmt.Sprintf("/runs/%d/metrics.json", id)
		d.LivePeriodMS = s.opts.LivePeriod.Milliseconds()
	}
	if err := s.perQuery(r, d); err != nil {
		return err
	}
	if err := s.artifactsOf(d, nonce); err != nil {
		return err
	}
	s.renderNonce(w, r, http.StatusOK, "run.html", d, nonce)
	return nil
}

// perQuery fills the per-query table, sorted by the "pq" parameter (a
// measure or "qid") in direction "dir".
func (s *Server) perQuery(r *http.Request, d *runData) error {
	id := d.Run.ID
	measures, err := s.opts.DB.PerQueryMeasures(id)
	if err != nil || len(measures) == 0 {
		return err
	}
	d.Measures = measures
	vals := make([]map[string]float64, len(measures))
	qids := map[string]bool{}
	for i, m := range measures {
		if vals[i], err = s.opts.DB.PerQuery(id, m); err != nil {
			return err
		}
		for q := range vals[i] {
			qids[q] = true
		}
	}
	var texts map[string]string
	if s.opts.QueryTexts != nil {
		if texts, err = s.opts.QueryTexts(d.Run); err != nil {
			d.TextsErr = err.Error()
		}
		d.HasTexts = len(texts) > 0
	}
	for q := range qids {
		row := pqRow{QID: q, Text: texts[q]}
		for i := range measures {
			v, ok := vals[i][q]
			if !ok {
				row.Values = append(row.Values, metricKV{Key: measures[i]})
				continue
			}
			row.Values = append(row.Values, metricKV{measures[i], fmtFloat(v), fmtFull(v)})
		}
		d.PQRows = append(d.PQRows, row)
	}
	by, dir := r.URL.Query().Get("pq"), r.URL.Query().Get("dir")
	col := -1
	for i, m := range measures {
		if m == by {
			col = i
		}
	}
	if by != "" && by != "qid" && col < 0 {
		return badRequest("pq %q: not a per-query measure of run %d", by, id)
	}
	if dir != "" && dir != "asc" && dir != "desc" {
		return badRequest("dir %q: want asc or desc", dir)
	}
	desc := dir == "desc"
	value := func(row pqRow) float64 {
		v, err := strconv.ParseFloat(row.Values[col].Full, 64)
		if err != nil || math.IsNaN(v) {
			return math.Inf(-1)
		}
		return v
	}
	sort.SliceStable(d.PQRows, func(i, j int) bool {
		a, b := d.PQRows[i], d.PQRows[j]
		if col >= 0 {
			if va, vb := value(a), value(b); va != vb {
				return (va < vb) != desc
			}
			return a.QID < b.QID
		}
		return (a.QID < b.QID) != desc
	})
	base := fmt.Sprintf("/runs/%d", id)
	link := func(key string) colView {
		cv := colView{ID: key, Label: key, Numeric: key != "qid"}
		next := "asc"
		if key != "qid" {
			next = "desc"
		}
		if key == by || (by == "" && key == "qid") {
			if desc {
				cv.Arrow, next = "▼", "asc"
			} else {
				cv.Arrow, next = "▲", "desc"
			}
		}
		cv.SortURL = base + "?" + url.Values{"pq": {key}, "dir": {next}}.Encode() + "#per-query"
		return cv
	}
	d.PQSort = append(d.PQSort, link("qid"))
	for _, m := range measures {
		d.PQSort = append(d.PQSort, link(m))
	}
	return nil
}

// artifactsOf lists the run's artifacts with where they can be fetched,
// and draws its alignment artifacts.
func (s *Server) artifactsOf(d *runData, nonce string) error {
	arts, err := s.opts.DB.Artifacts(d.Run.ID)
	if err != nil {
		return err
	}
	for _, a := range arts {
		v := artView{Path: a.Path, Kind: a.Kind, Size: fmtBytes(a.Size), SizeBytes: a.Size, SHA256: a.SHA256, Logged: fmtTime(a.Logged)}
		switch st, err := s.statArtifact(a.Path); {
		case errors.Is(err, ErrOutsideArtifacts):
			v.Note = "outside the artifacts folder: not served"
		case errors.Is(err, fs.ErrNotExist):
			v.Note = "not on disk"
		case err != nil:
			v.Note = "not served: " + err.Error()
		case !st.Mode().IsRegular():
			v.Note = "not a regular file: not served"
		default:
			v.URL = fmt.Sprintf("/runs/%d/artifact?", d.Run.ID) + url.Values{"path": {a.Path}}.Encode()
			if st.Size() != a.Size {
				v.Note = fmt.Sprintf("changed since it was logged: now %s", fmtBytes(st.Size()))
			}
		}
		d.Artifacts = append(d.Artifacts, v)
		if a.Kind == AlignmentKind && len(d.Alignments) < maxAlignments {
			d.Alignments = append(d.Alignments, s.alignment(d.Run.ID, a.Path, nonce))
		}
	}
	return nil
}

// statArtifact stats a recorded artifact inside the artifacts folder
// (following symbolic links only within it).
func (s *Server) statArtifact(recorded string) (os.FileInfo, error) {
	rel, err := s.artifactRel(recorded)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(s.artifacts)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	st, err := root.Stat(rel)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %v", ErrOutsideArtifacts, err)
	}
	return st, err
}

func (s *Server) alignment(runID int64, path, nonce string) alignView {
	v := alignView{Path: path}
	f, _, err := s.openArtifact(runID, path)
	if err != nil {
		v.Err = err.Error()
		return v
	}
	defer f.Close()
	a, err := ReadAlignment(f, path)
	if err != nil {
		v.Err = err.Error()
		return v
	}
	title := fmt.Sprintf("OT plan %s (ε = %g, %d iterations, ⟨plan, cost⟩ = %.4g)", filepath.Base(path), a.Epsilon, a.Iterations, a.Loss)
	c := plots.Heatmap(title, a.ForeignTokens, a.EnglishTokens, a.Plan, "English tokens", "foreign tokens")
	v.HTML = template.HTML(c.Fragment(nonce)) // lib/plots escapes user text
	return v
}

// liveJSON is the answer of /runs/{id}/metrics.json.
type liveJSON struct {
	Run       int64            `json:"run"`
	Status    string           `json:"status"`
	After     int64            `json:"after"`
	Points    map[string][]any `json:"points"` // key -> [[step, value], ...]; NaN as "-"
	Truncated bool             `json:"truncated"`
}

// runMetricsJSON returns the metric points of a run logged after the
// point numbered ?after= (see tracker.DB.MetricsAfter), for live pages.
func (s *Server) runMetricsJSON(w http.ResponseWriter, r *http.Request) error {
	id, err := parseRunID(r)
	if err != nil {
		return err
	}
	var after int64
	if a := r.URL.Query().Get("after"); a != "" {
		if after, err = strconv.ParseInt(a, 10, 64); err != nil || after < 0 {
			return badRequest("after %q: want an integer >= 0", a)
		}
	}
	rr, err := s.opts.DB.GetRun(id)
	if err != nil {
		return err
	}
	pts, err := s.opts.DB.MetricsAfter(id, after, MaxLivePoints+1)
	if err != nil {
		return err
	}
	out := liveJSON{Run: id, Status: rr.Status, After: after, Points: map[string][]any{}}
	if len(pts) > MaxLivePoints {
		pts, out.Truncated = pts[:MaxLivePoints], true
	}
	for _, p := range pts {
		var v any = p.Value
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			v = "-"
		}
		out.Points[p.Key] = append(out.Points[p.Key], []any{p.Step, v})
		out.After = max(out.After, p.Seq)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	return json.NewEncoder(w).Encode(out)
}
