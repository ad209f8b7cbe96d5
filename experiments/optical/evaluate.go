package optical

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/otclir/otclir/lib/bm25"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/ibm1"
	"github.com/otclir/otclir/lib/retrieval"
	"github.com/otclir/otclir/tracker"
)

// Systems evaluated by the lab.
const (
	SystemOT       = "ot"        // OPTICAL student (foreign side) + teacher (English side)
	SystemMSE      = "mse"       // sentence-level distillation student (Reimers & Gurevych 2020) + teacher
	SystemPSQ      = "psq"       // translation baseline: IBM Model 1 on the same bitext + PSQ with BM25
	SystemMT       = "mt"        // BM25 over the user's MT translations of the queries (Config.MTQueries)
	SystemZeroShot = "zero-shot" // teacher on both sides, no bitext
	SystemTeacher  = "teacher"   // English→English with the teacher (upper bound)
	SystemBM25     = "bm25"      // monolingual BM25 (English→English reference)
	SystemRandom   = "random"    // chance-level reference
)

// Systems lists every system name.
var Systems = []string{SystemOT, SystemMSE, SystemPSQ, SystemMT, SystemZeroShot, SystemTeacher, SystemBM25, SystemRandom}

// trainedSystems vary with the student seed; the others are deterministic.
var trainedSystems = map[string]bool{SystemOT: true, SystemMSE: true, SystemRandom: true}

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

// Evaluate runs system on the UDHR collection (see EvaluateOn).
func (l *Lab) Evaluate(system, qLang, dLang string) (*Result, error) {
	return l.EvaluateOn(CollectionUDHR, system, qLang, dLang)
}

// ranker turns a collection into a run.
type ranker func(coll data.Collection) (eval.Run, error)

// EvaluateOn runs system on a collection for queries in qLang and documents
// in dLang, records it in the tracker and returns its measures. A FINISHED
// run with the same configuration is reused unless cfg.Force or
// cfg.ForceEval. Trained systems use the student's data_seed
// (cfg.Student["data_seed"]) and every system the bitext budget
// (cfg.BitextBudget).
func (l *Lab) EvaluateOn(collection, system, qLang, dLang string) (*Result, error) {
	coll, err := l.Corpus.Collection(collection, qLang, dLang)
	if err != nil {
		return nil, err
	}
	user := l.Corpus.isUserCollection(collection)
	if user {
		collection = l.Corpus.User.Config.Name // runs record the collection's own name
	}
	pair := Pair(qLang, dLang)
	params := map[string]string{
		"system": system, "pair": pair, "collection": collection,
		"query_lang": qLang, "doc_lang": dLang,
		"query_len": fmt.Sprint(l.Cfg.QueryLen), "doc_len": fmt.Sprint(l.Cfg.DocLen),
		"depth": fmt.Sprint(l.Cfg.Depth), "role": "eval",
	}
	if user { // the files and their content hash: a changed file is a new evaluation
		for k, v := range l.Corpus.User.params() {
			params[k] = v
		}
	}
	foreign := qLang
	if qLang == "eng" {
		foreign = dLang
	}
	if lg, err := data.LookupLanguage(foreign); err == nil {
		params["resource"] = lg.Resource
	}
	needForeign := func() error {
		if qLang == dLang || foreign == "eng" {
			return fmt.Errorf("optical: system %s needs a foreign side, got %s", system, pair)
		}
		return nil
	}
	var rank ranker
	switch system {
	case SystemRandom:
		seed := studentSeed(l.Cfg)
		params["data_seed"] = fmt.Sprint(seed)
		rank = func(coll data.Collection) (eval.Run, error) {
			qids, _ := split(coll.Queries)
			docIDs, _ := splitDocs(coll.Docs)
			return retrieval.RandomRun(qids, docIDs, uint64(seed), l.Cfg.Depth), nil
		}
	case SystemTeacher, SystemZeroShot:
		t, h, err := l.Teacher()
		if err != nil {
			return nil, err
		}
		params["teacher_hash"] = h
		rank = l.neuralRanker(system, t, t)
	case SystemBM25:
		if qLang != dLang {
			return nil, fmt.Errorf("optical: system %s is monolingual, got %s", system, pair)
		}
		rank = func(coll data.Collection) (eval.Run, error) {
			ix, err := bm25.NewIndex(coll.Docs, bm25.DefaultParams())
			if err != nil {
				return nil, err
			}
			return ix.Search(coll.Queries, l.Cfg.Depth), nil
		}
	case SystemMT:
		if err := needForeign(); err != nil {
			return nil, err
		}
		path := l.Cfg.MTQueries[qLang]
		if path == "" || dLang != "eng" {
			return nil, fmt.Errorf("optical: system %s needs translated %s queries (setting mt_queries=%s:FILE) and English documents", system, qLang, qLang)
		}
		params["mt_queries"] = path
		if user {
			h, err := fileHash(path)
			if err != nil {
				return nil, err
			}
			params["mt_queries_hash"] = h
		}
		rank = func(coll data.Collection) (eval.Run, error) {
			translated, err := bm25.ReadTranslatedQueries(path)
			if err != nil {
				return nil, err
			}
			ix, err := bm25.NewIndex(coll.Docs, bm25.DefaultParams())
			if err != nil {
				return nil, err
			}
			return ix.Search(translated, l.Cfg.Depth), nil
		}
	case SystemPSQ:
		if err := needForeign(); err != nil {
			return nil, err
		}
		table, n, err := l.TranslationTable(foreign, qLang == "eng")
		if err != nil {
			return nil, err
		}
		params["bitext_pairs"] = fmt.Sprint(n)
		params["bitext_budget"] = fmt.Sprint(l.Cfg.BitextBudget)
		params["ibm1_iterations"] = fmt.Sprint(l.Cfg.IBM1Iters)
		rank = func(coll data.Collection) (eval.Run, error) {
			ix, err := bm25.NewIndex(coll.Docs, bm25.DefaultParams())
			if err != nil {
				return nil, err
			}
			return ix.SearchPSQ(coll.Queries, table, bm25.DefaultPSQOptions(), l.Cfg.Depth), nil
		}
	case SystemOT, SystemMSE:
		if err := needForeign(); err != nil {
			return nil, err
		}
		t, h, err := l.Teacher()
		if err != nil {
			return nil, err
		}
		params["teacher_hash"] = h
		var over map[string]any
		if system == SystemMSE {
			over = map[string]any{distill.ParamStudentLoss: distill.LossMSE}
		}
		st, sh, n, err := l.Student(foreign, over)
		if err != nil {
			return nil, err
		}
		params["student_hash"] = sh
		params["bitext_pairs"] = fmt.Sprint(n)
		params["bitext_budget"] = fmt.Sprint(l.Cfg.BitextBudget)
		for k, v := range stringParams(map[string]map[string]any{"student": l.Cfg.Student}) {
			params[k] = v
		}
		if over != nil {
			params["student."+distill.ParamStudentLoss] = distill.LossMSE
		}
		qm, dm := st, t
		if qLang == "eng" {
			qm, dm = t, st
		}
		rank = l.neuralRanker(system, qm, dm)
	default:
		return nil, fmt.Errorf("optical: unknown system %q (want one of %s)", system, strings.Join(Systems, ", "))
	}
	name := system + " " + pair
	if collection != CollectionUDHR {
		name += " " + collection
	}
	if trainedSystems[system] {
		name += fmt.Sprintf(" seed %d", studentSeed(l.Cfg))
	}
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
	res, err := l.evaluateRun(run, system, coll, rank)
	if err = finish(run, err); err != nil {
		return nil, err
	}
	res.System, res.Pair, res.RunID = system, pair, run.ID()
	return res, nil
}

// studentSeed is the seed of trained systems: the students' data order and
// the random reference.
func studentSeed(cfg *Config) int64 {
	switch v := cfg.Student[distill.ParamDataSeed].(type) {
	case int:
		return int64(v)
	case int64:
		return v
	}
	return cfg.Seed
}

func split(qs []data.Query) (ids, texts []string) {
	for _, q := range qs {
		ids, texts = append(ids, q.ID), append(texts, q.Text)
	}
	return
}

func splitDocs(ds []data.Doc) (ids, texts []string) {
	for _, d := range ds {
		ids, texts = append(ids, d.ID), append(texts, d.Text)
	}
	return
}

// neuralRanker ranks by exhaustive MaxSim with qModel encoding queries and
// dModel encoding documents.
func (l *Lab) neuralRanker(system string, qModel, dModel *encoder.Model) ranker {
	return func(coll data.Collection) (eval.Run, error) {
		qids, qtexts := split(coll.Queries)
		docIDs, dtexts := splitDocs(coll.Docs)
		fmt.Fprintf(l.Cfg.Out, "%s %s: encoding %d documents, %d queries\n", system, coll.Name, len(docIDs), len(qids))
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
		return ix.Search(qids, qvecs, l.Cfg.Depth)
	}
}

// TranslationTable returns the IBM Model 1 table of lang trained on the same
// (budgeted) bitext as the students, cached on disk: p(English|foreign), or
// p(foreign|English) when reverse (English queries, foreign documents).
func (l *Lab) TranslationTable(lang string, reverse bool) (*ibm1.Table, int, error) {
	bitext, err := l.trainingBitext(lang)
	if err != nil {
		return nil, 0, err
	}
	if reverse {
		sw := make([]data.Pair, len(bitext))
		for i, p := range bitext {
			sw[i] = data.Pair{Src: p.Tgt, Tgt: p.Src, Origin: p.Origin}
		}
		bitext = sw
	}
	hash := hashOf(append([]any{"ibm1-v1", l.Corpus.Provenance(), lang, reverse, len(bitext), l.Cfg.BitextBudget, l.Cfg.SplitSeed, l.Cfg.IBM1Iters},
		l.userHashFor(lang)...)...)
	path := filepath.Join(l.Cfg.ArtifactDir, "ibm1", lang+"-"+hash+".json")
	if t, err := ibm1.Load(path); err == nil && !l.Cfg.Force {
		return t, len(bitext), nil
	}
	t, err := ibm1.Train(bitext, l.Cfg.IBM1Iters, ibm1.DefaultOptions())
	if err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, 0, err
	}
	return t, len(bitext), t.Save(path)
}

func copyParams(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (l *Lab) evaluateRun(run *tracker.Run, system string, coll data.Collection, rank ranker) (*Result, error) {
	runRes, err := rank(coll)
	if err != nil {
		return nil, err
	}
	results, err := eval.Evaluate(eval.Qrels(coll.Qrels), runRes, eval.Options{Measures: evalMeasures()})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(l.Cfg.ArtifactDir, "runs", l.Cfg.Experiment)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	runPath := filepath.Join(dir, fmt.Sprintf("%d-%s-%s.trec", run.ID(), system, coll.Name))
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
