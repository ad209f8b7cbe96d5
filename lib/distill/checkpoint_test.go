package distill

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/otclir/otclir/internal/fulldisk"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/manifest"
	"github.com/otclir/otclir/lib/text"
)

// ckptSetup is a tiny teacher task whose runs are deterministic: the same
// seed and steps give the same losses, interrupted or not.
type ckptSetup struct {
	backend backends.Backend
	tok     *text.Tokenizer
	pairs   []data.Pair
}

func newCkptSetup(t testing.TB) *ckptSetup {
	t.Helper()
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	tp, bitext := synthetic()
	return &ckptSetup{backend: backend, tok: tinyTokenizer(t, tp, bitext), pairs: tp}
}

func (s *ckptSetup) ctx(steps int) *context.Context {
	ctx := encoder.NewContext(s.tok, tinyEncoder(), 1)
	for k, v := range DefaultTeacherParams {
		ctx.SetParam(k, v)
	}
	for k, v := range map[string]any{ParamSteps: steps, ParamBatchSize: 16, ParamQueryLen: 8, ParamDocLen: 12, ParamLogEvery: 1} {
		ctx.SetParam(k, v)
	}
	return ctx
}

// trainResult is what a run reported.
type trainResult struct {
	losses  map[int64]float64
	resumed int64
	out     string
	err     error
}

func (s *ckptSetup) train(steps int, opt Options) trainResult {
	r := trainResult{losses: map[int64]float64{}}
	var buf bytes.Buffer
	opt.Progress = &buf
	opt.OnStep = func(step int64, loss float64) error { r.losses[step] = loss; return nil }
	opt.OnResume = func(step int64) error { r.resumed = step; return nil }
	if opt.CheckpointEvery == 0 {
		opt.CheckpointEvery = 5
	}
	_, r.err = TrainTeacher(s.backend, s.ctx(steps), s.tok, s.pairs, opt)
	r.out = buf.String()
	return r
}

func mustTrain(t *testing.T, r trainResult) trainResult {
	t.Helper()
	if r.err != nil {
		t.Fatalf("training: %v\n%s", r.err, r.out)
	}
	return r
}

func stepDirs(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != lockName {
			out = append(out, e.Name())
		}
	}
	return out
}

// writeLegacy trains steps and writes the state the way otclir did before
// checkpoint folders: GoMLX's handler, files directly in dir.
func (s *ckptSetup) writeLegacy(t *testing.T, dir string, steps int) {
	t.Helper()
	ctx := s.ctx(steps)
	if _, err := TrainTeacher(s.backend, ctx, s.tok, s.pairs, Options{Progress: &bytes.Buffer{}}); err != nil {
		t.Fatal(err)
	}
	h, err := checkpoints.Build(ctx).Dir(dir).ExcludeAllParams().Keep(1).Immediate().Done()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
}

// TestTornLegacyCheckpoint is the reported failure: a checkpoint whose
// .json a kill left empty blocked every later run ("failed to read
// checkpoint data file"). Now the run says so and starts over; a whole
// legacy checkpoint is still resumed.
func TestTornLegacyCheckpoint(t *testing.T) {
	s := newCkptSetup(t)
	full := mustTrain(t, s.train(10, Options{}))

	dir := t.TempDir()
	s.writeLegacy(t, dir, 5)
	jsons, _ := filepath.Glob(filepath.Join(dir, "checkpoint-*.json"))
	if len(jsons) != 1 {
		t.Fatalf("legacy checkpoint files: %v", jsons)
	}
	if err := os.Truncate(jsons[0], 0); err != nil {
		t.Fatal(err)
	}
	r := mustTrain(t, s.train(10, Options{CheckpointDir: dir}))
	if r.resumed != 0 || len(r.losses) != 10 {
		t.Fatalf("after a torn checkpoint: resumed at %d, %d steps; want a run from step 0", r.resumed, len(r.losses))
	}
	if !strings.Contains(r.out, "is not whole") || !strings.Contains(r.out, "training from step 0") {
		t.Errorf("the run did not say it started over:\n%s", r.out)
	}
	if d := math.Abs(r.losses[10] - full.losses[10]); d > 1e-4 {
		t.Errorf("loss at step 10 %.6f, uninterrupted %.6f", r.losses[10], full.losses[10])
	}
	if got := stepDirs(t, dir); len(got) != 1 || got[0] != "step-00000010" {
		t.Errorf("folder after the run: %v, want only step-00000010 (the torn legacy files removed)", got)
	}

	dir2 := t.TempDir()
	s.writeLegacy(t, dir2, 5)
	r = mustTrain(t, s.train(10, Options{CheckpointDir: dir2}))
	if r.resumed != 5 || len(r.losses) != 5 {
		t.Fatalf("whole legacy checkpoint: resumed at %d with %d steps, want 5 and 5", r.resumed, len(r.losses))
	}
	if d := math.Abs(r.losses[10] - full.losses[10]); d > 1e-4 {
		t.Errorf("resumed from legacy: loss at step 10 %.6f, uninterrupted %.6f", r.losses[10], full.losses[10])
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptNewestFallsBack: with two checkpoints (a kill between a new
// one's rename and the old one's removal leaves that), a damaged newest one
// is skipped, naming it, and the run resumes from the older, ending where an
// uninterrupted run ends.
func TestCorruptNewestFallsBack(t *testing.T) {
	s := newCkptSetup(t)
	full := mustTrain(t, s.train(15, Options{}))
	dir := t.TempDir()
	mustTrain(t, s.train(5, Options{CheckpointDir: dir}))
	keep := filepath.Join(t.TempDir(), "step5")
	copyDir(t, filepath.Join(dir, "step-00000005"), keep)
	mustTrain(t, s.train(10, Options{CheckpointDir: dir}))
	copyDir(t, keep, filepath.Join(dir, "step-00000005"))
	bins, _ := filepath.Glob(filepath.Join(dir, "step-00000010", "*.bin"))
	if len(bins) != 1 {
		t.Fatalf("step 10 files: %v", bins)
	}
	raw, _ := os.ReadFile(bins[0])
	if err := os.WriteFile(bins[0], raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	r := mustTrain(t, s.train(15, Options{CheckpointDir: dir}))
	if r.resumed != 5 {
		t.Fatalf("resumed at %d, want 5 (the newest whole checkpoint)\n%s", r.resumed, r.out)
	}
	if !strings.Contains(r.out, "step-00000010 is not whole") || !strings.Contains(r.out, manifest.FileName) {
		t.Errorf("the damaged checkpoint was not named:\n%s", r.out)
	}
	if d := math.Abs(r.losses[15] - full.losses[15]); d > 1e-4 {
		t.Errorf("loss at step 15 %.6f, uninterrupted %.6f", r.losses[15], full.losses[15])
	}
	if got := stepDirs(t, dir); len(got) != 1 || got[0] != "step-00000015" {
		t.Errorf("folder after the run: %v, want only step-00000015", got)
	}
}

// TestFreshTrainsFromZero: with Fresh a run discards the final checkpoint
// of an earlier run and trains every step again (without it, it resumes at
// the final step and trains none: what -force used to do).
func TestFreshTrainsFromZero(t *testing.T) {
	s := newCkptSetup(t)
	dir := t.TempDir()
	first := mustTrain(t, s.train(10, Options{CheckpointDir: dir}))
	again := mustTrain(t, s.train(10, Options{CheckpointDir: dir}))
	if again.resumed != 10 || len(again.losses) != 0 {
		t.Fatalf("without Fresh: resumed at %d with %d steps, want 10 and 0", again.resumed, len(again.losses))
	}
	fresh := mustTrain(t, s.train(10, Options{CheckpointDir: dir, Fresh: true}))
	if fresh.resumed != 0 || len(fresh.losses) != 10 {
		t.Fatalf("Fresh: resumed at %d with %d steps, want 0 and 10", fresh.resumed, len(fresh.losses))
	}
	if !strings.Contains(fresh.out, "discarded 1 checkpoint") {
		t.Errorf("Fresh did not say it discarded the checkpoint:\n%s", fresh.out)
	}
	for step := int64(1); step <= 10; step++ {
		if d := math.Abs(fresh.losses[step] - first.losses[step]); d > 1e-4 {
			t.Errorf("step %d: Fresh loss %.6f, first run %.6f", step, fresh.losses[step], first.losses[step])
		}
	}
}

// TestCheckpointOnFullDisk: a checkpoint save that runs out of space fails
// the run with ENOSPC and keeps the previous checkpoint, from which the
// next run resumes once there is space.
func TestCheckpointOnFullDisk(t *testing.T) {
	s := newCkptSetup(t)
	root := fulldisk.Mount(t, 16<<20)
	dir := filepath.Join(root, "teacher.ckpt")
	mustTrain(t, s.train(10, Options{CheckpointDir: dir}))
	free := fulldisk.Fill(t, root)
	r := s.train(20, Options{CheckpointDir: dir})
	if !errors.Is(r.err, syscall.ENOSPC) {
		t.Fatalf("training on a full disk: %v, want ENOSPC", r.err)
	}
	free()
	r = mustTrain(t, s.train(20, Options{CheckpointDir: dir}))
	if r.resumed != 10 {
		t.Fatalf("after the failed save: resumed at %d, want 10", r.resumed)
	}
	if got := stepDirs(t, dir); len(got) != 1 || got[0] != "step-00000020" {
		t.Errorf("folder after the run: %v, want only step-00000020", got)
	}
}
