package distill

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Fine-tuning hyperparameters (context parameters) of a student. They are
// optional: absent, or at their FineTuneParams default, training is exactly
// what it was without them (plain Adam at a constant learning rate, every
// variable trained), so the keys of models trained before they existed stay
// valid.
const (
	// ParamWarmupSteps: the learning rate rises linearly from 0 over the
	// first warmup_steps steps.
	ParamWarmupSteps = "warmup_steps"
	// ParamLRDecay: after the warmup, the learning rate stays (constant) or
	// decays to 0 at the last step (linear, cosine), as transformers'
	// get_constant_schedule_with_warmup, get_linear_schedule_with_warmup and
	// get_cosine_schedule_with_warmup.
	ParamLRDecay = "lr_decay"
	// ParamClipGradNorm: gradients are scaled so that their global L2 norm
	// (over every trained variable) is at most this (0: no clipping), as
	// torch.nn.utils.clip_grad_norm_.
	ParamClipGradNorm = "clip_grad_norm"
	// ParamFreezeEmbeddings keeps the embedding tables (and their LayerNorm)
	// fixed.
	ParamFreezeEmbeddings = "freeze_embeddings"
	// ParamFreezeLayers keeps the lowest N transformer layers fixed.
	ParamFreezeLayers = "freeze_layers"
)

// Learning-rate decays (ParamLRDecay).
const (
	DecayConstant = "constant"
	DecayLinear   = "linear"
	DecayCosine   = "cosine"
)

// FineTuneParams are the defaults of the optional fine-tuning
// hyperparameters (no effect).
var FineTuneParams = map[string]any{
	ParamWarmupSteps:      0,
	ParamLRDecay:          DecayConstant,
	ParamClipGradNorm:     0.0,
	ParamFreezeEmbeddings: false,
	ParamFreezeLayers:     0,
}

// fineTune holds the fine-tuning settings of a context.
type fineTune struct {
	warmup, steps int
	decay         string
	clip          float64
	lr            float64
}

func fineTuneOf(ctx *context.Context) (fineTune, error) {
	f := fineTune{
		warmup: context.GetParamOr(ctx, ParamWarmupSteps, 0),
		steps:  context.GetParamOr(ctx, ParamSteps, 0),
		decay:  context.GetParamOr(ctx, ParamLRDecay, DecayConstant),
		clip:   context.GetParamOr(ctx, ParamClipGradNorm, 0.0),
		lr:     context.GetParamOr(ctx, optimizers.ParamLearningRate, optimizers.AdamDefaultLearningRate),
	}
	switch f.decay {
	case DecayConstant, DecayLinear, DecayCosine:
	default:
		return f, fmt.Errorf("distill: %s %q: want %s, %s or %s", ParamLRDecay, f.decay, DecayConstant, DecayLinear, DecayCosine)
	}
	if f.warmup < 0 || (f.steps > 0 && f.warmup >= f.steps && f.decay != DecayConstant) {
		return f, fmt.Errorf("distill: %s = %d: want 0 <= it < %s (%d) when decaying", ParamWarmupSteps, f.warmup, ParamSteps, f.steps)
	}
	if math.IsNaN(f.clip) || f.clip < 0 || math.IsInf(f.clip, 0) {
		return f, fmt.Errorf("distill: %s = %v: want a finite number >= 0", ParamClipGradNorm, f.clip)
	}
	return f, nil
}

// active reports whether f changes anything.
func (f fineTune) active() bool { return f.warmup > 0 || f.decay != DecayConstant || f.clip > 0 }

// LRFactor is the learning-rate multiplier of 0-based step s (the number
// of updates already made) of a run of steps steps: transformers'
// lr_lambda of the schedules above,
//
//	s < warmup:  s / warmup
//	constant:    1
//	linear:      max(0, (steps − s) / (steps − warmup))
//	cosine:      max(0, ½ (1 + cos(π (s − warmup) / (steps − warmup))))
func LRFactor(s, warmup, steps int, decay string) float64 {
	if s < warmup {
		return float64(s) / float64(warmup)
	}
	switch decay {
	case DecayLinear:
		return math.Max(0, float64(steps-s)/float64(max(1, steps-warmup)))
	case DecayCosine:
		p := float64(s-warmup) / float64(max(1, steps-warmup))
		return math.Max(0, 0.5*(1+math.Cos(math.Pi*p)))
	}
	return 1
}

// lrFactorGraph is LRFactor on a graph node s (float32 scalar).
func lrFactorGraph(s *Node, warmup, steps int, decay string) *Node {
	g := s.Graph()
	one := ScalarOne(g, s.DType())
	after := one
	span := float64(max(1, steps-warmup))
	switch decay {
	case DecayLinear:
		after = Max(ScalarZero(g, s.DType()), DivScalar(Sub(Scalar(g, s.DType(), float64(steps)), s), span))
	case DecayCosine:
		p := DivScalar(AddScalar(s, -float64(warmup)), span)
		after = Max(ScalarZero(g, s.DType()), MulScalar(OnePlus(Cos(MulScalar(p, math.Pi))), 0.5))
	}
	if warmup == 0 {
		return after
	}
	return Where(LessThan(s, Scalar(g, s.DType(), float64(warmup))), DivScalar(s, float64(warmup)), after)
}

// clipGlobalNorm scales grads so that their global L2 norm is at most
// maxNorm (torch.nn.utils.clip_grad_norm_: factor maxNorm / (norm + 1e-6),
// applied when below 1).
func clipGlobalNorm(grads []*Node, maxNorm float64) []*Node {
	if len(grads) == 0 {
		return grads
	}
	g := grads[0].Graph()
	total := ScalarZero(g, grads[0].DType())
	for _, gr := range grads {
		total = Add(total, ReduceAllSum(Square(gr)))
	}
	norm := Sqrt(total)
	factor := Min(ScalarOne(g, norm.DType()), Div(Scalar(g, norm.DType(), maxNorm), AddScalar(norm, 1e-6)))
	out := make([]*Node, len(grads))
	for i, gr := range grads {
		out[i] = Mul(gr, ConvertDType(factor, gr.DType()))
	}
	return out
}

// withGradients is what GoMLX's Adam implements besides optimizers.Interface.
type withGradients interface {
	optimizers.Interface
	UpdateGraphWithGradients(ctx *context.Context, grads []*Node, lossDType dtypes.DType)
}

// scheduledOptimizer is Adam with a learning-rate schedule and gradient
// clipping: each step it sets GoMLX's learning-rate variable to
// lr · LRFactor(global step) and clips the gradients before Adam's update.
type scheduledOptimizer struct {
	inner withGradients
	f     fineTune
}

func (o *scheduledOptimizer) UpdateGraph(ctx *context.Context, g *Graph, loss *Node) {
	grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
	if o.f.clip > 0 {
		grads = clipGlobalNorm(grads, o.f.clip)
	}
	// The global step before Adam increments it: the updates already made.
	s := ConvertDType(optimizers.GetGlobalStepVar(ctx).ValueGraph(g), loss.DType())
	lrVar := optimizers.LearningRateVar(ctx, loss.DType(), o.f.lr)
	lrVar.SetValueGraph(MulScalar(lrFactorGraph(s, o.f.warmup, o.f.steps, o.f.decay), o.f.lr))
	o.inner.UpdateGraphWithGradients(ctx, grads, loss.DType())
}

func (o *scheduledOptimizer) Clear(ctx *context.Context) error { return o.inner.Clear(ctx) }

// newOptimizer is GoMLX's Adam configured from ctx, scheduled and clipped
// when ctx sets fine-tuning parameters.
func newOptimizer(ctx *context.Context) (optimizers.Interface, error) {
	adam := optimizers.Adam().FromContext(ctx).Done()
	f, err := fineTuneOf(ctx)
	if err != nil {
		return nil, err
	}
	if !f.active() {
		return adam, nil
	}
	inner, ok := adam.(withGradients)
	if !ok {
		return nil, fmt.Errorf("distill: GoMLX's Adam (%T) does not take gradients: %s, %s and %s are unavailable", adam, ParamWarmupSteps, ParamLRDecay, ParamClipGradNorm)
	}
	return &scheduledOptimizer{inner: inner, f: f}, nil
}

// freezePrefixes are the scopes of the variables of the embeddings and of
// the lowest layers of a student: /encoder/{tokens,positions,
// embedding_norm} and /encoder/layer_<i> for otclir's encoder,
// /bert/embeddings and /bert/encoder/layer/<i> for a checkpoint.
func freezePrefixes(checkpoint bool, embeddings bool, layers, numLayers int) ([]string, error) {
	if layers < 0 || layers > numLayers {
		return nil, fmt.Errorf("distill: %s = %d: the model has %d layers", ParamFreezeLayers, layers, numLayers)
	}
	var prefixes []string
	if embeddings {
		if checkpoint {
			prefixes = append(prefixes, "/bert/embeddings/")
		} else {
			prefixes = append(prefixes, "/encoder/tokens/", "/encoder/positions/", "/encoder/embedding_norm/")
		}
	}
	for i := range layers {
		if checkpoint {
			prefixes = append(prefixes, fmt.Sprintf("/bert/encoder/layer/%d/", i))
		} else {
			prefixes = append(prefixes, fmt.Sprintf("/encoder/layer_%d/", i))
		}
	}
	return prefixes, nil
}

// freeze marks the variables under prefixes not trainable and returns how
// many. It runs again after the student's graph is built, before the
// optimizer's: GoMLX's layers.LayerNormalization marks its gain and offset
// trainable whenever it builds.
func freeze(ctx *context.Context, prefixes []string) int {
	n := 0
	for v := range ctx.IterVariables() {
		scope := v.Scope() + "/"
		for _, p := range prefixes {
			if strings.HasPrefix(scope, p) {
				v.SetTrainable(false)
				n++
				break
			}
		}
	}
	return n
}
