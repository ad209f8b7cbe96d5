package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/otclir/otclir/tracker"
	"github.com/otclir/otclir/tracker/filter"
)

// column is a user-chosen column of the runs table: an attribute, or a
// param, tag or metric key.
type column struct {
	Kind string // "attr", "params", "tags" or "metrics"
	Key  string
}

// ID is the column's value of the "col" URL parameter: "params.pair",
// "metrics.map", "tags.kind" or an attribute name. The key is raw (not
// quoted) after the first dot.
func (c column) ID() string {
	if c.Kind == "attr" {
		return c.Key
	}
	return c.Kind + "." + c.Key
}

// orderField is the column in the order language of package filter.
func (c column) orderField() string {
	if c.Kind == "attr" {
		return c.Key
	}
	return fieldRef(c.Kind, c.Key)
}

// optionalAttrs are the attribute columns a user may add; id, name,
// experiment, status, start and duration are always shown.
var optionalAttrs = []string{"end", "heartbeat", "host", "git_commit", "git_dirty", "backend", "go_version",
	"gomlx_version", "config_hash", "error"}

func parseColumn(id string) (column, error) {
	for _, k := range []string{"params", "tags", "metrics"} {
		if key, ok := strings.CutPrefix(id, k+"."); ok && key != "" {
			return column{k, key}, nil
		}
	}
	if slices.Contains(optionalAttrs, id) {
		return column{"attr", id}, nil
	}
	return column{}, badRequest("unknown column %q (want params.KEY, metrics.KEY, tags.KEY or one of %s)",
		id, strings.Join(optionalAttrs, ", "))
}

// value is the text of column c for run rr, and the full text for a title.
func (c column) value(rr *tracker.RunRecord) (text, full string, ok bool) {
	switch c.Kind {
	case "params":
		v, ok := rr.Params[c.Key]
		return v, v, ok
	case "tags":
		v, ok := rr.Tags[c.Key]
		return v, v, ok
	case "metrics":
		v, ok := rr.Metric(c.Key)
		if !ok {
			return "", "", false
		}
		return fmtFloat(v), fmtFull(v), true
	}
	var v string
	switch c.Key {
	case "end":
		v = fmtTime(rr.End)
	case "heartbeat":
		v = fmtTime(rr.Heartbeat)
	case "host":
		v = rr.Host
	case "git_commit":
		v = rr.GitCommit
	case "git_dirty":
		v = strconv.FormatBool(rr.GitDirty)
	case "backend":
		v = rr.Backend
	case "go_version":
		v = rr.GoVersion
	case "gomlx_version":
		v = rr.GoMLXVersion
	case "config_hash":
		v = rr.ConfigHash
	case "error":
		v = rr.Error
	}
	return v, v, v != ""
}

// runsQuery is the state of the runs table in its URL.
type runsQuery struct {
	Filter, Order string
	Cols          []column
	Page, Size    int
}

func (q runsQuery) values() url.Values {
	v := url.Values{}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Order != "" {
		v.Set("order", q.Order)
	}
	for _, c := range q.Cols {
		v.Add("col", c.ID())
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Size != 0 {
		v.Set("size", strconv.Itoa(q.Size))
	}
	return v
}

// URL is the runs page showing q.
func (q runsQuery) URL() string {
	if enc := q.values().Encode(); enc != "" {
		return "/runs?" + enc
	}
	return "/runs"
}

// RunsURL returns the URL of the runs table with filter (and optionally an
// order), as the experiments page links to it.
func RunsURL(filterExpr, order string) string {
	return runsQuery{Filter: filterExpr, Order: order}.URL()
}

// ExperimentFilter is the filter selecting the runs of an experiment.
func ExperimentFilter(name string) string { return "experiment = " + quoteFilter(name) }

func (s *Server) parseRunsQuery(r *http.Request) (runsQuery, error) {
	v := r.URL.Query()
	q := runsQuery{Filter: strings.TrimSpace(v.Get("filter")), Order: strings.TrimSpace(v.Get("order")), Page: 1}
	for _, id := range v["col"] {
		if id == "" {
			continue
		}
		c, err := parseColumn(id)
		if err != nil {
			return q, err
		}
		if !slices.Contains(q.Cols, c) {
			q.Cols = append(q.Cols, c)
		}
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return q, badRequest("page %q: want a positive integer", p)
		}
		q.Page = n
	}
	if sz := v.Get("size"); sz != "" {
		n, err := strconv.Atoi(sz)
		if err != nil || n < 1 || n > MaxPageSize {
			return q, badRequest("size %q: want an integer from 1 to %d", sz, MaxPageSize)
		}
		q.Size = n
	}
	return q, nil
}

type runsData struct {
	Query      runsQuery
	Error      string // filter or order error, shown above the table
	Columns    []colView
	Rows       []rowView
	Total      int
	From, To   int
	Page       int
	Pages      int
	First      string
	Prev, Next string
	Last       string
	Choices    []choice
	SizeValue  string
	Reset      string
}

func (*runsData) title() string { return "Runs" }

type colView struct {
	ID, Label string
	SortURL   string
	Arrow     string // "▲" ascending, "▼" descending, "" unsorted
	Numeric   bool
}

type rowView struct {
	ID                     int64
	Name, Experiment       string
	Status, StatusClass    string
	Start, Duration, Error string
	Cells                  []cellView
}

type cellView struct {
	Col, Text, Title string
	Missing, Numeric bool
}

type choice struct {
	ID, Label string
	Checked   bool
}

// fixedCols are the attribute columns every table shows, with their
// order-language fields ("" when not sortable).
var fixedCols = []struct{ label, field string }{
	{"id", "id"}, {"name", "name"}, {"experiment", "experiment"}, {"status", "status"}, {"start", "start"}, {"duration", ""},
}

func (s *Server) runsPage(w http.ResponseWriter, r *http.Request) error {
	q, err := s.parseRunsQuery(r)
	if err != nil {
		return err
	}
	size := q.Size
	if size == 0 {
		size = s.opts.PageSize
	}
	d := &runsData{Query: q, Page: q.Page, Reset: "/runs"}
	if q.Size != 0 {
		d.SizeValue = strconv.Itoa(q.Size)
	}
	status := http.StatusOK
	pg, err := s.opts.DB.SearchRunsPage(q.Filter, q.Order, (q.Page-1)*size, size)
	var se *filter.SyntaxError
	switch {
	case errors.As(err, &se):
		d.Error = err.Error()
		status = http.StatusBadRequest
		pg = &tracker.RunPage{}
	case err != nil:
		return err
	}
	cols := q.Cols
	if len(cols) == 0 {
		cols = defaultColumns(pg.Runs)
	}
	link := func(mod func(*runsQuery)) string {
		c := q
		c.Cols = cols
		mod(&c)
		return c.URL()
	}
	for _, f := range fixedCols {
		cv := colView{ID: f.label, Label: f.label}
		if f.field != "" {
			cv.SortURL, cv.Arrow = sortLink(q.Order, f.field, false, link)
		}
		d.Columns = append(d.Columns, cv)
	}
	for _, c := range cols {
		cv := colView{ID: c.ID(), Label: c.ID(), Numeric: c.Kind == "metrics"}
		cv.SortURL, cv.Arrow = sortLink(q.Order, c.orderField(), c.Kind == "metrics", link)
		d.Columns = append(d.Columns, cv)
	}
	for _, rr := range pg.Runs {
		row := rowView{ID: rr.ID, Name: rr.Name, Experiment: rr.Experiment, Status: rr.Status,
			StatusClass: statusClass(rr.Status), Start: fmtTime(rr.Start), Error: elide(rr.Error, 200)}
		if rr.Status == tracker.StatusRunning {
			row.Duration = "running " + fmtDuration(time.Since(rr.Start))
		} else {
			row.Duration = fmtDuration(rr.Duration())
		}
		for _, c := range cols {
			text, full, ok := c.value(rr)
			row.Cells = append(row.Cells, cellView{Col: c.ID(), Text: elide(text, 40), Title: full, Missing: !ok, Numeric: c.Kind == "metrics"})
		}
		d.Rows = append(d.Rows, row)
	}
	d.Total = pg.Total
	if len(pg.Runs) > 0 {
		d.From, d.To = pg.Offset+1, pg.Offset+len(pg.Runs)
	}
	d.Pages = max(1, (pg.Total+size-1)/size)
	if q.Page > 1 {
		d.First = link(func(c *runsQuery) { c.Page = 1 })
		d.Prev = link(func(c *runsQuery) { c.Page = min(q.Page-1, d.Pages) })
	}
	if q.Page < d.Pages {
		d.Next = link(func(c *runsQuery) { c.Page = q.Page + 1 })
		d.Last = link(func(c *runsQuery) { c.Page = d.Pages })
	}
	d.Choices = columnChoices(pg.Runs, cols)
	s.render(w, r, status, "runs.html", d)
	return nil
}

// sortLink returns the URL that sorts by field (toggling the direction
// when the table is already sorted by it; metrics start descending) and
// the arrow of the current direction.
func sortLink(order, field string, descFirst bool, link func(func(*runsQuery)) string) (string, string) {
	asc, desc := field+" ASC", field+" DESC"
	next, arrow := asc, ""
	if descFirst {
		next = desc
	}
	switch {
	case strings.EqualFold(order, asc) || strings.EqualFold(order, field):
		next, arrow = desc, "▲"
	case strings.EqualFold(order, desc):
		next, arrow = asc, "▼"
	}
	return link(func(c *runsQuery) { c.Order, c.Page = next, 1 }), arrow
}

// defaultColumns shows, for a page without chosen columns, the final
// metrics of its runs and the params whose values differ between them
// (short values only; those most runs have first), at most six of each.
func defaultColumns(runs []*tracker.RunRecord) []column {
	metrics := map[string]bool{}
	values := map[string]map[string]bool{}
	present := map[string]int{}
	for _, rr := range runs {
		for k := range rr.Final {
			metrics[k] = true
		}
		for k, v := range rr.Params {
			if values[k] == nil {
				values[k] = map[string]bool{}
			}
			values[k][v] = true
			present[k]++
		}
	}
	var params []string
	for k, vs := range values {
		long := false
		for v := range vs {
			long = long || len(v) > 40
		}
		if !long && len(vs) > 1 {
			params = append(params, k)
		}
	}
	sort.Slice(params, func(i, j int) bool {
		if present[params[i]] != present[params[j]] {
			return present[params[i]] > present[params[j]]
		}
		return params[i] < params[j]
	})
	params = params[:min(6, len(params))]
	sort.Strings(params)
	mk := make([]string, 0, len(metrics))
	for k := range metrics {
		mk = append(mk, k)
	}
	sort.Strings(mk)
	var out []column
	for _, k := range params {
		out = append(out, column{"params", k})
	}
	for _, k := range mk[:min(6, len(mk))] {
		out = append(out, column{"metrics", k})
	}
	return out
}

// columnChoices lists the columns a user can pick: the chosen ones, then
// every param, metric and tag key of the page's runs, then the optional
// attributes.
func columnChoices(runs []*tracker.RunRecord, chosen []column) []choice {
	seen := map[column]bool{}
	var out []choice
	add := func(c column) {
		if seen[c] {
			return
		}
		seen[c] = true
		out = append(out, choice{ID: c.ID(), Label: c.ID(), Checked: slices.Contains(chosen, c)})
	}
	for _, c := range chosen {
		add(c)
	}
	keys := map[string]map[string]bool{"params": {}, "metrics": {}, "tags": {}}
	for _, rr := range runs {
		for k := range rr.Params {
			keys["params"][k] = true
		}
		for k := range rr.Final {
			keys["metrics"][k] = true
		}
		for k := range rr.Latest {
			keys["metrics"][k] = true
		}
		for k := range rr.Tags {
			keys["tags"][k] = true
		}
	}
	for _, kind := range []string{"params", "metrics", "tags"} {
		ks := make([]string, 0, len(keys[kind]))
		for k := range keys[kind] {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			add(column{kind, k})
		}
	}
	for _, a := range optionalAttrs {
		add(column{"attr", a})
	}
	return out
}

// parseIDs reads run ids from repeated or comma-separated values.
func parseIDs(vals []string) ([]int64, error) {
	var ids []int64
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id < 1 {
				return nil, badRequest("run id %q: want a positive integer", f)
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

func parseRunID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, notFound("run id %q: want a positive integer", s)
	}
	return id, nil
}
