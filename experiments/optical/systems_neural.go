package optical

import (
	"context"
	"fmt"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/retrieval"
)

// The neural systems rank by exhaustive MaxSim (lib/retrieval) over token
// vectors: teacher and zero-shot with the English teacher on both sides,
// ot and mse with a student for the foreign side and the teacher for the
// English one.

// teacherSystem: the teacher encodes queries and documents (teacher on
// eng-eng, zero-shot on a foreign pair).
type teacherSystem struct{}

func (teacherSystem) record(l *Lab, c Cell, rec *record.EvalRun) error {
	rec.TeacherKey = l.TeacherSpec().Key()
	return nil
}

func (teacherSystem) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	t, _, err := l.Teacher(ctx)
	if err != nil {
		return nil, err
	}
	return l.neuralRanker(c.System, t, t), nil
}

// studentSystem: a student distilled on the foreign language's bitext with
// loss (the configured student.student_loss when "": OT or an ablation;
// "mse" for the MSE systems), ranked by MaxSim or, pooled, by the cosine
// of mean-pooled vectors (mse: scored as it is trained).
type studentSystem struct {
	loss   string
	pooled bool // rank by the cosine of mean-pooled vectors (systems_pooled.go)
}

func (s studentSystem) over() map[string]any {
	if s.loss == "" {
		return nil
	}
	return map[string]any{distill.ParamStudentLoss: s.loss}
}

func (s studentSystem) record(l *Lab, c Cell, rec *record.EvalRun) error {
	spec, params, _, err := l.studentSpec(rec.Foreign(), c.Seed, c.Budget, s.over())
	if err != nil {
		return err
	}
	rec.TeacherKey = spec.Teacher
	rec.StudentKey = spec.Key()
	rec.Student = stringMap(params)
	delete(rec.Student, distill.ParamDataSeed) // recorded from rec.Seed
	return nil
}

func (s studentSystem) ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error) {
	t, _, err := l.Teacher(ctx)
	if err != nil {
		return nil, err
	}
	st, _, _, err := l.student(ctx, rec.Foreign(), c.Seed, c.Budget, s.over())
	if err != nil {
		return nil, err
	}
	if s.pooled && c.QueryLang == "eng" {
		return l.pooledRanker(c.System, t, st), nil
	} else if s.pooled {
		return l.pooledRanker(c.System, st, t), nil
	}
	if c.QueryLang == "eng" {
		return l.neuralRanker(c.System, t, st), nil
	}
	return l.neuralRanker(c.System, st, t), nil
}

// neuralRanker ranks by exhaustive MaxSim with qModel encoding queries and
// dModel encoding documents, the documents through the lab's cache.
func (l *Lab) neuralRanker(system string, qModel, dModel *encoder.Model) ranker {
	return l.maxSimRanker(system, qModel, dModel, l.encodeDocs)
}

// selectionRanker is neuralRanker for the model selection of training, the
// model under training: the documents it encodes are encoded afresh at
// each step (it changes between steps; an entry would never be hit again),
// those of a frozen model through the cache.
func (l *Lab) selectionRanker(system string, training, qModel, dModel *encoder.Model) ranker {
	if dModel == training {
		return l.maxSimRanker(system, qModel, dModel, l.encodeDocsFresh)
	}
	return l.maxSimRanker(system, qModel, dModel, l.encodeDocs)
}

func (l *Lab) maxSimRanker(system string, qModel, dModel *encoder.Model,
	encodeDocs func(m *encoder.Model, ids, texts []string) ([][]float32, error)) ranker {
	return func(ctx context.Context, coll data.Collection) (eval.Run, error) {
		qids, qtexts := split(coll.Queries)
		docIDs, dtexts := splitDocs(coll.Docs)
		fmt.Fprintf(l.cfg.Out, "%s %s: encoding %d documents, %d queries\n", system, coll.Name, len(docIDs), len(qids))
		var run eval.Run
		err := interruptible(ctx, func() error {
			dvecs, err := encodeDocs(dModel, docIDs, dtexts)
			if err != nil {
				return err
			}
			ix, err := retrieval.NewIndex(docIDs, dvecs, dModel.OutputDim())
			if err != nil {
				return err
			}
			qvecs, err := qModel.EncodeQueries(qtexts, l.cfg.QueryLen)
			if err != nil {
				return err
			}
			run, err = ix.Search(qids, qvecs, l.cfg.Depth)
			return err
		})
		return run, err
	}
}
