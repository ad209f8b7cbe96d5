package optical

import (
	"context"
	"fmt"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/retrieval"
)

// pooledRanker ranks by the cosine of mean-pooled token vectors
// (lib/retrieval.NewPooledIndex), qModel encoding queries and dModel
// documents: how the MSE student is trained (lib/distill, student_loss
// "mse", matches mean-pooled vectors), so how the mse system is scored.
// Its runs record scoring=mean-cosine (record.ScoringMeanCosine).
func (l *Lab) pooledRanker(system string, qModel, dModel *encoder.Model) ranker {
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		qids, qtexts := split(coll.Queries)
		docIDs, dtexts := splitDocs(coll.Docs)
		fmt.Fprintf(l.cfg.Out, "%s %s: encoding %d documents, %d queries (mean-pooled)\n", system, coll.Name, len(docIDs), len(qids))
		var run eval.Run
		err := interruptible(ctx, func() error {
			dvecs, err := l.encodeDocs(dModel, docIDs, dtexts)
			if err != nil {
				return err
			}
			ix, err := retrieval.NewPooledIndex(docIDs, dvecs, dModel.OutputDim())
			if err != nil {
				return err
			}
			qvecs, err := qModel.Encode(qtexts, l.cfg.QueryLen)
			if err != nil {
				return err
			}
			pq, err := retrieval.MeanPooled(qvecs, qModel.OutputDim())
			if err != nil {
				return err
			}
			run, err = ix.Search(qids, pq, l.cfg.Depth)
			return err
		})
		return run, err
	}
}
