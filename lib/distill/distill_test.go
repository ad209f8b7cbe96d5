package distill

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/ot"
	"github.com/otclir/otclir/lib/text"
)

// Synthetic pairs are allowed in unit tests: an "English" query of two words
// maps to a document that repeats them with filler; the "foreign" side
// replaces each word with a fixed pseudo-translation.
var words = []string{"water", "fire", "earth", "wind", "stone", "river", "tree", "bird", "cloud", "snow", "rain", "sun"}

func foreignWord(w string) string { return "x" + strings.ToUpper(w[:1]) + w[1:] + "o" }

func synthetic() (teacher, bitext []data.Pair) {
	for i, a := range words {
		for j, b := range words {
			if i == j {
				continue
			}
			q := a + " " + b
			teacher = append(teacher, data.Pair{Src: q, Tgt: "the " + a + " and the " + b + " are here"})
			bitext = append(bitext, data.Pair{Src: foreignWord(a) + " " + foreignWord(b), Tgt: q})
		}
	}
	return teacher, bitext
}

func tinyTokenizer(t testing.TB, pairs ...[]data.Pair) *text.Tokenizer {
	var corpus []string
	for _, ps := range pairs {
		for _, p := range ps {
			corpus = append(corpus, p.Src, p.Tgt)
		}
	}
	tok, err := text.TrainBPE(corpus, 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func tinyEncoder() map[string]any {
	return map[string]any{encoder.ParamDim: 32, encoder.ParamHeads: 2, encoder.ParamFFNDim: 64,
		encoder.ParamOutputDim: 16, encoder.ParamLayers: 2, encoder.ParamMaxPositions: 16}
}

func trainTinyTeacher(t *testing.T, steps int) (*encoder.Model, []data.Pair, []float64) {
	t.Helper()
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	tp, bitext := synthetic()
	tok := tinyTokenizer(t, tp, bitext)
	ctx := encoder.NewContext(tok, tinyEncoder(), 1)
	for k, v := range DefaultTeacherParams {
		ctx.SetParam(k, v)
	}
	ctx.SetParam(ParamSteps, steps)
	ctx.SetParam(ParamBatchSize, 16)
	ctx.SetParam(ParamQueryLen, 8)
	ctx.SetParam(ParamDocLen, 12)
	ctx.SetParam(ParamLogEvery, 1)
	ctx.SetParam(ParamTemperature, 0.1)
	var losses []float64
	m, err := TrainTeacher(backend, ctx, tok, tp, Options{Progress: os.Stderr,
		OnStep: func(step int64, loss float64) error { losses = append(losses, loss); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return m, bitext, losses
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestTeacherLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("training test: skipped under -short")
	}
	_, _, losses := trainTinyTeacher(t, 60)
	if len(losses) != 60 {
		t.Fatalf("OnStep called %d times, want 60 (log_every=1)", len(losses))
	}
	first, last := mean(losses[:10]), mean(losses[50:])
	// Chance level of the in-batch cross-entropy is ln(16) = 2.77.
	if !(last < first-0.3) {
		t.Fatalf("teacher loss did not fall: first 10 steps %.3f, last 10 %.3f", first, last)
	}
}

func TestStudentLossesTrain(t *testing.T) {
	teacher, bitext, _ := trainTinyTeacher(t, 20)
	for _, kind := range StudentLosses {
		t.Run(kind, func(t *testing.T) {
			var losses []float64
			params := map[string]any{
				ParamSteps: 20, ParamBatchSize: 16, ParamBitextLen: 8, ParamStudentLoss: kind, ParamLogEvery: 1,
			}
			if kind == LossNone {
				params[ParamMaxSimWeight] = 1.0 // its only term
			}
			_, err := TrainStudent(teacher.Backend, teacher, bitext, params, Options{Progress: os.Stderr, OnStep: func(_ int64, l float64) error { losses = append(losses, l); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			if len(losses) != 20 {
				t.Fatalf("%d losses logged, want 20", len(losses))
			}
			for _, l := range losses {
				if math.IsNaN(l) || l < 0 {
					t.Fatalf("loss %v", l)
				}
			}
			if kind != LossUniform && !(mean(losses[15:]) < mean(losses[:5])) {
				t.Fatalf("%s loss did not fall: %.4f -> %.4f", kind, mean(losses[:5]), mean(losses[15:]))
			}
		})
	}
}

func TestStudentRejectsBadParams(t *testing.T) {
	teacher, bitext, _ := trainTinyTeacher(t, 2)
	for _, p := range []map[string]any{
		{ParamStudentLoss: "nope"},
		{ParamStudentLoss: LossNone},                          // no loss at all
		{ParamStudentLoss: LossNone, ParamMaxSimWeight: -1.0}, // a negative weight
		{ParamStudentLoss: LossNone, ParamMaxSimWeight: math.NaN()},
		{ot.ParamEpsilon: 0.0},
		{ParamStudentLoss: LossOTUnbalanced, ot.ParamMarginalTau: 0.0},
		{ParamStudentLoss: LossOTUnbalanced, ot.ParamMarginalTau: math.NaN()},
		{ParamBatchSize: len(bitext) + 1},
		{ParamSteps: 0},
	} {
		_, err := TrainStudent(teacher.Backend, teacher, bitext, p, Options{Progress: os.Stderr})
		if err == nil {
			t.Fatalf("params %v: want error", p)
		}
	}
}

func TestNonFiniteLossStopsTraining(t *testing.T) {
	// A loss that is NaN from the first step (sqrt of a negative number, the
	// variables still in the graph so that there is something to optimise):
	// training must stop with an error that names the step.
	teacher, bitext, _ := trainTinyTeacher(t, 2)
	ctx, err := teacher.CloneForTraining()
	if err != nil {
		t.Fatal(err)
	}
	ctx.SetParam(ParamSteps, 5)
	ids := encoder.Tokenize(teacher.Tokenizer, []string{bitext[0].Src, bitext[1].Src}, 8)
	ds := &dataset{name: "nan", make: func() []*tensors.Tensor {
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32{}, ids...), 2, 8)}
	}}
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		v, _ := encoder.Encode(ctx, inputs[0])
		loss := Sqrt(Sub(MulScalar(ReduceAllSum(v), 0), OnesLike(ReduceAllSum(v))))
		train.AddLoss(ctx, loss)
		return []*Node{loss}
	}
	_, err = run(teacher.Backend, ctx, ds, modelFn, nil, Options{Name: "nan-test", Progress: os.Stderr})
	if err == nil || !strings.Contains(err.Error(), "loss is NaN at step 1") {
		t.Fatalf("want a non-finite loss error at step 1, got %v", err)
	}
}

// TestTrainingNoDeadlock trains with the shipped backend configuration while
// every core is kept busy by other goroutines: simplego's default worker pool
// deadlocked in this situation; DefaultBackendConfig must not.
func TestTrainingNoDeadlock(t *testing.T) {
	if os.Getenv("GOMLX_BACKEND") != "" {
		t.Skip("GOMLX_BACKEND overrides the shipped configuration")
	}
	var stop atomic.Bool
	defer stop.Store(true)
	for i := 0; i < runtime.NumCPU(); i++ {
		go func() {
			x := 0
			for !stop.Load() {
				x++
			}
			_ = x
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		trainTinyTeacher(t, 30)
	}()
	select {
	case <-done:
	case <-time.After(4 * time.Minute):
		var sb strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&sb, 1)
		t.Fatalf("training did not finish in 4 minutes under load (deadlock?) with %s:\n%s",
			encoder.BackendConfig(), firstLines(sb.String(), 80))
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n") + fmt.Sprintf("\n... (%d bytes)", len(s))
}

func TestLearningRateKeyIsGoMLXs(t *testing.T) {
	// ParamLearningRate must be the key GoMLX's optimizers read.
	if ParamLearningRate != optimizers.ParamLearningRate {
		t.Fatalf("ParamLearningRate %q, GoMLX reads %q", ParamLearningRate, optimizers.ParamLearningRate)
	}
}

// TestResumeFromCheckpoint interrupts a teacher run after 10 of 20 steps and
// resumes it from its checkpoint: the resumed run must start at step 11 and
// end with the same loss as an uninterrupted 20-step run (same batches, same
// optimizer state).
func TestResumeFromCheckpoint(t *testing.T) {
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	tp, bitext := synthetic()
	tok := tinyTokenizer(t, tp, bitext)
	newCtx := func(steps int) *context.Context {
		ctx := encoder.NewContext(tok, tinyEncoder(), 1)
		for k, v := range DefaultTeacherParams {
			ctx.SetParam(k, v)
		}
		for k, v := range map[string]any{ParamSteps: steps, ParamBatchSize: 16, ParamQueryLen: 8, ParamDocLen: 12, ParamLogEvery: 1} {
			ctx.SetParam(k, v)
		}
		return ctx
	}
	trainOnce := func(steps int, dir string) (map[int64]float64, int64, []string) {
		losses := map[int64]float64{}
		var resumed int64
		var files []string
		_, err := TrainTeacher(backend, newCtx(steps), tok, tp, Options{Progress: os.Stderr, CheckpointDir: dir, CheckpointEvery: 5,
			OnStep:       func(step int64, loss float64) error { losses[step] = loss; return nil },
			OnResume:     func(step int64) error { resumed = step; return nil },
			OnCheckpoint: func(_ int64, f []string) error { files = append(files, f...); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		return losses, resumed, files
	}
	full, _, _ := trainOnce(20, "")
	dir := t.TempDir()
	first, resumed, files := trainOnce(10, dir)
	if resumed != 0 || len(first) != 10 {
		t.Fatalf("first part: resumed at %d with %d steps logged", resumed, len(first))
	}
	if len(files) != 4 { // checkpoints at steps 5 and 10, a .json and a .bin each
		t.Fatalf("checkpoint files reported: %v", files)
	}
	for _, f := range files[2:] {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("latest checkpoint file missing: %v", err)
		}
	}
	second, resumed, _ := trainOnce(20, dir)
	if resumed != 10 {
		t.Fatalf("second part resumed at step %d, want 10", resumed)
	}
	if _, ok := second[10]; ok || len(second) != 10 {
		t.Fatalf("second part logged steps %v, want 11..20", second)
	}
	if d := math.Abs(second[20] - full[20]); d > 1e-4 {
		t.Fatalf("loss at step 20: resumed %.6f, uninterrupted %.6f", second[20], full[20])
	}
}
