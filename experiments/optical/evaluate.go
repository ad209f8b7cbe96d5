package optical

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/retrieval"
	"github.com/otclir/otclir/tracker"
)

// Systems evaluated by the lab.
const (
	SystemOT       = "ot"        // OPTICAL student (foreign side) + teacher (English side)
	SystemZeroShot = "zero-shot" // teacher on both sides, no bitext
	SystemTeacher  = "teacher"   // English→English upper bound
	SystemRandom   = "random"    // chance-level reference
)

// ReportMeasures are the measures stored per run and printed in tables.
var ReportMeasures = []string{"map", "ndcg_cut_10", "recip_rank_cut_10", "recall_100", "num_q"}

// PerQueryMeasures are stored per query in the tracker.
var PerQueryMeasures = []string{"map", "ndcg_cut_10", "recip_rank_cut_10", "recall_100"}

// Result is one evaluated (system, pair).
type Result struct {
	System, Pair string
	RunID        int64
	Metrics      map[string]float64
	Cached       bool
}

// Pair names a direction: "swh-eng" = Swahili queries, English documents.
func Pair(qLang, dLang string) string { return qLang + "-" + dLang }

// Evaluate runs system on the UDHR collection for queries in qLang and
// documents in dLang, records it in the tracker and returns its measures. A
// FINISHED run with the same configuration is reused unless cfg.Force.
func (l *Lab) Evaluate(system, qLang, dLang string) (*Result, error) {
	coll, err := l.Corpus.UDHRCollection(qLang, dLang)
	if err != nil {
		return nil, err
	}
	pair := Pair(qLang, dLang)
	params := map[string]string{
		"system": system, "pair": pair, "collection": "udhr",
		"query_lang": qLang, "doc_lang": dLang,
		"query_len": fmt.Sprint(l.Cfg.QueryLen), "doc_len": fmt.Sprint(l.Cfg.DocLen),
		"depth": fmt.Sprint(l.Cfg.Depth), "role": "eval",
	}
	foreign := qLang
	if qLang == "eng" {
		foreign = dLang
	}
	if lg, err := data.LookupLanguage(foreign); err == nil {
		params["resource"] = lg.Resource
	}
	var qModel, dModel *encoder.Model
	switch system {
	case SystemRandom:
	case SystemTeacher, SystemZeroShot:
		t, h, err := l.Teacher()
		if err != nil {
			return nil, err
		}
		qModel, dModel = t, t
		params["teacher_hash"] = h
	case SystemOT:
		if qLang == dLang {
			return nil, fmt.Errorf("optical: system %s needs a foreign side, got %s", system, pair)
		}
		t, h, err := l.Teacher()
		if err != nil {
			return nil, err
		}
		params["teacher_hash"] = h
		s, sh, n, err := l.Student(foreign, nil)
		if err != nil {
			return nil, err
		}
		params["student_hash"] = sh
		params["bitext_pairs"] = fmt.Sprint(n)
		for k, v := range stringParams(map[string]map[string]any{"student": l.Cfg.Student}) {
			params[k] = v
		}
		qModel, dModel = s, t
		if qLang == "eng" {
			qModel, dModel = t, s
		}
	default:
		return nil, fmt.Errorf("optical: unknown system %q (want %s)", system,
			strings.Join([]string{SystemOT, SystemZeroShot, SystemTeacher, SystemRandom}, ", "))
	}
	name := system + " " + pair
	full := copyParams(params)
	full["data"] = l.Corpus.Provenance()
	full["split_seed"] = fmt.Sprint(l.Cfg.SplitSeed)
	full["test_fraction"] = fmt.Sprint(l.Cfg.TestFraction)
	full["seed"] = fmt.Sprint(l.Cfg.Seed)
	full["settings"] = l.Cfg.Settings()
	if !l.Cfg.Force && !l.Cfg.ForceEval {
		if rec, err := l.DB.FindFinished(l.Cfg.Experiment, tracker.ConfigHash(l.Cfg.Experiment, full)); err == nil {
			return &Result{System: system, Pair: pair, RunID: rec.ID, Metrics: rec.Final, Cached: true}, nil
		}
	}
	run, err := l.startRun(name, params, map[string]string{"kind": "eval"})
	if err != nil {
		return nil, err
	}
	stop := tracker.HandleSignals(run)
	defer stop()
	res, err := l.evaluateRun(run, system, coll, qModel, dModel)
	if err = finish(run, err); err != nil {
		return nil, err
	}
	res.System, res.Pair, res.RunID = system, pair, run.ID()
	return res, nil
}

func copyParams(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (l *Lab) evaluateRun(run *tracker.Run, system string, coll data.Collection, qModel, dModel *encoder.Model) (*Result, error) {
	qids := make([]string, len(coll.Queries))
	qtexts := make([]string, len(coll.Queries))
	for i, q := range coll.Queries {
		qids[i], qtexts[i] = q.ID, q.Text
	}
	docIDs := make([]string, len(coll.Docs))
	dtexts := make([]string, len(coll.Docs))
	for i, d := range coll.Docs {
		docIDs[i], dtexts[i] = d.ID, d.Text
	}
	var runRes eval.Run
	if system == SystemRandom {
		runRes = retrieval.RandomRun(qids, docIDs, uint64(l.Cfg.Seed), l.Cfg.Depth)
	} else {
		fmt.Fprintf(l.Cfg.Out, "%s %s: encoding %d documents, %d queries\n", system, coll.QueryLang+"-"+coll.DocLang, len(docIDs), len(qids))
		dvecs, err := dModel.Encode(dtexts, l.Cfg.DocLen)
		if err != nil {
			return nil, err
		}
		ix, err := retrieval.NewIndex(docIDs, dvecs, dModel.OutputDim())
		if err != nil {
			return nil, err
		}
		qvecs, err := qModel.Encode(qtexts, l.Cfg.QueryLen)
		if err != nil {
			return nil, err
		}
		if runRes, err = ix.Search(qids, qvecs, l.Cfg.Depth); err != nil {
			return nil, err
		}
	}
	results, err := eval.Evaluate(eval.Qrels(coll.Qrels), runRes, eval.Options{Measures: evalMeasures()})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(l.Cfg.ArtifactDir, "runs", l.Cfg.Experiment)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	runPath := filepath.Join(dir, fmt.Sprintf("%d-%s.trec", run.ID(), strings.ReplaceAll(system+"-"+coll.QueryLang+"-"+coll.DocLang, " ", "_")))
	f, err := os.Create(runPath)
	if err != nil {
		return nil, err
	}
	if err := eval.WriteRun(f, runRes, "otclir-"+system); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := run.LogArtifact(runPath, "run"); err != nil {
		return nil, err
	}
	final := map[string]float64{}
	for _, m := range ReportMeasures {
		final[m] = results.Aggregate[m]
	}
	if err := run.SetFinalMetrics(final); err != nil {
		return nil, err
	}
	for _, m := range PerQueryMeasures {
		perq := make(map[string]float64, len(results.PerQuery))
		for qid, vals := range results.PerQuery {
			perq[qid] = vals[m]
		}
		if err := run.LogPerQuery(m, perq); err != nil {
			return nil, err
		}
	}
	return &Result{Metrics: final}, nil
}

func evalMeasures() []string {
	out := append([]string{}, ReportMeasures...)
	sort.Strings(out)
	return out
}
