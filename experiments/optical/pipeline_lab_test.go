package optical

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/tracker"
)

// tinyV2Config is tinyConfig on the v2 pipeline with every stage a few
// steps long.
func tinyV2Config(t *testing.T) *Config {
	c := tinyConfig(t)
	c.Experiment = "test-v2"
	if err := c.Set("pipeline=v2;pretrain.train_steps=4;pretrain.batch_size=8;pretrain.log_every=1;teacher.train_steps=4;teacher_select_every=2;" +
		"dev_queries=20;pretrain_words=20000;gcide_pairs=400;teacher.query_len=32;teacher.doc_len=32"); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPipelineV2Lab runs the v2 pipeline end to end on the real data at
// two pipeline seeds: pretraining, the teacher fine-tuned from it with
// model selection on gcide-dev, students, PSQ, on UDHR (two folds) and the
// word tasks.
func TestPipelineV2Lab(t *testing.T) {
	ctx := context.Background()
	c := tinyV2Config(t)
	lab := openLab(t, c)
	defer lab.Close()
	g := Grid{Collections: []string{CollectionUDHR, CollectionWords, CollectionGCIDEDev}, Languages: []string{"swh"},
		Systems: []string{SystemOT, SystemPSQ}, Seeds: []int64{1, 2}, Budgets: []int{0}, References: true}
	results, err := lab.RunGrid(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	// systems × collections × seeds, and teacher, bm25, random on eng-eng
	// of udhr and gcide-dev for each seed.
	if len(results) != 2*2*2+3*2*2 {
		t.Fatalf("%d results, want 20", len(results))
	}
	devMAP := map[string]int{}
	for _, r := range results {
		if r.Run.Collection == CollectionGCIDEDev {
			devMAP[r.System()]++
		}
	}
	if devMAP[SystemTeacher] != 2 || devMAP[SystemBM25] != 2 {
		t.Errorf("gcide-dev reference runs by system %v, want teacher and bm25 for each seed", devMAP)
	}
	qids := map[int64]map[string]bool{} // UDHR psq queries by seed
	for _, r := range results {
		if m := r.Metrics["map"]; math.IsNaN(m) || m < 0 || m > 1 {
			t.Errorf("%s %s %s: MAP %v", r.System(), r.Run.Collection, r.Run.Provenance.Settings, m)
		}
		if r.Run.Provenance.Pipeline != PipelineV2 {
			t.Errorf("run %d records pipeline %q", r.RunID, r.Run.Provenance.Pipeline)
		}
		if want := strconv.Itoa(foldFor(r.Run.Provenance.Seed)); r.Run.Provenance.UDHRFold != want {
			t.Errorf("run %d of seed %d: fold %s, want %s", r.RunID, r.Run.Provenance.Seed, r.Run.Provenance.UDHRFold, want)
		}
		if r.System() == SystemPSQ && r.Run.Collection == CollectionUDHR {
			pq, err := lab.DB.PerQuery(r.RunID, "map")
			if err != nil {
				t.Fatal(err)
			}
			qids[r.Run.Provenance.Seed] = map[string]bool{}
			for q := range pq {
				qids[r.Run.Provenance.Seed][q] = true
			}
		}
	}
	// 2-fold cross-validation: the seeds' UDHR test articles are disjoint
	// and together every article.
	articles := map[string]int{}
	for seed, qs := range qids {
		for q := range qs {
			a, _, _ := strings.Cut(strings.TrimPrefix(q, "udhr-"), "-")
			articles[a]++
			if qids[3-seed][q] {
				t.Errorf("query %s is a test query of both folds", q)
			}
		}
	}
	if len(articles) != data.UDHRArticles {
		t.Errorf("the two folds test %d articles, want all %d", len(articles), data.UDHRArticles)
	}

	// Each seed trained its own pretraining, teacher (selected on
	// gcide-dev) and student.
	roles := map[string]int{}
	for _, rr := range trainingRuns(t, lab.DB) {
		tr, err := record.ParseTrainRun(rr)
		if err != nil {
			t.Fatal(err)
		}
		roles[tr.Role]++
		if tr.Role == record.RoleTeacher {
			dev, err := lab.DB.MetricHistory(rr.ID, "dev_map")
			if err != nil {
				t.Fatal(err)
			}
			if len(dev) < 2 { // steps 2 and 4
				t.Errorf("teacher run %d logged %d dev_map points, want 2", rr.ID, len(dev))
			}
			if s, ok := rr.Final["selected_step"]; !ok || s < 1 || s > 4 {
				t.Errorf("teacher run %d: selected_step %v", rr.ID, rr.Final)
			}
		}
		if rr.Status != tracker.StatusFinished {
			t.Errorf("training run %d is %s", rr.ID, rr.Status)
		}
	}
	if roles[record.RolePretrain] != 2 || roles[record.RoleTeacher] != 2 || roles[record.RoleStudent] != 2 {
		t.Errorf("training runs by role %v, want 2 pretrainings, 2 teachers, 2 students", roles)
	}

	// The grid resumes: every cell is cached the second time.
	again, err := lab.RunGrid(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if !r.Cached {
			t.Errorf("%s %s seed %d evaluated again", r.System(), r.Run.Collection, r.Run.Provenance.Seed)
		}
	}
	// The keys of the two seeds' teachers differ (their whole pipelines do).
	keys := map[string]bool{}
	for _, r := range results {
		if r.Run.TeacherKey != "" {
			keys[r.Run.TeacherKey] = true
		}
	}
	got := make([]string, 0, len(keys))
	for k := range keys {
		got = append(got, k)
	}
	sort.Strings(got)
	if len(got) != 2 {
		t.Errorf("teacher keys %v, want one per seed", got)
	}
}

// TestPipelineV2NoPretraining: pretrain.train_steps=0 is the ablation
// without multilingual pretraining. The teacher starts from a fresh
// encoder; no pretraining run is recorded, and the teacher's key names the
// absence, so it is never confused with a pretrained teacher.
func TestPipelineV2NoPretraining(t *testing.T) {
	ctx := context.Background()
	c := tinyV2Config(t)
	if err := c.Set("pretrain.train_steps=0"); err != nil {
		t.Fatal(err)
	}
	lab := openLab(t, c)
	defer lab.Close()
	pretrained := tinyV2Config(t)
	other := openLab(t, pretrained)
	defer other.Close()
	spec := lab.TeacherSpec()
	if spec.Pretrained != noPretraining || spec.Key() == other.TeacherSpec().Key() {
		t.Fatalf("teacher spec without pretraining: Pretrained %q, key %s (pretrained: %s)", spec.Pretrained, spec.Key(), other.TeacherSpec().Key())
	}
	if _, _, err := lab.Pretrained(ctx); err == nil || !strings.Contains(err.Error(), "pretrain.train_steps=0") {
		t.Errorf("Pretrained with 0 steps: %v", err)
	}
	if _, _, err := lab.Teacher(ctx); err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	for _, r := range trainingRuns(t, lab.DB) {
		roles[r.Params[record.ParamRole]]++
		if r.Status != "FINISHED" {
			t.Errorf("run %d %s: %s %q", r.ID, r.Name, r.Status, r.Error)
		}
	}
	if roles[record.RoleTeacher] != 1 || roles[record.RolePretrain] != 0 {
		t.Errorf("training runs by role %v, want one teacher and no pretraining", roles)
	}
	if !strings.Contains(lab.cfg.Settings(), "pretrain.train_steps=0") {
		t.Errorf("settings %s do not record pretrain.train_steps=0", lab.cfg.Settings())
	}
}

// TestPipelineV2ReverseWords runs the English → Finnish words task end to
// end: the grid makes it for fin (wordsReverse), the teacher encodes the
// English queries and the fin student the Finnish definitions, and the run
// records the direction, so that it is never read as fin → eng.
func TestPipelineV2ReverseWords(t *testing.T) {
	ctx := context.Background()
	c := tinyV2Config(t)
	if err := c.Set("languages=fin"); err != nil {
		t.Fatal(err)
	}
	lab := openLab(t, c)
	defer lab.Close()
	g := Grid{Collections: []string{CollectionWords}, Languages: []string{"fin"}, Reverse: true,
		Systems: []string{SystemOT, SystemZeroShot}, Seeds: []int64{1}, Budgets: []int{0}}
	results, err := lab.RunGrid(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	want, err := lab.Corpus.Collection(CollectionWords, "eng", "fin")
	if err != nil {
		t.Fatal(err)
	}
	byPair := map[string]int{}
	for _, r := range results {
		byPair[r.Run.Pair()]++
		m := r.Metrics["map"]
		if math.IsNaN(m) || m < 0 || m > 1 {
			t.Errorf("%s %s: MAP %v", r.System(), r.Run.Pair(), m)
		}
		if r.Run.Pair() != "eng-fin" {
			continue
		}
		if r.Run.Collection != CollectionWords || r.Run.Resource != "high" {
			t.Errorf("eng-fin run %d: collection %s, resource %q", r.RunID, r.Run.Collection, r.Run.Resource)
		}
		if n := int(r.Metrics["num_q"]); n != len(want.Queries) {
			t.Errorf("eng-fin %s evaluated %d queries, want the %d of %s", r.System(), n, len(want.Queries), want.Name)
		}
		if r.System() == SystemOT && r.Run.StudentKey == "" {
			t.Errorf("eng-fin ot run %d records no student", r.RunID)
		}
	}
	if byPair["fin-eng"] != 2 || byPair["eng-fin"] != 2 {
		t.Errorf("results by pair %v, want ot and zero-shot in both directions", byPair)
	}
}
