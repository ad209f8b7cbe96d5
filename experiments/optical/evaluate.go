package optical

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
)

// Cell is one evaluation: a system on a collection for queries in
// QueryLang and documents in DocLang, with the data seed of seeded systems
// and the bitext budget of systems that learn from bitext. It is a grid
// cell, passed down as a value: the lab's configuration never changes.
type Cell struct {
	System     string // a name of Systems
	Collection string // CollectionUDHR, CollectionCLDR, a user collection's name or CollectionUser
	QueryLang  string
	DocLang    string
	Seed       int64 // data seed (the student's batch order, the random ranking)
	Budget     int   // bitext pairs (0 = all)
}

// Pair is the cell's direction, "swh-eng".
func (c Cell) Pair() string { return record.Pair(c.QueryLang, c.DocLang) }

// defaultSeed is the configured data seed (student.data_seed).
func (l *Lab) defaultSeed() int64 {
	switch v := l.cfg.Student[distill.ParamDataSeed].(type) {
	case int:
		return int64(v)
	case int64:
		return v
	}
	return l.cfg.Seed
}

// Cell is the evaluation of system on collection for qLang→dLang with the
// configured data seed (student.data_seed) and bitext budget
// (bitext_budget).
func (l *Lab) Cell(system, collection, qLang, dLang string) Cell {
	return Cell{System: system, Collection: collection, QueryLang: qLang, DocLang: dLang, Seed: l.defaultSeed(), Budget: l.cfg.BitextBudget}
}

// Record is what the evaluation of cell c records in the tracker: its
// record (experiments/record), computed from the configuration and the
// corpus without building any model, so that looking up a result never
// trains one.
func (l *Lab) Record(c Cell) (record.EvalRun, error) {
	if sl, err := l.seedLab(context.Background(), c.Seed); err != nil {
		return record.EvalRun{}, err
	} else if sl != l {
		return sl.Record(c)
	}
	info, impl, err := lookupSystem(c.System)
	if err != nil {
		return record.EvalRun{}, err
	}
	if err := checkDirection(info, c.QueryLang, c.DocLang); err != nil {
		return record.EvalRun{}, err
	}
	src, err := l.Corpus.Source(c.Collection)
	if err != nil {
		return record.EvalRun{}, err
	}
	if c.Budget < 0 {
		return record.EvalRun{}, fmt.Errorf("optical: bitext budget %d must be >= 0 (0 = all)", c.Budget)
	}
	rec := record.EvalRun{System: c.System, Collection: src.Name(), QueryLang: c.QueryLang, DocLang: c.DocLang,
		QueryLen: l.cfg.QueryLen, DocLen: l.cfg.DocLen, Depth: l.cfg.Depth,
		User: src.Provenance(), Provenance: l.provenance(c.Budget, c.Seed)}
	rec.Resource = l.cfg.resourceLabel(rec.Foreign())
	if info.Seeded {
		rec.Seed = c.Seed
	}
	if info.Bitext {
		bitext, err := l.trainingBitext(rec.Foreign(), c.Budget)
		if err != nil {
			return rec, err
		}
		rec.Budget, rec.BitextPairs = c.Budget, len(bitext)
	}
	return rec, impl.record(l, c, &rec)
}

// Lookup returns the newest FINISHED run of the lab's experiment with cell
// c's record (tracker.ConfigHash of its params), or ok false.
func (l *Lab) Lookup(c Cell) (res *record.Result, ok bool, err error) {
	rec, err := l.Record(c)
	if err != nil {
		return nil, false, err
	}
	return l.lookup(rec)
}

func (l *Lab) lookup(rec record.EvalRun) (*record.Result, bool, error) {
	rr, err := l.DB.FindFinished(l.cfg.Experiment, tracker.ConfigHash(l.cfg.Experiment, rec.Params()))
	if errors.Is(err, tracker.ErrRunNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &record.Result{Run: rec, RunID: rr.ID, Metrics: rr.Final, Cached: true}, true, nil
}

// Evaluate runs cell c, records it in the tracker and returns its
// measures. A FINISHED run with the same record is returned instead
// (Cached) unless Config.Force or Config.ForceEval; only then are the
// models it needs loaded or trained. When ctx is cancelled the run ends
// KILLED with ctx's cause and Evaluate returns the cause.
func (l *Lab) Evaluate(ctx context.Context, c Cell) (*record.Result, error) {
	return l.evaluate(ctx, c, nil)
}

// evaluate is Evaluate; with claim set (a grid worker's), the cell's run
// settles the claim as it ends, and a cached result settles it DONE.
func (l *Lab) evaluate(ctx context.Context, c Cell, claim *tracker.Claim) (*record.Result, error) {
	if err := cause(ctx); err != nil {
		return nil, err
	}
	if sl, err := l.seedLab(ctx, c.Seed); err != nil {
		return nil, err
	} else if sl != l {
		return sl.evaluate(ctx, c, claim)
	}
	src, err := l.Corpus.Source(c.Collection)
	if err != nil {
		return nil, err
	}
	coll, err := src.Collection(c.QueryLang, c.DocLang)
	if err != nil {
		return nil, err
	}
	rec, err := l.Record(c)
	if err != nil {
		return nil, err
	}
	if !l.cfg.Force && !l.cfg.ForceEval {
		if res, ok, err := l.lookup(rec); err != nil || ok {
			if ok && claim != nil {
				err = claim.Done(res.RunID)
			}
			return res, err
		}
	}
	_, impl, _ := lookupSystem(c.System)
	rank, err := impl.ranker(ctx, l, c, rec)
	if err != nil {
		return nil, err
	}
	run, err := l.startCellRun(rec.Name(), rec.Params(), rec.Tags(), claim)
	if err != nil {
		return nil, err
	}
	var metrics map[string]float64
	err = tracked(ctx, run, func() (err error) {
		metrics, err = l.evaluateRun(ctx, run, c.System, coll, rank)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &record.Result{Run: rec, RunID: run.ID(), Metrics: metrics}, nil
}

// evaluateRun ranks coll, scores the run, writes the run file and logs the
// measures.
func (l *Lab) evaluateRun(ctx context.Context, run *tracker.Run, system string, coll data.Collection, rank ranker) (map[string]float64, error) {
	runRes, err := rank(ctx, coll)
	if err != nil {
		return nil, err
	}
	if err := cause(ctx); err != nil {
		return nil, err
	}
	results, err := eval.Evaluate(eval.Qrels(coll.Qrels), runRes, eval.Options{Measures: evalMeasures()})
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%d-%s-%s.trec", run.ID(), system, coll.Name)
	if err := tracker.ValidateName("run file", name); err != nil {
		return nil, err
	}
	dir := filepath.Join(l.cfg.ArtifactDir, "runs", l.cfg.Experiment)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	runPath := filepath.Join(dir, name)
	if err := atomicfile.WriteWith(runPath, 0o644, func(w io.Writer) error {
		return eval.WriteRun(w, runRes, "otclir-"+system)
	}); err != nil {
		return nil, err
	}
	if err := run.LogArtifact(runPath, "run"); err != nil {
		return nil, err
	}
	final := map[string]float64{}
	for _, m := range record.FinalMeasures {
		final[m] = results.Aggregate[m]
	}
	// Subword coverage is that of otclir's BPE tokenizer (not built for a
	// checkpoint teacher, whose tokenizer is its own).
	if info, _ := record.LookupSystem(system); info.Teacher && l.teacherCk == nil {
		tok, _, err := l.Tokenizer(ctx) // loaded already: the teacher was built on it
		if err != nil {
			return nil, err
		}
		for k, v := range subwordCoverage(tok, coll) {
			final[k] = v
		}
	}
	if err := run.SetFinalMetrics(final); err != nil {
		return nil, err
	}
	for _, m := range record.PerQueryMeasures {
		perq := make(map[string]float64, len(results.PerQuery))
		for qid, vals := range results.PerQuery {
			perq[qid] = vals[m]
		}
		if err := run.LogPerQuery(m, perq); err != nil {
			return nil, err
		}
	}
	return final, nil
}

func evalMeasures() []string {
	out := append([]string{}, record.FinalMeasures...)
	sort.Strings(out)
	return out
}
