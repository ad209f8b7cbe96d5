package distill

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/ot"
	"github.com/otclir/otclir/lib/pretrained"
)

// The OT-distillation step at real size (issue "OPTICAL on real models":
// training speed). The student is a BERT encoder (lib/bert) with ColBERT's
// 128-d projection, L2-normalised; the teacher's token vectors are inputs of
// the step, precomputed, as TrainStudent feeds them. Loss: StudentLoss(LossOT),
// the mean over the batch of ⟨P, C⟩, C = 1 − cos(student_i, teacher_j) over
// real tokens, P the log-domain Sinkhorn plan (ε, iterations) under
// stop-gradient; Adam (β 0.9/0.999, ε 1e-8, no weight decay). The PyTorch
// peer, testdata/bertbase_step.py, runs the same step on lib/bert's
// reference forward pass (lib/bert/testdata/hfref.py).
const (
	bbBatch   = 16
	bbLength  = 64
	bbTeacher = 64  // teacher tokens per row (padded)
	bbProj    = 128 // ColBERT's output dimension: teacher and student vectors
	bbLR      = 1e-4
	bbAdamEps = 1e-8
)

// mbertVocab is bert-base-multilingual-cased's vocabulary size (its
// config.json, vocab_size 119547): the student of the issue starts from mBERT.
const mbertVocab = 119547

// bbStudentLen and bbTeacherLen are the real tokens of row r (32..64): fixed
// formulas, so that the PyTorch script builds the same masks.
func bbStudentLen(r, length int) int { return length/2 + (7*r)%(length/2+1) }
func bbTeacherLen(r, length int) int { return length/2 + (11*r+5)%(length/2+1) }

// bertStepInputs is one batch of the step: the student's token ids and
// attention mask, the teacher's vectors and mask.
type bertStepInputs struct {
	Batch, Length, TLength, Dim int
	IDs, Mask                   []int32   // [Batch, Length]
	TVecs                       []float32 // [Batch, TLength, Dim], L2-normalised, 0 on padding
	TMask                       []int32   // [Batch, TLength]
}

// newBERTStepInputs draws a batch: random ids (never the pad id 0),
// Gaussian teacher vectors normalised to unit length.
func newBERTStepInputs(seed uint64, vocab, batch, length, tLength, dim int) *bertStepInputs {
	rng := rand.New(rand.NewPCG(seed, 0x6f74))
	in := &bertStepInputs{Batch: batch, Length: length, TLength: tLength, Dim: dim,
		IDs: make([]int32, batch*length), Mask: make([]int32, batch*length),
		TVecs: make([]float32, batch*tLength*dim), TMask: make([]int32, batch*tLength)}
	for r := range batch {
		for j := range bbStudentLen(r, length) {
			in.IDs[r*length+j] = int32(1 + rng.IntN(vocab-1))
			in.Mask[r*length+j] = 1
		}
		for j := range bbTeacherLen(r, tLength) {
			in.TMask[r*tLength+j] = 1
			v := in.TVecs[(r*tLength+j)*dim : (r*tLength+j+1)*dim]
			var n float64
			for k := range v {
				x := rng.NormFloat64()
				v[k] = float32(x)
				n += x * x
			}
			for k := range v {
				v[k] = float32(float64(v[k]) / math.Sqrt(n))
			}
		}
	}
	return in
}

func (in *bertStepInputs) tensors() []*tensors.Tensor {
	return []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(in.IDs, in.Batch, in.Length),
		tensors.FromFlatDataAndDimensions(in.Mask, in.Batch, in.Length),
		tensors.FromFlatDataAndDimensions(make([]int32, len(in.IDs)), in.Batch, in.Length), // token types
		tensors.FromFlatDataAndDimensions(in.TVecs, in.Batch, in.TLength, in.Dim),
		tensors.FromFlatDataAndDimensions(in.TMask, in.Batch, in.TLength),
	}
}

// bertOTLoss is the step's loss graph: the student's projected vectors
// against the teacher's, what StudentLoss(LossOT) builds with lib/ot's
// defaults (the mean over the batch of ot.Distance on ot.CosineCost, plan
// under stop-gradient), written out with lib/ot's calls so that it does not
// depend on StudentLoss's list of settings.
func bertOTLoss(ctx *context.Context, cfg bert.Config, inputs []*Node) *Node {
	ids, mask, types, t, tMask := inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]
	hidden := bert.Hidden(ctx, cfg, ids, mask, types)
	s := bert.Project(ctx, cfg, hidden[len(hidden)-1])
	loss, _ := ot.Distance(ot.CosineCost(s, t), mask, tMask, ot.DefaultEpsilon, ot.DefaultIterations, false)
	return ReduceAllMean(loss)
}

// newBERTTrainer returns the step of model m (Adam, train.Trainer as
// lib/distill's loop uses): each call trains once and returns the loss of
// the weights before the update.
func newBERTTrainer(backend backends.Backend, m *bert.Model) func(in []*tensors.Tensor) (float64, error) {
	ctx := m.Ctx
	ctx.SetParam(optimizers.ParamLearningRate, bbLR)
	ctx.SetParam(optimizers.ParamAdamEpsilon, bbAdamEps)
	cfg := m.Config
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		loss := bertOTLoss(ctx, cfg, inputs)
		train.AddLoss(ctx, loss)
		return []*Node{loss}
	}
	trainer := train.NewTrainer(backend, ctx, modelFn, nil, optimizers.Adam().FromContext(ctx).Done(), nil, nil)
	return func(in []*tensors.Tensor) (float64, error) {
		ms, err := trainer.TrainStep(nil, in, nil)
		if err != nil {
			return 0, err
		}
		loss := math.NaN()
		if len(ms) > 0 {
			loss = tensorScalar(ms[0])
		}
		for _, t := range ms {
			_ = t.FinalizeAll()
		}
		return loss, nil
	}
}

// BenchmarkBERTBaseOTStep times one OT-distillation training step of a
// BERT-base-size student (12 layers, hidden 768, 12 heads, FFN 3072, mBERT's
// 119,547-token vocabulary, 512 positions, 128-d projection: 177.4 M
// parameters, random weights as transformers initialises them) on a batch of
// 16 × 64 tokens (32–64 real per row) against 16 × 64 precomputed teacher
// vectors, and reports steps/s, CPU seconds per step (all threads) and the
// process's peak RSS. testdata/bertbase_step.py is the PyTorch peer;
// testdata/bench_bertbase.sh runs both, interleaved (make bench-bertbase).
//
//	go test -run '^$' -bench 'BERTBaseOTStep' -benchtime 3x ./lib/distill
func BenchmarkBERTBaseOTStep(b *testing.B) {
	if testing.Short() {
		b.Skip("BERT-base training step: seconds per step and ~5 GB; skipped under -short")
	}
	backend, err := encoder.NewBackend()
	if err != nil {
		b.Fatal(err)
	}
	cfg := bert.BaseConfig()
	cfg.VocabSize = mbertVocab
	cfg.ProjectionDim = bbProj
	m, err := bert.New(backend, cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	step := newBERTTrainer(backend, m)
	in := newBERTStepInputs(2, cfg.VocabSize, bbBatch, bbLength, bbTeacher, bbProj).tensors()
	if _, err := step(in); err != nil { // compiles the graph
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("mbert/batch=%d/len=%d", bbBatch, bbLength), func(b *testing.B) {
		cpu0 := cpuSeconds()
		for range b.N {
			loss, err := step(in)
			if err != nil {
				b.Fatal(err)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				b.Fatalf("loss %v", loss)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
		b.ReportMetric(peakRSSMiB(), "peakRSS-MiB")
	})
}

// cpuSeconds is the process's user + system CPU time (all threads): on a
// shared machine it varies far less than the wall clock.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// TestBERTOTStepMatchesPyTorch checks that the benchmarked step is the
// PyTorch peer's: a tiny BERT student (random weights, saved in HuggingFace
// layout by bert.Model.Save) trains for three steps in Go and in
// testdata/bertbase_step.py (which loads the saved weights with
// lib/bert/testdata/hfref.py); the three losses — the first of the saved
// weights, the next two after one and two Adam updates — must agree.
func TestBERTOTStepMatchesPyTorch(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is None)").Run(); err != nil {
		t.Skip("python3-torch is not installed (make setup-torch): cannot run the PyTorch peer of the BERT OT step")
	}
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	cfg := bert.Config{Arch: bert.BERT, VocabSize: 97, Hidden: 32, Layers: 2, Heads: 4, FFN: 64,
		MaxPositions: 16, TypeVocabSize: 2, LayerNormEps: 1e-12, ProjectionDim: 8}
	m, err := bert.New(backend, cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	modelDir := filepath.Join(dir, "model")
	if err := m.Save(modelDir, pretrained.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	in := newBERTStepInputs(4, cfg.VocabSize, 4, 12, 10, cfg.ProjectionDim)
	inPath, outPath := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.json")
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	const steps = 3
	cmd := exec.Command(py, "testdata/bertbase_step.py", "parity", modelDir, inPath, outPath, fmt.Sprint(steps))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bertbase_step.py: %v\n%s", err, out)
	}
	var want struct{ Losses []float64 }
	raw, err = os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("%s: %v", outPath, err)
	}
	if len(want.Losses) != steps {
		t.Fatalf("%s: %d losses, want %d", outPath, len(want.Losses), steps)
	}
	step := newBERTTrainer(backend, m)
	ts := in.tensors()
	for i := range steps {
		got, err := step(ts)
		if err != nil {
			t.Fatal(err)
		}
		// float32 on both sides; the losses are ~1 (cosine costs in [0, 2]).
		if d := math.Abs(got - want.Losses[i]); d > 1e-5 {
			t.Errorf("step %d: loss %.8f, PyTorch %.8f (|diff| %.2g > 1e-5)", i, got, want.Losses[i], d)
		} else {
			t.Logf("step %d: loss %.8f, PyTorch %.8f (|diff| %.2g)", i, got, want.Losses[i], d)
		}
	}
	if want.Losses[steps-1] >= want.Losses[0] {
		t.Errorf("PyTorch losses %v do not decrease: the check would not see the updates", want.Losses)
	}
}
