package encoder

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
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

	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/manifest"
	"github.com/otclir/otclir/lib/pretrained"
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

// Model is an encoder ready to embed texts: tokenizer + variables. It is
// otclir's own encoder (Tokenizer set, variables under /encoder, graph
// Encode) or a HuggingFace checkpoint (Checkpoint set, variables under
// /bert, LoadCheckpoint).
type Model struct {
	Backend backends.Backend
	Ctx     *context.Context
	// Tokenizer is otclir's BPE tokenizer of its own encoder (nil for a
	// checkpoint model).
	Tokenizer *text.Tokenizer
	// Checkpoint is set for a model backed by a HuggingFace checkpoint.
	Checkpoint *Checkpoint
	exec       *context.Exec
	execCk     *context.Exec
}

// NewModel wraps a context (built with NewContext or loaded) and its tokenizer.
func NewModel(backend backends.Backend, ctx *context.Context, tok *text.Tokenizer) *Model {
	return &Model{Backend: backend, Ctx: ctx, Tokenizer: tok}
}

// MaxPositions is the longest sequence the model accepts.
func (m *Model) MaxPositions() int {
	if m.Checkpoint != nil {
		return m.Checkpoint.Config.MaxLength()
	}
	return context.GetParamOr(m.Ctx.In(Scope), ParamMaxPositions, DefaultParams[ParamMaxPositions].(int))
}

// OutputDim is the dimension of the token vectors.
func (m *Model) OutputDim() int {
	if c := m.Checkpoint; c != nil {
		if c.Config.ProjectionDim > 0 {
			return c.Config.ProjectionDim
		}
		return c.Config.Hidden
	}
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

// Encode embeds texts as documents (truncated to maxLen subwords) and
// returns, for each text, its real tokens' vectors flattened row-major:
// n_i × OutputDim floats. It runs the graph in batches of EncodeBatchSize.
func (m *Model) Encode(texts []string, maxLen int) (out [][]float32, err error) {
	return m.EncodeAs(texts, maxLen, Document)
}

// EncodeQueries embeds texts as queries: as Encode for otclir's own
// encoder; with a checkpoint's query conventions (marker, [MASK] padding
// to maxLen) for a checkpoint model.
func (m *Model) EncodeQueries(texts []string, maxLen int) ([][]float32, error) {
	return m.EncodeAs(texts, maxLen, Query)
}

// EncodeAs embeds texts in role (Encode, EncodeQueries).
func (m *Model) EncodeAs(texts []string, maxLen int, role Role) (out [][]float32, err error) {
	if maxLen <= 0 || maxLen > m.MaxPositions() {
		what := ParamMaxPositions
		if m.Checkpoint != nil {
			what = "the checkpoint's max_position_embeddings"
		}
		return nil, fmt.Errorf("encoder: maxLen %d out of range 1..%d (%s)", maxLen, m.MaxPositions(), what)
	}
	if m.Checkpoint != nil {
		return m.encodeCheckpoint(texts, maxLen, role)
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
		keptRows(res, out[start:end], length, dim)
	}
	return out, nil
}

// keptRows copies the vectors of the real tokens of each text of a batch
// (res: vectors [batch, length, dim] and mask [batch, length]) into out, one
// row per text, and frees res.
func keptRows(res []*tensors.Tensor, out [][]float32, length, dim int) {
	vecs := tensors.MustCopyFlatData[float32](res[0])
	mask := tensors.MustCopyFlatData[bool](res[1])
	for _, t := range res {
		_ = t.FinalizeAll()
	}
	for row := range out {
		v := make([]float32, 0, length*dim)
		for j := 0; j < length; j++ {
			if mask[row*length+j] {
				off := (row*length + j) * dim
				v = append(v, vecs[off:off+dim]...)
			}
		}
		out[row] = v
	}
}

// TokenStrings returns the subword strings the model sees for s (as Encode
// would truncate them), for labelling alignments.
func (m *Model) TokenStrings(s string, maxLen int) []string {
	if m.Checkpoint != nil {
		_, _, keep, all := m.Checkpoint.sequence(s, maxLen, Document)
		var toks []string
		for i, k := range keep {
			if k == 1 {
				toks = append(toks, all[i])
			}
		}
		return toks
	}
	toks := m.Tokenizer.Tokens(s, maxLen)
	if len(toks) == 0 {
		toks = []string{"[UNK]"}
	}
	return toks
}

// Save writes the tokenizer and the encoder variables and parameters (a GoMLX
// checkpoint) to dir. Only variables under the encoder scope are saved:
// optimizer state is training-only.
//
// The folder is replaced atomically (lib/atomicfile.CreateDir): the files
// are written into a temporary folder beside dir with a manifest of their
// SHA-256 (lib/manifest), flushed, and swapped in, so a crash, a signal or a
// full disk leaves the previous model or none, and a concurrent Load reads
// one whole version.
//
// A checkpoint model is saved in HuggingFace layout instead
// (config.json, weights, tokenizer files: saveCheckpoint), which Load
// recognises by its config.json.
func (m *Model) Save(dir string) error {
	if m.Checkpoint != nil {
		return m.saveCheckpoint(dir)
	}
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("encoder: %w", err)
	}
	_, _ = atomicfile.CleanDirs(parent) // folders of writers that died
	d, err := atomicfile.CreateDir(dir, 0o755)
	if err != nil {
		return fmt.Errorf("encoder: saving %s: %w", dir, err)
	}
	defer d.Abort()
	if err := m.Tokenizer.Save(filepath.Join(d.Path(), TokenizerFile)); err != nil {
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
	h, err := checkpoints.Build(saveCtx).Dir(d.Path()).Keep(1).Done()
	if err != nil {
		return fmt.Errorf("encoder: checkpoint in %s: %w", dir, err)
	}
	if err := h.Save(); err != nil {
		return fmt.Errorf("encoder: saving checkpoint in %s: %w", dir, err)
	}
	sums, err := manifest.Compute(d.Path())
	if err == nil {
		err = sums.Write(d.Path())
	}
	if err == nil {
		err = d.Commit()
	}
	if err != nil {
		return fmt.Errorf("encoder: saving %s: %w", dir, err)
	}
	return nil
}

// loadAttempts bounds how often Load starts again when the folder was
// replaced while it was reading.
const loadAttempts = 5

// Load reads a model saved by Save. The returned context holds the saved
// parameters and variables, ready for encoding or further training.
//
// Every file is checked against the folder's manifest before it is
// parsed, so a torn, truncated or modified model is an error naming the
// file (manifest.ErrMismatch), and a model replaced by a concurrent Save
// while Load reads it is read again. A folder without a manifest (saved
// before otclir wrote them) is loaded unchecked.
func Load(backend backends.Backend, dir string) (*Model, error) {
	if isCheckpointDir(dir) {
		return loadCheckpointDir(backend, dir)
	}
	var err error
	for attempt := 0; attempt < loadAttempts; attempt++ {
		var m *Model
		var again bool
		m, again, err = load(backend, dir)
		if !again {
			return m, err
		}
	}
	return nil, fmt.Errorf("encoder: %s kept changing while loading it: %w", dir, err)
}

// load makes one attempt; again reports that the folder changed under it.
func load(backend backends.Backend, dir string) (m *Model, again bool, err error) {
	sumsText, err := os.ReadFile(filepath.Join(dir, manifest.FileName))
	if errors.Is(err, fs.ErrNotExist) {
		m, err := loadUnchecked(backend, dir)
		return m, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("encoder: %w", err)
	}
	sums, err := manifest.Parse(sumsText, filepath.Join(dir, manifest.FileName))
	if err != nil {
		return nil, false, fmt.Errorf("encoder: %w", err)
	}
	// changed reports whether the manifest is no longer the one read above
	// (a concurrent Save replaced the folder): then the attempt starts again.
	changed := func() bool {
		now, err := os.ReadFile(filepath.Join(dir, manifest.FileName))
		return err != nil || !bytes.Equal(now, sumsText)
	}
	read := func(name string) ([]byte, error) {
		b, err := sums.ReadFile(dir, name)
		if err != nil && changed() {
			return nil, errAgain
		}
		return b, err
	}
	var jsonName string
	for name := range sums {
		if strings.HasPrefix(name, "checkpoint-") && strings.HasSuffix(name, checkpoints.JsonNameSuffix) && name > jsonName {
			jsonName = name
		}
	}
	if _, ok := sums[TokenizerFile]; !ok || jsonName == "" {
		return nil, false, fmt.Errorf("%w in %s (its %s lists no tokenizer or checkpoint)", ErrNoModel, dir, manifest.FileName)
	}
	binName := strings.TrimSuffix(jsonName, checkpoints.JsonNameSuffix) + checkpoints.BinDataSuffix
	var blobs [3][]byte
	for i, name := range []string{TokenizerFile, jsonName, binName} {
		if blobs[i], err = read(name); err != nil {
			if errors.Is(err, errAgain) {
				return nil, true, err
			}
			return nil, false, fmt.Errorf("encoder: loading %s: %w", dir, err)
		}
	}
	tok, err := text.Parse(blobs[0], filepath.Join(dir, TokenizerFile))
	if err != nil {
		return nil, false, fmt.Errorf("encoder: loading tokenizer: %w", err)
	}
	// The checkpoint is parsed from the bytes checked above, not re-read.
	ctx := context.New()
	if _, err := checkpoints.Build(ctx).FromEmbed(string(blobs[1]), blobs[2]).Immediate().Done(); err != nil {
		return nil, false, fmt.Errorf("encoder: loading checkpoint %s: %w", filepath.Join(dir, jsonName), err)
	}
	return &Model{Backend: backend, Ctx: ctx, Tokenizer: tok}, false, nil
}

var errAgain = errors.New("encoder: folder replaced while reading")

// loadUnchecked loads a model folder that has no manifest.
func loadUnchecked(backend backends.Backend, dir string) (*Model, error) {
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

// Exists reports whether dir holds a saved model (its manifest lists a
// tokenizer and a checkpoint, or, for a folder saved before manifests, the
// files are there). Load still checks the contents.
func Exists(dir string) bool {
	if sums, err := manifest.Read(dir); err == nil {
		_, ok := sums[TokenizerFile]
		_, hf := sums[pretrained.ConfigFile]
		return ok || hf
	}
	if _, err := os.Stat(filepath.Join(dir, manifest.FileName)); err == nil {
		return false // a manifest that does not parse
	}
	if isCheckpointDir(dir) {
		return true // a HuggingFace checkpoint directory
	}
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
	scope := Scope
	if m.Checkpoint != nil {
		scope = bert.Scope
	}
	var names []string
	for v := range m.Ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), context.RootScope+scope) {
			if _, err := v.CloneToContext(ctx); err != nil {
				return nil, fmt.Errorf("encoder: copying variable %s: %w", v.ScopeAndName(), err)
			}
			names = append(names, v.ScopeAndName())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("encoder: model has no variables under /%s to clone", scope)
	}
	sort.Strings(names)
	return ctx, nil
}
