package optical

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/gomlx/gomlx/backends"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/internal/gomlxpatch"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/ibm1"
	"github.com/otclir/otclir/lib/text"
	"github.com/otclir/otclir/tracker"
)

// Lab runs experiments of one frozen Config against one results database.
// It trains or loads a model only when an evaluation that the tracker does
// not hold needs it, and keeps each model it built, by key, for its other
// evaluations.
type Lab struct {
	cfg     *Config // a validated copy: never changed after Open
	Backend backends.Backend
	DB      *tracker.DB
	Corpus  *Corpus

	shared *shared
	owner  bool // Close closes the database

	bitextMu sync.Mutex
	bitext   map[string][]data.Pair // the checked bitext of each (language, budget) of Corpus

	// The configuration's HuggingFace checkpoints (nil when not set).
	teacherCk, studentCk *checkpoint
}

// shared is what labs derived with With share: the models built so far,
// by key.
type shared struct {
	mu     sync.Mutex
	toks   map[string]*text.Tokenizer
	models map[string]*encoder.Model
	tables map[string]*ibm1.Table
	ckpts  map[string]*checkpoint // by directory and conventions
	// seedLabs are the labs of PipelineV2's other seeds (seedLab).
	seedLabs map[string]*Lab
	docs     *docCache // the document vectors the models encoded (encodeDocs)
}

// Open validates cfg (Config.Validate), keeps a copy of it, loads the
// corpus (and the user's files, so bad input fails before the results
// database is touched), opens the tracker, installs the GoMLX patches
// (internal/gomlxpatch) and creates the backend. Later changes to cfg do
// not reach the lab: derive a lab with other settings with With.
func Open(ctx context.Context, cfg *Config) (*Lab, error) {
	cfg = cfg.Clone()
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Out, "otclir: data cache %s, artifacts %s, results %s, backend %s\n",
		cfg.CacheDir, cfg.ArtifactDir, cfg.DBPath, encoder.BackendConfig())
	corpus, err := LoadCorpus(ctx, cfg)
	if err != nil {
		return nil, err
	}
	corpus.normalize(cfg) // as resolved: "zu" → "zul"
	if err := gomlxpatch.Install(); err != nil {
		return nil, err
	}
	backend, err := encoder.NewBackend()
	if err != nil {
		return nil, err
	}
	l := &Lab{cfg: cfg, Backend: backend, Corpus: corpus, owner: true, bitext: map[string][]data.Pair{},
		shared: &shared{toks: map[string]*text.Tokenizer{}, models: map[string]*encoder.Model{}, tables: map[string]*ibm1.Table{},
			ckpts: map[string]*checkpoint{}, docs: newDocCache(docCacheFloats)},
	}
	// A bad checkpoint fails before the results database is touched.
	if err := l.loadCheckpoints(); err != nil {
		return nil, err
	}
	if l.DB, err = tracker.Open(cfg.DBPath); err != nil {
		return nil, err
	}
	return l, nil
}

// With is a lab with settings ("key=value;...", Config.Set) applied over
// this lab's configuration, sharing its database, backend and models (a
// sweep over hyperparameters without mutating anything). The corpus is
// reloaded only when a setting that selects data changed. Close the lab
// that Open returned, not the derived ones.
func (l *Lab) With(ctx context.Context, settings string) (*Lab, error) {
	cfg := l.cfg.Clone()
	if err := cfg.Set(settings); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	corpus := l.Corpus
	if cfg.SplitSeed != l.cfg.SplitSeed || cfg.TestFraction != l.cfg.TestFraction || cfg.CLDRTest != l.cfg.CLDRTest ||
		cfg.Seed != l.cfg.Seed || cfg.TeacherPairs != l.cfg.TeacherPairs || cfg.User != l.cfg.User ||
		cfg.UDHRFold != l.cfg.UDHRFold || cfg.Pipeline != l.cfg.Pipeline || !samePipelineData(cfg, l.cfg) ||
		!corpus.holds(cfg) {
		var err error
		if corpus, err = LoadCorpus(ctx, cfg); err != nil {
			return nil, err
		}
	}
	corpus.normalize(cfg)
	// Models are keyed by their specs, so every derived lab shares them; the
	// bitext cuts belong to the corpus.
	nl := &Lab{cfg: cfg, Backend: l.Backend, DB: l.DB, Corpus: corpus, shared: l.shared, bitext: map[string][]data.Pair{}}
	if err := nl.loadCheckpoints(); err != nil {
		return nil, err
	}
	return nl, nil
}

// Config is a copy of the lab's configuration.
func (l *Lab) Config() *Config { return l.cfg.Clone() }

// Out is where the lab writes progress.
func (l *Lab) Out() io.Writer { return l.cfg.Out }

// Close releases the database (of the lab Open returned; a no-op on labs
// derived with With).
func (l *Lab) Close() error {
	if !l.owner {
		return nil
	}
	return l.DB.Close()
}

// gomlxVersion is the GoMLX module version compiled in.
func gomlxVersion() string {
	if v := gomlxpatch.LinkedGoMLX(); v != "" {
		return v
	}
	return "unknown"
}

// provenance is what every run of cell c records (the settings string with
// the cell's budget and data seed).
func (l *Lab) provenance(budget int, dataSeed int64) record.Provenance {
	return record.Provenance{Data: l.Corpus.Provenance(), SplitSeed: l.cfg.SplitSeed, TestFraction: l.cfg.TestFraction,
		Seed: l.cfg.Seed, Settings: l.cfg.settingsFor(budget, dataSeed), Checkpoints: l.checkpointRecord(),
		Pipeline: l.cfg.Pipeline, UDHRFold: l.cfg.udhrFoldParam()}
}

// startRun opens a tracker run.
func (l *Lab) startRun(name string, params, tags map[string]string) (*tracker.Run, error) {
	return l.startCellRun(name, params, tags, nil)
}

// startCellRun opens a tracker run that evaluates a grid worker's claimed
// cell (nil: none).
func (l *Lab) startCellRun(name string, params, tags map[string]string, claim *tracker.Claim) (*tracker.Run, error) {
	return l.DB.StartRun(tracker.RunSpec{
		Experiment:   l.cfg.Experiment,
		Name:         name,
		Params:       params,
		Tags:         tags,
		Backend:      encoder.BackendConfig(),
		GoMLXVersion: gomlxVersion(),
		Cell:         claim,
	})
}

func (l *Lab) modelDir(kind, key string) string {
	return filepath.Join(l.cfg.ArtifactDir, "models", kind+"-"+key)
}

// tokenizerSpec is the lab's tokenizer.
func (l *Lab) tokenizerSpec() TokenizerSpec {
	user := ""
	if u := l.Corpus.User; u != nil && len(u.Bitext) > 0 {
		user = u.BitextHash
	}
	return tokenizerSpec(l.cfg, l.Corpus.Provenance(), l.Corpus.tokenizerLanguages(), user)
}

// TeacherSpec is the lab's teacher (computed, not trained): a checkpoint
// teacher's identity (teacher.checkpoint), or the spec of the one it trains.
func (l *Lab) TeacherSpec() TeacherSpec {
	if l.teacherCk != nil {
		return checkpointTeacherSpec(l.teacherCk)
	}
	pretrained := ""
	if l.cfg.V2() {
		pretrained = l.pretrainSpec().Key()
		if !l.cfg.PipelineConfig.pretrains() {
			pretrained = noPretraining
		}
	}
	return teacherSpec(l.cfg, l.tokenizerSpec(), pretrained)
}

// Tokenizer returns the shared subword tokenizer, training and caching it on
// first use (or with Config.Force).
func (l *Lab) Tokenizer(ctx context.Context) (*text.Tokenizer, TokenizerSpec, error) {
	spec := l.tokenizerSpec()
	key := spec.Key()
	l.shared.mu.Lock()
	tok := l.shared.toks[key]
	l.shared.mu.Unlock()
	if tok != nil {
		return tok, spec, nil
	}
	path := filepath.Join(l.cfg.ArtifactDir, "tokenizers", "bpe-"+key+".json")
	if !l.cfg.Force {
		if t, err := text.Load(path); err == nil {
			tok = t
		}
	}
	if tok == nil {
		// One process trains it; the others wait and then load it.
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, spec, err
		}
		lock, err := l.waitLock(ctx, "tokenizer", path)
		if err != nil {
			return nil, spec, err
		}
		defer lock.Unlock()
		if t, err := text.Load(path); err == nil && !l.cfg.Force {
			tok = t
		}
	}
	if tok == nil {
		var corpus []string
		var err error
		if l.cfg.V2() {
			p := l.cfg.PipelineConfig
			corpus, err = l.Corpus.TokenizerCorpusV2(p.PretrainAlpha, p.PretrainWords, l.cfg.Seed)
		} else {
			corpus, err = l.Corpus.TokenizerCorpus()
		}
		if err != nil {
			return nil, spec, err
		}
		fmt.Fprintf(l.cfg.Out, "tokenizer: training %d subwords on %d texts\n", l.cfg.VocabSize, len(corpus))
		if err := interruptible(ctx, func() (err error) {
			tok, err = text.TrainBPE(corpus, l.cfg.VocabSize, 2)
			return err
		}); err != nil {
			return nil, spec, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, spec, err
		}
		if err := tok.Save(path); err != nil {
			return nil, spec, err
		}
	}
	l.shared.mu.Lock()
	l.shared.toks[key] = tok
	l.shared.mu.Unlock()
	return tok, spec, nil
}

// cachedModel is the model of key built by this lab (or one sharing its
// models), or nil.
func (l *Lab) cachedModel(key string) *encoder.Model {
	l.shared.mu.Lock()
	defer l.shared.mu.Unlock()
	return l.shared.models[key]
}

func (l *Lab) keepModel(key string, m *encoder.Model) {
	l.shared.mu.Lock()
	defer l.shared.mu.Unlock()
	l.shared.models[key] = m
}

// loadModel loads the model in dir unless Config.Force: ok false when it
// has to be trained.
func (l *Lab) loadModel(ctx context.Context, what, dir string) (*encoder.Model, bool, error) {
	if l.cfg.Force || !encoder.Exists(dir) {
		return nil, false, nil
	}
	var m *encoder.Model
	err := interruptible(ctx, func() (err error) {
		m, err = encoder.Load(l.Backend, dir)
		return err
	})
	if c := cause(ctx); c != nil {
		return nil, false, c
	}
	if err != nil {
		fmt.Fprintf(l.cfg.Out, "%s: cached model unreadable (%v); retraining\n", what, err)
		return nil, false, nil
	}
	fmt.Fprintf(l.cfg.Out, "%s: reusing %s\n", what, dir)
	return m, true, nil
}

// Teacher returns the English teacher, loading it from the artifact cache or
// training (and recording) it.
func (l *Lab) Teacher(ctx context.Context) (*encoder.Model, TeacherSpec, error) {
	m, spec, _, err := l.teacher(ctx)
	return m, spec, err
}

// teacher also returns the id of the training run it recorded (0 when it
// loaded the model).
func (l *Lab) teacher(ctx context.Context) (*encoder.Model, TeacherSpec, int64, error) {
	spec := l.TeacherSpec()
	if l.teacherCk != nil { // frozen: never trained
		return l.teacherCk.Model, spec, 0, nil
	}
	key := spec.Key()
	if m := l.cachedModel(key); m != nil {
		return m, spec, 0, nil
	}
	dir := l.modelDir("teacher", key)
	m, ok, err := l.loadModel(ctx, "teacher", dir)
	if err != nil {
		return nil, spec, 0, err
	}
	var runID int64
	if !ok {
		tok, tokSpec, err := l.Tokenizer(ctx)
		if err != nil {
			return nil, spec, 0, err
		}
		if m, runID, err = l.trainTeacher(ctx, spec, tokSpec, tok, dir); err != nil {
			return nil, spec, runID, err
		}
	}
	l.keepModel(key, m)
	return m, spec, runID, nil
}

// Student returns lang's student as the configuration defines it (its
// student.* settings, data seed and bitext budget), from the cache or
// trained (and recorded).
func (l *Lab) Student(ctx context.Context, lang string) (*encoder.Model, StudentSpec, error) {
	m, spec, _, err := l.student(ctx, lang, l.defaultSeed(), l.cfg.BitextBudget, nil)
	return m, spec, err
}

// studentSpec is the spec of lang's student with data seed seed, bitext
// budget budget and over applied to the student hyperparameters; it needs
// the bitext (its size), not a model.
func (l *Lab) studentSpec(lang string, seed int64, budget int, over map[string]any) (StudentSpec, map[string]any, []data.Pair, error) {
	bitext, err := l.trainingBitext(lang, budget)
	if err != nil {
		return StudentSpec{}, nil, nil, err
	}
	params := studentParams(l.cfg, seed, over)
	spec := studentSpec(l.cfg, l.TeacherSpec(), lang, params, len(bitext), l.Corpus.userBitextHash(lang))
	if ck := l.studentCk; ck != nil {
		spec.Init, spec.InitTokenizer, spec.InitConventions = ck.Weights, ck.Tokenizer, ck.Conventions()
	}
	return spec, params, bitext, nil
}

func (l *Lab) student(ctx context.Context, lang string, seed int64, budget int, over map[string]any) (*encoder.Model, StudentSpec, int64, error) {
	spec, params, bitext, err := l.studentSpec(lang, seed, budget, over)
	if err != nil {
		return nil, spec, 0, err
	}
	key := spec.Key()
	if m := l.cachedModel(key); m != nil {
		return m, spec, 0, nil
	}
	dir := l.modelDir("student-"+lang, key)
	m, ok, err := l.loadModel(ctx, "student "+lang, dir)
	if err != nil {
		return nil, spec, 0, err
	}
	var runID int64
	if !ok {
		teacher, _, _, err := l.teacher(ctx)
		if err != nil {
			return nil, spec, 0, err
		}
		if m, runID, err = l.trainStudent(ctx, spec, params, teacher, bitext, budget, dir); err != nil {
			return nil, spec, runID, err
		}
	}
	l.keepModel(key, m)
	return m, spec, runID, nil
}

// trainingBitext is the (budgeted) bitext of lang, checked against the test
// queries of every collection that involve lang (UDHR and CLDR in both
// directions, the user's topics): no test query text may ever be trained
// on. It is computed once per (language, budget).
func (l *Lab) trainingBitext(lang string, budget int) ([]data.Pair, error) {
	k := fmt.Sprintf("%s|%d", lang, budget)
	l.bitextMu.Lock()
	b, ok := l.bitext[k]
	l.bitextMu.Unlock()
	if ok {
		return b, nil
	}
	var bitext []data.Pair
	var err error
	if l.cfg.V2() {
		// The student's dev pairs are held out first (for every system, so
		// all learn from the same pairs), then the budget is cut.
		var all []data.Pair
		if all, err = l.Corpus.Bitext(lang); err != nil {
			return nil, err
		}
		train, _ := splitStudentDev(all, l.cfg.SplitSeed)
		bitext = budgetCut(train, budget, l.cfg.SplitSeed)
	} else if bitext, err = l.Corpus.BudgetBitext(lang, budget, l.cfg.SplitSeed); err != nil {
		return nil, err
	}
	for _, src := range l.Corpus.Sources() {
		qs, err := src.TestQueries(lang)
		if err != nil {
			return nil, err
		}
		if err := data.CheckNoLeakMin(bitext, qs, data.MinLeakUnits(l.Corpus.Languages[lang].WordSep)); err != nil {
			return nil, fmt.Errorf("optical: training bitext of %s vs %s test queries: %w", lang, src.Name(), err)
		}
	}
	l.bitextMu.Lock()
	l.bitext[k] = bitext
	l.bitextMu.Unlock()
	return bitext, nil
}

// TranslationTable returns the IBM Model 1 table of lang trained on the
// same (budgeted) bitext as the students, cached on disk: p(English|foreign),
// or p(foreign|English) when reverse (English queries, foreign documents).
func (l *Lab) TranslationTable(ctx context.Context, lang string, reverse bool, budget int) (*ibm1.Table, error) {
	bitext, err := l.trainingBitext(lang, budget)
	if err != nil {
		return nil, err
	}
	spec := IBM1Spec{Kind: "ibm1-v2", Bitext: bitextSpec(l.cfg, l.Corpus.Provenance(), lang, budget, l.Corpus.userBitextHash(lang)),
		BitextPairs: len(bitext), Reverse: reverse, Iterations: l.cfg.IBM1Iters}
	key := spec.Key()
	l.shared.mu.Lock()
	t := l.shared.tables[key]
	l.shared.mu.Unlock()
	if t != nil {
		return t, nil
	}
	path := filepath.Join(l.cfg.ArtifactDir, "ibm1", lang+"-"+key+".json")
	if !l.cfg.Force {
		t, _ = ibm1.Load(path)
	}
	if t == nil {
		if reverse {
			sw := make([]data.Pair, len(bitext))
			for i, p := range bitext {
				sw[i] = data.Pair{Src: p.Tgt, Tgt: p.Src, Origin: p.Origin}
			}
			bitext = sw
		}
		if err := interruptible(ctx, func() (err error) {
			t, err = ibm1.Train(bitext, l.cfg.IBM1Iters, ibm1.DefaultOptions())
			return err
		}); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := t.Save(path); err != nil {
			return nil, err
		}
	}
	l.shared.mu.Lock()
	l.shared.tables[key] = t
	l.shared.mu.Unlock()
	return t, nil
}
