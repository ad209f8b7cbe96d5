package optical

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
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

	Languages    []string // foreign languages (lib/data codes) evaluated against English
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

	Encoder, Teacher, Student map[string]any

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
// user.K for the user's collection (UserConfig: user.docs, user.topics,
// user.qrels, user.lang, user.doc_lang, user.name, user.bitext,
// user.bitext_src, user.bitext_tgt), and encoder.K, teacher.K, student.K for
// the hyperparameters of those maps. A value must parse as the type of the
// default it replaces; unknown keys are errors.
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
				if _, err := data.LookupLanguage(l); err != nil {
					return err
				}
				c.Languages = append(c.Languages, l)
			}
		}
		return nil
	case "experiment":
		c.Experiment = value
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
		prefix, name, ok := strings.Cut(key, ".")
		if !ok {
			return fmt.Errorf("unknown setting")
		}
		var m map[string]any
		switch prefix {
		case "user":
			return c.User.set(name, value)
		case "encoder":
			m = c.Encoder
		case "teacher":
			m = c.Teacher
		case "student":
			m = c.Student
		default:
			return fmt.Errorf("unknown setting group %q (want encoder., teacher., student. or user.)", prefix)
		}
		old, found := m[name]
		if !found {
			return fmt.Errorf("unknown %s hyperparameter %q (known: %s)", prefix, name, strings.Join(sortedKeys(m), ", "))
		}
		v, err := parseLike(old, value)
		if err != nil {
			return err
		}
		m[name] = v
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

// Validate checks the configuration before any work starts.
func (c *Config) Validate() error {
	if len(c.Languages) == 0 {
		return fmt.Errorf("optical: no languages configured")
	}
	for _, l := range c.Languages {
		if _, err := data.LookupLanguage(l); err != nil {
			return fmt.Errorf("optical: languages: %w", err)
		}
	}
	switch {
	case c.VocabSize < 100:
		return fmt.Errorf("optical: vocab_size %d is too small (>= 100)", c.VocabSize)
	case c.TestFraction <= 0 || c.TestFraction >= 1:
		return fmt.Errorf("optical: test_fraction %v must be in (0,1)", c.TestFraction)
	case c.CLDRTest < 0 || c.CLDRTest >= 1:
		return fmt.Errorf("optical: cldr_test_fraction %v must be in [0,1)", c.CLDRTest)
	case c.QueryLen <= 0 || c.DocLen <= 0:
		return fmt.Errorf("optical: query_len and doc_len must be > 0")
	case c.BitextBudget < 0:
		return fmt.Errorf("optical: bitext_budget %d must be >= 0 (0 = all)", c.BitextBudget)
	case c.IBM1Iters <= 0:
		return fmt.Errorf("optical: ibm1_iterations %d must be > 0", c.IBM1Iters)
	}
	maxPos, _ := c.Encoder[encoder.ParamMaxPositions].(int)
	for name, n := range map[string]int{"query_len": c.QueryLen, "doc_len": c.DocLen} {
		if n > maxPos {
			return fmt.Errorf("optical: %s %d exceeds encoder.%s %d", name, n, encoder.ParamMaxPositions, maxPos)
		}
	}
	if c.User.Enabled() {
		return c.User.validate()
	}
	return nil
}

func (c *Config) modelDir(kind, hash string) string {
	return filepath.Join(c.ArtifactDir, "models", kind+"-"+hash)
}

// Settings is the canonical "key=value;..." form (accepted by Set) of every
// setting that determines a run's result: not the paths, the experiment name
// or the language list (a run names its own languages). Every tracked run
// records it as the parameter "settings", which is what `runs reproduce`
// re-runs.
func (c *Config) Settings() string {
	parts := []string{
		fmt.Sprintf("vocab_size=%d", c.VocabSize),
		fmt.Sprintf("seed=%d", c.Seed),
		fmt.Sprintf("split_seed=%d", c.SplitSeed),
		"test_fraction=" + strconv.FormatFloat(c.TestFraction, 'g', -1, 64),
		"cldr_test_fraction=" + strconv.FormatFloat(c.CLDRTest, 'g', -1, 64),
		fmt.Sprintf("teacher_pairs=%d", c.TeacherPairs),
		fmt.Sprintf("query_len=%d", c.QueryLen),
		fmt.Sprintf("doc_len=%d", c.DocLen),
		fmt.Sprintf("depth=%d", c.Depth),
		fmt.Sprintf("bitext_budget=%d", c.BitextBudget),
		fmt.Sprintf("ibm1_iterations=%d", c.IBM1Iters),
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
