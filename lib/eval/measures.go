package eval

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

var (
	// ErrUnknownMeasure is wrapped when a measure name is not supported.
	ErrUnknownMeasure = errors.New("eval: unknown measure")
	// ErrMeasureParams is wrapped when a measure's parameters are malformed
	// (trec_eval: "Negative cutoff detected", "duplicate cutoffs detected",
	// "malformed pair parameters").
	ErrMeasureParams = errors.New("eval: bad measure parameters")
)

// paramKind is how a measure takes parameters after a '.' (trec_eval's
// te_init_meas_* families in meas_init.c).
type paramKind uint8

const (
	paramNone      paramKind = iota // parameters accepted and ignored
	paramCutoffs                    // integer cutoffs > 0, sorted: P.5,10 -> P_5 P_10
	paramFractions                  // real cutoffs, sorted: iprec_at_recall.0.5 -> iprec_at_recall_0.50
	paramValues                     // real values kept in order: utility.1,-1,0,0 -> utility_1,-1,0,0
	paramGains                      // level=gain pairs: ndcg.1=3.5 -> ndcg_1=3.5
)

// avgKind is how per-query values are combined into the "all" value
// (meas_avg.c and the custom calc_avg of num_q and num_rel).
type avgKind uint8

const (
	avgMean   avgKind = iota // sum / number of queries
	avgSum                   // summed counts (num_ret, num_rel_ret, ...)
	avgGeo                   // exp(mean of logs), missing -c queries count log(MIN_GEO_MEAN)
	avgNumQ                  // the number of queries averaged over
	avgNumRel                // summed; with -c, every qrels judgement > 0
	avgNone                  // no summary value (relstring)
)

// minGeoMean is trec_eval's MIN_GEO_MEAN: gm_map and gm_bpref take the log
// of max(value, minGeoMean).
const minGeoMean = 0.00001

// infAPEpsilon is trec_eval's INFAP_EPSILON.
const infAPEpsilon = 0.00001

// measureDef is one entry of trec_eval's measure table (measures.c).
type measureDef struct {
	name       string
	params     paramKind
	defCutoffs []int64   // paramCutoffs defaults
	defValues  []float64 // paramFractions / paramValues defaults
	avg        avgKind
	integer    bool // printed with %ld
	perQuery   bool // printed by -q
	summary    bool // printed in the "all" lines
	levelFree  bool // does not depend on the relevance level
	// needs names a rel_info format trec_eval requires for the measure and
	// otclir does not read; such measures are refused.
	needs string
	calc  func(q *levelView, m *measure, out []float64)
}

var (
	trecCutoffs     = []int64{5, 10, 15, 20, 30, 100, 200, 500, 1000}
	recallFractions = []float64{0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
	rprecMultiples  = []float64{0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0}
)

// measureTable lists trec_eval 9.0.8's measures in its print order
// (te_trec_measures in measures.c), then otclir's extension. Measures of
// the prefs and qrels_jg rel_info formats are listed so that their names
// are recognised, and refused.
var measureTable = []*measureDef{
	{name: "runid", avg: avgNone, summary: true, levelFree: true},
	{name: "num_q", avg: avgNumQ, integer: true, summary: true, levelFree: true, calc: calcNumQ},
	{name: "num_ret", avg: avgSum, integer: true, perQuery: true, summary: true, levelFree: true, calc: calcNumRet},
	{name: "num_rel", avg: avgNumRel, integer: true, perQuery: true, summary: true, calc: calcNumRel},
	{name: "num_rel_ret", avg: avgSum, integer: true, perQuery: true, summary: true, calc: calcNumRelRet},
	{name: "map", perQuery: true, summary: true, calc: calcMAP},
	{name: "gm_map", avg: avgGeo, summary: true, calc: calcGMMAP},
	{name: "Rprec", perQuery: true, summary: true, calc: calcRprec},
	{name: "bpref", perQuery: true, summary: true, calc: calcBpref},
	{name: "recip_rank", perQuery: true, summary: true, calc: calcRecipRank},
	{name: "iprec_at_recall", params: paramFractions, defValues: recallFractions, perQuery: true, summary: true, calc: calcIprecAtRecall},
	{name: "P", params: paramCutoffs, defCutoffs: trecCutoffs, perQuery: true, summary: true, calc: calcP},
	{name: "relstring", params: paramValues, defValues: []float64{10}, avg: avgNone, perQuery: true, levelFree: true, calc: calcNone},
	{name: "recall", params: paramCutoffs, defCutoffs: trecCutoffs, perQuery: true, summary: true, calc: calcRecall},
	{name: "infAP", perQuery: true, summary: true, calc: calcInfAP},
	{name: "gm_bpref", avg: avgGeo, summary: true, calc: calcGMBpref},
	{name: "Rprec_mult", params: paramFractions, defValues: rprecMultiples, perQuery: true, summary: true, calc: calcRprecMult},
	{name: "utility", params: paramValues, defValues: []float64{1, -1, 0, 0}, perQuery: true, summary: true, calc: calcUtility},
	{name: "11pt_avg", params: paramValues, defValues: recallFractions, perQuery: true, summary: true, calc: calc11ptAvg},
	{name: "binG", perQuery: true, summary: true, calc: calcBinG},
	{name: "G", params: paramGains, perQuery: true, summary: true, levelFree: true, calc: calcG},
	{name: "ndcg", params: paramGains, perQuery: true, summary: true, levelFree: true, calc: calcNDCG},
	{name: "ndcg_rel", params: paramGains, perQuery: true, summary: true, levelFree: true, calc: calcNDCGRel},
	{name: "Rndcg", params: paramGains, perQuery: true, summary: true, calc: calcRndcg},
	{name: "ndcg_cut", params: paramCutoffs, defCutoffs: trecCutoffs, perQuery: true, summary: true, levelFree: true, calc: calcNDCGCut},
	{name: "map_cut", params: paramCutoffs, defCutoffs: trecCutoffs, perQuery: true, summary: true, calc: calcMAPCut},
	{name: "relative_P", params: paramCutoffs, defCutoffs: trecCutoffs, perQuery: true, summary: true, calc: calcRelativeP},
	{name: "success", params: paramCutoffs, defCutoffs: []int64{1, 5, 10}, perQuery: true, summary: true, calc: calcSuccess},
	{name: "set_P", perQuery: true, summary: true, calc: calcSetP},
	{name: "set_relative_P", perQuery: true, summary: true, calc: calcSetRelativeP},
	{name: "set_recall", perQuery: true, summary: true, calc: calcSetRecall},
	{name: "set_map", perQuery: true, summary: true, calc: calcSetMAP},
	{name: "set_F", params: paramValues, defValues: []float64{1}, perQuery: true, summary: true, calc: calcSetF},
	{name: "num_nonrel_judged_ret", avg: avgSum, integer: true, perQuery: true, summary: true, calc: calcNumNonrelJudgedRet},
	{name: "prefs_num_prefs_poss", needs: "prefs"},
	{name: "prefs_num_prefs_ful", needs: "prefs"},
	{name: "prefs_num_prefs_ful_ret", needs: "prefs"},
	{name: "prefs_simp", needs: "prefs"},
	{name: "prefs_pair", needs: "prefs"},
	{name: "prefs_avgjg", needs: "prefs"},
	{name: "prefs_avgjg_Rnonrel", needs: "prefs"},
	{name: "prefs_simp_ret", needs: "prefs"},
	{name: "prefs_pair_ret", needs: "prefs"},
	{name: "prefs_avgjg_ret", needs: "prefs"},
	{name: "prefs_avgjg_Rnonrel_ret", needs: "prefs"},
	{name: "prefs_simp_imp", needs: "prefs"},
	{name: "prefs_pair_imp", needs: "prefs"},
	{name: "prefs_avgjg_imp", needs: "prefs"},
	{name: "map_avgjg", needs: "qrels_jg"},
	{name: "P_avgjg", needs: "qrels_jg"},
	{name: "Rprec_mult_avgjg", needs: "qrels_jg"},
	{name: "yaap", perQuery: true, summary: true, calc: calcYAAP},
	// otclir extension, not in trec_eval: MRR@k.
	{name: "recip_rank_cut", params: paramCutoffs, defCutoffs: trecCutoffs, perQuery: true, summary: true, calc: calcRecipRankCut},
}

// measureNicknames are trec_eval's measure sets (te_trec_measure_nicknames).
var measureNicknames = map[string][]string{
	"official": {"runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map",
		"Rprec", "bpref", "recip_rank", "iprec_at_recall", "P"},
	"all_trec": {"runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map",
		"Rprec", "bpref", "recip_rank", "iprec_at_recall", "P", "relstring",
		"recall", "infAP", "gm_bpref", "utility", "11pt_avg", "ndcg", "relative_P",
		"Rprec_mult", "success", "map_cut", "ndcg_cut", "ndcg_rel", "Rndcg", "binG", "G",
		"set_P", "set_recall", "set_relative_P", "set_map", "set_F", "num_nonrel_judged_ret"},
	"set": {"runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "utility", "set_P",
		"set_recall", "set_relative_P", "set_map", "set_F"},
	"all_prefs": {"runid", "num_q", "prefs_num_prefs_poss", "prefs_num_prefs_ful",
		"prefs_num_prefs_ful_ret", "prefs_simp", "prefs_pair", "prefs_avgjg", "prefs_avgjg_Rnonrel",
		"prefs_simp_ret", "prefs_pair_ret", "prefs_avgjg_ret", "prefs_avgjg_Rnonrel_ret",
		"prefs_simp_imp", "prefs_pair_imp", "prefs_avgjg_imp"},
	"prefs": {"runid", "num_q", "prefs_num_prefs_poss", "prefs_num_prefs_ful",
		"prefs_num_prefs_ful_ret", "prefs_simp", "prefs_pair", "prefs_avgjg"},
	"qrels_jg": {"runid", "num_q", "map_avgjg", "P_avgjg", "Rprec_mult_avgjg"},
}

func findDef(name string) *measureDef {
	for _, d := range measureTable {
		if d.name == name {
			return d
		}
	}
	return nil
}

// gainParam is one "level=gain" parameter of ndcg, ndcg_rel, Rndcg and G.
type gainParam struct {
	level int64
	gain  float64
}

// measure is one requested measure: a table entry with its parameters and
// relevance level, producing len(names) values per query.
type measure struct {
	def       *measureDef
	level     int64
	cutoffs   []int64   // paramCutoffs
	fractions []float64 // paramFractions (sorted) and paramValues (given order)
	gains     []gainParam
	names     []string // printed names, one per value
	off       int      // index of the first value in a query's value vector
}

// famKey identifies a requested family: rel is the relevance level an
// ir_measures name asked for (rel=N), hasRel false for the run's level.
type famKey struct {
	name   string
	rel    int64
	hasRel bool
}

type famRequest struct {
	marked    bool // asked for by name or nickname: default or dotted parameters
	cutoffs   []int64
	fractions []float64
}

// request accumulates -m arguments in trec_eval's way.
type request struct {
	fams map[famKey]*famRequest
	// args maps a name to its first dotted parameter string: trec_eval
	// uses the first "-m name.params" for a measure and ignores later ones.
	args map[string]string
}

func (rq *request) fam(k famKey) *famRequest {
	f := rq.fams[k]
	if f == nil {
		f = &famRequest{}
		rq.fams[k] = f
	}
	return f
}

func unknown(token string) error {
	return fmt.Errorf("measure %q: %w", token, ErrUnknownMeasure)
}

// parseMeasures resolves measure names (see the package doc) into measures
// in print order; level is the run's relevance level.
func parseMeasures(names []string, level int64) ([]*measure, error) {
	rq := &request{fams: map[famKey]*famRequest{}, args: map[string]string{}}
	got := false
	for _, raw := range names {
		for _, tok := range strings.Fields(raw) {
			if err := rq.add(tok, level); err != nil {
				return nil, err
			}
			got = true
		}
	}
	if !got {
		return nil, fmt.Errorf("no measure named: %w", ErrUnknownMeasure)
	}
	return rq.build(level)
}

// add records one measure token.
func (rq *request) add(tok string, level int64) error {
	if strings.ContainsAny(tok, "@(") {
		return rq.addAlias(tok, level)
	}
	if base, params, ok := strings.Cut(tok, "."); ok {
		_, nick := measureNicknames[base]
		if d := findDef(base); d != nil || nick {
			if params == "" {
				return fmt.Errorf("measure %q: empty parameter list: %w", tok, ErrMeasureParams)
			}
			if _, seen := rq.args[base]; !seen {
				rq.args[base] = params
			}
			return rq.mark(base)
		}
		// "iprec_at_recall_0.50", "Rprec_mult_1.20": an exact name.
		return rq.addExact(tok)
	}
	if findDef(tok) != nil || measureNicknames[tok] != nil {
		return rq.mark(tok)
	}
	if err := rq.addExact(tok); err == nil {
		return nil
	}
	return rq.addAlias(tok, level)
}

// mark marks a measure or every measure of a nickname at the run's level.
func (rq *request) mark(name string) error {
	list, nick := measureNicknames[name]
	if !nick {
		list = []string{name}
	}
	for _, n := range list {
		d := findDef(n)
		if d.needs != "" {
			return fmt.Errorf("measure %q needs trec_eval's %s rel_info format, which otclir does not read: %w", n, d.needs, ErrUnknownMeasure)
		}
		rq.fam(famKey{name: n}).marked = true
	}
	return nil
}

// addExact handles otclir's printed-name syntax: "P_5", "ndcg_cut_10",
// "iprec_at_recall_0.50".
func (rq *request) addExact(tok string) error {
	i := strings.LastIndexByte(tok, '_')
	if i <= 0 {
		return unknown(tok)
	}
	d := findDef(tok[:i])
	if d == nil {
		return unknown(tok)
	}
	return rq.addCut(d, famKey{name: d.name}, tok[i+1:], tok)
}

// addCut adds one cutoff (or fraction) given as text to family k.
func (rq *request) addCut(d *measureDef, k famKey, text, tok string) error {
	switch d.params {
	case paramCutoffs:
		c, err := strconv.ParseInt(text, 10, 64)
		if err != nil || c <= 0 {
			return fmt.Errorf("measure %q: cutoff %q must be a positive integer: %w", tok, text, ErrUnknownMeasure)
		}
		f := rq.fam(k)
		if !slices.Contains(f.cutoffs, c) {
			f.cutoffs = append(f.cutoffs, c)
		}
	case paramFractions:
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("measure %q: %q is not a number: %w", tok, text, ErrUnknownMeasure)
		}
		f := rq.fam(k)
		if !slices.Contains(f.fractions, v) {
			f.fractions = append(f.fractions, v)
		}
	default:
		return unknown(tok)
	}
	return nil
}

// alias is an ir_measures / ranx name: fam without a cutoff, cutFam with one.
type alias struct {
	fam, cutFam string
}

// measureAliases maps lower-cased ir_measures and ranx names to trec_eval
// families.
var measureAliases = map[string]alias{
	"ap":          {"map", "map_cut"},
	"map":         {"map", "map_cut"},
	"ndcg":        {"ndcg", "ndcg_cut"},
	"p":           {"", "P"},
	"precision":   {"", "P"},
	"r":           {"", "recall"},
	"recall":      {"", "recall"},
	"rr":          {"recip_rank", "recip_rank_cut"},
	"mrr":         {"recip_rank", "recip_rank_cut"},
	"rprec":       {"Rprec", ""},
	"r-prec":      {"Rprec", ""},
	"r-precision": {"Rprec", ""},
	"r_precision": {"Rprec", ""},
	"bpref":       {"bpref", ""},
	"infap":       {"infAP", ""},
	"numq":        {"num_q", ""},
	"numret":      {"num_ret", ""},
	"numrel":      {"num_rel", ""},
	"numrelret":   {"num_rel_ret", ""},
	"success":     {"", "success"},
	"hit_rate":    {"", "success"},
	"setp":        {"set_P", ""},
	"setr":        {"set_recall", ""},
	"setf":        {"set_F", ""},
	"setap":       {"set_map", ""},
	"setrelp":     {"set_relative_P", ""},
	"iprec":       {"", "iprec_at_recall"},
}

// addAlias handles NAME[(rel=N)][@cutoff] in ir_measures / ranx spelling.
func (rq *request) addAlias(tok string, level int64) error {
	name, cut, hasCut := strings.Cut(tok, "@")
	var params string
	if i := strings.IndexByte(name, '('); i >= 0 {
		if !strings.HasSuffix(name, ")") {
			return fmt.Errorf("measure %q: unbalanced parentheses: %w", tok, ErrUnknownMeasure)
		}
		name, params = name[:i], name[i+1:len(name)-1]
	}
	a, ok := measureAliases[strings.ToLower(name)]
	if !ok {
		return unknown(tok)
	}
	famName := a.fam
	if hasCut {
		famName = a.cutFam
	}
	if famName == "" {
		if hasCut {
			return fmt.Errorf("measure %q: %s takes no cutoff: %w", tok, name, ErrUnknownMeasure)
		}
		return fmt.Errorf("measure %q: %s needs a cutoff (%s@k): %w", tok, name, name, ErrUnknownMeasure)
	}
	d := findDef(famName)
	k := famKey{name: d.name}
	for _, p := range strings.Split(params, ",") {
		if p == "" && params == "" {
			break
		}
		key, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || key != "rel" {
			return fmt.Errorf("measure %q: parameter %q not supported (only rel=N): %w", tok, p, ErrUnknownMeasure)
		}
		rel, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return fmt.Errorf("measure %q: rel=%q is not an integer: %w", tok, val, ErrUnknownMeasure)
		}
		if d.levelFree {
			return fmt.Errorf("measure %q: %s does not depend on the relevance level: %w", tok, d.name, ErrUnknownMeasure)
		}
		if rel != level {
			k.rel, k.hasRel = rel, true
		}
	}
	if !hasCut {
		rq.fam(k).marked = true
		return nil
	}
	return rq.addCut(d, k, cut, tok)
}

// build turns the request into measures in print order.
func (rq *request) build(level int64) ([]*measure, error) {
	var out []*measure
	seen := map[string]bool{}
	for _, d := range measureTable {
		var keys []famKey
		for k := range rq.fams {
			if k.name == d.name {
				keys = append(keys, k)
			}
		}
		// the run's level first, then per-measure levels ascending
		slices.SortFunc(keys, func(a, b famKey) int {
			if a.hasRel != b.hasRel {
				if !a.hasRel {
					return -1
				}
				return 1
			}
			return cmp.Compare(a.rel, b.rel)
		})
		for _, k := range keys {
			f := rq.fams[k]
			m := &measure{def: d, level: level}
			if k.hasRel {
				m.level = k.rel
			}
			args, hasArgs := rq.args[d.name]
			if k.hasRel {
				hasArgs = false // dotted parameters belong to the run-level measure
			}
			if err := m.setParams(f, args, hasArgs); err != nil {
				return nil, err
			}
			if len(m.names) == 0 {
				continue
			}
			for _, n := range m.names {
				if seen[n] {
					return nil, fmt.Errorf("measure %s asked for at two relevance levels: %w", n, ErrUnknownMeasure)
				}
				seen[n] = true
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// setParams fills m's parameters and printed names from the request.
func (m *measure) setParams(f *famRequest, args string, hasArgs bool) error {
	d := m.def
	name := d.name
	switch d.params {
	case paramNone:
		if f.marked {
			m.names = []string{name}
		}
	case paramCutoffs:
		var cuts []int64
		if f.marked {
			cuts = slices.Clone(d.defCutoffs)
			if hasArgs {
				var err error
				if cuts, err = parseCutoffs(name, args); err != nil {
					return err
				}
			}
		}
		for _, c := range f.cutoffs {
			if !slices.Contains(cuts, c) {
				cuts = append(cuts, c)
			}
		}
		slices.Sort(cuts)
		m.cutoffs = cuts
		for _, c := range cuts {
			m.names = append(m.names, name+"_"+strconv.FormatInt(c, 10))
		}
	case paramFractions:
		var fr []float64
		if f.marked {
			fr = slices.Clone(d.defValues)
			if hasArgs {
				var err error
				if fr, err = parseFractions(name, args); err != nil {
					return err
				}
			}
		}
		for _, v := range f.fractions {
			if !slices.Contains(fr, v) {
				fr = append(fr, v)
			}
		}
		slices.Sort(fr)
		m.fractions = fr
		for _, v := range fr {
			// append_double: "%s_%3.2f" in a buffer of len(name)+10 bytes.
			s := fmt.Sprintf("%s_%3.2f", name, v)
			if len(s) > len(name)+9 {
				s = s[:len(name)+9]
			}
			m.names = append(m.names, s)
		}
	case paramValues:
		if !f.marked {
			return nil
		}
		m.fractions = slices.Clone(d.defValues)
		m.names = []string{name}
		if hasArgs {
			m.fractions = nil
			for _, p := range strings.Split(args, ",") {
				v, err := strconv.ParseFloat(p, 64)
				if err != nil {
					return fmt.Errorf("measure %s.%s: %q is not a number: %w", name, args, p, ErrMeasureParams)
				}
				m.fractions = append(m.fractions, v)
			}
			m.names = []string{name + "_" + args}
		}
		switch {
		case name == "utility" && len(m.fractions) != 4:
			// trec_eval.calc_utility: improper number of coefficients
			return fmt.Errorf("measure %s.%s: want 4 coefficients: %w", name, args, ErrMeasureParams)
		case name == "11pt_avg" && len(m.fractions) == 0:
			return fmt.Errorf("measure %s: no cutoff values: %w", name, ErrMeasureParams)
		}
	case paramGains:
		if !f.marked {
			return nil
		}
		m.names = []string{name}
		if hasArgs {
			g, err := parseGains(name, args)
			if err != nil {
				return err
			}
			m.gains = g
			m.names = []string{name + "_" + args}
		}
	}
	return nil
}

// parseCutoffs is get_long_cutoffs: comma-separated integers, sorted,
// positive, no duplicates.
func parseCutoffs(name, args string) ([]int64, error) {
	var out []int64
	for _, p := range strings.Split(args, ",") {
		c, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("measure %s.%s: cutoff %q is not an integer: %w", name, args, p, ErrMeasureParams)
		}
		out = append(out, c)
	}
	slices.Sort(out)
	if out[0] <= 0 {
		return nil, fmt.Errorf("measure %s.%s: cutoffs must be positive: %w", name, args, ErrMeasureParams)
	}
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("measure %s.%s: duplicate cutoffs: %w", name, args, ErrMeasureParams)
		}
	}
	return out, nil
}

// parseFractions is get_double_cutoffs: comma-separated reals, sorted, no
// duplicates.
func parseFractions(name, args string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(args, ",") {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) {
			return nil, fmt.Errorf("measure %s.%s: %q is not a number: %w", name, args, p, ErrMeasureParams)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("measure %s.%s: duplicate cutoffs: %w", name, args, ErrMeasureParams)
		}
	}
	return out, nil
}

// parseGains reads "level=gain,level=gain" (get_param_pairs); levels must
// be integers.
func parseGains(name, args string) ([]gainParam, error) {
	var out []gainParam
	for _, p := range strings.Split(args, ",") {
		l, g, ok := strings.Cut(p, "=")
		if !ok || strings.Contains(g, "=") {
			return nil, fmt.Errorf("measure %s.%s: want level=gain pairs: %w", name, args, ErrMeasureParams)
		}
		level, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("measure %s.%s: level %q is not an integer: %w", name, args, l, ErrMeasureParams)
		}
		gain, err := strconv.ParseFloat(g, 64)
		if err != nil || math.IsNaN(gain) {
			return nil, fmt.Errorf("measure %s.%s: gain %q is not a number: %w", name, args, g, ErrMeasureParams)
		}
		out = append(out, gainParam{level: level, gain: gain})
	}
	return out, nil
}
