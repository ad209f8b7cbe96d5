package distill

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/text"
)

// TrainTeacher trains a fresh encoder (hyperparameters from ctx, built with
// encoder.NewContext and the Default*Params of this package) on English
// query→document pairs with in-batch negatives and returns the model.
func TrainTeacher(backend backends.Backend, ctx *context.Context, tok *text.Tokenizer,
	pairs []data.Pair, opt Options) (*encoder.Model, error) {
	batch := context.GetParamOr(ctx, ParamBatchSize, 32)
	if len(pairs) < batch {
		return nil, fmt.Errorf("distill: %d teacher pairs for %s=%d", len(pairs), ParamBatchSize, batch)
	}
	qLen := context.GetParamOr(ctx, ParamQueryLen, 32)
	dLen := context.GetParamOr(ctx, ParamDocLen, 48)
	tau := context.GetParamOr(ctx, ParamTemperature, 0.05)
	queries := make([]string, len(pairs))
	docs := make([]string, len(pairs))
	for i, p := range pairs {
		queries[i], docs[i] = p.Src, p.Tgt
	}
	qIDs := encoder.Tokenize(tok, queries, qLen)
	dIDs := encoder.Tokenize(tok, docs, dLen)
	b := newBatcher(len(pairs), batch, context.GetParamOr(ctx, ParamDataSeed, int64(1)))
	ds := &dataset{name: "teacher-pairs", skip: b.skip, make: func() []*tensors.Tensor {
		idx := b.next()
		return []*tensors.Tensor{gatherRows(qIDs, qLen, idx), gatherRows(dIDs, dLen, idx)}
	}}
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		q, qMask := encoder.Encode(ctx, inputs[0])
		d, dMask := encoder.Encode(ctx.Reuse(), inputs[1])
		loss := inBatchCrossEntropy(meanMaxSimScores(q, qMask, d, dMask), tau)
		train.AddLoss(ctx, loss)
		return []*Node{loss}
	}
	if opt.Name == "" {
		opt.Name = "teacher"
	}
	if _, err := run(backend, ctx, ds, modelFn, func() *encoder.Model { return encoder.NewModel(backend, ctx, tok) }, opt); err != nil {
		return nil, err
	}
	return encoder.NewModel(backend, ctx, tok), nil
}

// gatherRows copies rows idx of a row-major [*, width] int32 matrix into a tensor.
func gatherRows(m []int32, width int, idx []int) *tensors.Tensor {
	out := make([]int32, len(idx)*width)
	for i, r := range idx {
		copy(out[i*width:(i+1)*width], m[r*width:(r+1)*width])
	}
	return tensors.FromFlatDataAndDimensions(out, len(idx), width)
}
