package optical

import (
	"context"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/bm25"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/retrieval"
)

// The reference systems bound what the others can reach: monolingual BM25
// (the English→English reference) and a seeded random ranking (chance).

type bm25System struct{}

func (bm25System) record(*Lab, Cell, *record.EvalRun) error { return nil }

func (bm25System) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		ix, err := bm25.NewIndex(coll.Docs, bm25.DefaultParams())
		if err != nil {
			return nil, err
		}
		return ix.Search(coll.Queries, l.cfg.Depth), nil
	}, nil
}

type randomSystem struct{}

func (randomSystem) record(*Lab, Cell, *record.EvalRun) error { return nil }

func (randomSystem) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		qids, _ := split(coll.Queries)
		docIDs, _ := splitDocs(coll.Docs)
		return retrieval.RandomRun(qids, docIDs, uint64(rec.Seed), l.cfg.Depth), nil
	}, nil
}
