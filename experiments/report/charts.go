package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

// TableChart is the grouped bar chart of a paper table: one group per
// language pair, one bar per system, error bars = std over seeds.
func TableChart(t *Table) *plots.Chart {
	cats := make([]string, len(t.Languages))
	for i, l := range t.Languages {
		cats[i] = t.pair(l) + " (" + t.Resource[l] + ")"
	}
	var series []plots.BarSeries
	for _, s := range t.Systems {
		bs := plots.BarSeries{Name: s}
		for _, l := range t.Languages {
			c := t.Cells[s][l]
			if c == nil {
				bs.Values = append(bs.Values, math.NaN())
				bs.Errors = append(bs.Errors, 0)
				continue
			}
			bs.Values = append(bs.Values, c.Mean)
			bs.Errors = append(bs.Errors, c.Std)
		}
		series = append(series, bs)
	}
	title := fmt.Sprintf("%s per language pair on %s (mean ± std over seeds)", t.Spec.Measure, t.Spec.Collection)
	return plots.GroupedBar(title, "language pair (resource level)", t.Spec.Measure, cats, series)
}

// BudgetPoint is one evaluated (system, language, budget).
type BudgetPoint struct {
	System, Lang, Resource string
	Pairs                  int     // bitext pairs actually used
	Mean                   float64 // over seeds
	Seeds                  int
}

// BudgetResults reads the FINISHED foreign→English runs of an experiment on
// a collection that record a bitext size (students and the translation
// baseline), averaged over seeds per (system, language, size): the newest
// run of each (provenance seed, data seed), as a table's replicates.
func BudgetResults(db *tracker.DB, experiment, collection, measure string) ([]BudgetPoint, error) {
	runs, recs, err := latestEvals(db, evalFilter(experiment, collection), func(e record.EvalRun) (string, bool) {
		if !e.Info().Bitext || e.DocLang != "eng" || e.QueryLang == "eng" {
			return "", false
		}
		return fmt.Sprintf("%s|%s|%d|%d|%d", e.System, e.QueryLang, e.BitextPairs, e.Provenance.Seed, e.Seed), true
	})
	if err != nil {
		return nil, err
	}
	type key struct {
		system, lang string
		pairs        int
	}
	acc := map[key]*BudgetPoint{}
	for i, r := range runs {
		e := recs[i]
		k := key{e.System, e.QueryLang, e.BitextPairs}
		p := acc[k]
		if p == nil {
			p = &BudgetPoint{System: k.system, Lang: k.lang, Pairs: k.pairs, Resource: e.Resource}
			acc[k] = p
		}
		p.Mean += r.Final[measure]
		p.Seeds++
	}
	out := make([]BudgetPoint, 0, len(acc))
	for _, p := range acc {
		p.Mean /= float64(p.Seeds)
		out = append(out, *p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("report: no runs with a bitext size in experiment %q on %s", experiment, collection)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.System != b.System {
			return a.System < b.System
		}
		if a.Lang != b.Lang {
			return a.Lang < b.Lang
		}
		return a.Pairs < b.Pairs
	})
	return out, nil
}

// BudgetChart draws MAP against the number of bitext pairs (log axis), one
// line per (system, language), coloured by resource level.
func BudgetChart(points []BudgetPoint, system, measure string) *plots.Chart {
	byLang := map[string]*plots.Curve{}
	var langs []string
	for _, p := range points {
		if p.System != system {
			continue
		}
		c := byLang[p.Lang]
		if c == nil {
			name := p.Lang
			if l, err := data.LookupLanguage(p.Lang); err == nil {
				name = l.Name
			}
			c = &plots.Curve{Name: name + " (" + p.Resource + ")", Group: p.Resource}
			byLang[p.Lang] = c
			langs = append(langs, p.Lang)
		}
		c.X = append(c.X, float64(p.Pairs))
		c.Y = append(c.Y, p.Mean)
	}
	sort.Strings(langs)
	curves := make([]plots.Curve, len(langs))
	for i, l := range langs {
		curves[i] = *byLang[l]
	}
	return plots.LineCurves(fmt.Sprintf("%s of the %s system against bitext size", measure, system),
		"bitext pairs (log scale)", measure, curves, plots.LogX())
}

// TrainingCurvesChart overlays the per-step loss of an experiment's
// FINISHED training runs.
func TrainingCurvesChart(db *tracker.DB, experiment string) (*plots.Chart, error) {
	filter := fmt.Sprintf(`experiment = %q and tags.%s = %q and status = "FINISHED"`, experiment, record.TagKind, record.KindTrain)
	runs, err := db.SearchRuns(filter, "start", 0)
	if err != nil {
		return nil, err
	}
	var curves []plots.Curve
	for _, r := range runs {
		hist, err := db.MetricHistory(r.ID, "loss")
		if err != nil {
			return nil, err
		}
		if len(hist) == 0 {
			continue
		}
		c := plots.Curve{Name: fmt.Sprintf("%s (run %d)", r.Name, r.ID), Group: record.Role(r)}
		for _, p := range hist {
			c.X = append(c.X, float64(p.Step))
			c.Y = append(c.Y, p.Value)
		}
		curves = append(curves, c)
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("report: no training losses recorded in experiment %q", experiment)
	}
	return plots.LineCurves("Training loss per step ("+experiment+")", "step", "loss", curves), nil
}

// SaveChart writes c as a standalone HTML page (no network needed) to path,
// atomically: a reader of path sees the old page or the new one.
func SaveChart(path string, c *plots.Chart) error {
	if err := c.Err(); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	return atomicfile.WriteWith(path, 0o644, c.WriteHTML)
}

// ChartsDir is the default folder of an experiment's charts under an
// artifacts folder: <artifacts>/charts/<experiment>. The experiment name
// must pass tracker.ValidateName (it becomes a folder name).
func ChartsDir(artifacts, experiment string) (string, error) {
	if err := tracker.ValidateName("experiment", experiment); err != nil {
		return "", err
	}
	return filepath.Join(artifacts, "charts", experiment), nil
}

// NamedChart is a standard chart with the file name WriteStandardCharts
// gives it.
type NamedChart struct {
	File  string
	Chart *plots.Chart
}

// StandardCharts returns an experiment's standard charts: the MAP bars of
// its evaluations (map.html for its first collection — UDHR when it has one
// — and map-<collection>.html for each other one), the paper-table bars per
// collection (table-<collection>.html, when it has a table), the budget
// curves of ot and psq (budget-<collection>-<system>.html, when it has more
// than two budgets) and the training curves (training-curves.html). Charts
// the experiment has no data for are skipped. Collection names read from
// the database must pass tracker.ValidateName, since they name files.
func StandardCharts(db *tracker.DB, experiment string) ([]NamedChart, error) {
	if err := tracker.ValidateName("experiment", experiment); err != nil {
		return nil, err
	}
	res, err := LoadResults(db, experiment, "")
	if err != nil {
		return nil, err
	}
	colls := Collections(res)
	for _, coll := range colls {
		if err := tracker.ValidateName("collection (read from "+db.Path()+")", coll); err != nil {
			return nil, err
		}
	}
	var out []NamedChart
	for i, coll := range colls {
		var of []*record.Result
		for _, r := range res {
			if r.Run.Collection == coll {
				of = append(of, r)
			}
		}
		name := "map.html"
		if i > 0 {
			name = "map-" + coll + ".html"
		}
		out = append(out, NamedChart{name, MAPChart(fmt.Sprintf("MAP per language pair and system on %s (%s)", coll, experiment), of)})
	}
	for _, coll := range colls {
		if t, err := BuildTable(db, TableSpec{Experiment: experiment, Collection: coll}); err == nil {
			out = append(out, NamedChart{"table-" + coll + ".html", TableChart(t)})
		}
		if pts, err := BudgetResults(db, experiment, coll, "map"); err == nil {
			multi := map[int]bool{}
			for _, p := range pts {
				multi[p.Pairs] = true
			}
			if len(multi) > 2 {
				for _, s := range []string{record.SystemOT, record.SystemPSQ} {
					out = append(out, NamedChart{"budget-" + coll + "-" + s + ".html", BudgetChart(pts, s, "map")})
				}
			}
		}
	}
	if c, err := TrainingCurvesChart(db, experiment); err == nil {
		out = append(out, NamedChart{"training-curves.html", c})
	}
	return out, nil
}

// WriteStandardCharts writes an experiment's StandardCharts as standalone
// HTML files (no network needed) into dir and returns the files written.
func WriteStandardCharts(db *tracker.DB, experiment, dir string) ([]string, error) {
	charts, err := StandardCharts(db, experiment)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, c := range charts {
		p := filepath.Join(dir, c.File)
		if err := SaveChart(p, c.Chart); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
