package distill

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/otclir/otclir/lib/encoder"
)

// The checkpoint fixtures of lib/bert (tiny random BERT-family models whose
// forward pass lib/bert checks against PyTorch).
const (
	colbertFixture = "../bert/testdata/tiny-colbert"
	bertFixture    = "../bert/testdata/tiny-bert"
	xlmrFixture    = "../bert/testdata/tiny-xlmr"
)

func loadFixture(t *testing.T, backend backends.Backend, dir string) *encoder.Model {
	t.Helper()
	m, err := encoder.LoadCheckpoint(backend, dir, encoder.ConvAuto)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLRFactor: values derived by hand from transformers' lr_lambda of
// get_linear_schedule_with_warmup / get_cosine_schedule_with_warmup
// (warmup 2, 10 steps): warmup s/2; linear (10 − s)/8; cosine
// ½(1 + cos(π (s − 2)/8)).
func TestLRFactor(t *testing.T) {
	for _, tc := range []struct {
		s     int
		decay string
		want  float64
	}{
		{0, DecayLinear, 0}, {1, DecayLinear, 0.5}, {2, DecayLinear, 1}, {6, DecayLinear, 0.5}, {9, DecayLinear, 0.125}, {10, DecayLinear, 0},
		{1, DecayCosine, 0.5}, {2, DecayCosine, 1}, {6, DecayCosine, 0.5}, {4, DecayCosine, 0.5 * (1 + math.Cos(math.Pi/4))},
		{1, DecayConstant, 0.5}, {7, DecayConstant, 1},
	} {
		if got := LRFactor(tc.s, 2, 10, tc.decay); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LRFactor(%d, 2, 10, %s) = %v, want %v", tc.s, tc.decay, got, tc.want)
		}
	}
	// The graph version agrees.
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	for _, decay := range []string{DecayConstant, DecayLinear, DecayCosine} {
		exec := MustNewExec(backend, func(s *Node) *Node { return lrFactorGraph(s, 2, 10, decay) })
		for s := 0; s <= 10; s++ {
			got := tensors.ToScalar[float32](exec.MustExec(float32(s))[0])
			if want := LRFactor(s, 2, 10, decay); math.Abs(float64(got)-want) > 1e-6 {
				t.Errorf("lrFactorGraph(%d, %s) = %v, want %v", s, decay, got, want)
			}
		}
	}
}

// TestClipGlobalNorm: gradients (3, 4) and (12) have global norm 13; clipped
// to 1.3 they are scaled by 1.3 / (13 + 1e-6); clipped to 20, unchanged.
func TestClipGlobalNorm(t *testing.T) {
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ clip, factor float64 }{{1.3, 1.3 / (13 + 1e-6)}, {20, 1}} {
		exec := MustNewExec(backend, func(a, b *Node) []*Node { return clipGlobalNorm([]*Node{a, b}, tc.clip) })
		out := exec.MustExec([]float32{3, 4}, []float32{12})
		got := append(tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])...)
		for i, want := range []float64{3, 4, 12} {
			if math.Abs(float64(got[i])-want*tc.factor) > 1e-5 {
				t.Errorf("clip %v: value %d = %v, want %v", tc.clip, i, got[i], want*tc.factor)
			}
		}
	}
}

func variableValues(t *testing.T, ctx *context.Context, scopePrefix string) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), scopePrefix) {
			val, err := v.Value()
			if err != nil {
				t.Fatal(err)
			}
			out[v.ScopeAndName()] = tensors.MustCopyFlatData[float32](val)
		}
	}
	return out
}

// TestStudentFromCheckpoint: a student initialised from the XLM-R fixture
// (its own SentencePiece tokenizer) trains against the ColBERT fixture
// teacher (WordPiece, 8-d vectors): it gets a projection to 8 dimensions,
// the loss is finite and falls, frozen variables do not move, the learning
// rate follows the schedule, and the student saves in HuggingFace layout.
func TestStudentFromCheckpoint(t *testing.T) {
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	teacher := loadFixture(t, backend, colbertFixture)
	init := loadFixture(t, backend, xlmrFixture)
	_, bitext := synthetic()
	before := variableValues(t, init.Ctx, "/bert")
	var losses []float64
	const steps, lr = 12, 5e-3
	st, err := TrainStudentFrom(backend, teacher, init, bitext, map[string]any{
		ParamSteps: steps, ParamBatchSize: 8, ParamBitextLen: 12, ParamLogEvery: 1, ParamLearningRate: lr,
		ParamWarmupSteps: 2, ParamLRDecay: DecayLinear, ParamClipGradNorm: 1.0,
		ParamFreezeEmbeddings: true, ParamFreezeLayers: 1,
	}, Options{Progress: os.Stderr, OnStep: func(_ int64, l float64) error { losses = append(losses, l); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Checkpoint == nil || st.OutputDim() != teacher.OutputDim() || st.Checkpoint.Config.Arch != "xlm-roberta" {
		t.Fatalf("student: checkpoint %v, OutputDim %d; want an XLM-R checkpoint model with the teacher's %d", st.Checkpoint != nil, st.OutputDim(), teacher.OutputDim())
	}
	if len(losses) != steps {
		t.Fatalf("%d losses, want %d", len(losses), steps)
	}
	for _, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) || l < 0 {
			t.Fatalf("loss %v", l)
		}
	}
	if !(mean(losses[steps-3:]) < mean(losses[:3])) {
		t.Errorf("OT loss did not fall: %v", losses)
	}
	after := variableValues(t, st.Ctx, "/bert")
	for name, v := range before {
		frozen := strings.HasPrefix(name, "/bert/embeddings/") || strings.HasPrefix(name, "/bert/encoder/layer/0/")
		moved := !slices.Equal(v, after[name])
		if frozen == moved && !strings.HasPrefix(name, "/bert/pooler") {
			t.Errorf("%s: frozen %v, moved %v", name, frozen, moved)
		}
	}
	// After the last update the schedule was at s = steps − 1:
	// (12 − 11) / (12 − 2) of lr.
	lrv := st.Ctx.GetVariableByScopeAndName("/"+optimizers.Scope, optimizers.ParamLearningRate)
	if lrv == nil {
		t.Fatal("no learning-rate variable after training")
	}
	got := tensors.ToScalar[float32](lrv.MustValue())
	if want := lr * LRFactor(steps-1, 2, steps, DecayLinear); math.Abs(float64(got)-want) > 1e-9 {
		t.Errorf("learning rate after training %v, want %v", got, want)
	}
	dir := filepath.Join(t.TempDir(), "student")
	if err := st.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := encoder.Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := st.WeightsSHA256()
	h2, _ := back.WeightsSHA256()
	h0, _ := init.WeightsSHA256()
	if h1 != h2 || h1 == h0 {
		t.Errorf("identity: trained %s, saved %s, init %s: want trained = saved ≠ init", h1, h2, h0)
	}
	for _, f := range []string{"config.json", "model.safetensors", "sentencepiece.bpe.model"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("saved student lacks %s: %v", f, err)
		}
	}
}

func TestFineTuneRejectsBadValues(t *testing.T) {
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	teacher := loadFixture(t, backend, colbertFixture)
	init := loadFixture(t, backend, bertFixture)
	_, bitext := synthetic()
	for _, tc := range []struct {
		p   map[string]any
		key string
	}{
		{map[string]any{ParamLRDecay: "exp"}, ParamLRDecay},
		{map[string]any{ParamWarmupSteps: 5, ParamLRDecay: DecayCosine}, ParamWarmupSteps}, // warmup >= steps
		{map[string]any{ParamClipGradNorm: -1.0}, ParamClipGradNorm},
		{map[string]any{ParamFreezeLayers: 3}, ParamFreezeLayers}, // the fixture has 2 layers
		{map[string]any{ParamBitextLen: 64}, ParamBitextLen},      // past the fixtures' 40 positions
	} {
		p := map[string]any{ParamSteps: 5, ParamBatchSize: 4, ParamBitextLen: 8}
		for k, v := range tc.p {
			p[k] = v
		}
		_, err := TrainStudentFrom(backend, teacher, init, bitext, p, Options{Progress: os.Stderr})
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%v: error %v, want one naming %s", tc.p, err, tc.key)
		}
	}
}

// TestFreezeOwnEncoder: freezing applies to otclir's own student too (its
// scopes /encoder/tokens, /encoder/positions, /encoder/embedding_norm,
// /encoder/layer_<i>).
func TestFreezeOwnEncoder(t *testing.T) {
	teacher, bitext, _ := trainTinyTeacher(t, 2)
	before := variableValues(t, teacher.Ctx, "/encoder")
	st, err := TrainStudent(teacher.Backend, teacher, bitext, map[string]any{
		ParamSteps: 3, ParamBatchSize: 8, ParamBitextLen: 8, ParamFreezeEmbeddings: true, ParamFreezeLayers: 1,
	}, Options{Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	after := variableValues(t, st.Ctx, "/encoder")
	for name, v := range before {
		frozen := false
		for _, p := range []string{"/encoder/tokens/", "/encoder/positions/", "/encoder/embedding_norm/", "/encoder/layer_0/"} {
			frozen = frozen || strings.HasPrefix(name, p)
		}
		if moved := !slices.Equal(v, after[name]); frozen == moved {
			t.Errorf("%s: frozen %v, moved %v", name, frozen, moved)
		}
	}
}
