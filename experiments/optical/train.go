package optical

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/filelock"
	"github.com/otclir/otclir/lib/text"
	"github.com/otclir/otclir/tracker"
)

// stringMap is m's values as the tracker records them (fmt.Sprint).
func stringMap(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// modelLockPoll is how often lockModel tries again while another process
// holds a model's lock.
const modelLockPoll = 100 * time.Millisecond

// lockModel takes the lock of the model folder dir (the file dir.lock),
// waiting while another process (a grid worker, here or on another machine
// sharing the artifacts folder) trains and saves the same model, so that a
// model is trained, saved and its files recorded by one process at a time.
// When the model is there once the lock is held (the other process saved
// it), it returns that model and releases the lock: the caller reuses it.
// Else it returns the function that releases the lock.
func (l *Lab) lockModel(ctx context.Context, what, dir string) (unlock func(), m *encoder.Model, err error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, nil, fmt.Errorf("optical: %s: %w", what, err)
	}
	lock, err := l.waitLock(ctx, what, dir)
	if err != nil {
		return nil, nil, err
	}
	m, ok, err := l.loadModel(ctx, what, dir)
	if err != nil || ok {
		lock.Unlock()
		return nil, m, err
	}
	return func() { lock.Unlock() }, nil, nil
}

// waitLock takes the lock of the artifact at path (the file path.lock),
// waiting while another process holds it.
func (l *Lab) waitLock(ctx context.Context, what, path string) (*filelock.File, error) {
	for waited := false; ; waited = true {
		lock, err := filelock.TryLock(path + ".lock")
		if err == nil {
			return lock, nil
		}
		if !errors.Is(err, filelock.ErrLocked) {
			return nil, fmt.Errorf("optical: %s: %w", what, err)
		}
		if !waited {
			fmt.Fprintf(l.cfg.Out, "%s: waiting for the process training %s\n", what, path)
		}
		select {
		case <-ctx.Done():
			return nil, cause(ctx)
		case <-time.After(modelLockPoll):
		}
	}
}

// trainTeacher trains the teacher of spec and records the run (the model
// another process saved meanwhile instead, with run id 0).
func (l *Lab) trainTeacher(ctx context.Context, spec TeacherSpec, tokSpec TokenizerSpec, tok *text.Tokenizer, dir string) (*encoder.Model, int64, error) {
	unlock, saved, err := l.lockModel(ctx, "teacher", dir)
	if saved != nil || err != nil {
		return saved, 0, err
	}
	defer unlock()
	pairs := l.Corpus.TeacherPairs()
	var pre *encoder.Model
	if l.cfg.V2() {
		pairs = l.Corpus.TeacherPairsV2()
		// The pretraining first, as its own run: the teacher's run starts
		// once it has its starting point.
		if !l.cfg.PipelineConfig.pretrains() {
			// The no-pretraining ablation: the teacher starts from a
			// fresh encoder, as under v1.
		} else if pre, _, err = l.Pretrained(ctx); err != nil {
			return nil, 0, err
		}
	}
	rec := record.TrainRun{Role: record.RoleTeacher, ModelKey: spec.Key(), TokenizerKey: tokSpec.Key(),
		VocabSize: tok.VocabSize(), TeacherPairs: len(pairs),
		Encoder: stringMap(l.cfg.Encoder), Training: stringMap(l.cfg.Teacher),
		Provenance: l.provenance(l.cfg.BitextBudget, l.defaultSeed())}
	run, err := l.startRun(rec.Name(), rec.Params(), rec.Tags())
	if err != nil {
		return nil, 0, err
	}
	var m *encoder.Model
	err = tracked(ctx, run, func() error {
		// The hyperparameters are the spec's: what its key hashes is what
		// trains (the data seed is teacher.data_seed, the initialisation
		// seed the configuration's).
		gctx := encoder.NewContext(tok, spec.Encoder, spec.Seed)
		what := "English WordNet pairs"
		if pre != nil {
			// Fine-tuned from the pretrained multilingual encoder.
			var err error
			if gctx, err = pre.CloneForTraining(); err != nil {
				return err
			}
			what = "English WordNet and GCIDE pairs, from the pretrained encoder"
		}
		for k, v := range l.cfg.Teacher {
			gctx.SetParam(k, v)
		}
		fmt.Fprintf(l.cfg.Out, "teacher: training on %d %s\n", len(pairs), what)
		opts, resumed := l.trainOptions(ctx, run, "teacher", dir)
		if l.cfg.V2() {
			opts.Select = &distill.Selection{Every: int64(l.cfg.PipelineConfig.SelectEvery), Score: l.devScorer(ctx),
				OnScore: func(step int64, score float64, best bool) error {
					fmt.Fprintf(l.cfg.Out, "teacher: step %d, gcide-dev MAP %.4f%s\n", step, score, map[bool]string{true: " (best so far)"}[best])
					return run.LogMetric("dev_map", step, score)
				}}
		}
		start := time.Now()
		var err error
		if m, err = distill.TrainTeacher(l.Backend, gctx, tok, pairs, opts); err != nil {
			return err
		}
		if err := l.saveModel(run, m, dir, start, *resumed); err != nil {
			return err
		}
		return recordSelection(run, m, *resumed)
	})
	return m, run.ID(), err
}

// recordSelection records a model selected on a dev set (distill.Select):
// the step whose weights it holds, its dev score and the step training
// ended at (steps_trained counts to that step when patience stopped it
// early). A model trained without selection records nothing.
func recordSelection(run *tracker.Run, m *encoder.Model, resumedFrom int64) error {
	get := func(k string) (float64, bool) {
		v, ok := m.Ctx.GetParam(k)
		if !ok {
			return 0, false
		}
		return toFloat(v)
	}
	step, ok := get(distill.ParamSelectedStep)
	if !ok {
		return nil
	}
	score, _ := get(distill.ParamSelectedScore)
	final := map[string]float64{"selected_step": step, "dev_map": score}
	if stopped, ok := get(distill.ParamStoppedStep); ok {
		final["stopped_step"] = stopped
		final["steps_trained"] = stopped - float64(resumedFrom)
	}
	return run.SetFinalMetrics(final)
}

// trainStudent trains the student of spec (params: its hyperparameters,
// the logging period included) and records the run (the model another
// process saved meanwhile instead, with run id 0).
func (l *Lab) trainStudent(ctx context.Context, spec StudentSpec, params map[string]any, teacher *encoder.Model,
	bitext []data.Pair, budget int, dir string) (*encoder.Model, int64, error) {
	unlock, saved, err := l.lockModel(ctx, "student "+spec.Lang, dir)
	if saved != nil || err != nil {
		return saved, 0, err
	}
	defer unlock()
	lang := spec.Lang
	if batch, _ := params[distill.ParamBatchSize].(int); len(bitext) < batch {
		return nil, 0, fmt.Errorf("optical: student %s: %d bitext pairs, fewer than one batch (student.%s = %d)", lang, len(bitext), distill.ParamBatchSize, batch)
	}
	seed := l.defaultSeed()
	if s, err := strconv.ParseInt(fmt.Sprint(params[distill.ParamDataSeed]), 10, 64); err == nil {
		seed = s
	}
	rec := record.TrainRun{Role: record.RoleStudent, ModelKey: spec.Key(), Lang: lang, TeacherKey: spec.Teacher,
		BitextPairs: len(bitext), Encoder: stringMap(l.cfg.Encoder), Training: stringMap(params),
		Provenance: l.provenance(budget, seed)}
	rec.Resource = l.cfg.resourceLabel(lang)
	if l.studentCk != nil || l.teacherCk != nil {
		rec.Encoder = nil // a checkpoint model: its architecture is its checkpoint's
	}
	if l.Corpus.userBitext(lang) {
		rec.User = l.Corpus.User.params()
	}
	run, err := l.startRun(rec.Name(), rec.Params(), rec.Tags())
	if err != nil {
		return nil, 0, err
	}
	var m *encoder.Model
	err = tracked(ctx, run, func() error {
		fmt.Fprintf(l.cfg.Out, "student %s: %s distillation on %d bitext pairs\n", lang, params[distill.ParamStudentLoss], len(bitext))
		opts, resumed := l.trainOptions(ctx, run, "student "+lang, dir)
		start := time.Now()
		var err error
		var init *encoder.Model // nil: a copy of the teacher
		if l.studentCk != nil {
			init = l.studentCk.Model
		}
		if l.cfg.V2() {
			if opts.Select, err = l.studentSelection(ctx, run, lang, teacher); err != nil {
				return err
			}
		}
		if m, err = distill.TrainStudentFrom(l.Backend, teacher, init, bitext, params, opts); err != nil {
			return err
		}
		if err := l.saveModel(run, m, dir, start, *resumed); err != nil {
			return err
		}
		return recordSelection(run, m, *resumed)
	})
	return m, run.ID(), err
}

// trainOptions logs losses, checkpoints (as artifacts) and resumption of a
// training run, and stops it when ctx is cancelled. Checkpoints live next
// to the model directory, so a run that died resumes where it stopped when
// the same configuration runs again; with Config.Force they are discarded
// first, so that a forced run trains from step 0. *resumed is the step
// training resumed from (0: from scratch).
func (l *Lab) trainOptions(ctx context.Context, run *tracker.Run, name, modelDir string) (distill.Options, *int64) {
	ckpt := modelDir + ".ckpt"
	resumed := new(int64)
	return distill.Options{
		Name: name, Progress: l.cfg.Out,
		CheckpointDir: ckpt,
		// -force retrains: without Fresh the loop would resume from the
		// final checkpoint and train 0 steps.
		Fresh:  l.cfg.Force,
		Stop:   func() error { return cause(ctx) },
		OnStep: func(step int64, loss float64) error { return run.LogMetric("loss", step, loss) },
		OnCheckpoint: func(_ int64, files []string) error {
			for _, f := range files {
				if err := run.LogArtifact(f, "checkpoint"); err != nil {
					return err
				}
			}
			return nil
		},
		OnResume: func(step int64) error {
			*resumed = step
			return run.SetTag(record.TagResumedFrom, fmt.Sprint(step))
		},
	}, resumed
}

// saveModel saves m into dir, logs its files and the run's final metrics:
// train_seconds, and steps_per_second and steps_trained over the steps
// this run trained (not counting those a checkpoint it resumed from had).
func (l *Lab) saveModel(run *tracker.Run, m *encoder.Model, dir string, start time.Time, resumedFrom int64) error {
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
	trained := steps - float64(resumedFrom)
	return run.SetFinalMetrics(map[string]float64{"train_seconds": secs, "steps_trained": trained, "steps_per_second": trained / secs})
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
