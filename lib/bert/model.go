package bert

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/otclir/otclir/lib/pretrained"
	"github.com/otclir/otclir/lib/safetensors"
)

// ErrMissingTensor is returned (wrapped, naming the tensor, its expected
// shape and the directory) when a checkpoint lacks a tensor the model needs.
var ErrMissingTensor = errors.New("bert: checkpoint lacks a tensor")

// Model is an encoder with its weights in a GoMLX context.
type Model struct {
	Config  Config
	Backend backends.Backend
	// Ctx holds one variable per tensor under /bert (see Hidden).
	Ctx *context.Context
	// HF is the config.json the model was loaded from (nil for New); Save
	// keeps its other keys.
	HF *pretrained.Config
	// Dir is the checkpoint directory it was loaded from ("" for New).
	Dir string
	// Ignored lists the checkpoint tensors the encoder does not use (MLM
	// heads, position_ids buffers, ...).
	Ignored []string

	hasPooler bool
	mu        sync.Mutex
	execs     map[bool]*context.Exec // by "all hidden states"
}

// Load reads the checkpoint directory dir (see lib/pretrained) into a model.
func Load(backend backends.Backend, dir string) (*Model, error) {
	ck, err := pretrained.Open(dir)
	if err != nil {
		return nil, err
	}
	defer ck.Close()
	return FromCheckpoint(backend, ck)
}

// FromCheckpoint maps every tensor the architecture needs, by name and
// shape, from an open checkpoint. Names may carry the base-model prefix
// ("bert." for BERT, "roberta." for XLM-R and RoBERTa) or not; LayerNorm
// gamma/beta stand for weight/bias. A linear.weight [dim, hidden] tensor
// (ColBERT) adds the projection.
func FromCheckpoint(backend backends.Backend, ck *pretrained.Checkpoint) (*Model, error) {
	cfg, err := ConfigFromHF(ck.Config)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if _, ok := ck.Info(cfg.prefix() + "embeddings.word_embeddings.weight"); ok {
		prefix = cfg.prefix()
	}
	if in, ok := ck.Info(projectionWeight); ok {
		if len(in.Shape) != 2 || in.Shape[1] != cfg.Hidden || in.Shape[0] <= 0 {
			return nil, fmt.Errorf("bert: %s: tensor %s has shape %v, want [dim, %d] (hidden_size)", in.File, projectionWeight, in.Shape, cfg.Hidden)
		}
		cfg.ProjectionDim = in.Shape[0]
		_, cfg.ProjectionBias = ck.Info(projectionBias)
	}
	m := &Model{Config: cfg, Backend: backend, Ctx: context.New(), HF: ck.Config, Dir: ck.Dir}
	_, hasWeight := ck.Info(prefix + poolerWeight)
	_, hasBias := ck.Info(prefix + poolerBias)
	if hasWeight != hasBias {
		missing := prefix + poolerWeight
		if hasWeight {
			missing = prefix + poolerBias
		}
		return nil, fmt.Errorf("%w: %s (the pooler needs weight and bias) not in %s", ErrMissingTensor, missing, ck.Dir)
	}
	m.hasPooler = hasWeight
	used := map[string]bool{}
	for _, p := range cfg.params() {
		file := p.name
		if !strings.HasPrefix(p.name, "linear.") {
			file = prefix + p.name
		}
		info, ok := ck.Info(file)
		for _, alt := range aliases(file) {
			if !ok {
				file = alt
				info, ok = ck.Info(alt)
			}
		}
		if !ok {
			if p.optional {
				continue
			}
			return nil, fmt.Errorf("%w: %s (shape %v) not in %s", ErrMissingTensor, prefix+p.name, p.shape, ck.Dir)
		}
		if !slices.Equal(info.Shape, p.shape) {
			return nil, fmt.Errorf("bert: %s: tensor %s has shape %v, want %v (from %s)", info.File, file, info.Shape, p.shape, ck.Config.Path)
		}
		if !info.DType.IsFloat() {
			return nil, fmt.Errorf("bert: %s: tensor %s has dtype %s, want a floating-point type", info.File, file, info.DType)
		}
		values, _, err := ck.Float32(file)
		if err != nil {
			return nil, err
		}
		if err := finite(values); err != nil {
			return nil, fmt.Errorf("bert: %s: tensor %s: %w", info.File, file, err)
		}
		m.setVariable(p, values)
		used[file] = true
	}
	for _, n := range ck.Names() {
		if !used[n] {
			m.Ignored = append(m.Ignored, n)
		}
	}
	return m, nil
}

func finite(v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("value %d is %v", i, x)
		}
	}
	return nil
}

// setVariable stores values (HuggingFace layout) as p's context variable.
func (m *Model) setVariable(p param, values []float32) {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, p.ctxShape()...))
	tensors.MustMutableFlatData(t, func(flat []float32) {
		if !p.linear {
			copy(flat, values)
			return
		}
		out, in := p.shape[0], p.shape[1] // [out, in] -> [in, out]
		for o := range out {
			row := values[o*in : (o+1)*in]
			for i, v := range row {
				flat[i*out+o] = v
			}
		}
	})
	// One copy of the weights: a buffer shared with the backend replaces the
	// local storage (context.Exec would otherwise keep both, 2 × 440 MB for
	// BERT-base).
	if m.Backend != nil && m.Backend.HasSharedBuffers() {
		if err := t.MaterializeOnDevice(m.Backend, true, 0); err != nil {
			panic(fmt.Sprintf("bert: placing tensor %s on the backend: %v", p.name, err))
		}
	}
	scope, name := scopeAndName(p.name)
	m.Ctx.InAbsPath(scope).VariableWithValue(name, t)
}

// New returns a model with random weights, initialised as transformers'
// BertPreTrainedModel._init_weights: N(0, 0.02) matrices and embeddings,
// zero biases, unit LayerNorm gains; seeded, deterministic. With
// cfg.ProjectionDim > 0 it has a ColBERT projection.
func New(backend backends.Backend, cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Backend: backend, Ctx: context.New()}
	rng := rand.New(rand.NewPCG(seed, 0x62657274))
	for _, p := range cfg.params() {
		if p.optional {
			continue
		}
		n := 1
		for _, d := range p.shape {
			n *= d
		}
		v := make([]float32, n)
		switch {
		case strings.HasSuffix(p.name, "LayerNorm.weight"):
			for i := range v {
				v[i] = 1
			}
		case strings.HasSuffix(p.name, ".bias"):
		default:
			for i := range v {
				v[i] = float32(rng.NormFloat64() * 0.02)
			}
		}
		m.setVariable(p, v)
	}
	return m, nil
}

// Tensors returns the model's weights under their HuggingFace names (no
// prefix), in HuggingFace layout, in state_dict order.
func (m *Model) Tensors() ([]pretrained.Tensor, error) {
	var out []pretrained.Tensor
	for _, p := range m.Config.params() {
		if p.optional && !m.hasPooler {
			continue
		}
		scope, name := scopeAndName(p.name)
		v := m.Ctx.GetVariableByScopeAndName(scope, name)
		if v == nil {
			return nil, fmt.Errorf("bert: context has no variable %s/%s (tensor %s)", scope, name, p.name)
		}
		val, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("bert: variable %s: %w", p.name, err)
		}
		if !slices.Equal(val.Shape().Dimensions, p.ctxShape()) || val.DType() != dtypes.Float32 {
			return nil, fmt.Errorf("bert: variable %s is %s, want float32 %v", p.name, val.Shape(), p.ctxShape())
		}
		flat := tensors.MustCopyFlatData[float32](val)
		if p.linear {
			out, in := p.shape[0], p.shape[1]
			t := make([]float32, len(flat))
			for i := range in {
				for o := range out {
					t[o*in+i] = flat[i*out+o]
				}
			}
			flat = t
		}
		out = append(out, pretrained.Tensor{Name: p.name, Shape: slices.Clone(p.shape), Data: flat})
	}
	return out, nil
}

// WeightsSHA256 is the model's identity (pretrained.WeightsSHA256 of
// Tensors): the same for a checkpoint and for what Save writes from it,
// whatever the prefix, layout or sharding of the files.
func (m *Model) WeightsSHA256() (string, error) {
	ts, err := m.Tensors()
	if err != nil {
		return "", err
	}
	return pretrained.WeightsSHA256(ts), nil
}

// Save writes config.json and the weights to dir in HuggingFace layout
// (pretrained.Save): a model without projection as a BertModel /
// XLMRobertaModel checkpoint (no prefix); a ColBERT model with the
// "bert."/"roberta." prefix plus linear.weight, as HF_ColBERT saves it. The
// tokenizer is saved by its owner (text.Pretrained.Save, or
// pretrained.CopyTokenizerFiles from Dir).
func (m *Model) Save(dir string, opt pretrained.SaveOptions) error {
	ts, err := m.Tensors()
	if err != nil {
		return err
	}
	pc := m.Config.HFConfig(m.HF)
	if m.Config.ProjectionDim > 0 {
		for i := range ts {
			if !strings.HasPrefix(ts[i].Name, "linear.") {
				ts[i].Name = m.Config.prefix() + ts[i].Name
			}
		}
		if arch, _ := pc.Strings("architectures"); len(arch) == 0 {
			pc.Set("architectures", []string{"HF_ColBERT"})
		}
	} else {
		pc.Set("architectures", []string{map[Arch]string{BERT: "BertModel", XLMRoBERTa: "XLMRobertaModel", RoBERTa: "RobertaModel"}[m.Config.Arch]})
	}
	if opt.DType == "" {
		opt.DType = safetensors.F32
	}
	return pretrained.Save(dir, pc, ts, opt)
}

// Input is a batch of token sequences, row-major [Batch, Length].
type Input struct {
	Batch, Length int
	IDs           []int32
	// Mask is 1 on tokens to attend to, 0 on padding; nil means IDs ≠ PadID.
	Mask []int32
	// TokenTypes are segment ids; nil means all 0.
	TokenTypes []int32
}

// Output holds the encoder's results for an Input.
type Output struct {
	Batch, Length, Dim int
	// Hidden are the hidden states [Batch·Length·Dim], row-major: every
	// layer's (embeddings first) when Forward was asked for all of them,
	// else the last only.
	Hidden [][]float32
	// Projected is ColBERT's normalised projection [Batch·Length·ProjDim]
	// of the last hidden state, nil without projection.
	Projected []float32
	ProjDim   int
}

// Last is the last hidden state.
func (o *Output) Last() []float32 { return o.Hidden[len(o.Hidden)-1] }

// check validates an input against the model's vocabulary and positions.
func (m *Model) check(in *Input) error {
	c := m.Config
	if in.Batch <= 0 || in.Length <= 0 {
		return fmt.Errorf("bert: empty batch %d × %d", in.Batch, in.Length)
	}
	if in.Length > c.MaxLength() {
		return fmt.Errorf("bert: sequence length %d exceeds the %d positions of the model (max_position_embeddings %d)", in.Length, c.MaxLength(), c.MaxPositions)
	}
	n := in.Batch * in.Length
	if len(in.IDs) != n || (in.Mask != nil && len(in.Mask) != n) || (in.TokenTypes != nil && len(in.TokenTypes) != n) {
		return fmt.Errorf("bert: input of %d × %d needs %d ids, mask values and token types; got %d, %d, %d",
			in.Batch, in.Length, n, len(in.IDs), len(in.Mask), len(in.TokenTypes))
	}
	for i, id := range in.IDs {
		if id < 0 || int(id) >= c.VocabSize {
			return fmt.Errorf("bert: token id %d (row %d, position %d) outside the vocabulary of %d", id, i/in.Length, i%in.Length, c.VocabSize)
		}
	}
	for i, v := range in.Mask {
		if v != 0 && v != 1 {
			return fmt.Errorf("bert: attention mask value %d (row %d, position %d) is not 0 or 1", v, i/in.Length, i%in.Length)
		}
	}
	for i, v := range in.TokenTypes {
		if v < 0 || int(v) >= c.TypeVocabSize {
			return fmt.Errorf("bert: token type %d (row %d, position %d) outside type_vocab_size %d", v, i/in.Length, i%in.Length, c.TypeVocabSize)
		}
	}
	return nil
}

// Forward runs the encoder on a batch: all hidden states when allLayers,
// else the last, plus the projection when the model has one.
func (m *Model) Forward(in Input, allLayers bool) (out *Output, err error) {
	if err := m.check(&in); err != nil {
		return nil, err
	}
	mask := in.Mask
	if mask == nil {
		mask = make([]int32, len(in.IDs))
		for i, id := range in.IDs {
			if int(id) != m.Config.PadID {
				mask[i] = 1
			}
		}
	}
	types := in.TokenTypes
	if types == nil {
		types = make([]int32, len(in.IDs))
	}
	exec, err := m.exec(allLayers)
	if err != nil {
		return nil, err
	}
	res, err := exec.Exec(
		tensors.FromFlatDataAndDimensions(in.IDs, in.Batch, in.Length),
		tensors.FromFlatDataAndDimensions(mask, in.Batch, in.Length),
		tensors.FromFlatDataAndDimensions(types, in.Batch, in.Length))
	if err != nil {
		return nil, fmt.Errorf("bert: forward pass on %d × %d: %w", in.Batch, in.Length, err)
	}
	defer func() {
		for _, t := range res {
			_ = t.FinalizeAll()
		}
	}()
	out = &Output{Batch: in.Batch, Length: in.Length, Dim: m.Config.Hidden}
	nh := len(res)
	if m.Config.ProjectionDim > 0 {
		nh--
		out.Projected = tensors.MustCopyFlatData[float32](res[nh])
		out.ProjDim = m.Config.ProjectionDim
	}
	for _, t := range res[:nh] {
		out.Hidden = append(out.Hidden, tensors.MustCopyFlatData[float32](t))
	}
	return out, nil
}

func (m *Model) exec(allLayers bool) (*context.Exec, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.execs[allLayers]; e != nil {
		return e, nil
	}
	cfg := m.Config
	e, err := context.NewExec(m.Backend, m.Ctx.Reuse(), func(ctx *context.Context, ids, mask, types *Node) []*Node {
		hidden := Hidden(ctx, cfg, ids, mask, types)
		if !allLayers {
			hidden = hidden[len(hidden)-1:]
		}
		if cfg.ProjectionDim > 0 {
			hidden = append(hidden, Project(ctx, cfg, hidden[len(hidden)-1]))
		}
		return hidden
	})
	if err != nil {
		return nil, fmt.Errorf("bert: building the forward graph: %w", err)
	}
	if m.execs == nil {
		m.execs = map[bool]*context.Exec{}
	}
	m.execs[allLayers] = e
	return e, nil
}

// Encoded is one sequence's result from EncodeSequences.
type Encoded struct {
	// Hidden is the last hidden state, one row of Dim values per token.
	Hidden [][]float32
	// Vectors are the projected, L2-normalised token vectors (nil without
	// projection).
	Vectors [][]float32
}

// LengthBucket is the granularity of the padded length of a batch in
// EncodeSequences: one compiled graph serves every batch of a bucket.
const LengthBucket = 8

// EncodeSequences runs sequences of token ids (special tokens included,
// each at most Config.MaxLength long) through the encoder in batches of
// batchSize, right-padded with PadID to a multiple of LengthBucket, and
// returns each sequence's results for its own tokens only. Padding does not
// change them: a sequence gets the same values alone or in any batch
// (within float32 rounding of the matrix products).
func (m *Model) EncodeSequences(seqs [][]int32, batchSize int) ([]Encoded, error) {
	if batchSize <= 0 {
		return nil, fmt.Errorf("bert: batch size %d must be positive", batchSize)
	}
	out := make([]Encoded, len(seqs))
	// Sort by length so that batches hold similar lengths (less padding).
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(seqs[order[a]]) < len(seqs[order[b]]) })
	for start := 0; start < len(order); start += batchSize {
		idx := order[start:min(start+batchSize, len(order))]
		longest := 0
		for _, i := range idx {
			if len(seqs[i]) == 0 {
				return nil, fmt.Errorf("bert: sequence %d is empty", i)
			}
			longest = max(longest, len(seqs[i]))
		}
		if longest > m.Config.MaxLength() {
			return nil, fmt.Errorf("bert: a sequence of %d tokens exceeds the model's %d positions", longest, m.Config.MaxLength())
		}
		length := min(m.Config.MaxLength(), (longest+LengthBucket-1)/LengthBucket*LengthBucket)
		in := Input{Batch: len(idx), Length: length, IDs: make([]int32, len(idx)*length), Mask: make([]int32, len(idx)*length)}
		for r, i := range idx {
			row := in.IDs[r*length : (r+1)*length]
			for j := range row {
				row[j] = int32(m.Config.PadID)
			}
			copy(row, seqs[i])
			for j := range seqs[i] {
				in.Mask[r*length+j] = 1
			}
		}
		res, err := m.Forward(in, false)
		if err != nil {
			return nil, err
		}
		d, last := res.Dim, res.Last()
		for r, i := range idx {
			n := len(seqs[i])
			e := Encoded{Hidden: make([][]float32, n)}
			for j := range n {
				off := (r*length + j) * d
				e.Hidden[j] = last[off : off+d : off+d]
			}
			if res.Projected != nil {
				e.Vectors = make([][]float32, n)
				for j := range n {
					off := (r*length + j) * res.ProjDim
					e.Vectors[j] = res.Projected[off : off+res.ProjDim : off+res.ProjDim]
				}
			}
			out[i] = e
		}
	}
	return out, nil
}

// WithContext returns a model of architecture cfg whose variables are those
// of ctx (a trained copy of m.Ctx, possibly with another projection), with
// m's config.json, directory and pooler: what Save and WeightsSHA256 of the
// trained model need.
func (m *Model) WithContext(ctx *context.Context, cfg Config) *Model {
	return &Model{Config: cfg, Backend: m.Backend, Ctx: ctx, HF: m.HF, Dir: m.Dir, Ignored: m.Ignored, hasPooler: m.hasPooler}
}
