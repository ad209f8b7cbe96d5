package distill

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/text"
)

// Pretraining hyperparameter keys (besides ParamSteps, ParamBatchSize,
// ParamLearningRate, ParamLogEvery and ParamDataSeed, shared with the
// other trainers).
const (
	ParamPretrainLen = "pretrain_len"  // max subwords of a sequence; a TLM pair's two sides together
	ParamMaskProb    = "mlm_mask_prob" // share of a sequence's real tokens that are predicted (BERT: 0.15)
	ParamTLMFraction = "tlm_fraction"  // share of each batch's sequences that are bitext pairs (TLM)
)

// DefaultPretrainParams are the pretraining defaults.
var DefaultPretrainParams = map[string]any{
	ParamSteps:        2000,
	ParamBatchSize:    32,
	ParamLearningRate: 5e-4,
	ParamPretrainLen:  64,
	ParamMaskProb:     0.15,
	ParamTLMFraction:  0.5,
	ParamLogEvery:     10,
	ParamDataSeed:     1,
}

// BERT's treatment of the selected tokens (Devlin et al. 2019, §3.1): 80 %
// become the mask token, 10 % a random token, 10 % stay unchanged.
const (
	MaskShare   = 0.8
	RandomShare = 0.1
)

// MaskID is the input id of a masked token. The lab's subword vocabulary
// (lib/text) reserves only PAD and UNK, and adding a [MASK] entry would change
// every tokenizer and so every encoder's layout and key; UNK, which the
// tokenizer emits only for characters outside its alphabet, stands for it.
const MaskID = int32(text.UnkID)

// firstRandomID is the smallest id a random replacement takes: neither PAD
// nor UNK (= MaskID).
const firstRandomID = 2

// MLMScope is the context scope of the masked-language-model head: outside
// encoder.Scope, so encoder.Model.Save and CloneForTraining leave it out and
// the encoder's saved layout is that of an encoder never pretrained.
const MLMScope = "mlm_head"

// Masked is one sequence prepared for masked-token prediction.
type Masked struct {
	Input     []int32 // the sequence with the selected tokens replaced
	Positions []int32 // the selected positions, ascending
	Labels    []int32 // the original ids at Positions
}

// MaskTokens selects max(1, round(prob·n)) of the n tokens of ids (all real:
// no padding) uniformly without replacement, as BERT's data generator does,
// and replaces each independently with MaskID (probability MaskShare), a
// uniformly random id in [2, vocab) (RandomShare) or leaves it (the rest).
// ids is not modified. It panics if ids is empty or vocab ≤ 2.
func MaskTokens(rng *rand.Rand, ids []int32, prob float64, vocab int) Masked {
	if len(ids) == 0 || vocab <= firstRandomID {
		panic(fmt.Sprintf("distill: MaskTokens: %d ids, vocabulary %d (want ≥ 1 id and > %d ids)", len(ids), vocab, firstRandomID))
	}
	k := maskCount(len(ids), prob)
	m := Masked{Input: append([]int32(nil), ids...), Positions: make([]int32, 0, k), Labels: make([]int32, 0, k)}
	chosen := rng.Perm(len(ids))[:k]
	selected := make([]bool, len(ids))
	for _, p := range chosen {
		selected[p] = true
	}
	for p, s := range selected {
		if !s {
			continue
		}
		m.Positions = append(m.Positions, int32(p))
		m.Labels = append(m.Labels, ids[p])
		switch r := rng.Float64(); {
		case r < MaskShare:
			m.Input[p] = MaskID
		case r < MaskShare+RandomShare:
			m.Input[p] = int32(firstRandomID + rng.IntN(vocab-firstRandomID))
		}
	}
	return m
}

// maskCount is max(1, round(prob·n)), at most n.
func maskCount(n int, prob float64) int {
	return min(n, max(1, int(math.Round(prob*float64(n)))))
}

// pretrainSettings are Pretrain's hyperparameters, read from ctx.
type pretrainSettings struct {
	batch, length, predictions, vocab int
	prob, tlmFraction                 float64
	seed                              int64
}

func readPretrainSettings(ctx *context.Context) (pretrainSettings, error) {
	s := pretrainSettings{
		batch:       context.GetParamOr(ctx, ParamBatchSize, DefaultPretrainParams[ParamBatchSize].(int)),
		length:      context.GetParamOr(ctx, ParamPretrainLen, DefaultPretrainParams[ParamPretrainLen].(int)),
		prob:        context.GetParamOr(ctx, ParamMaskProb, DefaultPretrainParams[ParamMaskProb].(float64)),
		tlmFraction: context.GetParamOr(ctx, ParamTLMFraction, DefaultPretrainParams[ParamTLMFraction].(float64)),
		seed:        context.GetParamOr(ctx, ParamDataSeed, int64(1)),
		vocab:       context.GetParamOr(ctx.In(encoder.Scope), encoder.ParamVocabSize, 0),
	}
	maxPos := context.GetParamOr(ctx.In(encoder.Scope), encoder.ParamMaxPositions, encoder.DefaultParams[encoder.ParamMaxPositions].(int))
	switch {
	case s.batch < 1:
		return s, fmt.Errorf("distill: pretraining: %s must be >= 1, got %d", ParamBatchSize, s.batch)
	case s.length < 2 || s.length > maxPos:
		return s, fmt.Errorf("distill: pretraining: %s must be in [2, %d] (%s), got %d", ParamPretrainLen, maxPos, encoder.ParamMaxPositions, s.length)
	case !(s.prob > 0 && s.prob <= 1):
		return s, fmt.Errorf("distill: pretraining: %s must be in (0, 1], got %g", ParamMaskProb, s.prob)
	case !(s.tlmFraction >= 0 && s.tlmFraction <= 1):
		return s, fmt.Errorf("distill: pretraining: %s must be in [0, 1], got %g", ParamTLMFraction, s.tlmFraction)
	case s.vocab <= firstRandomID:
		return s, fmt.Errorf("distill: pretraining: %s is %d (build the context with encoder.NewContext; the vocabulary needs more than PAD and UNK)", encoder.ParamVocabSize, s.vocab)
	}
	s.predictions = maskCount(s.length, s.prob)
	return s, nil
}

// PretrainSequences tokenizes the pretraining texts: each monolingual text
// truncated to length subwords (MLM), and each bitext pair as its foreign
// side (at most length/2 subwords) followed by its English side (the rest),
// the TLM input of XLM (Conneau & Lample 2019) without language embeddings or
// a separator, which the lab's vocabulary lacks. Empty texts and pairs with
// an empty side are dropped.
func PretrainSequences(tok *text.Tokenizer, mono []string, bitext []data.Pair, length int) (mlm, tlm [][]int32) {
	for _, s := range mono {
		if ids := tok.Encode(s, length); len(ids) > 0 {
			mlm = append(mlm, ids)
		}
	}
	for _, p := range bitext {
		src := tok.Encode(p.Src, length/2)
		tgt := tok.Encode(p.Tgt, length-len(src))
		if len(src) > 0 && len(tgt) > 0 {
			tlm = append(tlm, append(src, tgt...))
		}
	}
	return mlm, tlm
}

// pretrainBatches yields batches of masked sequences: nTLM bitext rows then
// the monolingual rows, each masked with a generator seeded by (seed, batch
// number), so that skipping n batches (resume) is exact.
type pretrainBatches struct {
	s             pretrainSettings
	mlm, tlm      [][]int32
	monoB, tlmB   *batcher
	nTLM, counter int
}

func newPretrainBatches(s pretrainSettings, mlm, tlm [][]int32) (*pretrainBatches, error) {
	if len(mlm) == 0 && len(tlm) == 0 {
		return nil, fmt.Errorf("distill: pretraining: no monolingual text and no bitext pair with text on both sides")
	}
	nTLM := int(math.Round(s.tlmFraction * float64(s.batch)))
	switch {
	case len(tlm) == 0:
		nTLM = 0
	case len(mlm) == 0:
		nTLM = s.batch
	}
	b := &pretrainBatches{s: s, mlm: mlm, tlm: tlm, nTLM: nTLM}
	b.monoB = newBatcher(max(len(mlm), 1), s.batch-nTLM, s.seed)
	b.tlmB = newBatcher(max(len(tlm), 1), nTLM, s.seed+1)
	return b, nil
}

func (b *pretrainBatches) skip(n int64) {
	for i := int64(0); i < n; i++ {
		b.monoB.next()
		b.tlmB.next()
		b.counter++
	}
}

// next returns tokens [B,L], positions and labels [B,P] (int32) and weights
// [B,P] (float32: 1 for a prediction, 0 for padding).
func (b *pretrainBatches) next() []*tensors.Tensor {
	s := b.s
	rng := rand.New(rand.NewPCG(uint64(s.seed), uint64(b.counter)))
	b.counter++
	var rows [][]int32
	for _, i := range b.tlmB.next() {
		rows = append(rows, b.tlm[i])
	}
	for _, i := range b.monoB.next() {
		rows = append(rows, b.mlm[i])
	}
	tokens := make([]int32, s.batch*s.length)
	positions := make([]int32, s.batch*s.predictions)
	labels := make([]int32, s.batch*s.predictions)
	weights := make([]float32, s.batch*s.predictions)
	for r, ids := range rows {
		m := MaskTokens(rng, ids, s.prob, s.vocab)
		copy(tokens[r*s.length:], m.Input)
		for k := range m.Positions {
			positions[r*s.predictions+k] = m.Positions[k]
			labels[r*s.predictions+k] = m.Labels[k]
			weights[r*s.predictions+k] = 1
		}
	}
	return []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(tokens, s.batch, s.length),
		tensors.FromFlatDataAndDimensions(positions, s.batch, s.predictions),
		tensors.FromFlatDataAndDimensions(labels, s.batch, s.predictions),
		tensors.FromFlatDataAndDimensions(weights, s.batch, s.predictions),
	}
}

// MaskedLMLoss builds the masked-token cross-entropy, averaged over the
// predictions with weight 1, for tokens [B,L] (the masked input), positions
// and labels [B,P] int32 and weights [B,P]. The head is BERT's: the selected
// hidden states (lib/encoder.EncodeHidden) go through a dense layer, GELU and
// LayerNorm, then the output layer tied to the token embeddings, plus a bias
// per vocabulary entry. Its variables live under MLMScope and are created
// after the encoder's, so the encoder's initial values are those of an
// encoder built without the head.
func MaskedLMLoss(ctx *context.Context, tokens, positions, labels, weights *Node) *Node {
	_, hidden, _ := encoder.EncodeHidden(ctx, tokens) // [B,L,D]
	g := tokens.Graph()
	length, dim := hidden.Shape().Dimensions[1], hidden.Shape().Dimensions[2]
	// Select the predicted positions with a one-hot product (its gradient is a
	// plain matrix product): [B,P,L] × [B,L,D] → [B,P,D].
	h := Einsum("bpl,bld->bpd", OneHot(positions, length, hidden.DType()), hidden)
	hctx := ctx.In(MLMScope).Checked(false)
	hctx = hctx.WithInitializer(initializers.RandomNormalFn(hctx, context.GetParamOr(ctx.In(encoder.Scope), encoder.ParamInitStd, 0.02)))
	h = layers.Dense(hctx.In("transform"), h, true, dim)
	h = activations.Gelu(h)
	h = layers.LayerNormalization(hctx.In("transform_norm"), h, -1).Done()
	emb := encoder.TokenEmbeddings(ctx, g) // [V,D]
	vocab := emb.Shape().Dimensions[0]
	logits := Einsum("bpd,vd->bpv", h, emb)
	bias := hctx.VariableWithValue("output_bias", make([]float32, vocab)).ValueGraph(g)
	logits = Add(logits, Reshape(bias, 1, 1, vocab))
	logp := LogSoftmax(logits, -1)
	nll := Neg(ReduceSum(Mul(logp, OneHot(labels, vocab, logp.DType())), -1)) // [B,P]
	w := ConvertDType(weights, nll.DType())
	return Div(ReduceAllSum(Mul(nll, w)), Max(ReduceAllSum(w), OnesLike(ReduceAllSum(w))))
}

// Pretrain trains the encoder in ctx (built with encoder.NewContext, its
// pretraining hyperparameters set over DefaultPretrainParams) with
// BERT-style masked-language modelling on the monolingual texts mono and
// XLM-style translation-language modelling on bitext (foreign Src then
// English Tgt, masked on both sides), ParamTLMFraction of every batch being
// bitext pairs (all of it when mono is empty, none when bitext is). opt's
// checkpoints and resume work as for the other trainers. The returned model
// holds ctx: its encoder part is what Save and CloneForTraining keep, so a
// teacher starts from it with CloneForTraining (which also drops the
// optimizer state and step) and its own DefaultTeacherParams.
func Pretrain(backend backends.Backend, ctx *context.Context, tok *text.Tokenizer,
	mono []string, bitext []data.Pair, opt Options) (*encoder.Model, error) {
	s, err := readPretrainSettings(ctx)
	if err != nil {
		return nil, err
	}
	if s.vocab != tok.VocabSize() {
		return nil, fmt.Errorf("distill: pretraining: %s is %d but the tokenizer has %d ids", encoder.ParamVocabSize, s.vocab, tok.VocabSize())
	}
	mlm, tlm := PretrainSequences(tok, mono, bitext, s.length)
	b, err := newPretrainBatches(s, mlm, tlm)
	if err != nil {
		return nil, err
	}
	ds := &dataset{name: "pretrain", skip: b.skip, make: b.next}
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		loss := MaskedLMLoss(ctx, inputs[0], inputs[1], inputs[2], inputs[3])
		train.AddLoss(ctx, loss)
		return []*Node{loss}
	}
	if opt.Name == "" {
		opt.Name = "pretrain"
	}
	if _, err := run(backend, ctx, ds, modelFn, func() *encoder.Model { return encoder.NewModel(backend, ctx, tok) }, opt); err != nil {
		return nil, err
	}
	return encoder.NewModel(backend, ctx, tok), nil
}

// PretrainLoss is the masked-LM loss of the encoder (and MLM head) in ctx on
// held-out texts and pairs (a dev split), masked as Pretrain masks them with
// generator seed seed, in batches of ParamBatchSize sequences (the last one
// padded with weight-0 rows): for model selection and early stopping.
func PretrainLoss(backend backends.Backend, ctx *context.Context, tok *text.Tokenizer,
	mono []string, bitext []data.Pair, seed int64) (float64, error) {
	s, err := readPretrainSettings(ctx)
	if err != nil {
		return 0, err
	}
	mlm, tlm := PretrainSequences(tok, mono, bitext, s.length)
	all := append(append([][]int32(nil), tlm...), mlm...)
	if len(all) == 0 {
		return 0, fmt.Errorf("distill: PretrainLoss: no text")
	}
	var total, count float64
	err = tryCatch(func() {
		exec := context.MustNewExec(backend, ctx.Reuse(), func(ctx *context.Context, inputs []*Node) []*Node {
			loss := MaskedLMLoss(ctx, inputs[0], inputs[1], inputs[2], inputs[3])
			return []*Node{Mul(loss, Max(ReduceAllSum(inputs[3]), OnesLike(ReduceAllSum(inputs[3]))))}
		})
		defer exec.Finalize()
		rng := rand.New(rand.NewPCG(uint64(seed), 0x6d6c6d)) // "mlm"
		for start := 0; start < len(all); start += s.batch {
			tokens := make([]int32, s.batch*s.length)
			positions := make([]int32, s.batch*s.predictions)
			labels := make([]int32, s.batch*s.predictions)
			weights := make([]float32, s.batch*s.predictions)
			for r := 0; r < s.batch && start+r < len(all); r++ {
				m := MaskTokens(rng, all[start+r], s.prob, s.vocab)
				copy(tokens[r*s.length:], m.Input)
				for k := range m.Positions {
					positions[r*s.predictions+k], labels[r*s.predictions+k], weights[r*s.predictions+k] = m.Positions[k], m.Labels[k], 1
				}
				count += float64(len(m.Positions))
			}
			for r := len(all) - start; r < s.batch; r++ { // padding rows: one real token so the encoder sees no empty row
				tokens[r*s.length] = MaskID
			}
			out := exec.MustExec(tensors.FromFlatDataAndDimensions(tokens, s.batch, s.length),
				tensors.FromFlatDataAndDimensions(positions, s.batch, s.predictions),
				tensors.FromFlatDataAndDimensions(labels, s.batch, s.predictions),
				tensors.FromFlatDataAndDimensions(weights, s.batch, s.predictions))
			total += tensorScalar(out[0])
			out[0].FinalizeAll()
		}
	})
	if err != nil {
		return 0, err
	}
	return total / count, nil
}
