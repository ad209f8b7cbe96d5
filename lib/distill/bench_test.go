package distill

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/ot"
	"github.com/otclir/otclir/lib/text"
)

// Reference workload of the issue "Train at the CPU's speed" (also timed in
// PyTorch by testdata/bench_torch.py): vocabulary 1,000, length 32, 2 post-LN
// layers, d=128, 4 heads, FFN 256, output 128; OT (ε=0.05, 20 iterations)
// + in-batch MaxSim cross-entropy (τ=0.5, weight 1); Adam, lr 1e-3.
const (
	refVocab  = 1000
	refLen    = 32
	refMinLen = 8 // real tokens per row are uniform in refMinLen..refLen
)

func refEncoderParams() map[string]any {
	return map[string]any{encoder.ParamDim: 128, encoder.ParamLayers: 2, encoder.ParamHeads: 4,
		encoder.ParamFFNDim: 256, encoder.ParamOutputDim: 128, encoder.ParamMaxPositions: refLen}
}

// refContext is encoder.NewContext with a synthetic 1,000-id vocabulary.
func refContext(seed int64) *context.Context {
	ctx := context.New()
	ctx.SetParam(initializers.ParamInitialSeed, seed)
	for k, v := range encoder.DefaultParams {
		ctx.SetParam(k, v)
	}
	for k, v := range refEncoderParams() {
		ctx.SetParam(k, v)
	}
	ctx.SetParam(encoder.ParamVocabSize, refVocab)
	return ctx
}

// refTokens returns random token ids [batch, refLen]: each row has a random
// number of real ids (not special) followed by padding.
func refTokens(rng *rand.Rand, batch int) *tensors.Tensor {
	ids := make([]int32, batch*refLen)
	for r := 0; r < batch; r++ {
		n := refMinLen + rng.IntN(refLen-refMinLen+1)
		for j := 0; j < n; j++ {
			ids[r*refLen+j] = int32(text.UnkID + 1 + rng.IntN(refVocab-text.UnkID-1))
		}
	}
	return tensors.FromFlatDataAndDimensions(ids, batch, refLen)
}

// refTeacherVectors runs a frozen teacher (its own random weights) once, as
// TrainStudent's ComputeTargets does: its vectors are inputs of the step.
func refTeacherVectors(tb testing.TB, backend backends.Backend, tokens *tensors.Tensor) (vecs, mask *tensors.Tensor) {
	tb.Helper()
	exec, err := context.NewExec(backend, refContext(7), func(ctx *context.Context, tok *Node) (*Node, *Node) {
		return encoder.Encode(ctx, tok)
	})
	if err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Exec(tokens)
	if err != nil {
		tb.Fatal(err)
	}
	return out[0], out[1]
}

// refStudentLoss is TrainStudent's modelFn loss for LossOT with
// ParamMaxSimWeight = 1 (part "full"), or one of its parts, to attribute the
// step's time: "ot" (Sinkhorn OT alone), "maxsim" (the in-batch MaxSim
// cross-entropy alone) or "encoder" (a linear loss −Σ s·t, which costs
// nothing beyond the encoder's forward and backward passes).
func refStudentLoss(part string, ctx *context.Context, inputs []*Node) *Node {
	s, sMask := encoder.Encode(ctx, inputs[0])
	t, tMask := inputs[1], inputs[2]
	otLoss := func() *Node {
		return StudentLoss(LossOT, s, sMask, t, tMask, ot.DefaultEpsilon, ot.DefaultMarginalTau, ot.DefaultIterations)
	}
	ce := func() *Node { return inBatchCrossEntropy(meanMaxSimScores(s, sMask, t, tMask), 0.5) }
	switch part {
	case "full":
		return Add(otLoss(), MulScalar(ce(), 1.0))
	case "ot":
		return otLoss()
	case "maxsim":
		return ce()
	case "encoder":
		return Neg(ReduceAllSum(Mul(s, t)))
	}
	panic("refStudentLoss: unknown part " + part)
}

// peakRSSMiB reads the process's peak resident set (VmHWM) in MiB.
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// BenchmarkReferenceStep times one Adam step of the student on the reference
// workload (train.Trainer, as lib/distill's loop uses) and reports steps/s
// and the process's peak RSS. The backend is encoder.NewBackend's
// (GOMLX_BACKEND selects another simplego configuration).
func BenchmarkReferenceStep(b *testing.B) {
	for _, batch := range []int{16, 32} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchStep(b, batch, "full") })
	}
}

// BenchmarkReferenceStepParts times the step at batch 32 with only one part
// of the loss (see refStudentLoss) to attribute BenchmarkReferenceStep's time.
func BenchmarkReferenceStepParts(b *testing.B) {
	for _, part := range []string{"encoder", "ot", "maxsim"} {
		b.Run(part, func(b *testing.B) { benchStep(b, 32, part) })
	}
}

func benchStep(b *testing.B, batch int, part string) {
	backend, err := encoder.NewBackend()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, uint64(batch)))
	sTok := refTokens(rng, batch)
	tVecs, tMask := refTeacherVectors(b, backend, refTokens(rng, batch))
	ctx := refContext(1)
	ctx.SetParam(ParamLearningRate, 1e-3)
	ctx.SetParam(ParamStudentLoss, LossOT)
	ctx.SetParam(ParamMaxSimWeight, 1.0)
	ctx.SetParam(ParamTemperature, 0.5)
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		loss := refStudentLoss(part, ctx, inputs)
		train.AddLoss(ctx, loss)
		return []*Node{loss}
	}
	trainer := train.NewTrainer(backend, ctx, modelFn, nil, optimizers.Adam().FromContext(ctx).Done(), nil, nil)
	inputs := []*tensors.Tensor{sTok, tVecs, tMask}
	step := func() {
		m, err := trainer.TrainStep(nil, inputs, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range m {
			t.FinalizeAll()
		}
	}
	step() // compile outside the timed loop
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(peakRSSMiB(), "peakRSS-MiB")
}
