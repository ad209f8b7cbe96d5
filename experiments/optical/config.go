package optical

import (
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/ot"
	"github.com/otclir/otclir/tracker"
)

// Config is everything that determines a lab run. Hyperparameters live in
// three maps keyed by the packages' Param* constants: Encoder (lib/encoder),
// Teacher and Student (lib/distill, lib/ot).
type Config struct {
	CacheDir    string // npm data cache (lib/data.CacheDir by default)
	ArtifactDir string // models, run files, charts
	DBPath      string // tracker database
	Experiment  string // tracker experiment name

	Languages    []string // foreign languages evaluated against English (codes of lib/data's table, or any code the data resolves: languages.go)
	VocabSize    int      // subword vocabulary size
	Seed         int64    // model initialisation and data shuffling
	SplitSeed    int64    // which UDHR articles / CLDR concepts are held out
	TestFraction float64  // fraction of UDHR articles held out as test queries
	CLDRTest     float64  // fraction of CLDR concepts held out (never trained on)
	TeacherPairs int      // WordNet pairs for the teacher (0 = all)
	QueryLen     int      // subwords kept per query at retrieval time
	DocLen       int      // subwords kept per document at retrieval time
	Depth        int      // documents kept per query in run files
	BitextBudget int      // bitext pairs per language for students and the translation baseline (0 = all)
	IBM1Iters    int      // EM iterations of the IBM Model 1 translation table

	// MTQueries maps a language to a TSV file of its test queries translated
	// into English by an MT system (qid<TAB>text): the "mt" system ranks them
	// with BM25. Set with "mt_queries=swh:path.tsv,som:other.tsv".
	MTQueries map[string]string

	// User is the user's own collection and bitext (settings user.*, see
	// UserConfig); empty when not used.
	User UserConfig

	// Resource holds resource classes set by the user over the published
	// ones (setting "resource=zul:2,quz:unknown"; lib/data.ResourceClasses):
	// the class a language's runs record the level of.
	Resource data.ResourceClasses

	// WordSep sets the word separator of configured languages over the one
	// detected from their text (setting "word_separator=shn:none,khm:space";
	// lib/data.WordSeps).
	WordSep map[string]string

	Encoder, Teacher, Student map[string]any

	// TeacherCheckpoint is a HuggingFace checkpoint directory used as the
	// frozen English teacher instead of training one (setting
	// teacher.checkpoint; "~" expands to the home directory, the path is
	// made absolute); StudentInit one the students are initialised from
	// (student.init) instead of the teacher. Their ColBERT conventions
	// (teacher.conventions, student.conventions) are
	// encoder.ParseConventions strings, "auto" (what the checkpoint implies)
	// when empty.
	TeacherCheckpoint, TeacherConventions string
	StudentInit, StudentConventions       string

	// Pipeline is "" (PipelineV1) or PipelineV2 (setting pipeline; see
	// pipeline.go), PipelineConfig its v2 settings. UDHRFold (setting
	// udhr_fold, 0 or 1) swaps UDHR's test and training articles (the
	// preamble always trains): the second fold of a 2-fold
	// cross-validation at test_fraction 0.5.
	Pipeline       string
	PipelineConfig PipelineConfig
	UDHRFold       int

	Force     bool      // retrain and re-evaluate even when cached
	ForceEval bool      // re-evaluate even when cached (models are still reused)
	Out       io.Writer // progress and tables (os.Stdout by default)
}

// DefaultConfig is the configuration of the README's demo: swh→eng (low
// resource) and deu→eng (high resource) on the embedded default data.
func DefaultConfig() *Config {
	c := &Config{
		CacheDir:     data.CacheDir(),
		ArtifactDir:  "artifacts",
		DBPath:       tracker.DefaultPath(),
		Experiment:   "first-light",
		Languages:    []string{"swh", "deu"},
		VocabSize:    8000,
		Seed:         1,
		SplitSeed:    2023,
		TestFraction: 0.5,
		CLDRTest:     0.2,
		TeacherPairs: 40000,
		QueryLen:     64,
		DocLen:       96,
		Depth:        1000,
		IBM1Iters:    10,
		Encoder:      copyMap(encoder.DefaultParams),
		Teacher:      copyMap(distill.DefaultTeacherParams),
		Student:      copyMap(distill.DefaultStudentParams),
		Out:          os.Stdout,
	}
	return c
}

// SmallConfig is a minutes-scale configuration for notebooks and smoke tests:
// one language pair, a small vocabulary and few training steps.
func SmallConfig() *Config {
	c := DefaultConfig()
	c.Experiment = "quickstart"
	c.Languages = []string{"swh"}
	c.VocabSize = 3000
	c.TeacherPairs = 4000
	c.Encoder[encoder.ParamDim] = 64
	c.Encoder[encoder.ParamFFNDim] = 128
	c.Encoder[encoder.ParamOutputDim] = 64
	c.Encoder[encoder.ParamLayers] = 1
	c.Teacher[distill.ParamSteps] = 60
	c.Student[distill.ParamSteps] = 60
	return c
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Set applies settings "key=value;key=value" (the CLI's -set flag and the
// notebooks' %% --set). Keys: languages (comma list), vocab_size, seed,
// split_seed, test_fraction, cldr_test_fraction, teacher_pairs, query_len,
// doc_len, depth, bitext_budget, ibm1_iterations, mt_queries, experiment,
// resource (code:class, lib/data.ParseResourceClasses), word_separator
// (code:space|ethiopic|none),
// user.K for the user's collection (UserConfig: user.docs, user.topics,
// user.qrels, user.lang, user.doc_lang, user.name, user.bitext,
// user.bitext_src, user.bitext_tgt), teacher.checkpoint, teacher.conventions,
// student.init and student.conventions (HuggingFace checkpoints), and
// encoder.K, teacher.K, student.K for the hyperparameters of those maps
// (student.K also for lib/distill's optional FineTuneParams). A value must
// parse as the type of the default it replaces; unknown keys are errors.
func (c *Config) Set(settings string) error {
	for _, part := range strings.Split(settings, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("optical: setting %q: want key=value", part)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if err := c.set(key, value); err != nil {
			return fmt.Errorf("optical: setting %q: %w", key, err)
		}
	}
	return nil
}

func (c *Config) set(key, value string) error {
	var err error
	switch key {
	case "languages":
		c.Languages = nil
		for _, l := range strings.Split(value, ",") {
			if l = strings.TrimSpace(l); l != "" {
				if lg, err := data.LookupLanguage(l); err == nil {
					l = lg.Code // "sw" → "swh"
				} else if err := checkLanguageCode(l); err != nil {
					return err
				}
				c.Languages = append(c.Languages, l) // other codes resolve against the data (languages.go)
			}
		}
		return nil
	case "resource":
		rc, err := data.ParseResourceClasses(value)
		if err != nil {
			return err
		}
		c.Resource = rc
		return nil
	case "word_separator":
		c.WordSep = map[string]string{}
		for _, item := range strings.Split(value, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			code, sep, ok := strings.Cut(item, ":")
			code, sep = strings.TrimSpace(code), strings.TrimSpace(sep)
			if !ok || code == "" {
				return fmt.Errorf("want code:separator[,code:separator], got %q", item)
			}
			if err := data.ValidWordSep(sep); err != nil {
				return err
			}
			c.WordSep[code] = sep
		}
		return nil
	case "experiment":
		c.Experiment = value
		return nil
	case settingPipeline:
		return c.setPipeline(value)
	case settingTeacherCheckpoint:
		c.TeacherCheckpoint, err = checkpointPath(value)
		return err
	case settingStudentInit:
		c.StudentInit, err = checkpointPath(value)
		return err
	case settingTeacherConventions:
		c.TeacherConventions = value
		return nil
	case settingStudentConventions:
		c.StudentConventions = value
		return nil
	case "vocab_size":
		c.VocabSize, err = strconv.Atoi(value)
	case "seed":
		c.Seed, err = strconv.ParseInt(value, 10, 64)
	case "split_seed":
		c.SplitSeed, err = strconv.ParseInt(value, 10, 64)
	case "test_fraction":
		c.TestFraction, err = strconv.ParseFloat(value, 64)
	case "cldr_test_fraction":
		c.CLDRTest, err = strconv.ParseFloat(value, 64)
	case "teacher_pairs":
		c.TeacherPairs, err = strconv.Atoi(value)
	case "query_len":
		c.QueryLen, err = strconv.Atoi(value)
	case "doc_len":
		c.DocLen, err = strconv.Atoi(value)
	case "depth":
		c.Depth, err = strconv.Atoi(value)
	case "bitext_budget":
		c.BitextBudget, err = strconv.Atoi(value)
	case "ibm1_iterations":
		c.IBM1Iters, err = strconv.Atoi(value)
	case "mt_queries":
		c.MTQueries = map[string]string{}
		for _, item := range strings.Split(value, ",") {
			lang, path, ok := strings.Cut(strings.TrimSpace(item), ":")
			if !ok || lang == "" || path == "" {
				return fmt.Errorf("want lang:path[,lang:path], got %q", item)
			}
			c.MTQueries[lang] = path
		}
		return nil
	default:
		if ok, err := c.setPipelineKey(key, value); ok {
			return err
		}
		prefix, name, ok := strings.Cut(key, ".")
		if !ok {
			return fmt.Errorf("unknown setting")
		}
		var m map[string]any
		switch prefix {
		case "user":
			return c.User.set(name, value)
		case "pretrain":
			return c.setPretrain(name, value)
		case "encoder":
			m = c.Encoder
		case "teacher":
			m = c.Teacher
		case "student":
			m = c.Student
		default:
			return fmt.Errorf("unknown setting group %q (want encoder., teacher., student., pretrain. or user.)", prefix)
		}
		old, found := m[name]
		if !found && prefix == "student" {
			old, found = distill.OptionalStudentParams[name]
		}
		if !found {
			return fmt.Errorf("unknown %s hyperparameter %q (known: %s)", prefix, name, strings.Join(sortedKeys(m), ", "))
		}
		v, err := parseLike(old, value)
		if err != nil {
			return err
		}
		m[name] = v
		if _, set := m[ot.ParamMarginalTau]; prefix == "student" && name == distill.ParamStudentLoss && v == distill.LossOTUnbalanced && !set {
			// The relaxation joins the settings (and so the student's key) with the loss that reads it.
			m[ot.ParamMarginalTau] = distill.OptionalStudentParams[ot.ParamMarginalTau]
		}
		return nil
	}
	return err
}

func parseLike(old any, value string) (any, error) {
	switch old.(type) {
	case int:
		return strconv.Atoi(value)
	case int64:
		return strconv.ParseInt(value, 10, 64)
	case float64:
		return strconv.ParseFloat(value, 64)
	case bool:
		return strconv.ParseBool(value)
	case string:
		return value, nil
	default:
		return nil, fmt.Errorf("cannot set a %T", old)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Validate checks every setting before any work starts: each error names
// the setting (as -set spells it) and the allowed range. It checks the
// experiment name (it becomes a folder name: tracker.ValidateName), the
// languages, every number's range (NaN and ±Inf included), and every
// hyperparameter of the encoder, teacher and student maps: its type (that of
// its default) and its range (see hyperRules).
func (c *Config) Validate() error {
	if err := tracker.ValidateName("experiment", c.Experiment); err != nil {
		return fmt.Errorf("optical: setting \"experiment\": %w", err)
	}
	if len(c.Languages) == 0 {
		return fmt.Errorf("optical: setting \"languages\": no languages configured")
	}
	seen := map[string]bool{}
	for _, l := range c.Languages {
		if lg, err := data.LookupLanguage(l); err == nil {
			if lg.Code != l {
				return fmt.Errorf("optical: setting \"languages\": %q: write the language's code %q", l, lg.Code)
			}
			if lg.Code == "eng" {
				return fmt.Errorf("optical: setting \"languages\": eng is the teacher's language; list the foreign languages")
			}
		} else if err := checkLanguageCode(l); err != nil {
			return fmt.Errorf("optical: setting \"languages\": %w", err)
		}
		if seen[l] {
			return fmt.Errorf("optical: setting \"languages\": %s listed twice", l)
		}
		seen[l] = true
	}
	for code, sep := range c.WordSep {
		if err := data.ValidWordSep(sep); err != nil {
			return fmt.Errorf("optical: setting \"word_separator\": %s: %w", code, err)
		}
	}
	maxPos, _ := c.Encoder[encoder.ParamMaxPositions].(int)
	// Queries, documents and bitext are encoded by the teacher and the
	// students: their lengths are bounded by the models' positions.
	limit, err := c.validateCheckpoints(maxPos)
	if err != nil {
		return err
	}
	ints := []struct {
		key       string
		v, lo, hi int
	}{
		{"vocab_size", c.VocabSize, 100, 1 << 20},
		{"teacher_pairs", c.TeacherPairs, 0, math.MaxInt}, // 0 = all
		{"query_len", c.QueryLen, 1, limit},
		{"doc_len", c.DocLen, 1, limit},
		{"depth", c.Depth, 1, math.MaxInt},
		{"bitext_budget", c.BitextBudget, 0, math.MaxInt}, // 0 = all
		{"ibm1_iterations", c.IBM1Iters, 1, 10000},
	}
	// The encoder's own ranges first: query_len and doc_len are bounded by
	// its position table.
	if err := checkHyper("encoder", c.Encoder, encoder.DefaultParams, nil, maxPos); err != nil {
		return err
	}
	if err := validateEncoderShape(c.Encoder); err != nil {
		return err
	}
	for _, x := range ints {
		if x.v < x.lo || x.v > x.hi {
			return fmt.Errorf("optical: setting %q = %d: want %s", x.key, x.v, c.intRange(x.lo, x.hi, x.key == "query_len" || x.key == "doc_len"))
		}
	}
	for _, f := range []struct {
		key          string
		v, lo, hi    float64
		openLo, open bool
	}{
		{"test_fraction", c.TestFraction, 0, 1, true, true},
		{"cldr_test_fraction", c.CLDRTest, 0, 1, false, true},
	} {
		bad := math.IsNaN(f.v) || f.v > f.hi || f.v < f.lo || (f.openLo && f.v == f.lo) || (f.open && f.v == f.hi)
		if bad {
			lo, hi := "[", "]"
			if f.openLo {
				lo = "("
			}
			if f.open {
				hi = ")"
			}
			return fmt.Errorf("optical: setting %q = %v: want a number in %s%g, %g%s", f.key, f.v, lo, f.lo, f.hi, hi)
		}
	}
	for lang, path := range c.MTQueries {
		if !validLang.MatchString(lang) || path == "" {
			return fmt.Errorf("optical: setting \"mt_queries\": %q:%q: want lang:path with a language code of letters, digits and _", lang, path)
		}
	}
	if err := checkHyper("teacher", c.Teacher, distill.DefaultTeacherParams, nil, maxPos); err != nil {
		return err
	}
	if err := checkHyper("student", c.Student, distill.DefaultStudentParams, distill.OptionalStudentParams, limit); err != nil {
		return err
	}
	if err := validateSchedule(c.Student); err != nil {
		return err
	}
	if _, ok := c.Student[ot.ParamMarginalTau]; !ok && c.Student[distill.ParamStudentLoss] == distill.LossOTUnbalanced {
		return fmt.Errorf("optical: setting %q is missing: student.%s=%s reads it (the default is %v)", "student."+ot.ParamMarginalTau,
			distill.ParamStudentLoss, distill.LossOTUnbalanced, distill.OptionalStudentParams[ot.ParamMarginalTau])
	}
	if w, _ := c.Student[distill.ParamMaxSimWeight].(float64); c.Student[distill.ParamStudentLoss] == distill.LossNone && !(w > 0) {
		return fmt.Errorf("optical: setting \"student.%s\" = %v: student.%s=%s trains on the in-batch MaxSim term alone, which needs a weight > 0",
			distill.ParamMaxSimWeight, w, distill.ParamStudentLoss, distill.LossNone)
	}
	if batch, _ := c.Teacher[distill.ParamBatchSize].(int); c.TeacherPairs > 0 && c.TeacherPairs < batch {
		return fmt.Errorf("optical: setting \"teacher_pairs\" = %d is less than \"teacher.%s\" = %d (one batch)", c.TeacherPairs, distill.ParamBatchSize, batch)
	}
	if err := c.validatePipeline(maxPos); err != nil {
		return err
	}
	if c.User.Enabled() {
		return c.User.validate()
	}
	return nil
}

func (c *Config) intRange(lo, hi int, positions bool) string {
	switch {
	case hi == math.MaxInt:
		return fmt.Sprintf("an integer >= %d", lo)
	case positions && c.usesCheckpoints():
		return fmt.Sprintf("an integer in [%d, %d] (at most the positions of the models in use)", lo, hi)
	case positions:
		return fmt.Sprintf("an integer in [%d, %d] (at most encoder.%s)", lo, hi, encoder.ParamMaxPositions)
	}
	return fmt.Sprintf("an integer in [%d, %d]", lo, hi)
}

// A hyperRule bounds one hyperparameter of the encoder, teacher or student
// map (the settings encoder.K, teacher.K, student.K).
type hyperRule struct {
	min, max   float64  // inclusive bounds of a number (NaN and ±Inf are always refused)
	openMin    bool     // min itself is excluded (> min)
	maxPos     bool     // at most encoder.encoder_max_positions
	oneOf      []string // allowed strings
	anyInteger bool     // any integer (seeds)
	boolean    bool     // true or false
}

var (
	positive    = hyperRule{min: 0, max: math.MaxFloat64, openMin: true}
	nonNegative = hyperRule{min: 0, max: math.MaxFloat64}
	count       = hyperRule{min: 1, max: math.MaxInt32}
	length      = hyperRule{min: 1, max: math.MaxInt32, maxPos: true}
	anySeed     = hyperRule{anyInteger: true}
)

// hyperRules holds a rule for every key of encoder.DefaultParams,
// distill.DefaultTeacherParams and distill.DefaultStudentParams (a test
// checks that none lacks one), by group.
var hyperRules = map[string]map[string]hyperRule{
	"pretrain": { // pipeline=v2 (pipeline.go)
		distill.ParamSteps:        {min: 0, max: math.MaxInt32}, // 0: no pretraining (the ablation)
		distill.ParamBatchSize:    count,
		distill.ParamLearningRate: positive,
		distill.ParamPretrainLen:  hyperRule{min: 2, max: math.MaxInt32, maxPos: true}, // a TLM pair needs a token a side
		distill.ParamMaskProb:     hyperRule{min: 0, max: 1, openMin: true},
		distill.ParamTLMFraction:  hyperRule{min: 0, max: 1},
		distill.ParamLogEvery:     count,
		distill.ParamDataSeed:     anySeed,
	},
	"encoder": {
		encoder.ParamDim:          count,
		encoder.ParamLayers:       count,
		encoder.ParamHeads:        count,
		encoder.ParamFFNDim:       count,
		encoder.ParamOutputDim:    count,
		encoder.ParamMaxPositions: hyperRule{min: 1, max: 1 << 16},
		encoder.ParamInitStd:      positive,
	},
	"teacher": {
		distill.ParamSteps:        count,
		distill.ParamBatchSize:    hyperRule{min: 2, max: 1 << 16}, // in-batch negatives need two pairs
		distill.ParamLearningRate: positive,
		distill.ParamTemperature:  positive,
		distill.ParamQueryLen:     length,
		distill.ParamDocLen:       length,
		distill.ParamLogEvery:     count,
		distill.ParamDataSeed:     anySeed,
	},
	"student": {
		distill.ParamSteps:        count,
		distill.ParamBatchSize:    hyperRule{min: 1, max: 1 << 16},
		distill.ParamLearningRate: positive,
		distill.ParamBitextLen:    length,
		distill.ParamStudentLoss:  hyperRule{oneOf: distill.StudentLosses},
		distill.ParamMaxSimWeight: nonNegative,
		distill.ParamTemperature:  positive,
		distill.ParamLogEvery:     count,
		distill.ParamDataSeed:     anySeed,
		ot.ParamEpsilon:           positive,
		ot.ParamIterations:        count,
		ot.ParamMarginalTau:       positive, // optional (distill.OptionalStudentParams)
		// lib/distill's optional fine-tuning parameters (FineTuneParams).
		distill.ParamWarmupSteps:      hyperRule{min: 0, max: math.MaxInt32},
		distill.ParamLRDecay:          hyperRule{oneOf: []string{distill.DecayConstant, distill.DecayLinear, distill.DecayCosine}},
		distill.ParamClipGradNorm:     nonNegative,
		distill.ParamFreezeEmbeddings: hyperRule{boolean: true},
		distill.ParamFreezeLayers:     hyperRule{min: 0, max: math.MaxInt32},
	},
}

// checkHyper checks the map of one group: every default key present with a
// value of its default's type, within its rule; optional keys, when
// present, likewise; no other key.
func checkHyper(group string, m, defaults, optional map[string]any, maxPos int) error {
	rules := hyperRules[group]
	for _, k := range sortedKeys(m) {
		_, ok := defaults[k]
		if _, opt := optional[k]; !ok && !opt {
			return fmt.Errorf("optical: setting %q: unknown %s hyperparameter (known: %s)", group+"."+k, group, strings.Join(append(sortedKeys(defaults), sortedKeys(optional)...), ", "))
		}
	}
	for _, k := range sortedKeys(optional) {
		v, ok := m[k]
		if !ok {
			continue
		}
		key := group + "." + k
		if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", optional[k]) {
			return fmt.Errorf("optical: setting %q = %v: want a %T like its default %v, got a %T", key, v, optional[k], optional[k], v)
		}
		r, ok := rules[k]
		if !ok {
			return fmt.Errorf("optical: setting %q has no validation rule (add one to hyperRules)", key)
		}
		if err := r.check(key, v, maxPos); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(defaults) {
		key := group + "." + k
		v, ok := m[k]
		if !ok {
			return fmt.Errorf("optical: setting %q is missing (the default is %v)", key, defaults[k])
		}
		if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", defaults[k]) {
			return fmt.Errorf("optical: setting %q = %v: want a %T like its default %v, got a %T", key, v, defaults[k], defaults[k], v)
		}
		r, ok := rules[k]
		if !ok {
			return fmt.Errorf("optical: setting %q has no validation rule (add one to hyperRules)", key)
		}
		if err := r.check(key, v, maxPos); err != nil {
			return err
		}
	}
	return nil
}

func (r hyperRule) check(key string, v any, maxPos int) error {
	if r.boolean {
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("optical: setting %q = %v: want true or false", key, v)
		}
		return nil
	}
	if r.oneOf != nil {
		s, _ := v.(string)
		for _, o := range r.oneOf {
			if s == o {
				return nil
			}
		}
		return fmt.Errorf("optical: setting %q = %q: want one of %s", key, s, strings.Join(r.oneOf, ", "))
	}
	var x float64
	integer := true
	switch t := v.(type) {
	case int:
		x = float64(t)
	case int64:
		x = float64(t)
	case float64:
		x, integer = t, false
	default:
		return fmt.Errorf("optical: setting %q = %v: want a number", key, v)
	}
	if r.anyInteger {
		return nil
	}
	hi := r.max
	if r.maxPos {
		hi = math.Min(hi, float64(maxPos))
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || x < r.min || x > hi || (r.openMin && x == r.min) {
		var want string
		switch {
		case integer && r.maxPos:
			want = fmt.Sprintf("an integer in [%g, %g] (at most encoder.%s)", r.min, hi, encoder.ParamMaxPositions)
		case integer && hi >= math.MaxInt32:
			want = fmt.Sprintf("an integer >= %g", r.min)
		case integer:
			want = fmt.Sprintf("an integer in [%g, %g]", r.min, hi)
		case r.openMin:
			want = fmt.Sprintf("a finite number > %g", r.min)
		default:
			want = fmt.Sprintf("a finite number >= %g", r.min)
		}
		return fmt.Errorf("optical: setting %q = %v: want %s", key, v, want)
	}
	return nil
}

// validateEncoderShape checks what no single encoder setting can: the
// width must divide into the heads.
func validateEncoderShape(m map[string]any) error {
	dim, _ := m[encoder.ParamDim].(int)
	heads, _ := m[encoder.ParamHeads].(int)
	if heads > 0 && dim%heads != 0 {
		return fmt.Errorf("optical: settings \"encoder.%s\" = %d and \"encoder.%s\" = %d: the width must be a multiple of the heads",
			encoder.ParamDim, dim, encoder.ParamHeads, heads)
	}
	return nil
}

// Clone is a deep copy of c (its maps are copied): what a Lab keeps, so
// that later changes to c do not reach it.
func (c *Config) Clone() *Config {
	cp := *c
	cp.Languages = append([]string(nil), c.Languages...)
	cp.Encoder, cp.Teacher, cp.Student = copyMap(c.Encoder), copyMap(c.Teacher), copyMap(c.Student)
	if c.PipelineConfig.Pretrain != nil {
		cp.PipelineConfig.Pretrain = copyMap(c.PipelineConfig.Pretrain)
	}
	if c.MTQueries != nil {
		cp.MTQueries = map[string]string{}
		for k, v := range c.MTQueries {
			cp.MTQueries[k] = v
		}
	}
	if c.Resource != nil {
		cp.Resource = data.ResourceClasses{}
		for k, v := range c.Resource {
			cp.Resource[k] = v
		}
	}
	if c.WordSep != nil {
		cp.WordSep = map[string]string{}
		for k, v := range c.WordSep {
			cp.WordSep[k] = v
		}
	}
	return &cp
}

// SettingKeys lists the keys a settings string "key=value;..." sets, in
// order (for commands whose flags set the same keys: a key given both ways
// is an error, not a silent winner).
func SettingKeys(settings string) []string {
	var out []string
	for _, part := range strings.Split(settings, ";") {
		if key, _, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			out = append(out, strings.TrimSpace(key))
		}
	}
	return out
}

// settingsFor is Settings with the bitext budget and the student's data
// seed of one evaluation (a grid cell), which every run records.
func (c *Config) settingsFor(budget int, dataSeed int64) string {
	cp := c.Clone()
	cp.BitextBudget = budget
	cp.Student[distill.ParamDataSeed] = dataSeedValue(c.Student[distill.ParamDataSeed], dataSeed)
	return cp.Settings()
}

// Settings is the canonical "key=value;..." form (accepted by Set) of every
// setting that determines a run's result (the checkpoint directories
// included: reproduce loads them again): not the other paths, the experiment name,
// the language list (a run names its own languages) or the resource classes
// (a run records its level). Every tracked run
// records it as the parameter "settings", which is what `runs reproduce`
// re-runs.
func (c *Config) Settings() string {
	parts := append(c.pipelineSettings(),
		fmt.Sprintf("vocab_size=%d", c.VocabSize),
		fmt.Sprintf("seed=%d", c.Seed),
		fmt.Sprintf("split_seed=%d", c.SplitSeed),
		"test_fraction="+strconv.FormatFloat(c.TestFraction, 'g', -1, 64),
		"cldr_test_fraction="+strconv.FormatFloat(c.CLDRTest, 'g', -1, 64),
		fmt.Sprintf("teacher_pairs=%d", c.TeacherPairs),
		fmt.Sprintf("query_len=%d", c.QueryLen),
		fmt.Sprintf("doc_len=%d", c.DocLen),
		fmt.Sprintf("depth=%d", c.Depth),
		fmt.Sprintf("bitext_budget=%d", c.BitextBudget),
		fmt.Sprintf("ibm1_iterations=%d", c.IBM1Iters),
	)
	if len(c.WordSep) > 0 { // changes the texts; absent (as before it existed) when not set
		parts = append(parts, "word_separator="+wordSepString(c.WordSep))
	}
	// The checkpoints (absent when not used): the paths, which reproduce
	// reads again; their weight hashes are in the models' keys and in
	// every run's parameters.
	for _, s := range []struct{ key, v string }{
		{settingTeacherCheckpoint, c.TeacherCheckpoint}, {settingTeacherConventions, c.TeacherConventions},
		{settingStudentInit, c.StudentInit}, {settingStudentConventions, c.StudentConventions},
	} {
		if s.v != "" {
			parts = append(parts, s.key+"="+s.v)
		}
	}
	for _, g := range []struct {
		prefix string
		m      map[string]any
	}{{"encoder", c.Encoder}, {"teacher", c.Teacher}, {"student", c.Student}} {
		for _, k := range sortedKeys(g.m) {
			v := g.m[k]
			if f, ok := v.(float64); ok {
				v = strconv.FormatFloat(f, 'g', -1, 64)
			}
			parts = append(parts, fmt.Sprintf("%s.%s=%v", g.prefix, k, v))
		}
	}
	return strings.Join(parts, ";")
}

// checkLanguageCode checks the form of a language code outside lib/data's
// table, which the data resolve when the corpus loads (ResolveLanguages): an
// ISO 639 code, a BCP 47 tag ("zu-ZA", "pt_BR") or a UDHR file stem or
// catalog code ("hau_NE", "lvs_041").
func checkLanguageCode(code string) error {
	if !validCode.MatchString(code) {
		return fmt.Errorf("%w: %q is not a language code (ISO 639-3 \"zul\", BCP 47 \"zu-ZA\", or a UDHR file \"hau_NE\")",
			data.ErrUnknownLanguage, code)
	}
	return nil
}

var validCode = regexp.MustCompile(`^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,16})*$|^[A-Za-z]{2,3}_[0-9A-Za-z_]{1,32}$`)

// wordSepString is the canonical "code:sep,…" form, codes sorted.
func wordSepString(m map[string]string) string {
	codes := make([]string, 0, len(m))
	for k := range m {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, k := range codes {
		parts[i] = k + ":" + m[k]
	}
	return strings.Join(parts, ",")
}
