package optical

import (
	"context"
	"fmt"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/bm25"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
)

// The translation systems rank with BM25 (lib/bm25) after translating the
// queries: psq with probabilistic structured queries from an IBM Model 1
// table trained on the students' bitext, mt with an MT system's
// translations that the user supplies (setting mt_queries).

type psqSystem struct{}

func (psqSystem) record(l *Lab, c Cell, rec *record.EvalRun) error {
	rec.IBM1Iterations = l.cfg.IBM1Iters
	return nil
}

func (psqSystem) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	table, err := l.TranslationTable(ctx, rec.Foreign(), c.QueryLang == "eng", c.Budget)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		ix, err := bm25.NewIndex(coll.Docs, bm25.DefaultParams())
		if err != nil {
			return nil, err
		}
		return ix.SearchPSQ(coll.Queries, table, bm25.DefaultPSQOptions(), l.cfg.Depth), nil
	}, nil
}

type mtSystem struct{}

func (mtSystem) record(l *Lab, c Cell, rec *record.EvalRun) error {
	path := l.cfg.MTQueries[c.QueryLang]
	if path == "" || c.DocLang != "eng" {
		return fmt.Errorf("optical: system %s needs translated %s queries (setting mt_queries=%s:FILE) and English documents", c.System, c.QueryLang, c.QueryLang)
	}
	rec.MTQueries = path
	if rec.User != nil { // a user collection keys its runs by content: an edited file is a new evaluation
		h, err := fileHash(path)
		if err != nil {
			return err
		}
		rec.MTQueriesHash = h
	}
	return nil
}

func (mtSystem) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		translated, err := bm25.ReadTranslatedQueries(rec.MTQueries)
		if err != nil {
			return nil, err
		}
		ix, err := bm25.NewIndex(coll.Docs, bm25.DefaultParams())
		if err != nil {
			return nil, err
		}
		return ix.Search(translated, l.cfg.Depth), nil
	}, nil
}
