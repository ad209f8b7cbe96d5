package bert

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// weight returns the graph node of the variable holding tensor name (its
// HuggingFace name, unprefixed). It panics, GoMLX style, when the context
// lacks it.
func weight(ctx *context.Context, g *Graph, name string) *Node {
	scope, leaf := scopeAndName(name)
	v := ctx.GetVariableByScopeAndName(scope, leaf)
	if v == nil {
		panic(fmt.Sprintf("bert: context has no variable %s/%s (tensor %s)", scope, leaf, name))
	}
	return v.ValueGraph(g)
}

// linear is x·W + b for x [..., in] and a linear layer stored [in, out].
func linear(ctx *context.Context, x *Node, name string) *Node {
	g := x.Graph()
	w := weight(ctx, g, name+".weight")
	y := DotGeneral(x, []int{x.Rank() - 1}, nil, w, []int{0}, nil)
	return Add(y, expandTo(weight(ctx, g, name+".bias"), y.Rank()))
}

// expandTo reshapes a vector [n] to [1, ..., 1, n] of the given rank: GoMLX
// broadcasting needs equal ranks.
func expandTo(v *Node, rank int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dimensions[0]
	return Reshape(v, dims...)
}

// layerNorm over the last axis, as torch.nn.LayerNorm: biased variance,
// eps inside the square root.
func layerNorm(ctx *context.Context, x *Node, name string, eps float64) *Node {
	g := x.Graph()
	mean := ReduceAndKeep(x, ReduceMean, -1)
	xc := Sub(x, mean)
	variance := ReduceAndKeep(Square(xc), ReduceMean, -1)
	// x / √(var + ε) rather than Rsqrt: GoMLX v0.26 has no gradient for
	// Rsqrt, and students fine-tune these layers (lib/distill).
	y := Div(xc, Sqrt(AddScalar(variance, eps)))
	y = Mul(y, expandTo(weight(ctx, g, name+".weight"), x.Rank()))
	return Add(y, expandTo(weight(ctx, g, name+".bias"), x.Rank()))
}

// embed gathers rows of table [n, d] for int ids [batch, L]: [batch, L, d].
func embed(table, ids *Node) *Node { return Gather(table, InsertAxes(ids, -1)) }

// Positions returns the position ids of a batch: 0..L−1 on every row for
// BERT; for XLM-R, HuggingFace's create_position_ids_from_input_ids:
// cumsum(ids ≠ pad) · (ids ≠ pad) + pad, so that the first real token gets
// pad + 1 and padding gets pad.
func Positions(cfg Config, ids *Node) *Node {
	g := ids.Graph()
	if !cfg.learnedPositionsFromPad() {
		return Iota(g, ids.Shape(), 1)
	}
	notPad := ConvertDType(NotEqual(ids, Scalar(g, ids.DType(), cfg.PadID)), ids.DType())
	return AddScalar(Mul(CumSum(notPad, 1), notPad), float64(cfg.PadID))
}

// Hidden builds the encoder graph: ids, attention mask (1 on tokens to
// attend to, 0 on padding) and token types, all int32 [batch, L], to every
// hidden state [batch, L, hidden]: the embedding output first, then each
// layer's (transformers' output_hidden_states). ctx holds the variables
// (Model.Ctx); it panics (GoMLX style) on missing variables or bad shapes.
func Hidden(ctx *context.Context, cfg Config, ids, mask, tokenTypes *Node) []*Node {
	g := ids.Graph()
	if ids.Rank() != 2 || !mask.Shape().Equal(ids.Shape()) || !tokenTypes.Shape().Equal(ids.Shape()) {
		panic(fmt.Sprintf("bert.Hidden: ids %s, mask %s and token types %s must share one [batch, length] shape",
			ids.Shape(), mask.Shape(), tokenTypes.Shape()))
	}
	batch, length := ids.Shape().Dimensions[0], ids.Shape().Dimensions[1]
	d, heads := cfg.Hidden, cfg.Heads
	dh := d / heads

	x := embed(weight(ctx, g, "embeddings.word_embeddings.weight"), ids)
	x = Add(x, embed(weight(ctx, g, "embeddings.token_type_embeddings.weight"), tokenTypes))
	x = Add(x, embed(weight(ctx, g, "embeddings.position_embeddings.weight"), Positions(cfg, ids)))
	x = layerNorm(ctx, x, "embeddings.LayerNorm", cfg.LayerNormEps)
	hidden := []*Node{x}

	// Additive mask, transformers' get_extended_attention_mask:
	// (1 − mask) · finfo(float32).min, broadcast over heads and queries.
	minF32 := Scalar(g, dtypes.Float32, -math.MaxFloat32)
	ext := Mul(OneMinus(ConvertDType(mask, dtypes.Float32)), minF32)
	ext = Reshape(ext, batch, 1, 1, length)
	scale := math.Sqrt(float64(dh))

	for i := range cfg.Layers {
		p := "encoder.layer." + strconv.Itoa(i) + "."
		split := func(t *Node) *Node { return Reshape(t, batch, length, heads, dh) }
		q := split(linear(ctx, x, p+"attention.self.query"))
		k := split(linear(ctx, x, p+"attention.self.key"))
		v := split(linear(ctx, x, p+"attention.self.value"))
		// scores[b, h, i, j] = q[b, i, h, :]·k[b, j, h, :] / √dh + ext[b, j]
		scores := DotGeneral(q, []int{3}, []int{0, 2}, k, []int{3}, []int{0, 2})
		scores = Add(DivScalar(scores, scale), ext)
		probs := Softmax(scores, -1)
		// context[b, h, i, :] = Σ_j probs[b, h, i, j] v[b, j, h, :]
		att := DotGeneral(probs, []int{3}, []int{0, 1}, v, []int{1}, []int{0, 2})
		att = Reshape(TransposeAllDims(att, 0, 2, 1, 3), batch, length, d)
		a := layerNorm(ctx, Add(linear(ctx, att, p+"attention.output.dense"), x), p+"attention.output.LayerNorm", cfg.LayerNormEps)
		h := activations.Gelu(linear(ctx, a, p+"intermediate.dense")) // x·Φ(x), exact erf
		x = layerNorm(ctx, Add(linear(ctx, h, p+"output.dense"), a), p+"output.LayerNorm", cfg.LayerNormEps)
		hidden = append(hidden, x)
	}
	return hidden
}

// Project is ColBERT's output: the linear projection of the last hidden
// state (no bias unless the checkpoint has linear.bias), L2-normalised per
// token as torch.nn.functional.normalize (x / max(‖x‖, 1e-12)).
func Project(ctx *context.Context, cfg Config, last *Node) *Node {
	if cfg.ProjectionDim == 0 {
		panic(fmt.Sprintf("bert.Project: the model has no projection (%s)", projectionWeight))
	}
	g := last.Graph()
	y := DotGeneral(last, []int{last.Rank() - 1}, nil, weight(ctx, g, projectionWeight), []int{0}, nil)
	if cfg.ProjectionBias {
		y = Add(y, expandTo(weight(ctx, g, projectionBias), y.Rank()))
	}
	norm := Sqrt(ReduceAndKeep(Square(y), ReduceSum, -1))
	return Div(y, MaxScalar(norm, 1e-12))
}
