package distill

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/ot"
)

// TeacherTargets holds the frozen teacher's token vectors of the English
// side of a bitext, padded to a fixed length: computed once per student run.
type TeacherTargets struct {
	Len, Dim int
	Vecs     []float32 // [n, Len, Dim]
	Mask     []bool    // [n, Len]
}

// ComputeTargets encodes texts with the teacher into padded targets.
func ComputeTargets(teacher *encoder.Model, texts []string, maxLen int) (*TeacherTargets, error) {
	enc, err := teacher.Encode(texts, maxLen)
	if err != nil {
		return nil, err
	}
	dim := teacher.OutputDim()
	t := &TeacherTargets{Len: maxLen, Dim: dim,
		Vecs: make([]float32, len(texts)*maxLen*dim), Mask: make([]bool, len(texts)*maxLen)}
	for i, v := range enc {
		copy(t.Vecs[i*maxLen*dim:], v)
		for j := 0; j < len(v)/dim; j++ {
			t.Mask[i*maxLen+j] = true
		}
	}
	return t, nil
}

// TrainStudent initialises a student from teacher (a copy of its variables
// and parameters) and trains it on bitext (Src foreign, Tgt English) with the
// loss named by ParamStudentLoss. Student hyperparameters come from params
// (over DefaultStudentParams); the encoder's own sizes are the teacher's.
func TrainStudent(backend backends.Backend, teacher *encoder.Model, bitext []data.Pair,
	params map[string]any, opt Options) (*encoder.Model, error) {
	return TrainStudentFrom(backend, teacher, nil, bitext, params, opt)
}

// TrainStudentFrom is TrainStudent with the student initialised from init
// (nil: a copy of the teacher), e.g. a multilingual checkpoint
// (encoder.LoadCheckpoint) with its own tokenizer: the bitext is tokenized
// once per side, the foreign side by the student's tokenizer, and the OT
// cost is between token vectors, so the loss applies unchanged. A student
// whose vectors lack the teacher's dimension gets a new projection to it
// (encoder.Model.WithProjection, seeded by ParamDataSeed). The optional
// FineTuneParams (warmup, decay, clipping, freezing) apply.
func TrainStudentFrom(backend backends.Backend, teacher, init *encoder.Model, bitext []data.Pair,
	params map[string]any, opt Options) (*encoder.Model, error) {
	if init == nil {
		init = teacher
	}
	ctx, err := init.CloneForTraining()
	if err != nil {
		return nil, err
	}
	for k, v := range DefaultStudentParams {
		ctx.SetParam(k, v)
	}
	for k, v := range params {
		ctx.SetParam(k, v)
	}
	batch := context.GetParamOr(ctx, ParamBatchSize, 32)
	if len(bitext) < batch {
		return nil, fmt.Errorf("distill: %d bitext pairs for %s=%d", len(bitext), ParamBatchSize, batch)
	}
	maxLen := context.GetParamOr(ctx, ParamBitextLen, 48)
	lossKind := context.GetParamOr(ctx, ParamStudentLoss, LossOT)
	if !slices.Contains(StudentLosses, lossKind) {
		return nil, fmt.Errorf("distill: unknown %s %q (want %s)", ParamStudentLoss, lossKind, strings.Join(StudentLosses, ", "))
	}
	eps := context.GetParamOr(ctx, ot.ParamEpsilon, 0.05)
	iters := context.GetParamOr(ctx, ot.ParamIterations, 20)
	if eps <= 0 || iters <= 0 {
		return nil, fmt.Errorf("distill: %s (%v) and %s (%d) must be > 0", ot.ParamEpsilon, eps, ot.ParamIterations, iters)
	}
	tau := context.GetParamOr(ctx, ot.ParamMarginalTau, ot.DefaultMarginalTau)
	if lossKind == LossOTUnbalanced {
		if err := ot.CheckUnbalanced(eps, tau, iters); err != nil {
			return nil, fmt.Errorf("distill: %s=%s: %w", ParamStudentLoss, lossKind, err)
		}
	}
	if _, err := fineTuneOf(ctx); err != nil {
		return nil, err
	}
	wMaxSim := context.GetParamOr(ctx, ParamMaxSimWeight, 0.0)
	if lossKind == LossNone && !(wMaxSim > 0) {
		return nil, fmt.Errorf("distill: %s=%s trains on the in-batch MaxSim term alone: %s must be > 0 (it is %v)",
			ParamStudentLoss, LossNone, ParamMaxSimWeight, wMaxSim)
	}
	temperature := context.GetParamOr(ctx, ParamTemperature, 0.05)
	dataSeed := context.GetParamOr(ctx, ParamDataSeed, int64(1))
	if maxLen > init.MaxPositions() || maxLen > teacher.MaxPositions() {
		return nil, fmt.Errorf("distill: %s = %d is longer than the student's (%d) or the teacher's (%d) positions",
			ParamBitextLen, maxLen, init.MaxPositions(), teacher.MaxPositions())
	}
	student, err := init.WithProjection(ctx, teacher.OutputDim(), uint64(dataSeed))
	if err != nil {
		return nil, err
	}
	numLayers := context.GetParamOr(ctx, encoder.ParamLayers, encoder.DefaultParams[encoder.ParamLayers].(int))
	if student.Checkpoint != nil {
		numLayers = student.Checkpoint.Config.Layers
	}
	frozen, err := freezePrefixes(student.Checkpoint != nil, context.GetParamOr(ctx, ParamFreezeEmbeddings, false),
		context.GetParamOr(ctx, ParamFreezeLayers, 0), numLayers)
	if err != nil {
		return nil, err
	}
	if len(frozen) > 0 && freeze(ctx, frozen) == 0 {
		return nil, fmt.Errorf("distill: %s / %s: no variable of the student is under %v", ParamFreezeEmbeddings, ParamFreezeLayers, frozen)
	}

	foreign := make([]string, len(bitext))
	english := make([]string, len(bitext))
	for i, p := range bitext {
		foreign[i], english[i] = p.Src, p.Tgt
	}
	targets, err := ComputeTargets(teacher, english, maxLen)
	if err != nil {
		return nil, err
	}
	dim := targets.Dim
	b := newBatcher(len(bitext), batch, dataSeed)
	// otclir's own student reads only ids (its masks are ids ≠ PAD); a
	// checkpoint student also reads the attention and vector masks.
	var studentInputs func(idx []int) []*tensors.Tensor
	if student.Checkpoint == nil {
		fIDs := encoder.Tokenize(student.Tokenizer, foreign, maxLen)
		studentInputs = func(idx []int) []*tensors.Tensor { return []*tensors.Tensor{gatherRows(fIDs, maxLen, idx)} }
	} else {
		fb := student.TokenizeBatch(foreign, maxLen, encoder.Document)
		studentInputs = func(idx []int) []*tensors.Tensor { return fb.Rows(idx).Tensors() }
	}
	ds := &dataset{name: "bitext", skip: b.skip, make: func() []*tensors.Tensor {
		idx := b.next()
		vecs := make([]float32, batch*maxLen*dim)
		mask := make([]bool, batch*maxLen)
		for i, r := range idx {
			copy(vecs[i*maxLen*dim:(i+1)*maxLen*dim], targets.Vecs[r*maxLen*dim:(r+1)*maxLen*dim])
			copy(mask[i*maxLen:(i+1)*maxLen], targets.Mask[r*maxLen:(r+1)*maxLen])
		}
		return append(studentInputs(idx),
			tensors.FromFlatDataAndDimensions(vecs, batch, maxLen, dim),
			tensors.FromFlatDataAndDimensions(mask, batch, maxLen))
	}}
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		var s, sMask, t, tMask *Node
		if student.Checkpoint == nil {
			s, sMask = encoder.Encode(ctx, inputs[0])
			t, tMask = inputs[1], inputs[2]
		} else {
			s, sMask = student.Vectors(ctx, inputs[0], inputs[1], inputs[2])
			t, tMask = inputs[3], inputs[4]
		}
		if len(frozen) > 0 {
			freeze(ctx, frozen)
		}
		loss := StudentLoss(lossKind, s, sMask, t, tMask, eps, tau, iters)
		if wMaxSim > 0 {
			ce := inBatchCrossEntropy(meanMaxSimScores(s, sMask, t, tMask), temperature)
			loss = Add(loss, MulScalar(ce, wMaxSim))
		}
		train.AddLoss(ctx, loss)
		return []*Node{loss}
	}
	if opt.Name == "" {
		opt.Name = "student"
	}
	trained := func() *encoder.Model {
		if student.Checkpoint == nil {
			return encoder.NewModel(backend, ctx, student.Tokenizer)
		}
		return student.Trained(ctx)
	}
	if _, err := run(backend, ctx, ds, modelFn, trained, opt); err != nil {
		return nil, err
	}
	return trained(), nil
}

// StudentLoss builds the scalar distillation loss (mean over the batch) of
// student vectors s [B,Ls,D] against teacher vectors t [B,Lt,D]: eps and
// iters are the Sinkhorn settings of the OT losses, tau the marginal
// relaxation of LossOTUnbalanced (unused by the others). LossNone is a zero
// scalar: the trainer's in-batch MaxSim term is then the whole loss.
func StudentLoss(kind string, s, sMask, t, tMask *Node, eps, tau float64, iters int) *Node {
	if kind == LossMSE {
		sm := meanPool(s, sMask)
		tm := meanPool(t, tMask)
		diff := Sub(sm, tm)
		return ReduceAllMean(ReduceSum(Mul(diff, diff), -1))
	}
	if kind == LossNone {
		return ScalarZero(s.Graph(), s.DType())
	}
	cost := ot.CosineCost(s, t)
	var plan *Node
	switch kind {
	case LossOT:
		loss, _ := ot.Distance(cost, sMask, tMask, eps, iters, false)
		return ReduceAllMean(loss)
	case LossOTUnbalanced:
		loss, _ := ot.UnbalancedDistance(cost, sMask, tMask, eps, tau, iters, false)
		return ReduceAllMean(loss)
	case LossHard:
		plan = ot.HardPlan(StopGradient(ot.Sinkhorn(cost, sMask, tMask, eps, iters)), sMask)
	case LossUniform:
		plan = ot.UniformPlan(sMask, tMask)
	default:
		panic("distill: unknown student loss " + kind)
	}
	return ReduceAllMean(ot.Loss(cost, StopGradient(plan)))
}

func meanPool(x, mask *Node) *Node {
	m := ConvertDType(InsertAxes(mask, -1), x.DType()) // [B,L,1]
	sum := ReduceSum(Mul(x, m), 1)                     // [B,D]
	cnt := ReduceSum(m, 1)                             // [B,1]
	return Div(sum, Max(cnt, OnesLike(cnt)))
}
