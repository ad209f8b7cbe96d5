package optical

import (
	"context"
	"fmt"
	"sync"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/apertium"
	"github.com/otclir/otclir/lib/bm25"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
)

// mt-apertium is the external MT baseline where Debian ships a real engine
// for the pair: the queries are translated offline by Apertium
// (lib/apertium; `make setup-apertium` installs apertium and
// apertium-en-es), then ranked with BM25 over the documents' language.
// Spanish queries go through the spa-eng mode, English queries (for Spanish
// documents) through eng-spa. Apertium's '*' marks on unknown words are
// dropped and the words kept as written (apertium -u). The run records the
// engine and mode (mt_engine) and the engine's and pair data's versions
// (mt_engine_version), so a new engine version is a new evaluation. The
// system serves only the languages of its record.System (spa); without the
// engine, recording a cell fails with the package to install.

type apertiumSystem struct{}

// apertiumMode is the Apertium mode translating cell c's queries into its
// documents' language.
func apertiumMode(c Cell) string { return c.QueryLang + "-" + c.DocLang }

// apertiumInfos caches apertium.Version by mode for the process: a grid
// records many cells, and the installed engine does not change under it.
var apertiumInfos sync.Map // mode -> apertium.Info

func apertiumVersion(ctx context.Context, mode string) (apertium.Info, error) {
	if v, ok := apertiumInfos.Load(mode); ok {
		return v.(apertium.Info), nil
	}
	info, err := apertium.Version(ctx, mode)
	if err != nil {
		return info, fmt.Errorf("optical: system %s: %w", SystemMTApertium, err)
	}
	apertiumInfos.Store(mode, info)
	return info, nil
}

func (apertiumSystem) record(l *Lab, c Cell, rec *record.EvalRun) error {
	mode := apertiumMode(c)
	info, err := apertiumVersion(context.Background(), mode)
	if err != nil {
		return err
	}
	rec.MTEngine = "apertium " + mode
	rec.MTEngineVersion = info.Engine + "; " + info.Data
	return nil
}

func (apertiumSystem) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	mode := apertiumMode(c)
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		qids, qtexts := split(coll.Queries)
		fmt.Fprintf(l.cfg.Out, "%s %s: translating %d queries with %s\n", c.System, coll.Name, len(qids), rec.MTEngine)
		translated, err := apertium.Translate(ctx, mode, qtexts)
		if err != nil {
			return nil, fmt.Errorf("optical: system %s: %w", c.System, err)
		}
		qs := make([]data.Query, len(qids))
		for i, id := range qids {
			qs[i] = data.Query{ID: id, Text: translated[i]}
		}
		ix, err := bm25.NewIndex(coll.Docs, bm25.DefaultParams())
		if err != nil {
			return nil, err
		}
		return ix.Search(qs, l.cfg.Depth), nil
	}, nil
}
