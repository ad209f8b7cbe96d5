package encoder

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"

	"github.com/otclir/otclir/lib/text"
)

// Hyperparameter keys (context parameters) and their defaults.
const (
	// ParamVocabSize is set from the tokenizer by NewContext; not a tunable.
	ParamVocabSize = "encoder_vocab_size"
	// ParamDim is the transformer width.
	ParamDim = "encoder_dim"
	// ParamLayers is the number of transformer layers.
	ParamLayers = "encoder_layers"
	// ParamHeads is the number of attention heads (ParamDim must divide by it).
	ParamHeads = "encoder_heads"
	// ParamFFNDim is the hidden width of the feed-forward block.
	ParamFFNDim = "encoder_ffn_dim"
	// ParamOutputDim is the dimension d of the projected token vectors.
	ParamOutputDim = "encoder_output_dim"
	// ParamInitStd is the standard deviation of the normal initialisation
	// of every weight matrix and embedding table (biases start at 0, LayerNorm
	// gains at 1).
	ParamInitStd = "encoder_init_std"
	// ParamMaxPositions is the size of the learned position table (the longest sequence).
	ParamMaxPositions = "encoder_max_positions"
)

// DefaultParams are the defaults for the Param* keys (except ParamVocabSize).
var DefaultParams = map[string]any{
	ParamDim:          128,
	ParamLayers:       2,
	ParamHeads:        4,
	ParamFFNDim:       256,
	ParamOutputDim:    128,
	ParamMaxPositions: 128,
	ParamInitStd:      0.02,
}

// Scope is the context scope under which the encoder's variables live.
const Scope = "encoder"

// Encode builds the encoder graph: tokens int32 [batch, L] to L2-normalised
// token vectors [batch, L, output_dim] (zero on padding) and the real-token
// mask Bool [batch, L]. It panics (GoMLX style) on invalid shapes or params.
func Encode(ctx *context.Context, tokens *Node) (vectors, mask *Node) {
	vectors, _, mask = EncodeHidden(ctx, tokens)
	return vectors, mask
}

// EncodeHidden is Encode that also returns the last transformer layer's
// hidden states [batch, L, encoder_dim], before the projection (the input
// of a pretraining head such as lib/distill's masked-language-model head).
// It builds exactly Encode's variables, in the same order.
func EncodeHidden(ctx *context.Context, tokens *Node) (vectors, hidden, mask *Node) {
	ctx = ctx.In(Scope).Checked(false)
	g := tokens.Graph()
	if tokens.Rank() != 2 {
		panic("encoder.Encode: tokens must be [batch, length]")
	}
	length := tokens.Shape().Dimensions[1]
	vocab := context.GetParamOr(ctx, ParamVocabSize, 0)
	dim := context.GetParamOr(ctx, ParamDim, DefaultParams[ParamDim].(int))
	numLayers := context.GetParamOr(ctx, ParamLayers, DefaultParams[ParamLayers].(int))
	heads := context.GetParamOr(ctx, ParamHeads, DefaultParams[ParamHeads].(int))
	ffn := context.GetParamOr(ctx, ParamFFNDim, DefaultParams[ParamFFNDim].(int))
	outDim := context.GetParamOr(ctx, ParamOutputDim, DefaultParams[ParamOutputDim].(int))
	maxPos := context.GetParamOr(ctx, ParamMaxPositions, DefaultParams[ParamMaxPositions].(int))
	if vocab <= 0 {
		panic("encoder.Encode: " + ParamVocabSize + " is not set (build the context with NewContext)")
	}
	if dim%heads != 0 {
		panic("encoder.Encode: " + ParamDim + " must be divisible by " + ParamHeads)
	}
	if length > maxPos {
		panic("encoder.Encode: sequence longer than " + ParamMaxPositions)
	}

	mask = NotEqual(tokens, Scalar(g, tokens.DType(), int32(text.PadID)))
	// Weights use BERT's N(0, 0.02) initialisation. GoMLX's default (He)
	// makes each post-LN layer add a large input-independent vector (the
	// FFN's W2·E[GELU]) to every token: at 2 layers the mean cosine between
	// tokens of unrelated sentences was 0.85 (measured), which squeezes MaxSim
	// differences and made contrastive training collapse. With N(0, 0.02)
	// tokens start nearly independent and lexical identity survives.
	ctx = ctx.WithInitializer(initializers.RandomNormalFn(ctx, context.GetParamOr(ctx, ParamInitStd, 0.02)))
	x := layers.Embedding(ctx.In("tokens"), tokens, dtypes.Float32, vocab, dim)
	positions := Iota(g, tokens.Shape(), 1) // [batch, L]: 0..L-1 on every row.
	x = Add(x, layers.Embedding(ctx.In("positions"), positions, dtypes.Float32, maxPos, dim, true))
	x = layers.LayerNormalization(ctx.In("embedding_norm"), x, -1).Done()

	for layer := 0; layer < numLayers; layer++ {
		lctx := ctx.Inf("layer_%d", layer)
		att := layers.MultiHeadAttention(lctx.In("attention"), x, x, x, heads, dim/heads).
			SetKeyMask(mask).
			SetOutputDim(dim).
			Done()
		x = layers.LayerNormalization(lctx.In("attention_norm"), Add(x, att), -1).Done()
		h := layers.Dense(lctx.In("ffn_in"), x, true, ffn)
		h = activations.Gelu(h)
		h = layers.Dense(lctx.In("ffn_out"), h, true, dim)
		x = layers.LayerNormalization(lctx.In("ffn_norm"), Add(x, h), -1).Done()
	}
	y := layers.Dense(ctx.In("projection"), x, false, outDim)
	y = L2NormalizeWithEpsilon(y, 1e-6, -1)
	y = Mul(y, ConvertDType(InsertAxes(mask, -1), y.DType()))
	return y, x, mask
}

// TokenEmbeddings returns the token embedding table [encoder_vocab_size,
// encoder_dim] of the encoder in ctx (built by Encode), for heads that tie
// their output layer to it. It panics if the encoder has not been built.
func TokenEmbeddings(ctx *context.Context, g *Graph) *Node {
	v := ctx.In(Scope).In("tokens").GetVariable("embeddings")
	if v == nil {
		panic("encoder.TokenEmbeddings: no token embedding table under /" + Scope + "/tokens (build the encoder with Encode first)")
	}
	return v.ValueGraph(g)
}
