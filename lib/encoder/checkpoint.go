package encoder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/gomlx/gomlx/backends"

	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/manifest"
	"github.com/otclir/otclir/lib/pretrained"
	"github.com/otclir/otclir/lib/text"
)

// Role is what a text is encoded as: ColBERT encodes queries and documents
// differently (Conventions); otclir's own encoder does not.
type Role int

// The roles of an encoded text.
const (
	Document Role = iota
	Query
)

// Conventions are ColBERT's input conventions (Khattab & Zaharia 2020,
// colbert/modeling/tokenization), applied by a checkpoint model.
type Conventions struct {
	// Markers inserts a marker token after [CLS]: [unused0] ([Q]) in
	// queries, [unused1] ([D]) in documents.
	Markers bool
	// QueryPad pads every query with [MASK] to the query length. The mask
	// tokens are not attended to but are query vectors (query augmentation).
	QueryPad bool
	// Punctuation drops punctuation tokens from a document's vectors (they
	// are still attended to): ColBERT's skiplist, each character of Python's
	// string.punctuation and the first token the tokenizer makes of it.
	Punctuation bool
}

// Convention names, as ParseConventions reads and String writes them.
const (
	ConvAuto        = "auto"
	ConvNone        = "none"
	ConvMarkers     = "markers"
	ConvQueryPad    = "query_pad"
	ConvPunctuation = "punctuation"
)

// ParseConventions reads "auto" (what the checkpoint implies: see
// ImpliedConventions), "none", or a comma list of markers, query_pad and
// punctuation. auto reports whether it was "auto" (or empty).
func ParseConventions(s string) (c Conventions, auto bool, err error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", ConvAuto:
		return Conventions{}, true, nil
	case ConvNone:
		return Conventions{}, false, nil
	}
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(p) {
		case ConvMarkers:
			c.Markers = true
		case ConvQueryPad:
			c.QueryPad = true
		case ConvPunctuation:
			c.Punctuation = true
		default:
			return Conventions{}, false, fmt.Errorf("encoder: convention %q: want auto, none or a comma list of %s, %s, %s",
				strings.TrimSpace(p), ConvMarkers, ConvQueryPad, ConvPunctuation)
		}
	}
	return c, false, nil
}

// String is the canonical form ParseConventions reads ("none" when off).
func (c Conventions) String() string {
	var parts []string
	if c.Markers {
		parts = append(parts, ConvMarkers)
	}
	if c.QueryPad {
		parts = append(parts, ConvQueryPad)
	}
	if c.Punctuation {
		parts = append(parts, ConvPunctuation)
	}
	if len(parts) == 0 {
		return ConvNone
	}
	return strings.Join(parts, ",")
}

// The ColBERT marker tokens.
const (
	QueryMarker    = "[unused0]"
	DocumentMarker = "[unused1]"
)

// colbertPunctuation is Python's string.punctuation.
const colbertPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// ConventionsFile records, in a checkpoint directory saved by otclir, the
// conventions the model was trained with.
const ConventionsFile = "otclir_conventions.json"

// Checkpoint is the part of a Model backed by a HuggingFace checkpoint
// (lib/bert, lib/text.Pretrained).
type Checkpoint struct {
	// Bert is the model as loaded (config.json, directory, pooler); the
	// variables in use are Model.Ctx's.
	Bert *bert.Model
	// Config is the architecture of Model.Ctx: Bert.Config, or with a
	// projection added for a student (WithProjection).
	Config      bert.Config
	Tokenizer   *text.Pretrained
	Conventions Conventions

	qMarker, dMarker, mask int32
	punct                  map[int32]bool
}

// ImpliedConventions are the conventions a checkpoint implies: all three
// for a ColBERT checkpoint (a linear projection, or architectures
// HF_ColBERT), markers only when the vocabulary has both marker tokens;
// none otherwise.
func ImpliedConventions(bm *bert.Model, tok *text.Pretrained) Conventions {
	colbert := bm.Config.ProjectionDim > 0
	if bm.HF != nil {
		arch, _ := bm.HF.Strings("architectures")
		colbert = colbert || slices.Contains(arch, "HF_ColBERT")
	}
	if !colbert {
		return Conventions{}
	}
	_, q := tok.TokenID(QueryMarker)
	_, d := tok.TokenID(DocumentMarker)
	return Conventions{Markers: q && d, QueryPad: true, Punctuation: true}
}

// LoadCheckpoint loads a HuggingFace checkpoint directory (config.json,
// weights, tokenizer files) as a model. conventions is a ParseConventions
// string: "auto" takes those the directory records (ConventionsFile, when
// otclir saved it) or else those the checkpoint implies. Errors name the
// directory and the file.
func LoadCheckpoint(backend backends.Backend, dir, conventions string) (*Model, error) {
	conv, auto, err := ParseConventions(conventions)
	if err != nil {
		return nil, err
	}
	bm, err := bert.Load(backend, dir)
	if err != nil {
		return nil, err
	}
	tok, err := text.LoadPretrained(dir)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > bm.Config.VocabSize {
		return nil, fmt.Errorf("encoder: %s: the tokenizer has %d tokens, more than the model's vocab_size %d", dir, tok.VocabSize(), bm.Config.VocabSize)
	}
	if auto {
		conv = ImpliedConventions(bm, tok)
		b, err := os.ReadFile(filepath.Join(dir, ConventionsFile))
		if err == nil {
			var rec struct{ Conventions string }
			if err := json.Unmarshal(b, &rec); err != nil {
				return nil, fmt.Errorf("encoder: %s: %w", filepath.Join(dir, ConventionsFile), err)
			}
			if conv, _, err = ParseConventions(rec.Conventions); err != nil {
				return nil, fmt.Errorf("encoder: %s: %w", filepath.Join(dir, ConventionsFile), err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("encoder: %w", err)
		}
	}
	ck := &Checkpoint{Bert: bm, Config: bm.Config, Tokenizer: tok, Conventions: conv}
	if err := ck.resolve(dir); err != nil {
		return nil, err
	}
	return &Model{Backend: backend, Ctx: bm.Ctx, Checkpoint: ck}, nil
}

// resolve looks up the token ids the conventions need.
func (ck *Checkpoint) resolve(dir string) error {
	sp := ck.Tokenizer.SpecialIDs()
	ck.mask = sp.MASK
	if ck.Conventions.Markers {
		var okQ, okD bool
		ck.qMarker, okQ = ck.Tokenizer.TokenID(QueryMarker)
		ck.dMarker, okD = ck.Tokenizer.TokenID(DocumentMarker)
		if !okQ || !okD {
			return fmt.Errorf("encoder: %s: convention %s needs the tokens %s and %s in the vocabulary", dir, ConvMarkers, QueryMarker, DocumentMarker)
		}
		if sp.CLS < 0 {
			return fmt.Errorf("encoder: %s: convention %s needs a [CLS] token to follow", dir, ConvMarkers)
		}
	}
	if ck.Conventions.QueryPad && sp.MASK < 0 {
		return fmt.Errorf("encoder: %s: convention %s needs a mask token", dir, ConvQueryPad)
	}
	if ck.Conventions.Punctuation {
		ck.punct = map[int32]bool{}
		special := map[int32]bool{sp.CLS: true, sp.SEP: true, sp.PAD: true}
		for _, r := range colbertPunctuation {
			if id, ok := ck.Tokenizer.TokenID(string(r)); ok {
				ck.punct[id] = true
			}
			for _, id := range ck.Tokenizer.EncodeTruncated(string(r), 0).IDs {
				if !special[id] {
					ck.punct[id] = true
					break
				}
			}
		}
		delete(ck.punct, sp.UNK)
	}
	return nil
}

// sequence is one text as the checkpoint model sees it: ids (special
// tokens, markers and query padding included, at most maxLen), the
// attention mask and the mask of the positions that are vectors.
func (ck *Checkpoint) sequence(s string, maxLen int, role Role) (ids, attend, keep []int32, toks []string) {
	c := ck.Conventions
	n := maxLen
	if c.Markers {
		n--
	}
	e := ck.Tokenizer.EncodeTruncated(s, max(n, 1))
	ids, toks = e.IDs, e.Tokens
	if c.Markers && len(ids) > 0 {
		marker, name := ck.dMarker, DocumentMarker
		if role == Query {
			marker, name = ck.qMarker, QueryMarker
		}
		ids = slices.Insert(slices.Clone(ids), 1, marker)
		toks = slices.Insert(slices.Clone(toks), 1, name)
	}
	attend = make([]int32, len(ids))
	keep = make([]int32, len(ids))
	for i, id := range ids {
		attend[i] = 1
		if role == Query || !ck.punct[id] {
			keep[i] = 1
		}
	}
	if role == Query && c.QueryPad {
		for len(ids) < maxLen {
			ids = append(ids, ck.mask)
			toks = append(toks, ck.Tokenizer.Token(ck.mask))
			attend = append(attend, 0)
			keep = append(keep, 1)
		}
	}
	return ids, attend, keep, toks
}

// Batch is a tokenized batch, row-major [N, Len]: ids, the attention mask
// (1 on tokens attended to) and the vector mask (1 on positions that are
// token vectors), the inputs of Model.Vectors.
type Batch struct {
	N, Len            int
	IDs, Attend, Keep []int32
}

// Tensors are the batch's three inputs of Model.Vectors.
func (b Batch) Tensors() []*tensors.Tensor {
	return []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(b.IDs, b.N, b.Len),
		tensors.FromFlatDataAndDimensions(b.Attend, b.N, b.Len),
		tensors.FromFlatDataAndDimensions(b.Keep, b.N, b.Len),
	}
}

// Rows returns the batch of the given rows.
func (b Batch) Rows(idx []int) Batch {
	out := Batch{N: len(idx), Len: b.Len, IDs: make([]int32, len(idx)*b.Len),
		Attend: make([]int32, len(idx)*b.Len), Keep: make([]int32, len(idx)*b.Len)}
	for i, r := range idx {
		copy(out.IDs[i*b.Len:(i+1)*b.Len], b.IDs[r*b.Len:(r+1)*b.Len])
		copy(out.Attend[i*b.Len:(i+1)*b.Len], b.Attend[r*b.Len:(r+1)*b.Len])
		copy(out.Keep[i*b.Len:(i+1)*b.Len], b.Keep[r*b.Len:(r+1)*b.Len])
	}
	return out
}

// TokenizeBatch tokenizes texts as role into a batch padded to maxLen.
// For otclir's own encoder the masks are ids ≠ PAD (Tokenize).
func (m *Model) TokenizeBatch(texts []string, maxLen int, role Role) Batch {
	b := Batch{N: len(texts), Len: maxLen, Attend: make([]int32, len(texts)*maxLen), Keep: make([]int32, len(texts)*maxLen)}
	if m.Checkpoint == nil {
		b.IDs = Tokenize(m.Tokenizer, texts, maxLen)
		for i, id := range b.IDs {
			if id != int32(text.PadID) {
				b.Attend[i], b.Keep[i] = 1, 1
			}
		}
		return b
	}
	b.IDs = make([]int32, len(texts)*maxLen)
	pad := int32(m.Checkpoint.Config.PadID)
	for i, s := range texts {
		ids, attend, keep, _ := m.Checkpoint.sequence(s, maxLen, role)
		row := b.IDs[i*maxLen : (i+1)*maxLen]
		for j := range row {
			row[j] = pad
		}
		copy(row, ids)
		copy(b.Attend[i*maxLen:], attend)
		copy(b.Keep[i*maxLen:], keep)
	}
	return b
}

// Vectors is the model's graph function: a batch (ids, attention mask,
// vector mask, int32 [batch, L]) to L2-normalised token vectors
// [batch, L, OutputDim], zero where the vector mask is 0, and that mask as
// Bool. otclir's own encoder is Encode (its masks are ids ≠ PAD, so attend
// and keep are not read); a checkpoint model is bert.Hidden's last layer,
// projected (bert.Project) when it has a projection, else normalised.
func (m *Model) Vectors(ctx *context.Context, ids, attend, keep *Node) (vectors, mask *Node) {
	if m.Checkpoint == nil {
		return Encode(ctx, ids)
	}
	return checkpointVectors(ctx, m.Checkpoint.Config, ids, attend, keep)
}

func checkpointVectors(ctx *context.Context, cfg bert.Config, ids, attend, keep *Node) (vectors, mask *Node) {
	hidden := bert.Hidden(ctx, cfg, ids, attend, ZerosLike(ids))
	last := hidden[len(hidden)-1]
	var y *Node
	if cfg.ProjectionDim > 0 {
		y = bert.Project(ctx, cfg, last)
	} else {
		norm := Sqrt(ReduceAndKeep(Square(last), ReduceSum, -1))
		y = Div(last, MaxScalar(norm, 1e-12))
	}
	mask = NotEqual(keep, ZerosLike(keep))
	y = Mul(y, ConvertDType(InsertAxes(mask, -1), y.DType()))
	return y, mask
}

// encodeCheckpoint is Encode for a checkpoint model.
func (m *Model) encodeCheckpoint(texts []string, maxLen int, role Role) ([][]float32, error) {
	ck := m.Checkpoint
	if m.execCk == nil {
		var err error
		cfg := ck.Config
		m.execCk, err = context.NewExec(m.Backend, m.Ctx.Reuse(), func(ctx *context.Context, ids, attend, keep *Node) (*Node, *Node) {
			return checkpointVectors(ctx, cfg, ids, attend, keep)
		})
		if err != nil {
			return nil, fmt.Errorf("encoder: building the encode graph: %w", err)
		}
	}
	dim := m.OutputDim()
	out := make([][]float32, len(texts))
	pad := int32(ck.Config.PadID)
	for start := 0; start < len(texts); start += EncodeBatchSize {
		end := min(start+EncodeBatchSize, len(texts))
		type seq struct{ ids, attend, keep []int32 }
		seqs := make([]seq, EncodeBatchSize)
		longest := 1
		for i := start; i < end; i++ {
			ids, attend, keep, _ := ck.sequence(texts[i], maxLen, role)
			seqs[i-start] = seq{ids, attend, keep}
			longest = max(longest, len(ids))
		}
		length := min(maxLen, (longest+LengthBucket-1)/LengthBucket*LengthBucket)
		b := Batch{N: EncodeBatchSize, Len: length, IDs: make([]int32, EncodeBatchSize*length),
			Attend: make([]int32, EncodeBatchSize*length), Keep: make([]int32, EncodeBatchSize*length)}
		for r, s := range seqs {
			row := b.IDs[r*length : (r+1)*length]
			for j := range row {
				row[j] = pad
			}
			if s.ids == nil { // a padding row: one attended token, ignored below
				b.Attend[r*length] = 1
				continue
			}
			copy(row, s.ids)
			copy(b.Attend[r*length:], s.attend)
			copy(b.Keep[r*length:], s.keep)
		}
		in := b.Tensors()
		res, err := m.execCk.Exec(in[0], in[1], in[2])
		if err != nil {
			return nil, fmt.Errorf("encoder: encoding texts %d..%d: %w", start, end, err)
		}
		keptRows(res, out[start:end], length, dim)
	}
	return out, nil
}

// WithProjection returns the model with a new ColBERT projection of dim
// outputs (linear.weight, N(0, 0.02) as transformers initialises linear
// layers, seeded), replacing the one it has, in a copy of ctx (a context
// from CloneForTraining): a student initialised from a checkpoint whose
// vectors do not have the teacher's dimension. A model whose OutputDim is
// dim is returned as is.
func (m *Model) WithProjection(ctx *context.Context, dim int, seed uint64) (*Model, error) {
	if m.Checkpoint == nil {
		if m.OutputDim() != dim {
			return nil, fmt.Errorf("encoder: model vectors have %d dimensions, want %d (%s)", m.OutputDim(), dim, ParamOutputDim)
		}
		return m.withContext(ctx), nil
	}
	if m.OutputDim() == dim {
		return m.withContext(ctx), nil
	}
	if dim <= 0 {
		return nil, fmt.Errorf("encoder: projection dimension %d must be positive", dim)
	}
	cfg := m.Checkpoint.Config
	scope := "/" + bert.Scope + "/linear"
	for _, name := range []string{"weight", "bias"} {
		if ctx.GetVariableByScopeAndName(scope, name) != nil {
			if err := ctx.DeleteVariable(scope, name); err != nil {
				return nil, fmt.Errorf("encoder: replacing the projection: %w", err)
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x70726f6a))
	t := tensors.FromShape(shapes.Make(dtypes.Float32, cfg.Hidden, dim)) // [in, out], as lib/bert stores linear weights
	tensors.MustMutableFlatData(t, func(flat []float32) {
		for i := range flat {
			flat[i] = float32(rng.NormFloat64() * 0.02)
		}
	})
	ctx.InAbsPath(scope).VariableWithValue("weight", t)
	cfg.ProjectionDim, cfg.ProjectionBias = dim, false
	out := m.withContext(ctx)
	ck := *out.Checkpoint
	ck.Config = cfg
	out.Checkpoint = &ck
	return out, nil
}

// withContext is the model with ctx's variables (same tokenizer and
// conventions).
func (m *Model) withContext(ctx *context.Context) *Model {
	return &Model{Backend: m.Backend, Ctx: ctx, Tokenizer: m.Tokenizer, Checkpoint: m.Checkpoint}
}

// Trained returns the model whose variables are ctx's (trained from
// m's by lib/distill): same tokenizer, conventions and architecture.
func (m *Model) Trained(ctx *context.Context) *Model { return m.withContext(ctx) }

// bertModel is the lib/bert model of m's variables.
func (m *Model) bertModel() *bert.Model {
	return m.Checkpoint.Bert.WithContext(m.Ctx, m.Checkpoint.Config)
}

// WeightsSHA256 is the model's identity: lib/bert's WeightsSHA256 for a
// checkpoint model (the same for a checkpoint and its saved copy); for
// otclir's own encoder, pretrained.WeightsSHA256 of its variables named by
// scope.
func (m *Model) WeightsSHA256() (string, error) {
	if m.Checkpoint != nil {
		return m.bertModel().WeightsSHA256()
	}
	var ts []pretrained.Tensor
	for v := range m.Ctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), context.RootScope+Scope) {
			continue
		}
		val, err := v.Value()
		if err != nil {
			return "", fmt.Errorf("encoder: variable %s: %w", v.ScopeAndName(), err)
		}
		if val.DType() != dtypes.Float32 {
			continue
		}
		ts = append(ts, pretrained.Tensor{Name: v.ScopeAndName(), Shape: slices.Clone(val.Shape().Dimensions),
			Data: tensors.MustCopyFlatData[float32](val)})
	}
	return pretrained.WeightsSHA256(ts), nil
}

// saveCheckpoint writes a checkpoint model in HuggingFace layout (lib/bert
// Save, the tokenizer's files, ConventionsFile), replacing dir atomically
// with a manifest, as Save does for otclir's own encoder.
func (m *Model) saveCheckpoint(dir string) error {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("encoder: %w", err)
	}
	_, _ = atomicfile.CleanDirs(parent)
	d, err := atomicfile.CreateDir(dir, 0o755)
	if err != nil {
		return fmt.Errorf("encoder: saving %s: %w", dir, err)
	}
	defer d.Abort()
	if err := m.bertModel().Save(d.Path(), pretrained.SaveOptions{}); err != nil {
		return fmt.Errorf("encoder: saving %s: %w", dir, err)
	}
	if err := m.Checkpoint.Tokenizer.Save(d.Path()); err != nil {
		return fmt.Errorf("encoder: saving the tokenizer in %s: %w", dir, err)
	}
	b, _ := json.Marshal(struct{ Conventions string }{m.Checkpoint.Conventions.String()})
	if err := os.WriteFile(filepath.Join(d.Path(), ConventionsFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("encoder: %w", err)
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

// isCheckpointDir reports whether dir is in HuggingFace layout.
func isCheckpointDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, pretrained.ConfigFile))
	return err == nil
}

// loadCheckpointDir loads a model Save wrote in HuggingFace layout, every
// file checked against its manifest first (when it has one).
func loadCheckpointDir(backend backends.Backend, dir string) (*Model, error) {
	if _, err := os.Stat(filepath.Join(dir, manifest.FileName)); err == nil {
		if _, err := manifest.Verify(dir); err != nil {
			return nil, fmt.Errorf("encoder: loading %s: %w", dir, err)
		}
	}
	return LoadCheckpoint(backend, dir, ConvAuto)
}
