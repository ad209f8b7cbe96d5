package distill

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/otclir/otclir/lib/encoder"
)

// probeText is the text whose vectors identify a model's weights.
const probeText = "the water and the fire are here"

// selProbe drives a Selection whose scores the test chooses as a function
// of the step, and records the probe text's vectors at each evaluation:
// what the scored model held.
type selProbe struct {
	t      *testing.T
	step   int64 // the last step trained (OnStep, OnResume)
	score  func(step int64) float64
	vecs   map[int64][]float32
	scored []int64 // steps evaluated, in order
	best   []bool  // OnScore's best flags, in order
	steps  []int64 // steps OnStep saw
}

func newSelProbe(t *testing.T, score func(step int64) float64) *selProbe {
	return &selProbe{t: t, score: score, vecs: map[int64][]float32{}}
}

// options sets opt's OnStep, OnResume and Select (Every, Patience) to the probe's.
func (p *selProbe) options(opt Options, every int64, patience int) Options {
	opt.OnStep = func(step int64, _ float64) error { p.step = step; p.steps = append(p.steps, step); return nil }
	opt.OnResume = func(step int64) error { p.step = step; return nil }
	if opt.Progress == nil {
		opt.Progress = &strings.Builder{}
	}
	opt.Select = &Selection{Every: every, Patience: patience,
		Score: func(m *encoder.Model) (float64, error) {
			p.vecs[p.step] = probeVectors(p.t, m)
			p.scored = append(p.scored, p.step)
			return p.score(p.step), nil
		},
		OnScore: func(step int64, _ float64, best bool) error {
			if step != p.step {
				p.t.Errorf("OnScore at step %d, the model is at step %d", step, p.step)
			}
			p.best = append(p.best, best)
			return nil
		}}
	return opt
}

func probeVectors(t *testing.T, m *encoder.Model) []float32 {
	t.Helper()
	rows, err := m.Encode([]string{probeText}, 12)
	if err != nil {
		t.Fatal(err)
	}
	return rows[0]
}

// peakAt is a dev score that rises to 0 at step peak and falls after it.
func peakAt(peak int64) func(int64) float64 {
	return func(step int64) float64 { return -math.Abs(float64(step - peak)) }
}

// checkSelected checks m's selection parameters and that it holds want's weights.
func checkSelected(t *testing.T, m *encoder.Model, want []float32, step int64, score float64, stopped int64, steps int) {
	t.Helper()
	if got := probeVectors(t, m); !slices.Equal(got, want) {
		t.Errorf("the returned model's vectors are not those of step %d", step)
	}
	for key, want := range map[string]any{ParamSelectedStep: step, ParamSelectedScore: score, ParamStoppedStep: stopped, ParamSteps: steps} {
		if got, _ := m.Ctx.GetParam(key); got != want {
			t.Errorf("%s = %v (%T), want %v", key, got, got, want)
		}
	}
	// Only the weights were selected: the global step is the last one trained.
	if gs := m.Ctx.GetVariableByScopeAndName(context.RootScope, "global_step"); gs == nil {
		t.Error("no global_step variable")
	} else if v, err := gs.Value(); err != nil || v.Value() != stopped {
		t.Errorf("global_step = %v (%v), want %d", v, err, stopped)
	}
}

// TestSelectReturnsPeakWeights: with a dev score peaking at step 6 of 12,
// evaluated every 3 steps, the trainer returns the weights of step 6: the
// weights the score saw then, and those of a 6-step run with the same seed.
func TestSelectReturnsPeakWeights(t *testing.T) {
	s := newCkptSetup(t)
	ref, err := TrainTeacher(s.backend, s.ctx(6), s.tok, s.pairs, Options{Progress: &strings.Builder{}})
	if err != nil {
		t.Fatal(err)
	}
	at6 := probeVectors(t, ref)
	for _, tc := range []struct {
		name string
		dir  bool
	}{{"memory", false}, {"checkpoint dir", true}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newSelProbe(t, peakAt(6))
			opt := Options{CheckpointEvery: 5}
			if tc.dir {
				opt.CheckpointDir = t.TempDir()
			}
			m, err := TrainTeacher(s.backend, s.ctx(12), s.tok, s.pairs, p.options(opt, 3, 0))
			if err != nil {
				t.Fatal(err)
			}
			if want := []int64{3, 6, 9, 12}; !slices.Equal(p.scored, want) {
				t.Errorf("evaluated at steps %v, want %v", p.scored, want)
			}
			if want := []bool{true, true, false, false}; !slices.Equal(p.best, want) {
				t.Errorf("best flags %v, want %v", p.best, want)
			}
			if !slices.Equal(p.vecs[6], at6) {
				t.Errorf("the model scored at step 6 differs from a 6-step run's")
			}
			if slices.Equal(p.vecs[12], at6) {
				t.Fatalf("steps 6 and 12 have the same vectors: the test cannot tell them apart")
			}
			checkSelected(t, m, at6, 6, 0, 12, 12)
			if tc.dir {
				if _, err := os.Stat(filepath.Join(opt.CheckpointDir, bestName, selectionFile)); err != nil {
					t.Errorf("no persisted best: %v", err)
				}
			}
		})
	}
}

// TestSelectPatienceStopsEarly: the score peaks at step 6; evaluated every
// 3 steps with Patience 2, steps 9 and 12 do not improve, so training ends
// at step 12 of 30 with step 6's weights. A second run into the same
// folder resumes at step 12, trains nothing and returns the same model.
func TestSelectPatienceStopsEarly(t *testing.T) {
	s := newCkptSetup(t)
	dir := t.TempDir()
	p := newSelProbe(t, peakAt(6))
	m, err := TrainTeacher(s.backend, s.ctx(30), s.tok, s.pairs, p.options(Options{CheckpointDir: dir, CheckpointEvery: 10}, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{3, 6, 9, 12}; !slices.Equal(p.scored, want) {
		t.Errorf("evaluated at steps %v, want %v", p.scored, want)
	}
	if last := p.steps[len(p.steps)-1]; last != 12 {
		t.Errorf("trained to step %d, want 12", last)
	}
	checkSelected(t, m, p.vecs[6], 6, 0, 12, 30)

	again := newSelProbe(t, peakAt(6))
	m2, err := TrainTeacher(s.backend, s.ctx(30), s.tok, s.pairs, again.options(Options{CheckpointDir: dir, CheckpointEvery: 10}, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if again.step != 12 || len(again.steps) != 0 || len(again.scored) != 0 {
		t.Errorf("second run: resumed at %d, trained steps %v, evaluated %v; want step 12, nothing", again.step, again.steps, again.scored)
	}
	checkSelected(t, m2, p.vecs[6], 6, 0, 12, 30)
}

// TestSelectSurvivesKill: a run whose best is step 6 is interrupted (Stop)
// before step 8 (its last checkpoint, step 5, is older than the best) or
// before step 11 (checkpoint at 10). The resumed run scores every step
// lower than the best, so the weights it returns can only be the persisted
// step 6's.
func TestSelectSurvivesKill(t *testing.T) {
	s := newCkptSetup(t)
	for _, tc := range []struct {
		name    string
		killAt  int64 // Stop fails when step killAt has trained, before it is checkpointed or scored
		resumed int64
	}{{"best after checkpoint", 8, 5}, {"best before checkpoint", 11, 10}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := newSelProbe(t, peakAt(6))
			opt := p.options(Options{CheckpointDir: dir, CheckpointEvery: 5}, 2, 0)
			opt.Stop = func() error {
				if p.step == tc.killAt-1 && len(p.steps) > 0 {
					return errStopped
				}
				return nil
			}
			if _, err := TrainTeacher(s.backend, s.ctx(12), s.tok, s.pairs, opt); !errors.Is(err, errStopped) {
				t.Fatalf("first run: %v, want it stopped", err)
			}
			if want := []int64{2, 4, 6}; !slices.Equal(p.scored[:3], want) {
				t.Fatalf("first run evaluated %v", p.scored)
			}
			low := newSelProbe(t, func(int64) float64 { return -100 })
			m, err := TrainTeacher(s.backend, s.ctx(12), s.tok, s.pairs, low.options(Options{CheckpointDir: dir, CheckpointEvery: 5}, 2, 0))
			if err != nil {
				t.Fatal(err)
			}
			if low.step != 12 || low.steps[0] != tc.resumed+1 {
				t.Errorf("second run trained steps %v, want %d..12", low.steps, tc.resumed+1)
			}
			for _, b := range low.best {
				if b {
					t.Errorf("second run: a score of -100 was reported best (best flags %v)", low.best)
				}
			}
			checkSelected(t, m, p.vecs[6], 6, 0, 12, 12)
		})
	}
}

// TestSelectRejectsBadSettings: each bad setting is an error naming it.
func TestSelectRejectsBadSettings(t *testing.T) {
	s := newCkptSetup(t)
	score := func(v float64) func(*encoder.Model) (float64, error) {
		return func(*encoder.Model) (float64, error) { return v, nil }
	}
	for _, tc := range []struct {
		name string
		sel  Selection
		want string
	}{
		{"every 0", Selection{Every: 0, Score: score(1)}, "Select.Every must be > 0, got 0"},
		{"every < 0", Selection{Every: -2, Score: score(1)}, "Select.Every must be > 0, got -2"},
		{"no score", Selection{Every: 2}, "Select.Score is nil"},
		{"patience < 0", Selection{Every: 2, Score: score(1), Patience: -1}, "Select.Patience must be >= 0"},
		{"NaN", Selection{Every: 2, Score: score(math.NaN())}, "Select.Score is NaN at step 2"},
		{"+Inf", Selection{Every: 2, Score: score(math.Inf(1))}, "Select.Score is +Inf at step 2"},
		{"error", Selection{Every: 2, Score: func(*encoder.Model) (float64, error) { return 0, errStopped }}, "Select.Score at step 2: stopped by the test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel := tc.sel
			_, err := TrainTeacher(s.backend, s.ctx(4), s.tok, s.pairs, Options{Progress: &strings.Builder{}, Select: &sel})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestSelectOtherTrainers: Select works for the student and for
// pretraining (every trainer goes through run).
func TestSelectOtherTrainers(t *testing.T) {
	t.Run("student", func(t *testing.T) {
		teacher, bitext, _ := trainTinyTeacher(t, 4)
		p := newSelProbe(t, peakAt(4))
		m, err := TrainStudent(teacher.Backend, teacher, bitext, map[string]any{
			ParamSteps: 8, ParamBatchSize: 16, ParamBitextLen: 8, ParamLogEvery: 1,
		}, p.options(Options{}, 2, 0))
		if err != nil {
			t.Fatal(err)
		}
		checkSelected(t, m, p.vecs[4], 4, 0, 8, 8)
	})
	t.Run("pretrain", func(t *testing.T) {
		u := loadUDHRText(t)
		tok := udhrTokenizer(t, u, 300)
		backend, err := encoder.NewBackend()
		if err != nil {
			t.Fatal(err)
		}
		p := newSelProbe(t, peakAt(4))
		m, err := Pretrain(backend, pretrainCtx(tok, 8, nil), tok, u.mono, u.bitext, p.options(Options{CheckpointDir: t.TempDir()}, 2, 0))
		if err != nil {
			t.Fatal(err)
		}
		checkSelected(t, m, p.vecs[4], 4, 0, 8, 8)
		if slices.Equal(p.vecs[4], p.vecs[8]) {
			t.Errorf("steps 4 and 8 have the same vectors")
		}
	})
	// The use doc.go describes: the dev score is −PretrainLoss on held-out
	// UDHR articles, computed on the model being trained; the returned
	// model's dev loss is the best one seen.
	t.Run("pretrain dev loss", func(t *testing.T) {
		u := loadUDHRText(t)
		tok := udhrTokenizer(t, u, 300)
		backend, err := encoder.NewBackend()
		if err != nil {
			t.Fatal(err)
		}
		devLoss := func(m *encoder.Model) (float64, error) {
			return PretrainLoss(m.Backend, m.Ctx, m.Tokenizer, u.devMono, u.devBitext, 7)
		}
		var scores []float64
		m, err := Pretrain(backend, pretrainCtx(tok, 8, nil), tok, u.mono, u.bitext, Options{Progress: &strings.Builder{},
			Select: &Selection{Every: 2,
				Score:   func(m *encoder.Model) (float64, error) { l, err := devLoss(m); return -l, err },
				OnScore: func(_ int64, score float64, _ bool) error { scores = append(scores, score); return nil }}})
		if err != nil {
			t.Fatal(err)
		}
		if len(scores) != 4 {
			t.Fatalf("scores %v, want 4 (steps 2, 4, 6, 8)", scores)
		}
		t.Logf("dev scores at steps 2, 4, 6, 8: %v", scores)
		best := slices.Max(scores)
		if got, _ := m.Ctx.GetParam(ParamSelectedScore); got != best {
			t.Errorf("%s = %v, want the best of %v", ParamSelectedScore, got, scores)
		}
		l, err := devLoss(m)
		if err != nil {
			t.Fatal(err)
		}
		// The same graph on the same weights: equal up to float32 rounding.
		if math.Abs(-l-best) > 1e-6*math.Abs(best) {
			t.Errorf("returned model's dev loss %v, want %v", l, -best)
		}
	})
}

// TestSelectFreshAndDamagedBest: Fresh discards a persisted best with the
// checkpoints; a best whose files no longer match their manifest is an
// error naming the folder, not a silent restart.
func TestSelectFreshAndDamagedBest(t *testing.T) {
	s := newCkptSetup(t)
	dir := t.TempDir()
	p := newSelProbe(t, peakAt(2))
	if _, err := TrainTeacher(s.backend, s.ctx(4), s.tok, s.pairs, p.options(Options{CheckpointDir: dir}, 2, 0)); err != nil {
		t.Fatal(err)
	}
	// Fresh: a new run from step 0 whose best (step 4 of a score peaking
	// there) must not be beaten by the discarded best of score 0.
	fresh := newSelProbe(t, func(step int64) float64 { return float64(step) - 10 })
	m, err := TrainTeacher(s.backend, s.ctx(4), s.tok, s.pairs, fresh.options(Options{CheckpointDir: dir, Fresh: true}, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.steps[0] != 1 {
		t.Errorf("Fresh run started at step %d", fresh.steps[0])
	}
	checkSelected(t, m, fresh.vecs[4], 4, -6, 4, 4)

	path := filepath.Join(dir, bestName, selectionFile)
	if err := os.WriteFile(path, []byte(`{"step":4,"score":99}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = TrainTeacher(s.backend, s.ctx(4), s.tok, s.pairs, newSelProbe(t, peakAt(2)).options(Options{CheckpointDir: dir}, 2, 0))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, bestName)) || !strings.Contains(err.Error(), selectionFile) {
		t.Fatalf("got %v, want an error naming %s", err, path)
	}
	t.Log(err)
}

// TestSelectResumesRunWithoutSelection: a run checkpointed without Select
// and resumed with it has no best so far: the restored weights (step 4) are
// scored first, and win here since the score falls after step 4. (Then the
// restored variables, optimizer state included, are all marked trainable:
// checkSelected's global step check shows they were not selected.)
func TestSelectResumesRunWithoutSelection(t *testing.T) {
	s := newCkptSetup(t)
	dir := t.TempDir()
	if _, err := TrainTeacher(s.backend, s.ctx(4), s.tok, s.pairs, Options{Progress: &strings.Builder{}, CheckpointDir: dir}); err != nil {
		t.Fatal(err)
	}
	p := newSelProbe(t, peakAt(4))
	m, err := TrainTeacher(s.backend, s.ctx(8), s.tok, s.pairs, p.options(Options{CheckpointDir: dir}, 3, 0))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{4, 6, 8}; !slices.Equal(p.scored, want) {
		t.Errorf("evaluated at steps %v, want %v", p.scored, want)
	}
	checkSelected(t, m, p.vecs[4], 4, 0, 8, 8)
	// The persisted best holds the encoder's variables, and the global step
	// GoMLX's checkpoint handler adds to name its files, nothing else.
	_, best, err := readBest(filepath.Join(dir, bestName))
	if err != nil {
		t.Fatal(err)
	}
	n, want := 0, 0
	for v := range best.IterVariables() {
		if v.ScopeAndName() == "/global_step" {
			continue
		}
		n++
		if !strings.HasPrefix(v.Scope(), "/"+encoder.Scope) {
			t.Errorf("best holds %s", v.ScopeAndName())
		}
	}
	for v := range m.Ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), "/"+encoder.Scope+"/") {
			want++
		}
	}
	if n != want || n == 0 {
		t.Errorf("best holds %d variables, the encoder has %d", n, want)
	}
}
