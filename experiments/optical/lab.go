package optical

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/otclir/otclir/internal/gomlxpatch"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/text"
	"github.com/otclir/otclir/tracker"
)

// Lab runs experiments of one Config against one results database.
type Lab struct {
	Cfg     *Config
	Backend backends.Backend
	DB      *tracker.DB
	Corpus  *Corpus

	tok     *text.Tokenizer
	tokHash string
	teacher *encoder.Model
	teaHash string
}

// Open validates cfg, loads the corpus (and the user's files, so bad input
// fails before the results database is touched), and opens the tracker and
// the backend.
func Open(ctx context.Context, cfg *Config) (*Lab, error) {
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	corpus, err := LoadCorpus(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db, err := tracker.Open(cfg.DBPath)
	if err != nil {
		return nil, err
	}
	if err := gomlxpatch.Install(); err != nil {
		db.Close()
		return nil, err
	}
	backend, err := encoder.NewBackend()
	if err != nil {
		db.Close()
		return nil, err
	}
	fmt.Fprintf(cfg.Out, "otclir: data cache %s, artifacts %s, results %s, backend %s\n",
		cfg.CacheDir, cfg.ArtifactDir, cfg.DBPath, encoder.BackendConfig())
	return &Lab{Cfg: cfg, Backend: backend, DB: db, Corpus: corpus}, nil
}

// Close releases the database.
func (l *Lab) Close() error { return l.DB.Close() }

// hashOf is a short stable hash of JSON-encoded values (maps encode sorted).
func hashOf(vs ...any) string {
	h := sha256.New()
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Tokenizer returns the shared subword tokenizer, training and caching it on
// first use.
func (l *Lab) Tokenizer() (*text.Tokenizer, string, error) {
	if l.tok != nil {
		return l.tok, l.tokHash, nil
	}
	cfg := l.Cfg
	langs := make([]string, 0, len(l.Corpus.UDHR))
	for k := range l.Corpus.UDHR {
		langs = append(langs, k)
	}
	sort.Strings(langs)
	key := []any{"tokenizer-v1", l.Corpus.Provenance(), langs, cfg.VocabSize, cfg.Seed, cfg.SplitSeed,
		cfg.TestFraction, cfg.CLDRTest, cfg.TeacherPairs}
	if u := l.Corpus.User; u != nil && len(u.Bitext) > 0 {
		key = append(key, "user-bitext", u.BitextHash) // the user's bitext is part of the tokenizer corpus
	}
	hash := hashOf(key...)
	path := filepath.Join(cfg.ArtifactDir, "tokenizers", "bpe-"+hash+".json")
	if tok, err := text.Load(path); err == nil && !cfg.Force {
		l.tok, l.tokHash = tok, hash
		return tok, hash, nil
	}
	corpus, err := l.Corpus.TokenizerCorpus(cfg)
	if err != nil {
		return nil, "", err
	}
	start := time.Now()
	tok, err := text.TrainBPE(corpus, cfg.VocabSize, 2)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, "", err
	}
	if err := tok.Save(path); err != nil {
		return nil, "", err
	}
	fmt.Fprintf(cfg.Out, "tokenizer: %d subwords from %d texts in %s\n", tok.VocabSize(), len(corpus), time.Since(start).Round(time.Millisecond))
	l.tok, l.tokHash = tok, hash
	return tok, hash, nil
}

// gomlxVersion is the GoMLX module version compiled in.
func gomlxVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/gomlx/gomlx" {
				return d.Version
			}
		}
	}
	return "unknown"
}

func stringParams(groups map[string]map[string]any) map[string]string {
	out := map[string]string{}
	for prefix, m := range groups {
		for k, v := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			out[key] = fmt.Sprint(v)
		}
	}
	return out
}

// startRun opens a tracker run with the lab's provenance added to params.
func (l *Lab) startRun(name string, params map[string]string, tags map[string]string) (*tracker.Run, error) {
	params["data"] = l.Corpus.Provenance()
	params["split_seed"] = fmt.Sprint(l.Cfg.SplitSeed)
	params["test_fraction"] = fmt.Sprint(l.Cfg.TestFraction)
	params["seed"] = fmt.Sprint(l.Cfg.Seed)
	params["settings"] = l.Cfg.Settings()
	return l.DB.StartRun(tracker.RunSpec{
		Experiment:   l.Cfg.Experiment,
		Name:         name,
		Params:       params,
		Tags:         tags,
		Backend:      encoder.BackendConfig(),
		GoMLXVersion: gomlxVersion(),
	})
}

// finish closes a run with err (FAILED) or success, keeping the first error.
func finish(run *tracker.Run, err error) error {
	if ferr := run.Finish(err); err == nil && ferr != nil {
		return ferr
	}
	return err
}

// Teacher returns the English teacher, loading it from the artifact cache or
// training (and recording) it.
func (l *Lab) Teacher() (*encoder.Model, string, error) {
	if l.teacher != nil {
		return l.teacher, l.teaHash, nil
	}
	tok, tokHash, err := l.Tokenizer()
	if err != nil {
		return nil, "", err
	}
	cfg := l.Cfg
	hash := hashOf("teacher-v1", tokHash, cfg.Encoder, withoutLogging(cfg.Teacher), cfg.Seed)
	dir := cfg.modelDir("teacher", hash)
	if !cfg.Force && encoder.Exists(dir) {
		m, err := encoder.Load(l.Backend, dir)
		if err == nil {
			fmt.Fprintf(cfg.Out, "teacher: reusing %s\n", dir)
			l.teacher, l.teaHash = m, hash
			return m, hash, nil
		}
		fmt.Fprintf(cfg.Out, "teacher: cached model unreadable (%v); retraining\n", err)
	}
	pairs := l.Corpus.TeacherPairs(cfg)
	params := stringParams(map[string]map[string]any{"encoder": cfg.Encoder, "teacher": cfg.Teacher})
	params["role"] = "teacher"
	params["tokenizer"] = tokHash
	params["vocab_size"] = fmt.Sprint(tok.VocabSize())
	params["teacher_pairs"] = fmt.Sprint(len(pairs))
	params["model_hash"] = hash
	run, err := l.startRun("train teacher", params, map[string]string{"kind": "train", "role": "teacher"})
	if err != nil {
		return nil, "", err
	}
	stop := tracker.HandleSignals(run)
	defer stop()
	m, err := l.trainTeacher(run, tok, pairs, dir)
	if err = finish(run, err); err != nil {
		return nil, "", err
	}
	l.teacher, l.teaHash = m, hash
	return m, hash, nil
}

func (l *Lab) trainTeacher(run *tracker.Run, tok *text.Tokenizer, pairs []data.Pair, dir string) (*encoder.Model, error) {
	cfg := l.Cfg
	gctx := encoder.NewContext(tok, cfg.Encoder, cfg.Seed)
	for k, v := range cfg.Teacher {
		gctx.SetParam(k, v)
	}
	gctx.SetParam(distill.ParamDataSeed, cfg.Seed)
	fmt.Fprintf(cfg.Out, "teacher: training on %d English WordNet pairs\n", len(pairs))
	start := time.Now()
	m, err := distill.TrainTeacher(l.Backend, gctx, tok, pairs, trainOptions(run, "teacher", dir, cfg))
	if err != nil {
		return nil, err
	}
	return m, l.saveModel(run, m, dir, start)
}

// withoutLogging drops the parameters that do not change a trained model
// (the logging period) from what its cache key hashes.
func withoutLogging(params map[string]any) map[string]any {
	out := copyMap(params)
	delete(out, distill.ParamLogEvery)
	return out
}

// trainOptions logs losses, checkpoints (as artifacts) and resumption of a
// training run. Checkpoints live next to the model directory, so a run that
// died resumes where it stopped when the same configuration runs again.
func trainOptions(run *tracker.Run, name, modelDir string, cfg *Config) distill.Options {
	return distill.Options{
		Name: name, Progress: cfg.Out,
		CheckpointDir: modelDir + ".ckpt",
		OnStep:        func(step int64, loss float64) error { return run.LogMetric("loss", step, loss) },
		OnCheckpoint: func(_ int64, files []string) error {
			for _, f := range files {
				if err := run.LogArtifact(f, "checkpoint"); err != nil {
					return err
				}
			}
			return nil
		},
		OnResume: func(step int64) error { return run.SetTag("resumed_from_step", fmt.Sprint(step)) },
	}
}

func (l *Lab) saveModel(run *tracker.Run, m *encoder.Model, dir string, start time.Time) error {
	secs := time.Since(start).Seconds()
	if err := m.Save(dir); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			if err := run.LogArtifact(filepath.Join(dir, e.Name()), "model"); err != nil {
				return err
			}
		}
	}
	steps := float64(0)
	if v, ok := m.Ctx.GetParam(distill.ParamSteps); ok {
		steps, _ = toFloat(v)
	}
	return run.SetFinalMetrics(map[string]float64{"train_seconds": secs, "steps_per_second": steps / secs})
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// Student returns the OT (or other ParamStudentLoss) student of lang, from
// the cache or trained (and recorded). studentParams override cfg.Student.
func (l *Lab) Student(lang string, studentParams map[string]any) (*encoder.Model, string, int, error) {
	teacher, teaHash, err := l.Teacher()
	if err != nil {
		return nil, "", 0, err
	}
	cfg := l.Cfg
	sp := copyMap(cfg.Student)
	for k, v := range studentParams {
		sp[k] = v
	}
	bitext, err := l.trainingBitext(lang)
	if err != nil {
		return nil, "", 0, err
	}
	hash := hashOf(append([]any{"student-v1", teaHash, lang, withoutLogging(sp), cfg.Seed, len(bitext)}, l.userHashFor(lang)...)...)
	dir := cfg.modelDir("student-"+lang, hash)
	if !cfg.Force && encoder.Exists(dir) {
		if m, err := encoder.Load(l.Backend, dir); err == nil {
			fmt.Fprintf(cfg.Out, "student %s: reusing %s\n", lang, dir)
			return m, hash, len(bitext), nil
		}
	}
	params := stringParams(map[string]map[string]any{"encoder": cfg.Encoder, "student": sp})
	params["role"] = "student"
	params["lang"] = lang
	params["teacher_hash"] = teaHash
	params["bitext_pairs"] = fmt.Sprint(len(bitext))
	params["model_hash"] = hash
	lg, _ := data.LookupLanguage(lang)
	params["resource"] = lg.Resource
	if l.Corpus.userBitext(lang) {
		for k, v := range l.Corpus.User.params() {
			params[k] = v
		}
	}
	run, err := l.startRun("train student "+lang, params, map[string]string{"kind": "train", "role": "student"})
	if err != nil {
		return nil, "", 0, err
	}
	stop := tracker.HandleSignals(run)
	defer stop()
	fmt.Fprintf(cfg.Out, "student %s: %s distillation on %d bitext pairs\n", lang, sp[distill.ParamStudentLoss], len(bitext))
	start := time.Now()
	m, err := distill.TrainStudent(l.Backend, teacher, bitext, sp, trainOptions(run, "student "+lang, dir, cfg))
	if err == nil {
		err = l.saveModel(run, m, dir, start)
	}
	if err = finish(run, err); err != nil {
		return nil, "", 0, err
	}
	return m, hash, len(bitext), nil
}

// trainingBitext is the (budgeted) bitext of lang, checked against every
// test query of both collections in both directions, and against the user's
// topics when lang trains on the user's bitext: no test query text may ever
// be trained on.
func (l *Lab) trainingBitext(lang string) ([]data.Pair, error) {
	bitext, err := l.Corpus.BudgetBitext(lang, l.Cfg.BitextBudget, l.Cfg.SplitSeed)
	if err != nil {
		return nil, err
	}
	if l.Corpus.userBitext(lang) {
		u := l.Corpus.User
		if err := data.CheckNoLeak(bitext, u.Collection.Queries); err != nil {
			return nil, fmt.Errorf("optical: user bitext of %s vs topics %s: %w", lang, u.Config.Topics, err)
		}
	}
	if _, builtin := l.Corpus.UDHR[lang]; !builtin {
		return bitext, nil // a language outside lib/data's table has only the user's collection
	}
	for _, coll := range []string{CollectionUDHR, CollectionCLDR} {
		for _, dirn := range [][2]string{{lang, "eng"}, {"eng", lang}} {
			c, err := l.Corpus.Collection(coll, dirn[0], dirn[1])
			if err != nil {
				return nil, err
			}
			if err := data.CheckNoLeak(bitext, c.Queries); err != nil {
				return nil, fmt.Errorf("optical: training bitext of %s vs %s queries: %w", lang, c.Name, err)
			}
		}
	}
	return bitext, nil
}
