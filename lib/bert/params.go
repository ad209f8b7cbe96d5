package bert

import (
	"fmt"
	"strings"
)

// param is one tensor of the model, by its HuggingFace name without the
// "bert."/"roberta." prefix.
type param struct {
	name  string
	shape []int // as HuggingFace stores it
	// linear weights are stored [out, in] by PyTorch and kept [in, out] in
	// the GoMLX context (x·W with no transpose, GoMLX's Dense convention).
	linear   bool
	optional bool // pooler: loaded and saved when present, never computed with
}

// ctxShape is the shape of the variable in the context.
func (p param) ctxShape() []int {
	if p.linear {
		return []int{p.shape[1], p.shape[0]}
	}
	return p.shape
}

// params lists the model's tensors in the order of BertModel.state_dict().
func (c Config) params() []param {
	d, f := c.Hidden, c.FFN
	ps := []param{
		{name: "embeddings.word_embeddings.weight", shape: []int{c.VocabSize, d}},
		{name: "embeddings.position_embeddings.weight", shape: []int{c.MaxPositions, d}},
		{name: "embeddings.token_type_embeddings.weight", shape: []int{c.TypeVocabSize, d}},
		{name: "embeddings.LayerNorm.weight", shape: []int{d}},
		{name: "embeddings.LayerNorm.bias", shape: []int{d}},
	}
	for i := range c.Layers {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		lin := func(name string, out, in int) {
			ps = append(ps, param{name: p + name + ".weight", shape: []int{out, in}, linear: true},
				param{name: p + name + ".bias", shape: []int{out}})
		}
		ln := func(name string) {
			ps = append(ps, param{name: p + name + ".weight", shape: []int{d}}, param{name: p + name + ".bias", shape: []int{d}})
		}
		lin("attention.self.query", d, d)
		lin("attention.self.key", d, d)
		lin("attention.self.value", d, d)
		lin("attention.output.dense", d, d)
		ln("attention.output.LayerNorm")
		lin("intermediate.dense", f, d)
		lin("output.dense", d, f)
		ln("output.LayerNorm")
	}
	ps = append(ps,
		param{name: poolerWeight, shape: []int{d, d}, linear: true, optional: true},
		param{name: poolerBias, shape: []int{d}, optional: true})
	if c.ProjectionDim > 0 {
		ps = append(ps, param{name: projectionWeight, shape: []int{c.ProjectionDim, d}, linear: true})
		if c.ProjectionBias {
			ps = append(ps, param{name: projectionBias, shape: []int{c.ProjectionDim}})
		}
	}
	return ps
}

// Names of the tensors outside the encoder proper.
const (
	poolerWeight     = "pooler.dense.weight"
	poolerBias       = "pooler.dense.bias"
	projectionWeight = "linear.weight" // ColBERT's projection: never prefixed
	projectionBias   = "linear.bias"
)

// prefix is the base-model prefix of the architecture in task-model
// checkpoints (BertForMaskedLM, HF_ColBERT): base_model_prefix in transformers.
func (c Config) prefix() string {
	if c.learnedPositionsFromPad() {
		return "roberta."
	}
	return "bert."
}

// scopeAndName splits a HuggingFace name into the context scope and
// variable name: "encoder.layer.0.output.dense.weight" ->
// ("/bert/encoder/layer/0/output/dense", "weight").
func scopeAndName(name string) (string, string) {
	i := strings.LastIndexByte(name, '.')
	return "/" + Scope + "/" + strings.ReplaceAll(name[:i], ".", "/"), name[i+1:]
}

// Scope is the context scope under which the encoder's variables live.
const Scope = "bert"

// aliases are older names of a tensor in checkpoints: the original BERT
// release names LayerNorm parameters gamma and beta (transformers renames
// them when loading).
func aliases(name string) []string {
	switch {
	case strings.HasSuffix(name, "LayerNorm.weight"):
		return []string{strings.TrimSuffix(name, "weight") + "gamma"}
	case strings.HasSuffix(name, "LayerNorm.bias"):
		return []string{strings.TrimSuffix(name, "bias") + "beta"}
	}
	return nil
}
