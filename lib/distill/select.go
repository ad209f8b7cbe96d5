package distill

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/manifest"
)

// Parameters that a trainer run with Options.Select sets in the returned
// model's context (root scope). encoder.Model.Save writes root parameters,
// so a saved model records them too.
const (
	// ParamSelectedStep (int64) is the global step whose weights the model
	// holds: the step of the best dev score.
	ParamSelectedStep = "selected_step"
	// ParamSelectedScore (float64) is that step's dev score.
	ParamSelectedScore = "selected_score"
	// ParamStoppedStep (int64) is the global step training ended at:
	// ParamSteps unless Selection.Patience stopped it early. ParamSteps
	// (train_steps) itself is left as configured, so a model's parameters
	// stay the hyperparameters it was trained with; the steps a run
	// trained are stopped_step minus the step it resumed from.
	ParamStoppedStep = "stopped_step"
)

// Selection is model selection on a dev set during training (Options.Select):
// the model is scored every Every steps and at the last step, and the
// trainer returns the weights of the best-scoring step instead of the last.
type Selection struct {
	// Every is the number of steps between dev evaluations (> 0).
	Every int64
	// Score scores the model on the dev set; higher is better. m holds the
	// current weights and shares them with the trainer: it is read-only (do
	// not train it). A NaN or infinite score is an error.
	Score func(m *encoder.Model) (float64, error)
	// Patience stops training after this many evaluations in a row without
	// improvement (0: never stop early; < 0 is an error).
	Patience int
	// OnScore, if set, is called after each evaluation with its step, its
	// score and whether it is the best so far.
	OnScore func(step int64, score float64, best bool) error
}

// check reports bad settings, naming them.
func (s *Selection) check() error {
	switch {
	case s.Every <= 0:
		return fmt.Errorf("distill: Select.Every must be > 0, got %d", s.Every)
	case s.Score == nil:
		return errors.New("distill: Select.Score is nil (set the dev scoring function)")
	case s.Patience < 0:
		return fmt.Errorf("distill: Select.Patience must be >= 0 (0: never stop early), got %d", s.Patience)
	}
	return nil
}

// A selection's best weights live in CheckpointDir/best:
//
//	best/selection.json   {"step": ..., "score": ...}
//	best/checkpoint-*     GoMLX checkpoint of the weights (weightScopes) at that step
//	best/SHA256SUMS       manifest of the files above
//
// written like the step checkpoints (lib/atomicfile.CreateDir: a temporary
// folder, flushed and swapped in), so a kill leaves the previous best or
// the new one. A best is written before the step checkpoint of the same
// step, so every evaluation up to a checkpoint's step is reflected in it.
const (
	bestName      = "best"
	selectionFile = "selection.json"
)

// selectionRecord is selection.json.
type selectionRecord struct {
	Step  int64   `json:"step"`
	Score float64 `json:"score"`
}

// selector runs a Selection inside run.
type selector struct {
	sel      *Selection
	name     string
	dir      string // CheckpointDir/best; "" keeps the best in memory only
	newModel func() *encoder.Model
	model    *encoder.Model // built on first use: its graph is compiled once

	bestStep  int64 // -1: none yet
	bestScore float64
	best      *context.Context // the weights at bestStep
	bad       int              // evaluations after bestStep without improvement
}

func newSelector(sel *Selection, name, checkpointDir string, newModel func() *encoder.Model) (*selector, error) {
	if err := sel.check(); err != nil {
		return nil, err
	}
	if newModel == nil {
		return nil, errors.New("distill: Select is not supported by this trainer")
	}
	s := &selector{sel: sel, name: name, newModel: newModel, bestStep: -1}
	if checkpointDir != "" {
		s.dir = filepath.Join(checkpointDir, bestName)
	}
	return s, nil
}

// discard removes a persisted best (Options.Fresh).
func (s *selector) discard() error {
	if s.dir == "" {
		return nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("distill: removing %s: %w", s.dir, err)
	}
	return nil
}

// resume reads the persisted best, if any, for a run restored at step
// start0, and counts the evaluations in (bestStep, start0] as without
// improvement (they were made, and did not beat it).
func (s *selector) resume(start0 int64) error {
	if s.dir == "" {
		return nil
	}
	if _, err := os.Stat(s.dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	rec, best, err := readBest(s.dir)
	if err != nil {
		return fmt.Errorf("distill: best model %s: %w (remove it, or train with Fresh)", s.dir, err)
	}
	s.bestStep, s.bestScore, s.best = rec.Step, rec.Score, best
	if start0 > rec.Step {
		s.bad = int(start0/s.sel.Every - rec.Step/s.sel.Every)
	}
	return nil
}

// exhausted reports whether Patience has run out.
func (s *selector) exhausted() bool { return s.sel.Patience > 0 && s.bad >= s.sel.Patience }

// evaluate scores the weights in ctx at step, keeps them if they are the
// best so far (persisting them under dir), and reports whether Patience has
// run out.
func (s *selector) evaluate(ctx *context.Context, step int64) (stop bool, err error) {
	if s.model == nil {
		s.model = s.newModel()
	}
	score, err := s.sel.Score(s.model)
	if err != nil {
		return false, fmt.Errorf("distill: %s: Select.Score at step %d: %w", s.name, step, err)
	}
	if math.IsNaN(score) || math.IsInf(score, 0) {
		return false, fmt.Errorf("distill: %s: Select.Score is %v at step %d (a dev score must be finite)", s.name, score, step)
	}
	improved := s.bestStep < 0 || score > s.bestScore
	switch {
	case improved:
		best, err := snapshot(ctx)
		if err != nil {
			return false, err
		}
		if s.dir != "" {
			if err := writeBest(s.dir, selectionRecord{Step: step, Score: score}, best); err != nil {
				return false, err
			}
		}
		s.bestStep, s.bestScore, s.best, s.bad = step, score, best, 0
	case step > s.bestStep: // not a replay of the steps before a persisted best
		s.bad++
	}
	if s.sel.OnScore != nil {
		if err := s.sel.OnScore(step, score, improved); err != nil {
			return false, err
		}
	}
	return s.exhausted(), nil
}

// apply sets ctx's variables to the best weights and records the selection
// in ctx's parameters.
func (s *selector) apply(ctx *context.Context, stopped int64, progress io.Writer) error {
	if s.best == nil {
		return fmt.Errorf("distill: %s: Select: no dev evaluation was made", s.name)
	}
	for v := range s.best.IterVariables() {
		if !isWeight(v) {
			continue // GoMLX's checkpoint handler adds a /global_step to what it saves
		}
		dst := ctx.GetVariableByScopeAndName(v.Scope(), v.Name())
		if dst == nil {
			return fmt.Errorf("%w: best model has variable %s, the model has not", errIncompatible, v.ScopeAndName())
		}
		if !dst.Shape().Equal(v.Shape()) {
			return fmt.Errorf("%w: best model's %s is %s, the model's is %s", errIncompatible, v.ScopeAndName(), v.Shape(), dst.Shape())
		}
		val, err := v.Value()
		if err == nil {
			val, err = val.LocalClone() // the snapshot stays valid for another apply
		}
		if err == nil {
			err = dst.SetValue(val)
		}
		if err != nil {
			return fmt.Errorf("distill: %s: setting the best weights of %s: %w", s.name, v.ScopeAndName(), err)
		}
	}
	ctx.SetParam(ParamSelectedStep, s.bestStep)
	ctx.SetParam(ParamSelectedScore, s.bestScore)
	ctx.SetParam(ParamStoppedStep, stopped)
	fmt.Fprintf(progress, "  %s: selected step %d (dev score %.6g), trained to step %d\n", s.name, s.bestStep, s.bestScore, stopped)
	return nil
}

// weightScopes hold the model's weights: otclir's encoder, a checkpoint's
// BERT (with its projection) and the pretraining MLM head. The optimizer's
// state, the global step and the trainer's metrics live elsewhere.
var weightScopes = []string{encoder.Scope, bert.Scope, MLMScope}

func isWeight(v *context.Variable) bool {
	for _, s := range weightScopes {
		root := context.RootScope + s
		if v.Scope() == root || strings.HasPrefix(v.Scope(), root+context.ScopeSeparator) {
			return true
		}
	}
	return false
}

// snapshot copies ctx's weights (weightScopes) into a new context. The
// scope, not Variable.Trainable, tells them apart: variables restored from
// a checkpoint are all marked trainable until a graph uses them.
func snapshot(ctx *context.Context) (*context.Context, error) {
	out := context.New()
	n := 0
	for v := range ctx.IterVariables() {
		if !isWeight(v) {
			continue
		}
		val, err := v.Value()
		if err == nil {
			val, err = val.LocalClone() // not shared with the trainer's buffers
		}
		if err != nil {
			return nil, fmt.Errorf("distill: copying variable %s: %w", v.ScopeAndName(), err)
		}
		out.InAbsPath(v.Scope()).VariableWithValue(v.Name(), val)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("distill: Select: the model has no variables under /%s", strings.Join(weightScopes, ", /"))
	}
	return out, nil
}

// writeBest replaces the best model in dir.
func writeBest(dir string, rec selectionRecord, best *context.Context) error {
	d, err := atomicfile.CreateDir(dir, 0o755)
	if err != nil {
		return fmt.Errorf("distill: best model: %w", err)
	}
	defer d.Abort()
	js, err := json.Marshal(rec)
	if err == nil {
		err = os.WriteFile(filepath.Join(d.Path(), selectionFile), append(js, '\n'), 0o644)
	}
	if err == nil {
		var h *checkpoints.Handler
		prev := best.Loader()
		h, err = checkpoints.Build(best).Dir(d.Path()).ExcludeAllParams().Keep(-1).Done()
		best.SetLoader(prev) // the handler is used to write only
		if err == nil {
			err = h.Save()
		}
	}
	if err == nil {
		var sums manifest.Sums
		if sums, err = manifest.Compute(d.Path()); err == nil {
			err = sums.Write(d.Path())
		}
	}
	if err == nil {
		err = d.Commit()
	}
	if err != nil {
		return fmt.Errorf("distill: best model at step %d: %w", rec.Step, err)
	}
	return nil
}

// readBest reads a best model written by writeBest, checking its manifest.
func readBest(dir string) (selectionRecord, *context.Context, error) {
	var rec selectionRecord
	sums, err := manifest.Verify(dir)
	if err != nil {
		return rec, nil, err
	}
	js, err := sums.ReadFile(dir, selectionFile)
	if err != nil {
		return rec, nil, err
	}
	if err := json.Unmarshal(js, &rec); err != nil {
		return rec, nil, fmt.Errorf("%s: %w", selectionFile, err)
	}
	if math.IsNaN(rec.Score) || math.IsInf(rec.Score, 0) || rec.Step < 0 {
		return rec, nil, fmt.Errorf("%s: bad record %+v", selectionFile, rec)
	}
	var jsonName string
	for name := range sums {
		if strings.HasSuffix(name, checkpoints.JsonNameSuffix) && name != selectionFile {
			jsonName = name
		}
	}
	if jsonName == "" {
		return rec, nil, fmt.Errorf("%s lists no checkpoint", manifest.FileName)
	}
	ck, err := sums.ReadFile(dir, jsonName)
	if err != nil {
		return rec, nil, err
	}
	bin, err := sums.ReadFile(dir, strings.TrimSuffix(jsonName, checkpoints.JsonNameSuffix)+checkpoints.BinDataSuffix)
	if err != nil {
		return rec, nil, err
	}
	best := context.New()
	prev := best.Loader()
	defer best.SetLoader(prev) // values are set at once (Immediate)
	var loadErr error
	if perr := tryCatch(func() {
		_, loadErr = checkpoints.Build(best).FromEmbed(string(ck), bin).ExcludeAllParams().Immediate().Done()
	}); perr != nil {
		loadErr = perr
	}
	if loadErr != nil {
		return rec, nil, loadErr
	}
	return rec, best, nil
}
