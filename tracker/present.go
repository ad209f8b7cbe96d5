package tracker

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The functions of this file print runs for people: the runs subcommands
// of the command-line program (cmd/otclir) parse their flags and call them
// on a database they opened (read-only for everything but rm and gc), and
// notebooks call them directly.

// ListOptions selects, orders and lays out the runs WriteRunList prints.
type ListOptions struct {
	Filter  string   // filter expression (package tracker/filter); "" lists all
	Order   string   // order expression; "" is newest first
	Limit   int      // at most this many runs (0: all)
	Columns []string // extra columns: params.K, tags.K, metrics.K or an attribute
}

// fmtFloat prints a metric with 6 significant digits to keep tables narrow.
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func fmtWhen(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// column returns the value of a column spec (params.K, tags.K, metrics.K,
// or an attribute) for rr, "" when absent.
func column(rr *RunRecord, spec string) (string, error) {
	prefix, key, found := strings.Cut(spec, ".")
	if found {
		switch prefix {
		case "params", "param":
			return rr.Params[key], nil
		case "tags", "tag":
			return rr.Tags[key], nil
		case "metrics", "metric":
			if v, ok := rr.Metric(key); ok {
				return fmtFloat(v), nil
			}
			return "", nil
		case "attributes", "attribute", "attr":
			spec = key
		default:
			return "", fmt.Errorf("%w: column %q: unknown prefix %q", ErrInvalidArgument, spec, prefix)
		}
	}
	switch spec {
	case "id":
		return strconv.FormatInt(rr.ID, 10), nil
	case "name":
		return rr.Name, nil
	case "experiment":
		return rr.Experiment, nil
	case "status":
		return rr.Status, nil
	case "start":
		return fmtWhen(rr.Start), nil
	case "end":
		return fmtWhen(rr.End), nil
	case "heartbeat":
		return fmtWhen(rr.Heartbeat), nil
	case "duration":
		return rr.Duration().Round(time.Second).String(), nil
	case "error":
		return rr.Error, nil
	case "git_commit":
		return rr.GitCommit, nil
	case "git_dirty":
		return strconv.FormatBool(rr.GitDirty), nil
	case "diff_hash":
		return rr.DiffHash, nil
	case "host":
		return rr.Host, nil
	case "go_version":
		return rr.GoVersion, nil
	case "gomlx_version":
		return rr.GoMLXVersion, nil
	case "backend":
		return rr.Backend, nil
	case "config_hash":
		return rr.ConfigHash, nil
	}
	return "", fmt.Errorf("%w: unknown column %q (use params.K, metrics.K, tags.K or an attribute)", ErrInvalidArgument, spec)
}

// WriteRunList prints one line per run: id, experiment, name, status,
// start, duration and the extra columns.
func WriteRunList(w io.Writer, db *DB, opt ListOptions) error {
	runs, err := db.SearchRuns(opt.Filter, opt.Order, opt.Limit)
	if err != nil {
		return err
	}
	cols := []string{"id", "experiment", "name", "status", "start", "duration"}
	for _, c := range opt.Columns {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
	for _, rr := range runs {
		vals := make([]string, len(cols))
		for i, c := range cols {
			v, err := column(rr, c)
			if err != nil {
				return err
			}
			if v == "" {
				v = "-"
			}
			vals[i] = v
		}
		fmt.Fprintln(tw, strings.Join(vals, "\t"))
	}
	return tw.Flush()
}

func sortedKeys[V any](maps ...map[string]V) []string {
	set := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			set[k] = true
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WriteRun prints everything recorded for run id: attributes, params,
// tags, final and latest metrics, per-query summaries and artifacts.
func WriteRun(w io.Writer, db *DB, id int64) error {
	rr, err := db.GetRun(id)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "run\t%d\n", rr.ID)
	for _, a := range []string{"name", "experiment", "status", "start", "end", "duration", "heartbeat", "error",
		"git_commit", "git_dirty", "diff_hash", "host", "go_version", "gomlx_version", "backend", "config_hash"} {
		v, _ := column(rr, a)
		if a == "duration" && rr.End.IsZero() {
			continue
		}
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\n", a, v)
	}
	section := func(title string, keys []string, val func(string) string) {
		if len(keys) == 0 {
			return
		}
		fmt.Fprintf(tw, "\n%s:\n", title)
		for _, k := range keys {
			fmt.Fprintf(tw, "  %s\t%s\n", k, val(k))
		}
	}
	section("params", sortedKeys(rr.Params), func(k string) string { return rr.Params[k] })
	section("tags", sortedKeys(rr.Tags), func(k string) string { return rr.Tags[k] })
	section("final metrics", sortedKeys(rr.Final), func(k string) string { return fmtFloat(rr.Final[k]) })
	keys, err := db.MetricKeys(id)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		fmt.Fprintf(tw, "\nlatest metrics:\n")
		for _, k := range keys {
			var step, n int64
			if err := db.sql.QueryRow(`SELECT l.step, (SELECT COUNT(*) FROM metrics m WHERE m.run_id = l.run_id AND m.key = l.key)
				FROM latest_metrics l WHERE l.run_id = ? AND l.key = ?`, id, k).Scan(&step, &n); err != nil {
				return fmt.Errorf("tracker: run %d: metric %q: %w", id, k, err)
			}
			fmt.Fprintf(tw, "  %s\t%s (step %d, %d points)\n", k, fmtFloat(rr.Latest[k]), step, n)
		}
	}
	measures, err := db.PerQueryMeasures(id)
	if err != nil {
		return err
	}
	if len(measures) > 0 {
		fmt.Fprintf(tw, "\nper-query:\n")
		for _, m := range measures {
			pq, err := db.PerQuery(id, m)
			if err != nil {
				return err
			}
			sum := 0.0
			for _, v := range pq {
				sum += v
			}
			fmt.Fprintf(tw, "  %s\t%d queries, mean %s\n", m, len(pq), fmtFloat(sum/float64(len(pq))))
		}
	}
	arts, err := db.Artifacts(id)
	if err != nil {
		return err
	}
	if len(arts) > 0 {
		fmt.Fprintf(tw, "\nartifacts:\n")
		for _, a := range arts {
			fmt.Fprintf(tw, "  %s\t%s %d bytes sha256:%s\n", a.Path, a.Kind, a.Size, a.SHA256)
		}
	}
	return tw.Flush()
}

// compareRows lists the fields compared between runs: attributes that
// describe the configuration, then params, tags and metrics.
func compareRows(runs []*RunRecord) (names []string, vals [][]string) {
	add := func(name string, get func(*RunRecord) (string, bool)) {
		row := make([]string, len(runs))
		for i, rr := range runs {
			v, ok := get(rr)
			if !ok {
				v = "-"
			}
			row[i] = v
		}
		names = append(names, name)
		vals = append(vals, row)
	}
	for _, a := range []string{"name", "experiment", "status", "git_commit", "git_dirty", "diff_hash", "go_version",
		"gomlx_version", "backend", "config_hash"} {
		add(a, func(rr *RunRecord) (string, bool) {
			v, _ := column(rr, a)
			if a == "config_hash" && len(v) > 12 {
				v = v[:12] // enough to tell configurations apart side by side
			}
			return v, v != ""
		})
	}
	var params, tags []map[string]string
	for _, rr := range runs {
		params = append(params, rr.Params)
		tags = append(tags, rr.Tags)
	}
	for _, k := range sortedKeys(params...) {
		add("params."+k, func(rr *RunRecord) (string, bool) { v, ok := rr.Params[k]; return v, ok })
	}
	for _, k := range sortedKeys(tags...) {
		add("tags."+k, func(rr *RunRecord) (string, bool) { v, ok := rr.Tags[k]; return v, ok })
	}
	var metricMaps []map[string]float64
	for _, rr := range runs {
		metricMaps = append(metricMaps, rr.Final, rr.Latest)
	}
	for _, k := range sortedKeys(metricMaps...) {
		add("metrics."+k, func(rr *RunRecord) (string, bool) {
			v, ok := rr.Metric(k)
			return fmtFloat(v), ok
		})
	}
	return names, vals
}

func differs(row []string) bool {
	for _, v := range row[1:] {
		if v != row[0] {
			return true
		}
	}
	return false
}

func getRuns(db *DB, ids []int64) ([]*RunRecord, error) {
	runs := make([]*RunRecord, len(ids))
	for i, id := range ids {
		rr, err := db.GetRun(id)
		if err != nil {
			return nil, err
		}
		runs[i] = rr
	}
	return runs, nil
}

// WriteComparison prints runs side by side, marking with * the rows whose
// values differ; long values are elided (WriteRun and WriteDiff print them
// whole).
func WriteComparison(w io.Writer, db *DB, ids []int64) error {
	runs, err := getRuns(db, ids)
	if err != nil {
		return err
	}
	names, vals := compareRows(runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, " \tfield")
	for _, id := range ids {
		fmt.Fprintf(tw, "\trun %d", id)
	}
	fmt.Fprintln(tw)
	for i, n := range names {
		mark := " "
		if differs(vals[i]) {
			mark = "*"
		}
		cells := make([]string, len(vals[i]))
		for j, v := range vals[i] {
			cells[j] = elide(v, compareWidth)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, n, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// compareWidth is the widest value `runs compare` prints in a column; longer
// ones (such as a run's full settings string) are elided: `runs show` and
// `runs diff` print them whole.
const compareWidth = 48

func elide(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// WriteDiff prints only the fields in which runs a and b differ.
func WriteDiff(w io.Writer, db *DB, a, b int64) error {
	runs, err := getRuns(db, []int64{a, b})
	if err != nil {
		return err
	}
	names, vals := compareRows(runs)
	n := 0
	for i, name := range names {
		if !differs(vals[i]) {
			continue
		}
		n++
		fmt.Fprintf(w, "%s: %s -> %s\n", name, vals[i][0], vals[i][1])
	}
	if n == 0 {
		fmt.Fprintf(w, "runs %d and %d do not differ\n", a, b)
	}
	return nil
}

// jsonFloat encodes NaN and ±Inf (which JSON cannot hold) as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

func jsonFloats(m map[string]float64) map[string]jsonFloat {
	out := make(map[string]jsonFloat, len(m))
	for k, v := range m {
		out[k] = jsonFloat(v)
	}
	return out
}

// ExportFormats are the formats of WriteExport.
var ExportFormats = []string{"csv", "json"}

// WriteExport writes the runs matching filterExpr, ordered by order, as
// CSV (one column per attribute, param, tag and metric) or JSON.
func WriteExport(w io.Writer, db *DB, format, filterExpr, order string) error {
	if format != "csv" && format != "json" {
		return fmt.Errorf("%w: export format %q (want csv or json)", ErrInvalidArgument, format)
	}
	runs, err := db.SearchRuns(filterExpr, order, 0)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		type exported struct {
			*RunRecord
			Final  map[string]jsonFloat `json:"final_metrics"`
			Latest map[string]jsonFloat `json:"latest_metrics"`
		}
		out := make([]exported, len(runs))
		for i, rr := range runs {
			out[i] = exported{rr, jsonFloats(rr.Final), jsonFloats(rr.Latest)}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		var params, tags []map[string]string
		var metrics []map[string]float64
		for _, rr := range runs {
			params = append(params, rr.Params)
			tags = append(tags, rr.Tags)
			metrics = append(metrics, rr.Final, rr.Latest)
		}
		attrs := []string{"id", "experiment", "name", "status", "start", "end", "error", "git_commit", "git_dirty",
			"diff_hash", "host", "go_version", "gomlx_version", "backend", "config_hash"}
		header := append([]string{}, attrs...)
		for _, k := range sortedKeys(params...) {
			header = append(header, "params."+k)
		}
		for _, k := range sortedKeys(tags...) {
			header = append(header, "tags."+k)
		}
		for _, k := range sortedKeys(metrics...) {
			header = append(header, "metrics."+k)
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		for _, rr := range runs {
			row := make([]string, len(header))
			for i, h := range header {
				switch {
				case h == "start":
					row[i] = rr.Start.UTC().Format(time.RFC3339Nano)
				case h == "end":
					if !rr.End.IsZero() {
						row[i] = rr.End.UTC().Format(time.RFC3339Nano)
					}
				case strings.HasPrefix(h, "metrics."):
					if v, ok := rr.Metric(h[len("metrics."):]); ok {
						row[i] = strconv.FormatFloat(v, 'g', -1, 64)
					}
				default:
					row[i], _ = column(rr, h)
				}
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	return nil
}
