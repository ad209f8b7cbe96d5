package optical

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/text"
)

// The v2 pipeline's first stages (pipeline.go): the multilingual
// pretraining of the shared encoder, and the teacher fine-tuned from it
// with model selection on the gcide-dev task.

// PretrainSpec determines the pretrained encoder of PipelineV2.
type PretrainSpec struct {
	Kind      string         // "pretrain-v1"
	Tokenizer string         // the tokenizer's key (its corpus is the pretraining corpus' sample)
	Encoder   map[string]any // lib/encoder hyperparameters
	Training  map[string]any // lib/distill pretraining hyperparameters, without the logging period
	Seed      int64          // initialisation seed
}

// Key is the pretrained encoder's artifact key.
func (s PretrainSpec) Key() string { return specKey(s) }

func (l *Lab) pretrainSpec() PretrainSpec {
	return PretrainSpec{Kind: "pretrain-v1", Tokenizer: l.tokenizerSpec().Key(), Encoder: copyMap(l.cfg.Encoder),
		Training: withoutLogging(l.cfg.PipelineConfig.Pretrain), Seed: l.cfg.Seed}
}

// Pretrained returns the v2 pipeline's pretrained encoder, loading it from
// the artifact cache or training (and recording) it.
func (l *Lab) Pretrained(ctx context.Context) (*encoder.Model, PretrainSpec, error) {
	spec := l.pretrainSpec()
	if !l.cfg.V2() {
		return nil, spec, fmt.Errorf("optical: no pretraining stage without %s=%s", settingPipeline, PipelineV2)
	}
	if !l.cfg.PipelineConfig.pretrains() {
		return nil, spec, fmt.Errorf("optical: no pretraining stage with pretrain.%s=0", distill.ParamSteps)
	}
	key := spec.Key()
	if m := l.cachedModel(key); m != nil {
		return m, spec, nil
	}
	dir := l.modelDir("pretrained", key)
	m, ok, err := l.loadModel(ctx, "pretraining", dir)
	if err != nil {
		return nil, spec, err
	}
	if !ok {
		tok, tokSpec, err := l.Tokenizer(ctx)
		if err != nil {
			return nil, spec, err
		}
		if m, err = l.trainPretrain(ctx, spec, tokSpec, tok, dir); err != nil {
			return nil, spec, err
		}
	}
	l.keepModel(key, m)
	return m, spec, nil
}

func (l *Lab) trainPretrain(ctx context.Context, spec PretrainSpec, tokSpec TokenizerSpec, tok *text.Tokenizer, dir string) (*encoder.Model, error) {
	unlock, saved, err := l.lockModel(ctx, "pretraining", dir)
	if saved != nil || err != nil {
		return saved, err
	}
	defer unlock()
	texts, err := l.Corpus.PretrainTexts()
	if err != nil {
		return nil, err
	}
	bitext, err := l.Corpus.PretrainBitext()
	if err != nil {
		return nil, err
	}
	rec := record.TrainRun{Role: record.RolePretrain, ModelKey: spec.Key(), TokenizerKey: tokSpec.Key(), VocabSize: tok.VocabSize(),
		Encoder: stringMap(l.cfg.Encoder), Training: stringMap(l.cfg.PipelineConfig.Pretrain),
		Provenance: l.provenance(l.cfg.BitextBudget, l.defaultSeed())}
	run, err := l.startRun(rec.Name(), rec.Params(), rec.Tags())
	if err != nil {
		return nil, err
	}
	var m *encoder.Model
	err = tracked(ctx, run, func() error {
		gctx := encoder.NewContext(tok, spec.Encoder, spec.Seed)
		for k, v := range l.cfg.PipelineConfig.Pretrain {
			gctx.SetParam(k, v)
		}
		langs := data.WordsByLanguage(texts)
		fmt.Fprintf(l.cfg.Out, "pretraining: MLM on %d texts in %d languages, TLM on %d bitext pairs\n", len(texts), len(langs), len(bitext))
		if err := run.SetFinalMetrics(map[string]float64{"pretrain_texts": float64(len(texts)), "pretrain_languages": float64(len(langs)),
			"pretrain_bitext_pairs": float64(len(bitext))}); err != nil {
			return err
		}
		opts, resumed := l.trainOptions(ctx, run, "pretraining", dir)
		start := time.Now()
		var err error
		if m, err = distill.Pretrain(l.Backend, gctx, tok, data.Texts(texts), bitext, opts); err != nil {
			return err
		}
		return l.saveModel(run, m, dir, start, *resumed)
	})
	return m, err
}

// devScorer is the teacher's model selection score: MAP on the gcide-dev
// task (an English term → its definitions, never a test collection),
// teacher on both sides, as the teacher system ranks.
func (l *Lab) devScorer(ctx context.Context) func(m *encoder.Model) (float64, error) {
	coll := l.Corpus.GCIDEDev()
	return func(m *encoder.Model) (float64, error) {
		run, err := l.selectionRanker("teacher-dev", m, m, m)(ctx, coll)
		if err != nil {
			return 0, err
		}
		res, err := eval.Evaluate(eval.Qrels(coll.Qrels), run, eval.Options{Measures: []string{"map"}})
		if err != nil {
			return 0, err
		}
		v := res.Aggregate["map"]
		if math.IsNaN(v) {
			return 0, fmt.Errorf("optical: gcide-dev MAP is NaN")
		}
		return v, nil
	}
}
