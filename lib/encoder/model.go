package encoder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/otclir/otclir/lib/text"
)

// ErrNoModel is returned by Load when the directory holds no saved encoder.
var ErrNoModel = errors.New("encoder: no saved model")

// TokenizerFile is the tokenizer's file name inside a model directory.
const TokenizerFile = "tokenizer.json"

// EncodeBatchSize is the number of texts encoded per graph execution. Every
// batch is padded to this size so that few compiled graphs serve all of them.
const EncodeBatchSize = 32

// LengthBucket is the granularity of the padded sequence length of a batch.
const LengthBucket = 16

// NewContext returns a fresh context holding the encoder hyperparameters:
// DefaultParams, overridden by params, with the vocabulary size of tok.
// Variables are created (randomly initialised, seeded by seed) when the graph
// is first built.
func NewContext(tok *text.Tokenizer, params map[string]any, seed int64) *context.Context {
	ctx := context.New()
	ctx.SetParam(initializers.ParamInitialSeed, seed)
	for k, v := range DefaultParams {
		ctx.SetParam(k, v)
	}
	for k, v := range params {
		ctx.SetParam(k, v)
	}
	ctx.SetParam(ParamVocabSize, tok.VocabSize())
	return ctx
}

// Model is an encoder ready to embed texts: tokenizer + variables.
type Model struct {
	Backend   backends.Backend
	Ctx       *context.Context
	Tokenizer *text.Tokenizer
	exec      *context.Exec
}

// NewModel wraps a context (built with NewContext or loaded) and its tokenizer.
func NewModel(backend backends.Backend, ctx *context.Context, tok *text.Tokenizer) *Model {
	return &Model{Backend: backend, Ctx: ctx, Tokenizer: tok}
}

// MaxPositions is the longest sequence the model accepts.
func (m *Model) MaxPositions() int {
	return context.GetParamOr(m.Ctx.In(Scope), ParamMaxPositions, DefaultParams[ParamMaxPositions].(int))
}

// OutputDim is the dimension of the token vectors.
func (m *Model) OutputDim() int {
	return context.GetParamOr(m.Ctx.In(Scope), ParamOutputDim, DefaultParams[ParamOutputDim].(int))
}

// Tokenize encodes texts into a padded int32 matrix [len(texts), maxLen]
// (row-major) of token ids. Empty texts become a single UNK token so that no
// row is fully padded.
func Tokenize(tok *text.Tokenizer, texts []string, maxLen int) []int32 {
	out := make([]int32, len(texts)*maxLen)
	for i, s := range texts {
		ids := tok.Encode(s, maxLen)
		if len(ids) == 0 {
			ids = []int32{int32(text.UnkID)}
		}
		copy(out[i*maxLen:(i+1)*maxLen], ids)
	}
	return out
}

// Encode embeds texts (truncated to maxLen subwords) and returns, for each
// text, its real tokens' vectors flattened row-major: n_i × OutputDim floats.
// It runs the graph in batches of EncodeBatchSize.
func (m *Model) Encode(texts []string, maxLen int) (out [][]float32, err error) {
	if maxLen <= 0 || maxLen > m.MaxPositions() {
		return nil, fmt.Errorf("encoder: maxLen %d out of range 1..%d (%s)", maxLen, m.MaxPositions(), ParamMaxPositions)
	}
	if m.exec == nil {
		m.exec, err = context.NewExec(m.Backend, m.Ctx.Reuse(), func(ctx *context.Context, tokens *Node) (*Node, *Node) {
			return Encode(ctx, tokens)
		})
		if err != nil {
			return nil, fmt.Errorf("encoder: building the encode graph: %w", err)
		}
	}
	dim := m.OutputDim()
	out = make([][]float32, len(texts))
	for start := 0; start < len(texts); start += EncodeBatchSize {
		end := min(start+EncodeBatchSize, len(texts))
		chunk := make([]string, EncodeBatchSize)
		copy(chunk, texts[start:end])
		// Pad the batch only to its longest text, rounded up to a multiple of
		// LengthBucket (one compiled graph per bucket): short texts such as CLDR
		// entries then cost a fraction of maxLen. Padding does not change a
		// text's vectors (TestEncodeShapesNormsAndPadding).
		longest := 1
		for _, s := range chunk[:end-start] {
			longest = max(longest, len(m.Tokenizer.Encode(s, maxLen)))
		}
		length := min(maxLen, (longest+LengthBucket-1)/LengthBucket*LengthBucket)
		ids := Tokenize(m.Tokenizer, chunk, length)
		for i := end - start; i < EncodeBatchSize; i++ { // padding rows: one UNK token, ignored below
			ids[i*length] = int32(text.UnkID)
		}
		res, err := m.exec.Exec(tensors.FromFlatDataAndDimensions(ids, EncodeBatchSize, length))
		if err != nil {
			return nil, fmt.Errorf("encoder: encoding texts %d..%d: %w", start, end, err)
		}
		vecs := tensors.MustCopyFlatData[float32](res[0])
		mask := tensors.MustCopyFlatData[bool](res[1])
		for _, t := range res {
			_ = t.FinalizeAll()
		}
		for i := start; i < end; i++ {
			row := i - start
			v := make([]float32, 0, length*dim)
			for j := 0; j < length; j++ {
				if mask[row*length+j] {
					off := (row*length + j) * dim
					v = append(v, vecs[off:off+dim]...)
				}
			}
			out[i] = v
		}
	}
	return out, nil
}

// TokenStrings returns the subword strings the model sees for s (as Encode
// would truncate them), for labelling alignments.
func (m *Model) TokenStrings(s string, maxLen int) []string {
	toks := m.Tokenizer.Tokens(s, maxLen)
	if len(toks) == 0 {
		toks = []string{"[UNK]"}
	}
	return toks
}

// Save writes the tokenizer and the encoder variables and parameters (a GoMLX
// checkpoint) to dir. Only variables under the encoder scope are saved:
// optimizer state is training-only.
func (m *Model) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("encoder: %w", err)
	}
	if err := m.Tokenizer.Save(filepath.Join(dir, TokenizerFile)); err != nil {
		return fmt.Errorf("encoder: saving tokenizer in %s: %w", dir, err)
	}
	saveCtx := context.New()
	m.Ctx.EnumerateParams(func(scope, key string, value any) {
		if scope == context.RootScope {
			saveCtx.SetParam(key, value)
		}
	})
	for v := range m.Ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), context.RootScope+Scope) {
			if _, err := v.CloneToContext(saveCtx); err != nil {
				return fmt.Errorf("encoder: copying variable %s: %w", v.ScopeAndName(), err)
			}
		}
	}
	h, err := checkpoints.Build(saveCtx).Dir(dir).Keep(1).Done()
	if err != nil {
		return fmt.Errorf("encoder: checkpoint in %s: %w", dir, err)
	}
	if err := h.Save(); err != nil {
		return fmt.Errorf("encoder: saving checkpoint in %s: %w", dir, err)
	}
	return nil
}

// Load reads a model saved by Save. The returned context holds the saved
// parameters and variables, ready for encoding or further training.
func Load(backend backends.Backend, dir string) (*Model, error) {
	tokPath := filepath.Join(dir, TokenizerFile)
	if _, err := os.Stat(tokPath); err != nil {
		return nil, fmt.Errorf("%w in %s", ErrNoModel, dir)
	}
	tok, err := text.Load(tokPath)
	if err != nil {
		return nil, fmt.Errorf("encoder: loading tokenizer %s: %w", tokPath, err)
	}
	ctx := context.New()
	if _, err := checkpoints.Load(ctx).Dir(dir).Immediate().Done(); err != nil {
		return nil, fmt.Errorf("encoder: loading checkpoint %s: %w", dir, err)
	}
	return &Model{Backend: backend, Ctx: ctx, Tokenizer: tok}, nil
}

// Exists reports whether dir holds a saved model.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, TokenizerFile))
	if err != nil {
		return false
	}
	ctx := context.New()
	h, err := checkpoints.Build(ctx).Dir(dir).Done()
	if err != nil {
		return false
	}
	ok, err := h.HasCheckpoints()
	return err == nil && ok
}

// CloneForTraining returns a new context with m's parameters and a copy of
// its encoder variables (no optimizer state): the starting point of a student
// initialised from the teacher.
func (m *Model) CloneForTraining() (*context.Context, error) {
	ctx := context.New()
	m.Ctx.EnumerateParams(func(scope, key string, value any) {
		if scope == context.RootScope {
			ctx.SetParam(key, value)
		}
	})
	var names []string
	for v := range m.Ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), context.RootScope+Scope) {
			if _, err := v.CloneToContext(ctx); err != nil {
				return nil, fmt.Errorf("encoder: copying variable %s: %w", v.ScopeAndName(), err)
			}
			names = append(names, v.ScopeAndName())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("encoder: model has no variables under /%s to clone", Scope)
	}
	sort.Strings(names)
	return ctx, nil
}
