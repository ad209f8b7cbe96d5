package report

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

// A language sweep (`otclir grid -sweep`, `make languages`) evaluates the
// same systems on many languages; these functions set each language's
// result next to what is known about it: its resource class (Joshi et al.
// 2020, or the user's), the bitext its runs used and the tokenizer's
// coverage of it (subwords per word and unknown-token rate, recorded by the
// neural runs), and test whether MAP, or the gap between two systems, rises
// with the class or the bitext size (RankCorrelation).

// LanguageSpec selects a sweep's runs: foreign→English evaluations of one
// collection at one bitext budget.
type LanguageSpec struct {
	Experiment string
	Collection string               // record.CollectionUDHR by default
	Measure    string               // "map" by default
	Budget     int                  // bitext budget of the runs (0 = all)
	Classes    data.ResourceClasses // the user's classes over the published ones
}

// LanguagePoint is one language of a sweep.
type LanguagePoint struct {
	Lang        string
	Class       data.ResourceClass
	ClassSource string // data.SourceJoshi2020, data.SourceUser or ""
	Resource    string // the level its runs recorded
	BitextPairs int    // bitext pairs its systems learnt from (the most of any)
	// SubwordsPerWord and UnkRate are the tokenizer's coverage of its texts,
	// NaN when no neural run of it recorded them.
	SubwordsPerWord, UnkRate float64
	Scores                   map[string]float64 // system -> measure, mean over seeds
	Seeds                    map[string]int
}

// Gap is Scores[a] − Scores[b], NaN when either is missing.
func (p LanguagePoint) Gap(a, b string) float64 {
	x, okA := p.Scores[a]
	y, okB := p.Scores[b]
	if !okA || !okB {
		return math.NaN()
	}
	return x - y
}

// LanguageResults reads the newest FINISHED foreign→English run of every
// (language, system, provenance seed, data seed) of spec, averages the
// measure over those replicates (see Cell), and
// joins each language's class; languages ordered by class (unknown last),
// then code.
func LanguageResults(db *tracker.DB, spec LanguageSpec) ([]LanguagePoint, error) {
	if spec.Collection == "" {
		spec.Collection = record.CollectionUDHR
	}
	if spec.Measure == "" {
		spec.Measure = "map"
	}
	runs, recs, err := latestEvals(db, evalFilter(spec.Experiment, spec.Collection), func(e record.EvalRun) (string, bool) {
		if e.DocLang != "eng" || e.QueryLang == "eng" || (e.Info().Bitext && e.Budget != spec.Budget) {
			return "", false
		}
		return fmt.Sprintf("%s|%s|%d|%d", e.QueryLang, e.System, e.Provenance.Seed, e.Seed), true
	})
	if err != nil {
		return nil, err
	}
	byLang := map[string]*LanguagePoint{}
	for i, r := range runs {
		e := recs[i]
		v, ok := r.Final[spec.Measure]
		if !ok {
			return nil, fmt.Errorf("report: run %d has no final %s", r.ID, spec.Measure)
		}
		p := byLang[e.QueryLang]
		if p == nil {
			c, src := spec.Classes.Class(e.QueryLang)
			p = &LanguagePoint{Lang: e.QueryLang, Class: c, ClassSource: src, Resource: e.Resource,
				SubwordsPerWord: math.NaN(), UnkRate: math.NaN(), Scores: map[string]float64{}, Seeds: map[string]int{}}
			byLang[e.QueryLang] = p
		}
		p.Scores[e.System] += v
		p.Seeds[e.System]++
		if e.BitextPairs > p.BitextPairs {
			p.BitextPairs = e.BitextPairs
		}
		if s, ok := r.Final[record.MetricSubwordsPerWord]; ok && math.IsNaN(p.SubwordsPerWord) {
			p.SubwordsPerWord, p.UnkRate = s, r.Final[record.MetricUnkRate]
		}
	}
	if len(byLang) == 0 {
		return nil, fmt.Errorf("report: no finished foreign→English %s runs in experiment %q of %s", spec.Collection, spec.Experiment, db.Path())
	}
	out := make([]LanguagePoint, 0, len(byLang))
	for _, p := range byLang {
		for s, n := range p.Seeds {
			p.Scores[s] /= float64(n)
		}
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		ci, cj := classOrder(out[i].Class), classOrder(out[j].Class)
		if ci != cj {
			return ci < cj
		}
		return out[i].Lang < out[j].Lang
	})
	return out, nil
}

func classOrder(c data.ResourceClass) int {
	if c.Known() {
		return int(c)
	}
	return int(data.MaxResourceClass) + 1
}

// LanguageAxis is what a language chart puts on its x axis.
type LanguageAxis string

// The x axes of language charts.
const (
	AxisClass    LanguageAxis = "class"    // resource class 0..5 (languages without one left out)
	AxisBitext   LanguageAxis = "bitext"   // log10 of the bitext pairs
	AxisSubwords LanguageAxis = "subwords" // subwords per word
)

func (a LanguageAxis) name() string {
	switch a {
	case AxisClass:
		return "resource class (Joshi et al. 2020)"
	case AxisBitext:
		return "bitext pairs (log10)"
	}
	return "tokenizer subwords per word"
}

// x is point p's value on the axis; ok false when it has none.
func (a LanguageAxis) x(p LanguagePoint) (float64, bool) {
	switch a {
	case AxisClass:
		return float64(p.Class), p.Class.Known()
	case AxisBitext:
		return math.Log10(float64(p.BitextPairs)), p.BitextPairs > 0
	case AxisSubwords:
		return p.SubwordsPerWord, !math.IsNaN(p.SubwordsPerWord)
	}
	return 0, false
}

// LanguageChart draws the measure of each system against the axis, one
// colour per system, one point per language (named in its tooltip). On the
// class axis the systems are set slightly apart (±0.12) so that their
// points do not hide each other.
func LanguageChart(points []LanguagePoint, x LanguageAxis, systems []string, measure string) *plots.Chart {
	groups := map[string][]plots.Point{}
	for k, s := range systems {
		for _, p := range points {
			v, ok := p.Scores[s]
			xv, okX := x.x(p)
			if !ok || !okX {
				continue
			}
			if x == AxisClass && len(systems) > 1 {
				xv += 0.24 * (float64(k)/float64(len(systems)-1) - 0.5)
			}
			groups[s] = append(groups[s], plots.Point{X: xv, Y: v, Label: pointLabel(p)})
		}
	}
	return plots.Scatter(fmt.Sprintf("%s per language against %s", measure, x.name()), x.name(), measure, groups)
}

// LanguageGapChart draws measure(a) − measure(b) against the axis, one
// colour per resource level.
func LanguageGapChart(points []LanguagePoint, x LanguageAxis, a, b, measure string) *plots.Chart {
	groups := map[string][]plots.Point{}
	for _, p := range points {
		g := p.Gap(a, b)
		xv, ok := x.x(p)
		if math.IsNaN(g) || !ok {
			continue
		}
		level := p.Class.Label()
		if level == "" {
			level = "class unknown"
		}
		groups[level] = append(groups[level], plots.Point{X: xv, Y: g, Label: pointLabel(p)})
	}
	return plots.Scatter(fmt.Sprintf("%s(%s) − %s(%s) per language against %s", measure, a, measure, b, x.name()),
		x.name(), fmt.Sprintf("%s difference", measure), groups)
}

func pointLabel(p LanguagePoint) string {
	s := fmt.Sprintf("%s (class %s, %d bitext pairs", p.Lang, p.Class, p.BitextPairs)
	if !math.IsNaN(p.SubwordsPerWord) {
		s += fmt.Sprintf(", %.2f subwords/word", p.SubwordsPerWord)
	}
	return s + ")"
}

// LanguageCorrelation is one rank-correlation test of a sweep: a quantity
// (a system's measure, or a gap) against an axis, over the languages that
// have both.
type LanguageCorrelation struct {
	Quantity string // "map ot", "map ot − psq"
	Axis     LanguageAxis
	Test     RankTest
	Err      error // too few languages, or a constant sample
}

// LanguageCorrelations tests each system's measure and the gap a − b
// (when both are among systems) against the class and the bitext size.
// permutations and seed as RankCorrelation's.
func LanguageCorrelations(points []LanguagePoint, systems []string, a, b, measure string, permutations int, seed uint64) []LanguageCorrelation {
	type quantity struct {
		name string
		f    func(LanguagePoint) float64
	}
	var qs []quantity
	for _, s := range systems {
		s := s
		qs = append(qs, quantity{measure + " " + s, func(p LanguagePoint) float64 {
			if v, ok := p.Scores[s]; ok {
				return v
			}
			return math.NaN()
		}})
	}
	if a != "" && b != "" {
		qs = append(qs, quantity{fmt.Sprintf("%s %s − %s", measure, a, b), func(p LanguagePoint) float64 { return p.Gap(a, b) }})
	}
	var out []LanguageCorrelation
	for _, axis := range []LanguageAxis{AxisClass, AxisBitext} {
		for _, q := range qs {
			var xs, ys []float64
			for _, p := range points {
				xv, ok := axis.x(p)
				y := q.f(p)
				if ok && !math.IsNaN(y) {
					xs, ys = append(xs, xv), append(ys, y)
				}
			}
			t, err := RankCorrelation(xs, ys, permutations, seed)
			t.N = len(xs)
			out = append(out, LanguageCorrelation{Quantity: q.name, Axis: axis, Test: t, Err: err})
		}
	}
	return out
}

// WriteLanguageSummary prints one line per language (class, level, bitext,
// coverage, the measure per system, the gap a − b) and the correlations.
func WriteLanguageSummary(w io.Writer, points []LanguagePoint, systems []string, a, b, measure string, corr []LanguageCorrelation) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"lang", "class", "level", "bitext", "subwords/word", "unk"}
	for _, s := range systems {
		head = append(head, measure+" "+s)
	}
	if a != "" && b != "" {
		head = append(head, a+" − "+b)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, p := range points {
		class := p.Class.String()
		if p.ClassSource == data.SourceUser {
			class += " (user)"
		}
		row := []string{p.Lang, class, orDash(p.Class.Label()), fmt.Sprint(p.BitextPairs), fmtNaN(p.SubwordsPerWord, "%.2f"), fmtNaN(p.UnkRate, "%.4f")}
		for _, s := range systems {
			v, ok := p.Scores[s]
			if !ok {
				v = math.NaN()
			}
			row = append(row, fmtNaN(v, "%.4f"))
		}
		if a != "" && b != "" {
			row = append(row, fmtNaN(p.Gap(a, b), "%+.4f"))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(corr) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nrank correlation against the resource class (Joshi et al. 2020) and the bitext size, two-sided permutation p-values:\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "quantity\tagainst\tlanguages\tSpearman ρ\tp\tKendall τ-b\tp\t")
	for _, c := range corr {
		if c.Err != nil {
			fmt.Fprintf(tw, "%s\t%s\t%d\t-\t-\t-\t-\t(%v)\n", c.Quantity, c.Axis, c.Test.N, strings.TrimPrefix(c.Err.Error(), "report: rank correlation: "))
			continue
		}
		p := "exact"
		if !c.Test.Exact {
			p = fmt.Sprintf("%d permutations", c.Test.Permutations)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%+.3f\t%.4f\t%+.3f\t%.4f\t(%s)\n", c.Quantity, c.Axis, c.Test.N, c.Test.Spearman, c.Test.SpearmanP,
			c.Test.Kendall, c.Test.KendallP, p)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fmtNaN(v float64, format string) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// LanguageSystems are the systems the sweep charts show, in table order,
// among those the points have.
func LanguageSystems(points []LanguagePoint) []string {
	seen := map[string]bool{}
	for _, p := range points {
		for s := range p.Scores {
			seen[s] = true
		}
	}
	var out []string
	for _, s := range record.SystemNames() {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// MinSweepLanguages is the number of languages from which WriteLanguageCharts
// treats an experiment as a language sweep.
const MinSweepLanguages = 3

// WriteLanguageCharts writes, for each collection of the experiment with at
// least MinSweepLanguages languages, the page languages-<collection>.html:
// the measure of every system against the class, against the bitext size
// and against the tokenizer's subwords per word, and the OT − PSQ gap
// against the class and the bitext size. It returns the files written.
func WriteLanguageCharts(db *tracker.DB, experiment, dir string, classes data.ResourceClasses) ([]string, error) {
	if err := tracker.ValidateName("experiment", experiment); err != nil {
		return nil, err
	}
	var paths []string
	for _, coll := range []string{record.CollectionUDHR, record.CollectionCLDR} {
		points, err := LanguageResults(db, LanguageSpec{Experiment: experiment, Collection: coll, Classes: classes})
		if err != nil || len(points) < MinSweepLanguages {
			continue
		}
		page := LanguagePage(points, coll, "map")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, "languages-"+coll+".html")
		if err := page.SaveHTML(p); err != nil {
			return paths, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// LanguagePage is the charts of a sweep on one collection as one page.
func LanguagePage(points []LanguagePoint, collection, measure string) *plots.ChartPage {
	systems := LanguageSystems(points)
	charts := []*plots.Chart{
		LanguageChart(points, AxisClass, systems, measure),
		LanguageChart(points, AxisBitext, systems, measure),
		LanguageChart(points, AxisSubwords, systems, measure),
	}
	if hasSystems(systems, record.SystemOT, record.SystemPSQ) {
		charts = append(charts,
			LanguageGapChart(points, AxisClass, record.SystemOT, record.SystemPSQ, measure),
			LanguageGapChart(points, AxisBitext, record.SystemOT, record.SystemPSQ, measure))
	}
	return plots.Page(fmt.Sprintf("Language sweep on %s: %s against resource class, bitext size and tokenizer coverage", collection, measure), charts...)
}

func hasSystems(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
