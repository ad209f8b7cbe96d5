package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
)

// Multiple-comparison corrections of a significance family.
const (
	CorrectionHolm       = "holm"       // Holm (1979) step-down: controls the family-wise error rate, uniformly more powerful than Bonferroni
	CorrectionBonferroni = "bonferroni" // p × m, capped at 1
)

// Units of the test on a resource level's average.
const (
	UnitLanguage = "language" // one sign per language: the languages are the sample
	UnitQuery    = "query"    // one sign per query (per article on UDHR) shared by every language: the queries are the sample
)

// References are the systems that are not baselines of the system under
// test: random is chance level (beating it is not a claim), teacher and
// bm25 are English→English references (upper bounds, never in a
// cross-lingual table). Every other evaluated system of a table is a
// baseline, including ones added after this list was written.
var References = []string{record.SystemRandom, record.SystemTeacher, record.SystemBM25}

// SignificanceSpec says what a significance analysis tests.
type SignificanceSpec struct {
	System       string   // the system under test (record.SystemOT by default)
	Baselines    []string // nil: every other system of the table except References, in table order
	Correction   string   // CorrectionHolm or CorrectionBonferroni (default the table's, Holm)
	Clustering   string   // ClusterAuto, ClusterNone or ClusterArticle (default the table's, auto: by article on UDHR)
	Alpha        float64  // family-wise level (the table's, 0.05 by default)
	Permutations int      // Monte-Carlo sign assignments (the table's, 10,000 by default)
	Seed         uint64   // the random stream of every test (20230227 by default, as PairedTest)
}

// Comparison is the test of the system against one baseline on one pair:
// paired over the queries both evaluated, on per-query values averaged over
// each system's seeds.
type Comparison struct {
	Baseline, Lang, Pair, Resource string
	System, Base, Diff             float64 // means over the common queries; Diff = System − Base
	SystemSeeds, BaseSeeds         int
	Queries, Clusters              int     // common queries; units of the clustered test (= Queries when not clustered)
	P                              float64 // sign flip per query
	PClustered                     float64 // sign flip per cluster (UDHR article); NaN when not clustered
	PFamily                        float64 // the p-value that enters the correction: PClustered when clustered, else P
	PAdj                           float64 // PFamily corrected over every comparison of the table
	Exact                          bool    // PFamily enumerates every sign assignment (SignFlip)
	Significant                    bool    // PAdj < Alpha
}

// AverageComparison tests the system against one baseline on the average
// over the languages of one resource level (the table's "avg low" column):
// the statistic is the mean over those languages of the per-language mean
// query difference, and Unit says what a sign flip permutes.
type AverageComparison struct {
	Baseline, Resource, Unit string
	Languages                []string
	Units                    int
	System, Base, Diff       float64 // averages over Languages of the per-language means over common queries
	P, PAdj                  float64 // PAdj: corrected over the baselines of one (Resource, Unit)
	Exact                    bool    // P enumerates all 2^Units assignments
	Significant              bool
}

// Significance is a table's significance analysis: the system under test
// against every baseline on every pair (one family, corrected together),
// and on each resource level's average (one family per level and unit).
type Significance struct {
	Spec        SignificanceSpec
	Table       *Table
	Baselines   []string
	Clustered   bool // the pair tests permute UDHR articles
	Comparisons []Comparison
	Averages    []AverageComparison
	clustering  string // resolved: ClusterArticle or ClusterNone
}

// BuildSignificance tests spec.System of t against every baseline. The
// unit of analysis of a pair test is the query, or on UDHR the article
// (queries of one article, its paragraphs, are not independent: their
// relevant documents are the same article's paragraphs, so they flip
// sign together); both p-values are kept, and the clustered one enters the
// correction. Several seeds of a system are averaged per query first (the
// test is conditional on the trained models: seed-to-seed variance is the
// table's ± std, not part of p). Systems or baselines absent from t give
// no comparisons; a NaN per-query value is an error naming the pair.
func BuildSignificance(t *Table, spec SignificanceSpec) (*Significance, error) {
	if spec.System == "" {
		spec.System = record.SystemOT
	}
	if spec.Correction == "" {
		spec.Correction = t.Spec.Correction
	}
	if spec.Correction == "" {
		spec.Correction = CorrectionHolm
	}
	if spec.Correction != CorrectionHolm && spec.Correction != CorrectionBonferroni {
		return nil, fmt.Errorf("report: correction %q (want %s or %s)", spec.Correction, CorrectionHolm, CorrectionBonferroni)
	}
	if spec.Clustering == "" {
		spec.Clustering = t.Spec.Clustering
	}
	if spec.Clustering == "" {
		spec.Clustering = ClusterAuto
	}
	if spec.Alpha == 0 {
		spec.Alpha = t.Spec.Alpha
	}
	if spec.Alpha == 0 {
		spec.Alpha = 0.05
	}
	if !(spec.Alpha > 0 && spec.Alpha < 1) {
		return nil, fmt.Errorf("report: significance level %v not in (0, 1)", spec.Alpha)
	}
	if spec.Permutations == 0 {
		spec.Permutations = t.Spec.Permutation
	}
	if spec.Permutations <= 0 {
		spec.Permutations = 10000
	}
	if spec.Seed == 0 {
		spec.Seed = 20230227
	}
	clustering, err := resolveClustering(spec.Clustering, t.Spec.Collection, tableQueries(t))
	if err != nil {
		return nil, err
	}
	s := &Significance{Spec: spec, Table: t, clustering: clustering, Clustered: clustering == ClusterArticle}
	if spec.Baselines != nil {
		s.Baselines = slices.Clone(spec.Baselines)
	} else {
		for _, b := range t.Systems {
			if b != spec.System && !slices.Contains(References, b) {
				s.Baselines = append(s.Baselines, b)
			}
		}
	}
	sys := t.Cells[spec.System]
	if sys == nil {
		return s, nil
	}
	for _, b := range s.Baselines {
		if b == spec.System {
			return nil, fmt.Errorf("report: %s is both the system under test and a baseline", b)
		}
		for _, l := range t.Languages {
			c, bc := sys[l], t.Cells[b][l]
			if c == nil || bc == nil {
				continue
			}
			cmp, ok, err := s.compare(c, bc, l, b)
			if err != nil {
				return nil, err
			}
			if ok {
				s.Comparisons = append(s.Comparisons, cmp)
			}
		}
	}
	ps := make([]float64, len(s.Comparisons))
	for i, c := range s.Comparisons {
		ps[i] = c.PFamily
	}
	for i, p := range s.correct(ps) {
		s.Comparisons[i].PAdj = p
		s.Comparisons[i].Significant = p < spec.Alpha
	}
	return s, s.averages()
}

// LoadSignificance is BuildTable then BuildSignificance: one call for a
// notebook cell or `otclir table -format significance`.
func LoadSignificance(db *tracker.DB, table TableSpec, spec SignificanceSpec) (*Significance, error) {
	t, err := BuildTable(db, table)
	if err != nil {
		return nil, err
	}
	return BuildSignificance(t, spec)
}

func (s *Significance) correct(p []float64) []float64 {
	if s.Spec.Correction == CorrectionBonferroni {
		return eval.Bonferroni(p)
	}
	return eval.Holm(p)
}

// common returns the queries of both cells (sorted) and the paired
// per-query differences system − baseline.
func common(c, b *Cell, pair, system, baseline string) (qids []string, d []float64, err error) {
	for q := range c.PerQuery {
		if _, ok := b.PerQuery[q]; ok {
			qids = append(qids, q)
		}
	}
	sort.Strings(qids)
	d = make([]float64, len(qids))
	for i, q := range qids {
		x, y := c.PerQuery[q], b.PerQuery[q]
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return nil, nil, fmt.Errorf("report: %s query %q: %s %v, %s %v: not a number", pair, q, system, x, baseline, y)
		}
		d[i] = x - y
	}
	return qids, d, nil
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func (s *Significance) compare(c, b *Cell, lang, baseline string) (Comparison, bool, error) {
	t := s.Table
	pair := t.pair(lang)
	qids, d, err := common(c, b, pair, s.Spec.System, baseline)
	if err != nil || len(qids) < 2 {
		return Comparison{}, false, err
	}
	var sx, sy float64
	for _, q := range qids {
		sx += c.PerQuery[q]
		sy += b.PerQuery[q]
	}
	n := float64(len(qids))
	cmp := Comparison{Baseline: baseline, Lang: lang, Pair: pair, Resource: t.Resource[lang],
		System: sx / n, Base: sy / n, Diff: mean(d), SystemSeeds: c.Seeds, BaseSeeds: b.Seeds,
		Queries: len(qids)}
	cmp.P, cmp.PClustered, cmp.Clusters, cmp.Exact, err = pairedP(qids, d, s.clustering, s.Spec.Permutations, s.Spec.Seed)
	if err != nil {
		return cmp, false, fmt.Errorf("report: %s %s vs %s: %w", pair, s.Spec.System, baseline, err)
	}
	cmp.PFamily = cmp.P
	if !math.IsNaN(cmp.PClustered) {
		cmp.PFamily = cmp.PClustered
	}
	return cmp, true, nil
}

// averages tests each resource level's average (levels low, high; a level
// is tested against a baseline when both systems have every language of
// it, at least two) with two units: languages (the sign of a language's
// whole mean difference flips; exact for up to AlwaysExactUnits languages;
// the smallest p of L languages is 2/2^L, and the languages share their
// queries, so this unit asks whether the sign is consistent across
// languages rather than treating them as independent evidence), and
// queries pooled over the languages, a query's
// translations flipping together (on UDHR with clustering, an article's
// queries in every language flip together) since they are one text.
func (s *Significance) averages() error {
	t := s.Table
	sys := t.Cells[s.Spec.System]
	if sys == nil {
		return nil
	}
	for _, level := range []string{data.ResourceLow, data.ResourceHigh} {
		var langs []string
		for _, l := range t.Languages {
			if t.Resource[l] == level {
				langs = append(langs, l)
			}
		}
		if len(langs) < 2 {
			continue
		}
		for _, unit := range []string{UnitLanguage, UnitQuery} {
			var family []AverageComparison
			for _, b := range s.Baselines {
				a, ok, err := s.average(langs, level, unit, b)
				if err != nil {
					return err
				}
				if ok {
					family = append(family, a)
				}
			}
			ps := make([]float64, len(family))
			for i, a := range family {
				ps[i] = a.P
			}
			for i, p := range s.correct(ps) {
				family[i].PAdj = p
				family[i].Significant = p < s.Spec.Alpha
			}
			s.Averages = append(s.Averages, family...)
		}
	}
	return nil
}

func (s *Significance) average(langs []string, level, unit, baseline string) (AverageComparison, bool, error) {
	t := s.Table
	a := AverageComparison{Baseline: baseline, Resource: level, Unit: unit, Languages: langs}
	L := float64(len(langs))
	var contrib []float64
	var keys []string
	for _, l := range langs {
		c, b := t.Cells[s.Spec.System][l], t.Cells[baseline][l]
		if c == nil || b == nil {
			return a, false, nil
		}
		qids, d, err := common(c, b, t.pair(l), s.Spec.System, baseline)
		if err != nil {
			return a, false, err
		}
		if len(qids) == 0 {
			return a, false, nil
		}
		n := float64(len(qids))
		var sx, sy float64
		for _, q := range qids {
			sx += c.PerQuery[q]
			sy += b.PerQuery[q]
		}
		a.System += sx / n / L
		a.Base += sy / n / L
		a.Diff += mean(d) / L
		if unit == UnitLanguage {
			contrib = append(contrib, mean(d)/L)
			keys = append(keys, l)
			continue
		}
		k, err := clusterKeys(qids, s.clustering)
		if err != nil {
			return a, false, fmt.Errorf("report: %s: %w", t.pair(l), err)
		}
		for i := range d {
			contrib = append(contrib, d[i]/n/L)
		}
		keys = append(keys, k...)
	}
	u := units(contrib, keys)
	a.Units = len(u)
	var err error
	if a.P, a.Exact, err = SignFlip(u, 1, s.Spec.Permutations, s.Spec.Seed); err != nil {
		return a, false, fmt.Errorf("report: avg %s %s vs %s: %w", level, s.Spec.System, baseline, err)
	}
	return a, true, nil
}

// Summary is one line per baseline: on how many pairs the system is
// significantly better and worse after correction, for notebooks' prose.
func (s *Significance) Summary() []string {
	var out []string
	for _, b := range s.Baselines {
		var better, worse, n int
		for _, c := range s.Comparisons {
			if c.Baseline != b {
				continue
			}
			n++
			if c.Significant && c.Diff > 0 {
				better++
			} else if c.Significant && c.Diff < 0 {
				worse++
			}
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%s vs %s: significantly better on %d, worse on %d of %d pairs", s.Spec.System, b, better, worse, n))
		}
	}
	return out
}

func (s *Significance) unitName() string {
	if s.Clustered {
		return "article"
	}
	return "query"
}

func (s *Significance) correctionName() string {
	if s.Spec.Correction == CorrectionBonferroni {
		return "Bonferroni"
	}
	return "Holm"
}

func (s *Significance) caption() string {
	t := s.Table
	dir := "foreign queries → English documents"
	if t.Spec.Reverse {
		dir = "English queries → foreign documents"
	}
	if d := collectionDirection(t.Spec.Collection, t.Spec.Reverse, t.Monolingual); d != "" {
		dir = d
	}
	unit := "per query"
	if s.Clustered {
		unit = "per UDHR article (its queries flip together; p (query) flips each query)"
	}
	averaged := "averaged over seeds"
	if t.PipelineSeeds {
		averaged = "averaged over the seeds that evaluated the query (each seed its own pipeline and split: the test runs over the union of the seeds' queries that both systems have)"
	}
	return fmt.Sprintf("%s of %s against every baseline on %s (%s): paired randomization test on per-query %s %s, "+
		"signs flipped %s, exact (every sign assignment) up to %d units, else %d random ones; %s over the %d comparisons of the table; ✓: adjusted p < α = %g",
		s.Spec.System, strings.ToUpper(t.Spec.Measure), t.Spec.Collection, dir, t.Spec.Measure, averaged, unit, AlwaysExactUnits, s.Spec.Permutations,
		s.correctionName(), len(s.Comparisons), s.Spec.Alpha)
}

func (s *Significance) averagesCaption() string {
	common := "common queries"
	if s.Table.PipelineSeeds {
		common = "the union of the seeds' queries common to both systems, per-query values averaged over the seeds that evaluated them"
	}
	return fmt.Sprintf("Average over a resource level's languages (difference of the table's avg columns over %s): "+
		"unit language flips each language's mean difference, unit query flips each query (each %s) "+
		"in every language at once; %s over the baselines of each level and unit, α = %g",
		common, s.unitName(), s.correctionName(), s.Spec.Alpha)
}

func mark(sig bool, diff float64) string {
	switch {
	case sig && diff > 0:
		return "✓ better"
	case sig && diff < 0:
		return "✓ worse"
	}
	return ""
}

func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func signedF3(v float64) string { return fmt.Sprintf("%+.3f", v) }

func (s *Significance) pairRows() (header []string, rows [][]string) {
	sys := s.Spec.System
	corr := "p " + s.correctionName()
	if s.Clustered {
		header = []string{"pair", "baseline", sys, "baseline " + s.Table.Spec.Measure, "Δ", "queries", "articles", "p (query)", "p (article)", corr, "α"}
	} else {
		header = []string{"pair", "baseline", sys, "baseline " + s.Table.Spec.Measure, "Δ", "queries", "p", corr, "α"}
	}
	for _, c := range s.Comparisons {
		pair := c.Pair
		if c.Resource != "" {
			pair += " (" + c.Resource + ")"
		}
		r := []string{pair, c.Baseline, f3(c.System), f3(c.Base), signedF3(c.Diff), strconv.Itoa(c.Queries)}
		if s.Clustered {
			r = append(r, strconv.Itoa(c.Clusters), fmtP(c.P), fmtP(c.PClustered))
		} else {
			r = append(r, fmtP(c.P))
		}
		rows = append(rows, append(r, fmtP(c.PAdj), mark(c.Significant, c.Diff)))
	}
	return header, rows
}

func (s *Significance) averageRows() (header []string, rows [][]string) {
	header = []string{"average", "baseline", "unit", "units", s.Spec.System, "baseline", "Δ", "p", "p " + s.correctionName(), "α"}
	for _, a := range s.Averages {
		unit := a.Unit
		if unit == UnitQuery {
			unit = s.unitName()
		}
		p := fmtP(a.P)
		if a.Exact {
			p += " (exact)"
		}
		rows = append(rows, []string{fmt.Sprintf("avg %s (%d)", a.Resource, len(a.Languages)), a.Baseline, unit, strconv.Itoa(a.Units),
			f3(a.System), f3(a.Base), signedF3(a.Diff), p, fmtP(a.PAdj), mark(a.Significant, a.Diff)})
	}
	return header, rows
}

// WriteMarkdown writes the pair comparisons and the average tests as two
// GitHub Markdown tables with their captions.
func (s *Significance) WriteMarkdown(w io.Writer) error {
	md := func(h []string, rows [][]string) {
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat("---|", len(h)))
		for _, r := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		}
	}
	if len(s.Comparisons) == 0 {
		_, err := fmt.Fprintf(w, "no pair has both %s and a baseline (%s) on %s\n", s.Spec.System, strings.Join(s.Baselines, ", "), s.Table.Spec.Collection)
		return err
	}
	md(s.pairRows())
	fmt.Fprintf(w, "\n%s\n", s.caption())
	if len(s.Averages) > 0 {
		fmt.Fprintln(w)
		md(s.averageRows())
		fmt.Fprintf(w, "\n%s\n", s.averagesCaption())
	}
	_, err := fmt.Fprintf(w, "\n%s\n", strings.Join(s.Summary(), "; "))
	return err
}

// WriteLaTeX writes the two tables as booktabs tabulars.
func (s *Significance) WriteLaTeX(w io.Writer) error {
	esc := strings.NewReplacer("_", "\\_", "&", "\\&", "%", "\\%", "#", "\\#", "Δ", "$\\Delta$", "α", "$\\alpha$",
		"✓", "$\\checkmark$", "→", "$\\rightarrow$", "≤", "$\\le$", "^", "\\^{}").Replace
	tex := func(h []string, rows [][]string, caption string) {
		fmt.Fprintf(w, "\\begin{table}\n\\centering\n\\begin{tabular}{ll%s}\n\\toprule\n", strings.Repeat("r", len(h)-2))
		for i := range h {
			h[i] = esc(h[i])
		}
		fmt.Fprintf(w, "%s \\\\\n\\midrule\n", strings.Join(h, " & "))
		for _, r := range rows {
			for i := range r {
				r[i] = esc(r[i])
			}
			fmt.Fprintf(w, "%s \\\\\n", strings.Join(r, " & "))
		}
		fmt.Fprintf(w, "\\bottomrule\n\\end{tabular}\n\\caption{%s}\n\\end{table}\n", esc(caption))
	}
	h, rows := s.pairRows()
	tex(h, rows, s.caption())
	if len(s.Averages) > 0 {
		h, rows = s.averageRows()
		tex(h, rows, s.averagesCaption())
	}
	return nil
}

// WriteCSV writes one row per test: scope "pair" (family: the table's
// comparisons) or "avg low"/"avg high" (family: the baselines of one level
// and unit), with raw, clustered and adjusted p-values.
func (s *Significance) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"collection", "measure", "system", "baseline", "scope", "pair", "resource", "unit", "units", "queries",
		"system_mean", "baseline_mean", "diff", "system_seeds", "baseline_seeds", "p", "p_clustered", "p_family", "exact", "correction", "p_adjusted", "alpha", "significant"})
	t := s.Table
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	for _, c := range s.Comparisons {
		unit := "query"
		if !math.IsNaN(c.PClustered) {
			unit = "article"
		}
		_ = cw.Write([]string{t.Spec.Collection, t.Spec.Measure, s.Spec.System, c.Baseline, "pair", c.Pair, c.Resource, unit,
			strconv.Itoa(c.Clusters), strconv.Itoa(c.Queries), num(c.System), num(c.Base), num(c.Diff),
			strconv.Itoa(c.SystemSeeds), strconv.Itoa(c.BaseSeeds), fmtP(c.P), fmtP(c.PClustered), fmtP(c.PFamily),
			strconv.FormatBool(c.Exact), s.Spec.Correction, fmtP(c.PAdj), strconv.FormatFloat(s.Spec.Alpha, 'g', -1, 64), strconv.FormatBool(c.Significant)})
	}
	for _, a := range s.Averages {
		unit := a.Unit
		if unit == UnitQuery {
			unit = s.unitName()
		}
		_ = cw.Write([]string{t.Spec.Collection, t.Spec.Measure, s.Spec.System, a.Baseline, "avg " + a.Resource, strings.Join(a.Languages, " "),
			a.Resource, unit, strconv.Itoa(a.Units), "", num(a.System), num(a.Base), num(a.Diff), "", "", fmtP(a.P), "", fmtP(a.P),
			strconv.FormatBool(a.Exact), s.Spec.Correction, fmtP(a.PAdj), strconv.FormatFloat(s.Spec.Alpha, 'g', -1, 64), strconv.FormatBool(a.Significant)})
	}
	cw.Flush()
	return cw.Error()
}
