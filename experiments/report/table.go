package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
)

// TableSpec selects the runs of a paper table from the tracker.
type TableSpec struct {
	Experiment  string
	Collection  string  // record.CollectionUDHR, record.CollectionCLDR or a user collection's name
	Reverse     bool    // English queries → foreign documents instead of foreign → English
	Measure     string  // "map" by default
	Baseline    string  // system the significance markers compare against (record.SystemPSQ by default)
	Budget      int     // bitext budget of the runs (0 = all)
	Alpha       float64 // family-wise significance level (0.05 by default)
	Permutation int     // randomization-test permutations (10,000 by default)
	Correction  string  // CorrectionHolm (default) or CorrectionBonferroni, over the pairs of each system
	Clustering  string  // ClusterAuto (default: UDHR queries by article), ClusterNone or ClusterArticle
}

// Cell is one (system, pair) entry: the measure's mean and standard
// deviation over its replicates, and the paired randomization test against
// the baseline on per-query values averaged over replicates.
//
// A replicate is one run of the cell's system, pair, collection and budget
// per (provenance seed, data seed): in experiments where one seed varies
// the whole pipeline (record.PipelineV2: tokenizer, pretraining, teacher,
// students and split), a deterministic system has one replicate per
// provenance seed, like a seeded one; in older experiments (one provenance
// seed) a seeded system has one per data seed and a deterministic one a
// single run. Mean is the mean of the replicates' measures, each over that
// replicate's own queries (the query sets may differ: UDHR folds, CLDR
// splits).
type Cell struct {
	Mean, Std   float64
	Seeds       int                // replicates
	PerQuery    map[string]float64 // qid -> the measure averaged over the seeds that evaluated the query
	P, PAdj     float64            // raw and corrected (Spec.Correction, over the pairs of the system) p-values; NaN for the baseline itself
	Significant bool               // PAdj < Alpha
	RunIDs      []int64
	queryRuns   map[string]int // qid -> number of replicates that evaluated it
}

// Table is systems × language pairs.
type Table struct {
	Spec      TableSpec
	Systems   []string
	Languages []string // foreign languages, low resource first
	Resource  map[string]string
	Cells     map[string]map[string]*Cell // system -> language -> cell
	Clustered bool                        // the markers' tests flip UDHR articles, not queries
	// PipelineSeeds: some run records record.PipelineV2, or some cell's
	// replicates differ in provenance seed; the captions then say that a
	// seed is the whole pipeline's and that query sets may differ.
	PipelineSeeds bool
	// Monolingual: the collection has no cross-lingual runs, and the table
	// is its English→English runs (a dev collection such as "gcide-dev").
	Monolingual bool
}

func (t *Table) pair(lang string) string {
	if t.Monolingual {
		return record.Pair(lang, lang)
	}
	if t.Spec.Reverse {
		return record.Pair("eng", lang)
	}
	return record.Pair(lang, "eng")
}

// BuildTable reads the FINISHED evaluation runs of spec.Experiment (nothing
// else: the table comes from results.db alone) and computes the cells,
// significance against the baseline and the averages. Of several runs of
// one (system, language, provenance seed, data seed) the newest counts;
// the newest runs of a (system, language) are the cell's replicates (see
// Cell). A collection with no cross-lingual run but English→English runs
// (a dev collection) gives a one-column table of those.
func BuildTable(db *tracker.DB, spec TableSpec) (*Table, error) {
	if spec.Measure == "" {
		spec.Measure = "map"
	}
	if spec.Baseline == "" {
		spec.Baseline = record.SystemPSQ
	}
	if spec.Alpha == 0 {
		spec.Alpha = 0.05
	}
	if spec.Permutation == 0 {
		spec.Permutation = 10000
	}
	if spec.Collection == "" {
		spec.Collection = record.CollectionUDHR
	}
	if spec.Correction == "" {
		spec.Correction = CorrectionHolm
	}
	if spec.Correction != CorrectionHolm && spec.Correction != CorrectionBonferroni {
		return nil, fmt.Errorf("report: correction %q (want %s or %s)", spec.Correction, CorrectionHolm, CorrectionBonferroni)
	}
	if spec.Clustering == "" {
		spec.Clustering = ClusterAuto
	}
	lang := func(e record.EvalRun) string {
		if spec.Reverse {
			return e.DocLang
		}
		return e.QueryLang
	}
	cross := false // the collection has cross-lingual runs (either direction)
	runs, recs, err := latestEvals(db, evalFilter(spec.Experiment, spec.Collection), func(e record.EvalRun) (string, bool) {
		mono := e.QueryLang == e.DocLang
		cross = cross || !mono
		if !mono && (e.QueryLang == "eng") != spec.Reverse {
			return "", false
		}
		if e.Info().Bitext && e.Budget != spec.Budget {
			return "", false
		}
		return fmt.Sprintf("%t|%s|%s|%d|%d", mono, e.System, lang(e), e.Provenance.Seed, e.Seed), true
	})
	if err != nil {
		return nil, err
	}
	t := &Table{Spec: spec, Resource: map[string]string{}, Cells: map[string]map[string]*Cell{}}
	t.Monolingual = len(recs) > 0 && !cross
	provSeeds := map[string]map[int64]bool{} // system|lang -> provenance seeds
	for i, r := range runs {
		e := recs[i]
		if (e.QueryLang == e.DocLang) != t.Monolingual {
			continue // English→English runs beside cross-lingual ones are references of another table
		}
		k := e.System + "|" + lang(e)
		if provSeeds[k] == nil {
			provSeeds[k] = map[int64]bool{}
		}
		provSeeds[k][e.Provenance.Seed] = true
		if e.Pipeline == record.PipelineV2 || len(provSeeds[k]) > 1 {
			t.PipelineSeeds = true
		}
		c := t.cell(e.System, lang(e))
		v, ok := r.Final[spec.Measure]
		if !ok {
			return nil, fmt.Errorf("report: run %d has no final %s", r.ID, spec.Measure)
		}
		pq, err := db.PerQuery(r.ID, spec.Measure)
		if err != nil {
			return nil, err
		}
		c.Seeds++
		c.RunIDs = append(c.RunIDs, r.ID)
		c.Mean += v
		c.Std += v * v
		if c.PerQuery == nil {
			c.PerQuery = map[string]float64{}
		}
		if c.queryRuns == nil {
			c.queryRuns = map[string]int{}
		}
		for qid, x := range pq {
			c.PerQuery[qid] += x
			c.queryRuns[qid]++
		}
		if e.Resource != "" { // the level the run recorded
			t.Resource[lang(e)] = e.Resource
		} else if lg, err := data.LookupLanguage(lang(e)); err == nil {
			t.Resource[lang(e)] = lg.Resource
		}
	}
	if len(t.Cells) == 0 {
		return nil, fmt.Errorf("report: no finished %s evaluation runs for experiment %q in %s", spec.Collection, spec.Experiment, db.Path())
	}
	for _, bySys := range t.Cells {
		for _, c := range bySys {
			n := float64(c.Seeds)
			mean := c.Mean / n
			c.Std = math.Sqrt(math.Max(0, c.Std/n-mean*mean) * n / math.Max(1, n-1))
			if c.Seeds == 1 {
				c.Std = 0
			}
			c.Mean = mean
			for q := range c.PerQuery { // the mean over the replicates that evaluated q
				c.PerQuery[q] /= float64(c.queryRuns[q])
			}
		}
	}
	t.order()
	return t, t.significance()
}

func (t *Table) cell(system, lang string) *Cell {
	if t.Cells[system] == nil {
		t.Cells[system] = map[string]*Cell{}
	}
	c := t.Cells[system][lang]
	if c == nil {
		c = &Cell{P: math.NaN(), PAdj: math.NaN()}
		t.Cells[system][lang] = c
	}
	return c
}

func (t *Table) order() {
	for s := range t.Cells {
		t.Systems = append(t.Systems, s)
	}
	sort.Slice(t.Systems, func(i, j int) bool {
		ri, rj := record.SystemRank(t.Systems[i]), record.SystemRank(t.Systems[j])
		if ri != rj {
			return ri < rj
		}
		return t.Systems[i] < t.Systems[j]
	})
	langs := map[string]bool{}
	for _, bySys := range t.Cells {
		for l := range bySys {
			langs[l] = true
		}
	}
	tableOrder := map[string]int{}
	for i, l := range data.Languages() {
		tableOrder[l.Code] = i
	}
	for l := range langs {
		t.Languages = append(t.Languages, l)
	}
	sort.Slice(t.Languages, func(i, j int) bool {
		a, b := t.Languages[i], t.Languages[j]
		oa, okA := tableOrder[a]
		ob, okB := tableOrder[b]
		if okA && okB {
			return oa < ob
		}
		if okA != okB {
			return okA
		}
		return a < b
	})
}

// significance runs the paired randomization test of every system against
// the baseline per pair (queries common to both; on UDHR, articles: see
// BuildSignificance), corrected (Spec.Correction) over the pairs of that
// system.
func (t *Table) significance() error {
	base := t.Cells[t.Spec.Baseline]
	if base == nil {
		return nil
	}
	clustering, err := resolveClustering(t.Spec.Clustering, t.Spec.Collection, tableQueries(t))
	if err != nil {
		return err
	}
	t.Clustered = clustering == ClusterArticle
	for _, s := range t.Systems {
		if s == t.Spec.Baseline {
			continue
		}
		var langs []string
		var ps []float64
		for _, l := range t.Languages {
			c, b := t.Cells[s][l], base[l]
			if c == nil || b == nil {
				continue
			}
			qids, d, err := common(c, b, t.pair(l), s, t.Spec.Baseline)
			if err != nil {
				return err
			}
			if len(qids) < 2 {
				continue
			}
			p, pc, _, _, err := pairedP(qids, d, clustering, t.Spec.Permutation, 20230227)
			if err != nil {
				return fmt.Errorf("report: %s %s vs %s: %w", t.pair(l), s, t.Spec.Baseline, err)
			}
			if t.Clustered {
				p = pc
			}
			c.P = p
			langs = append(langs, l)
			ps = append(ps, p)
		}
		adj := eval.Holm(ps)
		if t.Spec.Correction == CorrectionBonferroni {
			adj = eval.Bonferroni(ps)
		}
		for i, l := range langs {
			c := t.Cells[s][l]
			c.PAdj = adj[i]
			c.Significant = adj[i] < t.Spec.Alpha
		}
	}
	return nil
}

// Average is the mean over the languages of one resource level ("low",
// "high") of a system's cell means; ok is false when a language lacks it.
func (t *Table) Average(system, resource string) (mean float64, ok bool) {
	n := 0
	for _, l := range t.Languages {
		if t.Resource[l] != resource {
			continue
		}
		c := t.Cells[system][l]
		if c == nil {
			return 0, false
		}
		mean += c.Mean
		n++
	}
	if n == 0 {
		return 0, false
	}
	return mean / float64(n), true
}

// Gain is the relative gain of system over the baseline on lang:
// (system − baseline) / baseline.
func (t *Table) Gain(system, lang string) (float64, bool) {
	c, b := t.Cells[system][lang], t.Cells[t.Spec.Baseline][lang]
	if c == nil || b == nil || b.Mean == 0 {
		return 0, false
	}
	return (c.Mean - b.Mean) / b.Mean, true
}

func (t *Table) cellText(system, lang string, latex bool) string {
	c := t.Cells[system][lang]
	if c == nil {
		return "–"
	}
	s := fmt.Sprintf("%.3f", c.Mean)
	if c.Seeds > 1 {
		if latex {
			s += fmt.Sprintf(" $\\pm$ %.3f", c.Std)
		} else {
			s += fmt.Sprintf(" ± %.3f", c.Std)
		}
	}
	if c.Significant {
		dir := "▲"
		if base := t.Cells[t.Spec.Baseline][lang]; base != nil && c.Mean < base.Mean {
			dir = "▼"
		}
		if latex {
			dir = "$^\\dagger$"
		}
		s += dir
	}
	return s
}

func (t *Table) header() []string {
	h := []string{"system"}
	for _, l := range t.Languages {
		if r := t.Resource[l]; r != "" {
			h = append(h, t.pair(l)+" ("+r+")")
		} else { // a user collection's language outside lib/data's table
			h = append(h, t.pair(l))
		}
	}
	return append(h, "avg low", "avg high")
}

func (t *Table) rows(latex bool) [][]string {
	var out [][]string
	for _, s := range t.Systems {
		row := []string{s}
		for _, l := range t.Languages {
			row = append(row, t.cellText(s, l, latex))
		}
		for _, r := range []string{data.ResourceLow, data.ResourceHigh} {
			if m, ok := t.Average(s, r); ok {
				row = append(row, fmt.Sprintf("%.3f", m))
			} else {
				row = append(row, "–")
			}
		}
		out = append(out, row)
	}
	if t.Cells[record.SystemOT] != nil && t.Cells[t.Spec.Baseline] != nil {
		row := []string{"gain ot vs " + t.Spec.Baseline}
		var low []float64
		for _, l := range t.Languages {
			g, ok := t.Gain(record.SystemOT, l)
			if !ok {
				row = append(row, "–")
				continue
			}
			pct := "%"
			if latex {
				pct = "\\%"
			}
			row = append(row, fmt.Sprintf("%+.1f%s", 100*g, pct))
			if t.Resource[l] == data.ResourceLow {
				low = append(low, g)
			}
		}
		avg := "–"
		if len(low) > 0 {
			s := 0.0
			for _, g := range low {
				s += g
			}
			avg = fmt.Sprintf("%+.1f%%", 100*s/float64(len(low)))
			if latex {
				avg = strings.ReplaceAll(avg, "%", "\\%")
			}
		}
		row = append(row, avg, "")
		out = append(out, row)
	}
	return out
}

func (t *Table) caption() string {
	dir := "foreign queries → English documents"
	if t.Spec.Reverse {
		dir = "English queries → foreign documents"
	}
	budget := "all bitext"
	if t.Spec.Budget > 0 {
		budget = fmt.Sprintf("%d bitext pairs", t.Spec.Budget)
	}
	if d := collectionDirection(t.Spec.Collection, t.Spec.Reverse, t.Monolingual); d != "" {
		dir = d
	}
	unit := "queries"
	if t.Clustered {
		unit = "UDHR articles"
	}
	corr := "Holm"
	if t.Spec.Correction == CorrectionBonferroni {
		corr = "Bonferroni"
	}
	seeds, perQuery := "mean ± std over seeds", "per-query values averaged over seeds"
	if t.PipelineSeeds {
		seeds, perQuery = pipelineSeedsText, pipelinePerQueryText
	}
	if t.Monolingual && t.Cells[t.Spec.Baseline] == nil { // a dev collection's English→English references: no markers, no bitext
		return fmt.Sprintf("%s on %s (%s); %s", strings.ToUpper(t.Spec.Measure), t.Spec.Collection, dir, seeds)
	}
	return fmt.Sprintf("%s on %s (%s, %s); %s; ▲/▼: significantly better/worse than %s "+
		"(paired randomization test over %s on %s, %d permutations, %s over pairs, α = %g)",
		strings.ToUpper(t.Spec.Measure), t.Spec.Collection, dir, budget, seeds, t.Spec.Baseline, unit, perQuery, t.Spec.Permutation, corr, t.Spec.Alpha)
}

// The captions' wording when a seed is the whole pipeline's (Table.PipelineSeeds).
const (
	pipelineSeedsText = "mean ± std over seeds, each seed its own pipeline (tokenizer, pretraining, teacher, students, split), " +
		"deterministic systems included, of each seed's measure over that seed's own test queries"
	pipelinePerQueryText = "per-query values averaged over the seeds that evaluated the query, " +
		"on the union of the seeds' queries that both systems have"
)

// collectionWords is the collection of foreign word queries against
// English WordNet glosses (per pair "words-swh-eng", "cldrwords-som-eng").
const collectionWords = "words"

// collectionDirection describes what a collection's queries and documents
// are, for the captions; "" keeps the generic "foreign queries → English
// documents" (UDHR, CLDR and user collections, in whose tables one side is
// English).
func collectionDirection(collection string, reverse, monolingual bool) string {
	switch {
	case monolingual:
		return "English queries → English documents"
	case collection == collectionWords && !reverse:
		return "foreign word queries → English WordNet glosses of their translations, each word an independent query"
	case collection == collectionWords:
		return "English queries (translations of held-out foreign headwords) → the foreign definitions of those headwords (eng-fin: Wiktionary definitions in FreeDict)"
	}
	return ""
}

// WriteMarkdown writes the table as GitHub Markdown with its caption.
func (t *Table) WriteMarkdown(w io.Writer) error {
	h := t.header()
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat("---|", len(h)))
	for _, r := range t.rows(false) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	_, err := fmt.Fprintf(w, "\n%s\n", t.caption())
	return err
}

// WriteLaTeX writes a booktabs tabular.
func (t *Table) WriteLaTeX(w io.Writer) error {
	h := t.header()
	esc := func(s string) string {
		return strings.NewReplacer("_", "\\_", "&", "\\&", "%", "\\%", "#", "\\#").Replace(s)
	}
	fmt.Fprintf(w, "\\begin{table}\n\\centering\n\\begin{tabular}{l%s}\n\\toprule\n", strings.Repeat("r", len(h)-1))
	for i := range h {
		h[i] = esc(h[i])
	}
	fmt.Fprintf(w, "%s \\\\\n\\midrule\n", strings.Join(h, " & "))
	for _, r := range t.rows(true) {
		r[0] = esc(r[0])
		fmt.Fprintf(w, "%s \\\\\n", strings.Join(r, " & "))
	}
	cap := strings.NewReplacer("▲/▼", "$^\\dagger$", "±", "$\\pm$", "α", "$\\alpha$", "→", "$\\rightarrow$").Replace(t.caption())
	_, err := fmt.Fprintf(w, "\\bottomrule\n\\end{tabular}\n\\caption{%s}\n\\end{table}\n", esc(cap))
	return err
}

// WriteCSV writes one row per (system, pair) with mean, std, seeds, p-values.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"system", "pair", "resource", "measure", "mean", "std", "seeds", "p", "p_adjusted", "significant", "runs"})
	for _, s := range t.Systems {
		for _, l := range t.Languages {
			c := t.Cells[s][l]
			if c == nil {
				continue
			}
			ids := make([]string, len(c.RunIDs))
			for i, id := range c.RunIDs {
				ids[i] = strconv.FormatInt(id, 10)
			}
			_ = cw.Write([]string{s, t.pair(l), t.Resource[l], t.Spec.Measure,
				strconv.FormatFloat(c.Mean, 'f', 6, 64), strconv.FormatFloat(c.Std, 'f', 6, 64), strconv.Itoa(c.Seeds),
				fmtP(c.P), fmtP(c.PAdj), strconv.FormatBool(c.Significant), strings.Join(ids, " ")})
		}
	}
	cw.Flush()
	return cw.Error()
}

func fmtP(p float64) string {
	if math.IsNaN(p) {
		return ""
	}
	return strconv.FormatFloat(p, 'g', 4, 64)
}
