package optical

import (
	"context"
	"fmt"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/bm25"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/ibm1"
)

// The 1-best systems are the closest thing to an MT pipeline the bitext
// allows: the foreign side is translated word by word into English, each
// term replaced by its most probable translation in the IBM Model 1 table
// p(e|f) trained on the students' bitext (the table psq uses for foreign
// queries; ibm1.Table.TranslateBest), then ranked in English:
// 1best-bm25 with BM25 (lib/bm25), 1best-teacher with the teacher's MaxSim.
//
// The foreign side is the queries (foreign→English) or, for English
// queries, the documents (document translation): the English ranker always
// sees English on both sides, and one table, p(e|f), serves both
// directions. A term the table lacks (names, numbers, words outside the
// bitext) is kept as written, as psq keeps an untranslatable query term.

type oneBestSystem struct{ teacher bool }

func (s oneBestSystem) record(l *Lab, c Cell, rec *record.EvalRun) error {
	rec.IBM1Iterations = l.cfg.IBM1Iters
	if s.teacher {
		rec.TeacherKey = l.TeacherSpec().Key()
	}
	return nil
}

func (s oneBestSystem) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	table, err := l.TranslationTable(ctx, rec.Foreign(), false, c.Budget)
	if err != nil {
		return nil, err
	}
	var teacher *encoder.Model
	if s.teacher {
		if teacher, _, err = l.Teacher(ctx); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		en, terms, unknown := translateOneBest(coll, table)
		side := "queries"
		if coll.QueryLang == "eng" {
			side = "documents"
		}
		fmt.Fprintf(l.cfg.Out, "%s %s: 1-best translation of the %s: %d terms, %d not in the table (kept)\n",
			c.System, coll.Name, side, terms, unknown)
		if s.teacher {
			return l.neuralRanker(c.System, teacher, teacher)(ctx, en)
		}
		ix, err := bm25.NewIndex(en.Docs, bm25.DefaultParams())
		if err != nil {
			return nil, err
		}
		return ix.Search(en.Queries, l.cfg.Depth), nil
	}, nil
}

// translateOneBest returns coll with its foreign side (the queries, or the
// documents for English queries) translated by table.TranslateBest, and the
// number of terms translated and kept unknown.
func translateOneBest(coll data.Collection, table *ibm1.Table) (out data.Collection, terms, unknown int) {
	out = coll
	if coll.QueryLang != "eng" {
		out.Queries = make([]data.Query, len(coll.Queries))
		for i, q := range coll.Queries {
			text, n, u := table.TranslateBest(q.Text)
			out.Queries[i], terms, unknown = data.Query{ID: q.ID, Text: text}, terms+n, unknown+u
		}
		out.QueryLang = "eng"
	} else {
		out.Docs = make([]data.Doc, len(coll.Docs))
		for i, d := range coll.Docs {
			text, n, u := table.TranslateBest(d.Text)
			out.Docs[i], terms, unknown = data.Doc{ID: d.ID, Text: text}, terms+n, unknown+u
		}
		out.DocLang = "eng"
	}
	return out, terms, unknown
}
