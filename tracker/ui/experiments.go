package ui

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

// Reports draws the paper tables and standard charts of an experiment. The
// UI stays free of trainer code: the program that serves it passes an
// implementation (otclir's builds them with the experiment's table code).
// Both methods read db only; the UI caches their results until a run of
// the experiment is added, deleted or ends.
type Reports interface {
	// Tables returns the experiment's paper tables (e.g. one per
	// collection), each in every download format; none is not an error.
	Tables(db *tracker.DB, experiment string) ([]Table, error)
	// Charts returns the experiment's standard charts; none is not an error.
	Charts(db *tracker.DB, experiment string) ([]*plots.Chart, error)
}

// Table is one paper table. Markdown is a GitHub pipe table followed by a
// blank line and its caption: the page shows it as an HTML table; the three
// formats are offered as downloads. Significance markers in cells (▲, ▼,
// †) are highlighted.
type Table struct {
	Name     string // short, used in file names: "udhr"
	Markdown []byte
	LaTeX    []byte
	CSV      []byte
}

// reportEntry caches an experiment's tables and charts for one fingerprint.
type reportEntry struct {
	fingerprint string
	once        sync.Once
	tables      []Table
	charts      []*plots.Chart
	err         error
	render      sync.Mutex // a plots.Chart renders from one goroutine at a time
}

// reports returns the (cached) tables and charts of experiment s.
func (s *Server) reports(sum tracker.ExperimentSummary) *reportEntry {
	fp := sum.Fingerprint()
	s.mu.Lock()
	e := s.cache[sum.Name]
	if e == nil || e.fingerprint != fp {
		e = &reportEntry{fingerprint: fp}
		s.cache[sum.Name] = e
	}
	s.mu.Unlock()
	e.once.Do(func() {
		if e.tables, e.err = s.opts.Reports.Tables(s.opts.DB, sum.Name); e.err != nil {
			return
		}
		e.charts, e.err = s.opts.Reports.Charts(s.opts.DB, sum.Name)
	})
	return e
}

type experimentsData struct {
	Experiments []tracker.ExperimentSummary
	Runs        int
}

func (*experimentsData) title() string { return "Experiments" }

func (s *Server) experimentsPage(w http.ResponseWriter, r *http.Request) error {
	exps, err := s.opts.DB.Experiments()
	if err != nil {
		return err
	}
	d := &experimentsData{Experiments: exps}
	for _, e := range exps {
		d.Runs += e.Runs
	}
	s.render(w, r, http.StatusOK, "experiments.html", d)
	return nil
}

type experimentData struct {
	Summary   tracker.ExperimentSummary
	HasReport bool
	ReportErr string
	Tables    []htmlTable
	Charts    []template.HTML
}

func (d *experimentData) title() string   { return "Experiment " + d.Summary.Name }
func (d *experimentData) hasCharts() bool { return len(d.Charts) > 0 }

// htmlTable is a paper table parsed for display.
type htmlTable struct {
	Name    string
	Header  []string
	Rows    [][]tableCell
	Caption string
	Links   []downloadLink
}

type tableCell struct {
	Text   string
	Marker string // "▲", "▼", "†" or ""
}

type downloadLink struct {
	Format, Label, URL string
}

var downloadFormats = []struct{ format, label, ext, contentType string }{
	{"md", "Markdown", "md", "text/markdown; charset=utf-8"},
	{"latex", "LaTeX", "tex", "application/x-tex; charset=utf-8"},
	{"csv", "CSV", "csv", "text/csv; charset=utf-8"},
}

func (s *Server) experimentPage(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.opts.DB.Experiment(r.PathValue("name"))
	if err != nil {
		return err
	}
	d := &experimentData{Summary: sum, HasReport: s.opts.Reports != nil}
	nonce := newNonce()
	if s.opts.Reports != nil {
		e := s.reports(sum)
		if e.err != nil {
			d.ReportErr = e.err.Error()
		}
		for _, t := range e.tables {
			ht := parseMarkdownTable(string(t.Markdown))
			ht.Name = t.Name
			for _, f := range downloadFormats {
				q := url.Values{"t": {t.Name}, "format": {f.format}}
				ht.Links = append(ht.Links, downloadLink{f.format, f.label,
					"/experiments/" + url.PathEscape(sum.Name) + "/table?" + q.Encode()})
			}
			d.Tables = append(d.Tables, ht)
		}
		e.render.Lock()
		for _, c := range e.charts {
			d.Charts = append(d.Charts, template.HTML(c.Fragment(nonce))) // lib/plots escapes user text
		}
		e.render.Unlock()
	}
	s.renderNonce(w, r, http.StatusOK, "experiment.html", d, nonce)
	return nil
}

// tableDownload serves one paper table in one format as an attachment.
func (s *Server) tableDownload(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Reports == nil {
		return notFound("this UI was started without paper tables")
	}
	sum, err := s.opts.DB.Experiment(r.PathValue("name"))
	if err != nil {
		return err
	}
	name, format := r.URL.Query().Get("t"), r.URL.Query().Get("format")
	e := s.reports(sum)
	if e.err != nil {
		return e.err
	}
	for _, t := range e.tables {
		if t.Name != name {
			continue
		}
		for _, f := range downloadFormats {
			if f.format != format {
				continue
			}
			body := map[string][]byte{"md": t.Markdown, "latex": t.LaTeX, "csv": t.CSV}[format]
			w.Header().Set("Content-Type", f.contentType)
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.%s"`,
				safeFileName(sum.Name), safeFileName(t.Name), f.ext))
			w.Header().Set("Content-Security-Policy", "default-src 'none'")
			w.Write(body)
			return nil
		}
		return badRequest("unknown table format %q (want md, latex or csv)", format)
	}
	return notFound("experiment %q has no table %q", sum.Name, name)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeFileName keeps letters, digits, '.', '_' and '-' (others become '_')
// so a name from the database is safe in a Content-Disposition header.
func safeFileName(s string) string {
	s = strings.Trim(unsafeFileChars.ReplaceAllString(s, "_"), ".")
	if s == "" {
		return "table"
	}
	return s
}

// parseMarkdownTable reads a GitHub pipe table (header, separator, rows)
// and the caption that follows it after a blank line.
func parseMarkdownTable(md string) htmlTable {
	var t htmlTable
	var caption []string
	inTable, done := false, false
	for _, line := range strings.Split(md, "\n") {
		trim := strings.TrimSpace(line)
		if !done && strings.HasPrefix(trim, "|") {
			inTable = true
			cells := splitPipeRow(trim)
			switch {
			case t.Header == nil:
				t.Header = cells
			case isSeparatorRow(cells):
			default:
				row := make([]tableCell, len(cells))
				for i, c := range cells {
					row[i] = splitMarker(c)
				}
				t.Rows = append(t.Rows, row)
			}
			continue
		}
		if inTable {
			done = true
		}
		if done && trim != "" {
			caption = append(caption, trim)
		}
	}
	t.Caption = strings.Join(caption, " ")
	return t
}

func splitPipeRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	parts := strings.Split(line, "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

func isSeparatorRow(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return len(cells) > 0
}

// splitMarker separates a trailing significance marker from a cell.
func splitMarker(c string) tableCell {
	for _, m := range []string{"▲", "▼", "†"} {
		if strings.HasSuffix(c, m) {
			return tableCell{Text: strings.TrimSpace(strings.TrimSuffix(c, m)), Marker: m}
		}
	}
	return tableCell{Text: c}
}
