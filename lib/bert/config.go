package bert

import (
	"fmt"

	"github.com/otclir/otclir/lib/pretrained"
)

// Arch is the model family, config.json's model_type.
type Arch string

// The architectures this package runs.
const (
	BERT       Arch = "bert"        // bert-base-uncased, mBERT, ColBERT
	XLMRoBERTa Arch = "xlm-roberta" // XLM-R, ColBERT-X, PLAID-X
	RoBERTa    Arch = "roberta"     // same graph as XLM-R
)

// Config is the architecture of an encoder.
type Config struct {
	Arch          Arch
	VocabSize     int
	Hidden        int // hidden_size
	Layers        int // num_hidden_layers
	Heads         int // num_attention_heads
	FFN           int // intermediate_size
	MaxPositions  int // max_position_embeddings
	TypeVocabSize int // type_vocab_size
	LayerNormEps  float64
	PadID         int // pad_token_id
	// ProjectionDim is the output size of ColBERT's linear layer
	// (linear.weight [ProjectionDim, Hidden]); 0 when the model has none.
	ProjectionDim  int
	ProjectionBias bool
}

// defaults are the model classes' defaults for keys absent from
// config.json (transformers BertConfig / XLMRobertaConfig / RobertaConfig).
func defaults(arch Arch) Config {
	c := Config{Arch: arch, VocabSize: 30522, Hidden: 768, Layers: 12, Heads: 12, FFN: 3072,
		MaxPositions: 512, TypeVocabSize: 2, LayerNormEps: 1e-12, PadID: 0}
	switch arch {
	case XLMRoBERTa:
		c.PadID = 1
	case RoBERTa:
		c.VocabSize, c.PadID = 50265, 1
	}
	return c
}

// BaseConfig is the BERT-base architecture (bert-base-uncased).
func BaseConfig() Config { return defaults(BERT) }

// learnedPositionsFromPad reports whether positions start at PadID + 1
// (RoBERTa-style create_position_ids_from_input_ids) instead of 0.
func (c Config) learnedPositionsFromPad() bool { return c.Arch == XLMRoBERTa || c.Arch == RoBERTa }

// MaxLength is the longest sequence (special tokens included) the position
// table admits: MaxPositions for BERT, MaxPositions − PadID − 1 for XLM-R
// (514 − 2 = 512).
func (c Config) MaxLength() int {
	if c.learnedPositionsFromPad() {
		return c.MaxPositions - c.PadID - 1
	}
	return c.MaxPositions
}

// Validate checks the sizes.
func (c Config) Validate() error {
	switch c.Arch {
	case BERT, XLMRoBERTa, RoBERTa:
	default:
		return fmt.Errorf("bert: unknown architecture %q (want bert, xlm-roberta or roberta)", c.Arch)
	}
	for _, f := range []struct {
		key string
		v   int
	}{{"vocab_size", c.VocabSize}, {"hidden_size", c.Hidden}, {"num_hidden_layers", c.Layers},
		{"num_attention_heads", c.Heads}, {"intermediate_size", c.FFN},
		{"max_position_embeddings", c.MaxPositions}, {"type_vocab_size", c.TypeVocabSize}} {
		if f.v <= 0 {
			return fmt.Errorf("bert: %s = %d, must be positive", f.key, f.v)
		}
	}
	if c.Hidden%c.Heads != 0 {
		return fmt.Errorf("bert: hidden_size %d is not a multiple of num_attention_heads %d", c.Hidden, c.Heads)
	}
	if !(c.LayerNormEps > 0) {
		return fmt.Errorf("bert: layer_norm_eps = %g, must be positive", c.LayerNormEps)
	}
	if c.PadID < 0 || c.PadID >= c.VocabSize {
		return fmt.Errorf("bert: pad_token_id %d outside the vocabulary (size %d)", c.PadID, c.VocabSize)
	}
	if c.MaxLength() <= 0 {
		return fmt.Errorf("bert: max_position_embeddings %d leaves no position after padding_idx %d", c.MaxPositions, c.PadID)
	}
	if c.ProjectionDim < 0 {
		return fmt.Errorf("bert: projection dimension %d is negative", c.ProjectionDim)
	}
	return nil
}

// ConfigFromHF reads the architecture from a config.json, with the model
// class's defaults for absent keys. Errors name the file and the key.
func ConfigFromHF(pc *pretrained.Config) (Config, error) {
	where := pc.Path
	if where == "" {
		where = pretrained.ConfigFile
	}
	mt, err := pc.String("model_type", "")
	if err != nil {
		return Config{}, err
	}
	arch := Arch(mt)
	switch arch {
	case BERT, XLMRoBERTa, RoBERTa:
	case "":
		return Config{}, fmt.Errorf("bert: %s: no model_type", where)
	default:
		return Config{}, fmt.Errorf("bert: %s: unknown architecture model_type %q (want bert, xlm-roberta or roberta)", where, mt)
	}
	c := defaults(arch)
	ints := []struct {
		key string
		dst *int
	}{{"vocab_size", &c.VocabSize}, {"hidden_size", &c.Hidden}, {"num_hidden_layers", &c.Layers},
		{"num_attention_heads", &c.Heads}, {"intermediate_size", &c.FFN},
		{"max_position_embeddings", &c.MaxPositions}, {"type_vocab_size", &c.TypeVocabSize}, {"pad_token_id", &c.PadID}}
	for _, f := range ints {
		if *f.dst, err = pc.Int(f.key, *f.dst); err != nil {
			return Config{}, err
		}
	}
	if c.LayerNormEps, err = pc.Float("layer_norm_eps", c.LayerNormEps); err != nil {
		return Config{}, err
	}
	act, err := pc.String("hidden_act", "gelu")
	if err != nil {
		return Config{}, err
	}
	if act != "gelu" {
		return Config{}, fmt.Errorf("bert: %s: hidden_act %q is not supported (only the exact-erf \"gelu\")", where, act)
	}
	pos, err := pc.String("position_embedding_type", "absolute")
	if err != nil {
		return Config{}, err
	}
	if pos != "absolute" {
		return Config{}, fmt.Errorf("bert: %s: position_embedding_type %q is not supported (only \"absolute\")", where, pos)
	}
	for _, key := range []string{"is_decoder", "add_cross_attention"} {
		dec, err := pc.Bool(key, false)
		if err != nil {
			return Config{}, err
		}
		if dec {
			return Config{}, fmt.Errorf("bert: %s: %s is true: decoders are not supported", where, key)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%w (%s)", err, where)
	}
	return c, nil
}

// HFConfig returns base (a copy; a new config when nil) with the
// architecture's keys set as transformers writes them.
func (c Config) HFConfig(base *pretrained.Config) *pretrained.Config {
	var pc *pretrained.Config
	if base != nil {
		pc = base.Clone()
	} else {
		pc = pretrained.NewConfig()
		// BertConfig's remaining defaults, written as save_pretrained does.
		for k, v := range map[string]any{"hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
			"initializer_range": 0.02, "use_cache": true, "classifier_dropout": nil} {
			pc.Set(k, v)
		}
		if c.learnedPositionsFromPad() {
			pc.Set("bos_token_id", 0)
			pc.Set("eos_token_id", 2)
		}
	}
	for k, v := range map[string]any{
		"model_type": string(c.Arch), "vocab_size": c.VocabSize, "hidden_size": c.Hidden,
		"num_hidden_layers": c.Layers, "num_attention_heads": c.Heads, "intermediate_size": c.FFN,
		"hidden_act": "gelu", "max_position_embeddings": c.MaxPositions, "type_vocab_size": c.TypeVocabSize,
		"layer_norm_eps": c.LayerNormEps, "pad_token_id": c.PadID, "position_embedding_type": "absolute",
	} {
		pc.Set(k, v)
	}
	return pc
}
