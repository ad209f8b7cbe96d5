package record

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otclir/otclir/tracker"
)

// committedDB is the repository's results.db: the reference runs whose
// parameters this schema must read and write back unchanged.
var committedDB = filepath.Join("..", "..", "results.db")

// TestCommittedRunsRoundTrip parses every run of the committed results.db
// and writes it back: the parameters (and so the config hashes the lab looks
// evaluations up by) must come out identical. Renaming a parameter, or
// changing how a value is formatted, fails here.
func TestCommittedRunsRoundTrip(t *testing.T) {
	db, err := tracker.OpenReadOnly(committedDB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.SearchRuns("", "id", 0)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, rr := range runs {
		var got map[string]string
		switch Role(rr) {
		case RoleEval:
			e, err := ParseEvalRun(rr)
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != rr.Name {
				t.Errorf("run %d: Name() = %q, recorded %q", rr.ID, e.Name(), rr.Name)
			}
			got = e.Params()
			counts[e.System]++
		default:
			tr, err := ParseTrainRun(rr)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Name() != rr.Name {
				t.Errorf("run %d: Name() = %q, recorded %q", rr.ID, tr.Name(), rr.Name)
			}
			got = tr.Params()
			counts[tr.Role]++
		}
		if !maps.Equal(got, rr.Params) {
			for k, v := range rr.Params {
				if got[k] != v {
					t.Errorf("run %d: params.%s = %q, recorded %q", rr.ID, k, got[k], v)
				}
			}
			for k := range got {
				if _, ok := rr.Params[k]; !ok {
					t.Errorf("run %d: params.%s written but not recorded", rr.ID, k)
				}
			}
			t.FailNow()
		}
		if h := tracker.ConfigHash(rr.Experiment, got); h != rr.ConfigHash {
			t.Fatalf("run %d: config hash %s, recorded %s", rr.ID, h, rr.ConfigHash)
		}
	}
	// Every system and role of the reference runs was read (576 runs: the
	// paper grid, its budget sweep, the ablations and the first-light demo).
	// Its MSE runs predate pooled scoring: they were scored with token
	// MaxSim and read back as mse-maxsim.
	for _, s := range []string{SystemOT, SystemMSEMaxSim, SystemPSQ, SystemZeroShot, SystemTeacher, SystemBM25, SystemRandom, RoleTeacher, RoleStudent} {
		if counts[s] == 0 {
			t.Errorf("no %s run in %s", s, committedDB)
		}
	}
	t.Logf("%d runs round-tripped: %v", len(runs), counts)
}

func validEval() map[string]string {
	return EvalRun{System: SystemPSQ, Collection: CollectionCLDR, QueryLang: "swh", DocLang: "eng", Resource: "low",
		QueryLen: 64, DocLen: 96, Depth: 1000, Budget: 0, BitextPairs: 3170, IBM1Iterations: 10,
		Provenance: Provenance{Data: "d", SplitSeed: 2023, TestFraction: 0.5, Seed: 1, Settings: "seed=1"}}.Params()
}

// TestPipelineV2ParamsRoundTrip: a v2 run's pipeline and udhr_fold are
// read back and written again unchanged; an older run records neither.
func TestPipelineV2ParamsRoundTrip(t *testing.T) {
	old := validEval()
	if _, ok := old[ParamPipeline]; ok {
		t.Errorf("a run without a pipeline records %s", ParamPipeline)
	}
	if _, ok := old[ParamUDHRFold]; ok {
		t.Errorf("a run without a fold records %s", ParamUDHRFold)
	}
	m := validEval()
	m[ParamPipeline], m[ParamUDHRFold], m[ParamSeed] = PipelineV2, "1", "2"
	e, err := parseEvalParams(7, m)
	if err != nil {
		t.Fatal(err)
	}
	if e.Pipeline != PipelineV2 || e.UDHRFold != "1" || e.Provenance.Seed != 2 {
		t.Errorf("read pipeline %q fold %q seed %d, want v2 1 2", e.Pipeline, e.UDHRFold, e.Provenance.Seed)
	}
	if got := e.Params(); !maps.Equal(got, m) {
		t.Errorf("written back %v, want %v", got, m)
	}
}

func TestParseEvalRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m map[string]string)
		want string
	}{
		{"missing collection", func(m map[string]string) { delete(m, ParamCollection) }, "params.collection is missing"},
		{"renamed collection", func(m map[string]string) { m["coll"] = m[ParamCollection]; delete(m, ParamCollection) }, "params.collection is missing"},
		{"bad depth", func(m map[string]string) { m[ParamDepth] = "lots" }, `params.depth "lots" is not an integer`},
		{"bad test fraction", func(m map[string]string) { m[ParamTestFraction] = "half" }, `params.test_fraction "half" is not a number`},
		{"unknown system", func(m map[string]string) { m[ParamSystem] = "gpt" }, `unknown system "gpt"`},
		{"training run", func(m map[string]string) { m[ParamRole] = RoleTeacher }, `role "teacher", not an evaluation`},
		{"pair disagrees", func(m map[string]string) { m[ParamPair] = "som-eng" }, `params.pair "som-eng" does not match`},
		{"unknown param", func(m map[string]string) { m["extra"] = "1" }, "unknown params extra"},
		{"missing bitext size", func(m map[string]string) { delete(m, ParamBitextPairs) }, "params.bitext_pairs is missing"},
		{"unknown scoring", func(m map[string]string) { m[ParamScoring] = "mean-cosine" }, `unknown system "psq" with scoring "mean-cosine"`},
		{"bad udhr fold", func(m map[string]string) { m[ParamUDHRFold] = "first" }, `params.udhr_fold "first" is not a fold number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := validEval()
			tc.edit(m)
			_, err := ParseEvalRun(&tracker.RunRecord{ID: 7, Params: m})
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), " 7: ") {
				t.Fatalf("got %v, want ErrMalformed for run 7 containing %q", err, tc.want)
			}
		})
	}
	if _, err := ParseEvalRun(&tracker.RunRecord{Params: validEval()}); err != nil {
		t.Fatalf("valid record: %v", err)
	}
}

// TestEvalRunParamsBySystem: which parameters each kind of system records
// (the sets of the committed results.db).
func TestEvalRunParamsBySystem(t *testing.T) {
	common := "collection,data,depth,doc_lang,doc_len,pair,query_lang,query_len,resource,role,seed,settings,split_seed,system,test_fraction"
	student := "bitext_budget,bitext_pairs,student.data_seed,student.train_steps,student_hash,teacher_hash"
	for _, tc := range []struct {
		system string
		extra  string
	}{
		{SystemOT, student}, {SystemMSE, student + ",scoring"}, {SystemMSEMaxSim, student},
		{SystemPSQ, "bitext_budget,bitext_pairs,ibm1_iterations"},
		{SystemOneBestBM25, "bitext_budget,bitext_pairs,ibm1_iterations"},
		{SystemOneBestTeacher, "bitext_budget,bitext_pairs,ibm1_iterations,teacher_hash"},
		{SystemMT, "mt_queries"},
		{SystemMTApertium, "mt_engine,mt_engine_version"},
		{SystemZeroShot, "teacher_hash"}, {SystemTeacher, "teacher_hash"},
		{SystemBM25, ""},
		{SystemRandom, "data_seed"},
	} {
		e := EvalRun{System: tc.system, Collection: "udhr", QueryLang: "swh", DocLang: "eng", Resource: "low",
			Student: map[string]string{"train_steps": "400"}, Seed: 2}
		var keys []string
		for k := range e.Params() {
			keys = append(keys, k)
		}
		want := strings.Split(common, ",")
		if tc.extra != "" {
			want = append(want, strings.Split(tc.extra, ",")...)
		}
		if !sameSet(keys, want) {
			t.Errorf("%s: params %v, want %v", tc.system, sorted(keys), sorted(want))
		}
		back, err := parseEvalParams(0, e.Params())
		if err != nil {
			t.Fatalf("%s: %v", tc.system, err)
		}
		if !maps.Equal(back.Params(), e.Params()) || back.System != tc.system {
			t.Errorf("%s: round trip %v -> %s %v", tc.system, e.Params(), back.System, back.Params())
		}
	}
}

func sameSet(a, b []string) bool {
	return strings.Join(sorted(a), ",") == strings.Join(sorted(b), ",")
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestScoringTellsMSERunsApart: an MSE run recorded before pooled scoring
// (no scoring parameter) is read as mse-maxsim and written back as it was
// recorded, so lookups still find it; a pooled MSE run records its scoring;
// the two never share a system name in a table.
func TestScoringTellsMSERunsApart(t *testing.T) {
	base := EvalRun{System: SystemMSEMaxSim, Collection: "udhr", QueryLang: "swh", DocLang: "eng",
		Student: map[string]string{"student_loss": "mse"}, Seed: 2}
	legacy := base.Params()
	if legacy[ParamSystem] != SystemMSE || legacy[ParamScoring] != "" {
		t.Fatalf("mse-maxsim writes system %q scoring %q, want the old mse record", legacy[ParamSystem], legacy[ParamScoring])
	}
	if base.Name() != "mse swh-eng seed 2" {
		t.Errorf("Name %q", base.Name())
	}
	back, err := parseEvalParams(1, legacy)
	if err != nil || back.System != SystemMSEMaxSim {
		t.Fatalf("old mse run read as %q, %v", back.System, err)
	}
	pooled := base
	pooled.System = SystemMSE
	pm := pooled.Params()
	if pm[ParamSystem] != SystemMSE || pm[ParamScoring] != ScoringMeanCosine {
		t.Fatalf("mse writes system %q scoring %q", pm[ParamSystem], pm[ParamScoring])
	}
	if tracker.ConfigHash("x", pm) == tracker.ConfigHash("x", legacy) {
		t.Fatal("pooled and MaxSim MSE runs share a config hash")
	}
	back, err = parseEvalParams(2, pm)
	if err != nil || back.System != SystemMSE {
		t.Fatalf("pooled mse run read as %q, %v", back.System, err)
	}
}

func TestSystemServes(t *testing.T) {
	ap, _ := LookupSystem(SystemMTApertium)
	psq, _ := LookupSystem(SystemPSQ)
	for _, tc := range []struct {
		s    System
		lang string
		want bool
	}{{ap, "spa", true}, {ap, "swh", false}, {psq, "swh", true}} {
		if got := tc.s.Serves(tc.lang); got != tc.want {
			t.Errorf("%s serves %s: %v, want %v", tc.s.Name, tc.lang, got, tc.want)
		}
	}
}

func TestSystemsTable(t *testing.T) {
	if got := strings.Join(SystemNames(), ","); got != "ot,mse,mse-maxsim,psq,1best-bm25,1best-teacher,mt,mt-apertium,zero-shot,teacher,bm25,random" {
		t.Fatalf("table order %s", got)
	}
	for i, s := range Systems {
		if SystemRank(s.Name) != i {
			t.Errorf("SystemRank(%s) = %d, want %d", s.Name, SystemRank(s.Name), i)
		}
		if s.Student && !(s.Seeded && s.Bitext && s.Teacher) {
			t.Errorf("%s: a student learns from bitext, starts from the teacher and has a data seed", s.Name)
		}
		if s.CrossLingual && s.Monolingual {
			t.Errorf("%s is both cross-lingual and monolingual", s.Name)
		}
	}
	if SystemRank("nope") != len(Systems) {
		t.Error("an unknown system must sort last")
	}
}
