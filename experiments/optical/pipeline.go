package optical

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
)

// The pipelines. PipelineV1 is the original toy pipeline (the default, and
// what the committed first-light, paper-grid, ablation and language-sweep
// runs used): an English-only teacher trained from scratch on WordNet
// pairs, its copy distilled into each student. PipelineV2 is the paper's
// design in miniature:
//
//  1. a subword vocabulary trained on a language-balanced sample (n^α,
//     pretrain_alpha) of a multilingual corpus: the UDHR training articles
//     of the lab's languages (pretrain_languages=all: of every UDHR
//     translation), the FreeDict dictionaries, the training bitext and the
//     teacher's pairs; plus every training text;
//  2. a shared encoder pretrained on that corpus with masked-language
//     modelling and translation-language modelling on the bitext
//     (pretrain.K settings, lib/distill.Pretrain), on sequences as long as
//     the evaluation's documents, so that every position the evaluation
//     uses is trained;
//  3. the English teacher fine-tuned from it on WordNet and GCIDE pairs,
//     the best step chosen by MAP on an English dev task that is not
//     self-retrieval (gcide-dev: a held-out term → its definitions);
//  4. students distilled from the teacher's copy on the bitext, each
//     student's step chosen on dev pairs held out from its bitext
//     (splitStudentDev).
//
// A grid seed is then the seed of the whole pipeline: the tokenizer's
// sample, the pretraining, the teacher, the splits and the student; and
// seed s tests UDHR on fold (s+1) mod 2 (udhr_fold), so that over seeds 1
// and 2 every article is a test article once (2-fold cross-validation).
const (
	PipelineV1 = "v1"
	PipelineV2 = "v2"
)

// Pipeline settings (besides pretrain.K).
const (
	settingPipeline      = "pipeline"
	settingUDHRFold      = "udhr_fold"
	settingPretrainAlpha = "pretrain_alpha"
	settingPretrainWords = "pretrain_words"
	settingGCIDEPairs    = "gcide_pairs"
	settingSelectEvery   = "teacher_select_every"
	settingDevQueries    = "dev_queries"
	settingPretrainLangs = "pretrain_languages"
)

// The values of pretrain_languages.
const (
	PretrainLab = "lab" // the lab's languages (the table's and the configured ones) and English
	PretrainAll = "all" // every UDHR translation too
)

// PipelineConfig holds the settings of PipelineV2 (zero under PipelineV1,
// where they are refused).
type PipelineConfig struct {
	Pretrain      map[string]any // lib/distill pretraining hyperparameters (settings pretrain.K)
	PretrainAlpha float64        // language balancing exponent of the tokenizer's sample (lib/data.BalancedSample)
	PretrainWords int            // words in the tokenizer's balanced sample
	GCIDEPairs    int            // GCIDE train pairs added to the teacher's WordNet pairs (0 = all)
	SelectEvery   int            // teacher steps between dev evaluations (model selection on gcide-dev)
	DevQueries    int            // queries of the gcide-dev task
	// PretrainLanguages is PretrainLab or PretrainAll: the languages of
	// the pretraining corpus and so of the vocabulary's sample (with "all"
	// the 532 UDHR translations bring some 2,300 characters, more than a
	// small vocabulary holds beside the subwords of the lab's languages).
	PretrainLanguages string
}

// DefaultPipelineV2 are the settings `pipeline=v2` applies.
func DefaultPipelineV2() PipelineConfig {
	p := copyMap(distill.DefaultPretrainParams)
	p[distill.ParamSteps] = 800
	p[distill.ParamPretrainLen] = 96 // the evaluation's document length: every position it uses is trained
	return PipelineConfig{Pretrain: p, PretrainAlpha: 0.3, PretrainWords: 2_000_000, GCIDEPairs: 0, SelectEvery: 200, DevQueries: 300,
		PretrainLanguages: PretrainLab}
}

// v2Teacher are the teacher hyperparameters `pipeline=v2` sets over the
// defaults: longer fine-tuning on the larger pair set, at the evaluation's
// query length (documents: GCIDE and WordNet glosses are short, and the
// pretraining trained the positions up to doc_len).
var v2Teacher = map[string]any{
	distill.ParamSteps:    800,
	distill.ParamQueryLen: 64,
	distill.ParamDocLen:   64,
}

// v2Student are the student hyperparameters `pipeline=v2` sets over the
// defaults, chosen on the students' dev split (never the test collections;
// make dev-student, README "Student defaults"): the in-batch MaxSim term
// at weight 1 beside the OT loss (dev MAP 0.626 against 0.391 without it
// at the selected steps, seed 1, mean of the 7 low-resource languages).
var v2Student = map[string]any{
	distill.ParamMaxSimWeight: 1.0,
}

// noPretraining is the teacher spec's Pretrained under pipeline=v2 with
// pretrain.train_steps=0 (the ablation without multilingual pretraining:
// the teacher starts from a fresh encoder).
const noPretraining = "none"

// pretrains reports whether the v2 pipeline has its pretraining stage
// (pretrain.train_steps > 0).
func (p PipelineConfig) pretrains() bool {
	n, _ := toFloat(p.Pretrain[distill.ParamSteps])
	return n > 0
}

// V2 reports whether c runs PipelineV2.
func (c *Config) V2() bool { return c.Pipeline == PipelineV2 }

// setPipeline applies `pipeline=NAME`: v2 sets DefaultPipelineV2 and the
// v2 teacher and student hyperparameters (later settings override them),
// v1 clears them.
func (c *Config) setPipeline(value string) error {
	switch value {
	case PipelineV1, "":
		if c.V2() { // undo what v2 set
			for k := range v2Teacher {
				c.Teacher[k] = distill.DefaultTeacherParams[k]
			}
			for k := range v2Student {
				c.Student[k] = distill.DefaultStudentParams[k]
			}
		}
		c.Pipeline, c.PipelineConfig = "", PipelineConfig{}
	case PipelineV2:
		c.Pipeline, c.PipelineConfig = PipelineV2, DefaultPipelineV2()
		for k, v := range v2Teacher {
			c.Teacher[k] = v
		}
		for k, v := range v2Student {
			c.Student[k] = v
		}
	default:
		return fmt.Errorf("want %s or %s, got %q", PipelineV1, PipelineV2, value)
	}
	return nil
}

// setPipelineKey sets one of the v2 settings (ok false: not one of them).
func (c *Config) setPipelineKey(key, value string) (ok bool, err error) {
	switch key {
	case settingUDHRFold:
		c.UDHRFold, err = strconv.Atoi(value)
		return true, err
	case settingPretrainAlpha, settingPretrainWords, settingGCIDEPairs, settingSelectEvery, settingDevQueries, settingPretrainLangs:
	default:
		return false, nil
	}
	if !c.V2() {
		return true, fmt.Errorf("only with %s=%s (set it first)", settingPipeline, PipelineV2)
	}
	p := &c.PipelineConfig
	switch key {
	case settingPretrainAlpha:
		p.PretrainAlpha, err = strconv.ParseFloat(value, 64)
	case settingPretrainWords:
		p.PretrainWords, err = strconv.Atoi(value)
	case settingGCIDEPairs:
		p.GCIDEPairs, err = strconv.Atoi(value)
	case settingSelectEvery:
		p.SelectEvery, err = strconv.Atoi(value)
	case settingDevQueries:
		p.DevQueries, err = strconv.Atoi(value)
	case settingPretrainLangs:
		p.PretrainLanguages = value
	}
	return true, err
}

// setPretrain sets pretrain.NAME (v2 only).
func (c *Config) setPretrain(name, value string) error {
	if !c.V2() {
		return fmt.Errorf("pretrain.%s: only with %s=%s (set it first)", name, settingPipeline, PipelineV2)
	}
	old, ok := distill.DefaultPretrainParams[name]
	if !ok {
		return fmt.Errorf("unknown pretrain hyperparameter %q (known: %v)", name, sortedKeys(distill.DefaultPretrainParams))
	}
	v, err := parseLike(old, value)
	if err != nil {
		return err
	}
	c.PipelineConfig.Pretrain[name] = v
	return nil
}

// validatePipeline checks the pipeline settings (maxPos: the encoder's
// positions).
func (c *Config) validatePipeline(maxPos int) error {
	if c.UDHRFold != 0 && c.UDHRFold != 1 {
		return fmt.Errorf("optical: setting %q = %d: want 0 or 1", settingUDHRFold, c.UDHRFold)
	}
	switch c.Pipeline {
	case "":
		return nil
	case PipelineV2:
	default:
		return fmt.Errorf("optical: setting %q = %q: want %s or %s", settingPipeline, c.Pipeline, PipelineV1, PipelineV2)
	}
	if c.usesCheckpoints() {
		return fmt.Errorf("optical: setting %q = %s trains its own encoder: it cannot be combined with teacher.checkpoint or student.init", settingPipeline, PipelineV2)
	}
	p := c.PipelineConfig
	if a := p.PretrainAlpha; math.IsNaN(a) || a <= 0 || a > 1 {
		return fmt.Errorf("optical: setting %q = %v: want a number in (0, 1]", settingPretrainAlpha, a)
	}
	for _, x := range []struct {
		key       string
		v, lo, hi int
	}{
		{settingPretrainWords, p.PretrainWords, 1000, math.MaxInt},
		{settingGCIDEPairs, p.GCIDEPairs, 0, math.MaxInt},
		{settingSelectEvery, p.SelectEvery, 1, math.MaxInt32},
		{settingDevQueries, p.DevQueries, 10, 100000},
	} {
		if x.v < x.lo || x.v > x.hi {
			return fmt.Errorf("optical: setting %q = %d: want %s", x.key, x.v, c.intRange(x.lo, x.hi, false))
		}
	}
	if p.PretrainLanguages != PretrainLab && p.PretrainLanguages != PretrainAll {
		return fmt.Errorf("optical: setting %q = %q: want %s or %s", settingPretrainLangs, p.PretrainLanguages, PretrainLab, PretrainAll)
	}
	if err := checkHyper("pretrain", p.Pretrain, distill.DefaultPretrainParams, nil, maxPos); err != nil {
		return err
	}
	return nil
}

// pipelineSettings are the pipeline's settings in Settings' form: none
// under v1 (so v1 runs record what they recorded before pipelines existed).
func (c *Config) pipelineSettings() []string {
	var parts []string
	if c.UDHRFold != 0 {
		parts = append(parts, fmt.Sprintf("%s=%d", settingUDHRFold, c.UDHRFold))
	}
	if !c.V2() {
		return parts
	}
	p := c.PipelineConfig
	// pipeline=v2 first: Set applies its defaults, then the values below.
	parts = append([]string{settingPipeline + "=" + PipelineV2}, parts...)
	parts = append(parts,
		settingPretrainAlpha+"="+strconv.FormatFloat(p.PretrainAlpha, 'g', -1, 64),
		fmt.Sprintf("%s=%d", settingPretrainWords, p.PretrainWords),
		fmt.Sprintf("%s=%d", settingGCIDEPairs, p.GCIDEPairs),
		fmt.Sprintf("%s=%d", settingSelectEvery, p.SelectEvery),
		fmt.Sprintf("%s=%d", settingDevQueries, p.DevQueries),
		settingPretrainLangs+"="+p.PretrainLanguages)
	for _, k := range sortedKeys(p.Pretrain) {
		v := p.Pretrain[k]
		if f, ok := v.(float64); ok {
			v = strconv.FormatFloat(f, 'g', -1, 64)
		}
		parts = append(parts, fmt.Sprintf("pretrain.%s=%v", k, v))
	}
	return parts
}

// foldFor is the UDHR fold of pipeline seed s: (s+1) mod 2, so seeds 1
// and 2 cover both folds.
func foldFor(seed int64) int {
	return int(((seed+1)%2 + 2) % 2)
}

// samePipelineData reports whether a and b select the same v2 corpus (the
// settings LoadCorpus reads; the pretraining hyperparameters select none).
func samePipelineData(a, b *Config) bool {
	pa, pb := a.PipelineConfig, b.PipelineConfig
	return pa.GCIDEPairs == pb.GCIDEPairs && pa.DevQueries == pb.DevQueries && pa.PretrainLanguages == pb.PretrainLanguages
}

// seedLab is the lab that evaluates a cell of seed seed: under
// PipelineV2, where a grid seed is the whole pipeline's, the lab derived
// with seed=seed and that seed's UDHR fold (foldFor, flipped when this
// lab's own fold is flipped from its seed's); else, and for this lab's own
// seed, l. Derived labs are kept (shared) for the lab's other cells.
func (l *Lab) seedLab(ctx context.Context, seed int64) (*Lab, error) {
	if !l.cfg.V2() || seed == l.cfg.Seed {
		return l, nil
	}
	fold := (foldFor(seed) + foldFor(l.cfg.Seed) + l.cfg.UDHRFold) % 2
	// The seed of every stage: initialisation (seed), the tokenizer's
	// sample and the teacher's pairs (seed), the pretraining's and the
	// teacher's batch orders (their data seeds), the CLDR split
	// (cldrSplitSeed) and the UDHR fold; the student's is the cell's.
	settings := fmt.Sprintf("seed=%d;%s=%d;teacher.%s=%d;pretrain.%s=%d", seed, settingUDHRFold, fold,
		distill.ParamDataSeed, seed, distill.ParamDataSeed, seed)
	l.shared.mu.Lock()
	if l.shared.seedLabs == nil {
		l.shared.seedLabs = map[string]*Lab{}
	}
	key := l.cfg.Settings() + "|" + settings
	sl := l.shared.seedLabs[key]
	l.shared.mu.Unlock()
	if sl != nil {
		return sl, nil
	}
	fmt.Fprintf(l.cfg.Out, "pipeline seed %d: loading its corpus (UDHR fold %d)\n", seed, fold)
	sl, err := l.With(ctx, settings)
	if err != nil {
		return nil, fmt.Errorf("optical: pipeline seed %d: %w", seed, err)
	}
	l.shared.mu.Lock()
	l.shared.seedLabs[key] = sl
	l.shared.mu.Unlock()
	return sl, nil
}

// udhrFoldParam is the fold a run records: always under PipelineV2, else
// only when set (so v1 runs keep the parameters they had).
func (c *Config) udhrFoldParam() string {
	if c.V2() || c.UDHRFold != 0 {
		return strconv.Itoa(c.UDHRFold)
	}
	return ""
}

// pretrainLanguages are the languages (ISO 639-3, data.ISOOf) of the
// pretraining corpus under PretrainLab: every loaded language, English
// included.
func (c *Corpus) pretrainLanguages() []string {
	var out []string
	for _, l := range c.tokenizerLanguages() {
		out = append(out, data.ISOOf(l))
	}
	return out
}

// The v2 student's dev set: a share of each language's bitext held out
// from every system's training (splitStudentDev), on which the student's
// step is selected (foreign side → English side retrieval, MAP) every
// studentSelectEvery steps.
const (
	studentDevFraction = 0.04
	studentDevMax      = 200 // dev queries at most
	studentSelectEvery = 100
)

// splitStudentDev splits a language's bitext into training pairs and the
// student's dev collection: a pair is dev when data.InDev of its foreign
// side (its normalized words, so all pairs of one foreign text fall on one
// side) with seed holds, at most studentDevMax foreign texts. Queries are
// the dev pairs' foreign texts, documents their English texts (each text
// once), relevant the English texts paired with the query. Deterministic.
func splitStudentDev(pairs []data.Pair, seed int64) ([]data.Pair, data.Collection) {
	dev := data.Collection{Name: "student-dev", QueryLang: "foreign", DocLang: "eng", Qrels: data.Qrels{}}
	queries := map[string]string{} // foreign text -> qid
	docs := map[string]string{}    // English text -> docno
	var train []data.Pair
	for _, p := range pairs {
		key := strings.Join(strings.Fields(strings.ToLower(p.Src)), " ")
		qid, isDev := queries[p.Src]
		if !isDev && (len(queries) >= studentDevMax || !data.InDev(key, seed, studentDevFraction)) {
			train = append(train, p)
			continue
		}
		if !isDev {
			qid = fmt.Sprintf("dev-q%d", len(queries)+1)
			queries[p.Src] = qid
			dev.Queries = append(dev.Queries, data.Query{ID: qid, Text: p.Src})
			dev.Qrels[qid] = map[string]int{}
		}
		docno, ok := docs[p.Tgt]
		if !ok {
			docno = fmt.Sprintf("dev-d%d", len(docs)+1)
			docs[p.Tgt] = docno
			dev.Docs = append(dev.Docs, data.Doc{ID: docno, Text: p.Tgt})
		}
		dev.Qrels[qid][docno] = 1
	}
	return train, dev
}

// studentDev is lang's dev collection (splitStudentDev of its bitext).
func (l *Lab) studentDev(lang string) (data.Collection, error) {
	all, err := l.Corpus.Bitext(lang)
	if err != nil {
		return data.Collection{}, err
	}
	_, dev := splitStudentDev(all, l.cfg.SplitSeed)
	if len(dev.Queries) == 0 {
		return dev, fmt.Errorf("optical: student %s: no dev pair among %d bitext pairs", lang, len(all))
	}
	return dev, nil
}

// studentSelection is the v2 student's model selection: MAP on its dev
// collection, the student encoding the foreign side and the teacher the
// English one, as ot ranks.
func (l *Lab) studentSelection(ctx context.Context, run *tracker.Run, lang string, teacher *encoder.Model) (*distill.Selection, error) {
	dev, err := l.studentDev(lang)
	if err != nil {
		return nil, err
	}
	return &distill.Selection{Every: studentSelectEvery,
		Score: func(m *encoder.Model) (float64, error) {
			r, err := l.selectionRanker("student-dev", m, m, teacher)(ctx, dev)
			if err != nil {
				return 0, err
			}
			res, err := eval.Evaluate(eval.Qrels(dev.Qrels), r, eval.Options{Measures: []string{"map"}})
			if err != nil {
				return 0, err
			}
			return res.Aggregate["map"], nil
		},
		OnScore: func(step int64, score float64, _ bool) error { return run.LogMetric("dev_map", step, score) }}, nil
}

// CollectionGCIDEDev is the v2 teacher's English dev task (a held-out
// GCIDE term → its definitions; Corpus.GCIDEDev) as a collection of
// English→English reference runs: the teacher is selected on it, so its
// MAP there is a dev figure, not a test one; BM25's is the bar the teacher
// is meant to clear.
const CollectionGCIDEDev = sourceGCIDEDev

type gcideDevSource struct{ c *Corpus }

func (gcideDevSource) Name() string                  { return CollectionGCIDEDev }
func (gcideDevSource) Provenance() map[string]string { return nil }

func (s gcideDevSource) Collection(qLang, dLang string) (data.Collection, error) {
	if qLang != "eng" || dLang != "eng" {
		return data.Collection{}, fmt.Errorf("optical: the %s collection is English→English, got %s", CollectionGCIDEDev, record.Pair(qLang, dLang))
	}
	return s.c.GCIDEDev(), nil
}

// TestQueries is empty: a dev collection, which the v2 corpus keeps out
// of every training stage itself (its texts are in the word tasks'
// exclusion).
func (gcideDevSource) TestQueries(string) ([]data.Query, error) { return nil, nil }
