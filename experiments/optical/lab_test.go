package optical

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/experiments/report"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/tracker"
)

// tinyConfig runs the whole lab path on the real data in seconds: few steps,
// small vocabulary and model (numbers are not meaningful, the path is).
func tinyConfig(t *testing.T) *Config {
	c := SmallConfig()
	dir := t.TempDir()
	c.ArtifactDir = filepath.Join(dir, "artifacts")
	c.DBPath = filepath.Join(dir, "results.db")
	c.Experiment = "test"
	c.Out = io.Discard
	if testing.Verbose() {
		c.Out = os.Stderr
	}
	if err := c.Set("vocab_size=1000;teacher_pairs=400;teacher.train_steps=4;student.train_steps=4;encoder.encoder_dim=32;encoder.encoder_ffn_dim=64;encoder.encoder_output_dim=16"); err != nil {
		t.Fatal(err)
	}
	return c
}

func openLab(t *testing.T, c *Config) *Lab {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	lab, err := Open(context.Background(), c)
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("real data unavailable: %v", err) // the configuration is valid: Open failed on the data
		}
		t.Fatal(err)
	}
	return lab
}

func trainingRuns(t *testing.T, db *tracker.DB) []*tracker.RunRecord {
	t.Helper()
	runs, err := db.SearchRuns(`tags.kind = "train"`, "id", 0)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestLabEndToEndAndCache(t *testing.T) {
	ctx := context.Background()
	c := tinyConfig(t)
	lab := openLab(t, c)
	results, err := lab.FirstLight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 5 { // ot, zero-shot, random on swh-eng; teacher, random on eng-eng
		t.Fatalf("%d results, want 5", len(results))
	}
	for _, r := range results {
		if m := r.Metrics["map"]; !(m > 0 && m <= 1) || r.Metrics["num_q"] != 23 || r.Cached {
			t.Fatalf("%s %s: metrics %v cached %v", r.System(), r.Pair(), r.Metrics, r.Cached)
		}
	}
	// The teacher encoded UDHR's English documents once, for ot, zero-shot
	// and teacher.
	if hits, misses := lab.shared.docs.stats(); misses != 1 || hits != 2 {
		t.Fatalf("document cache: %d hits, %d misses; want 2, 1", hits, misses)
	}
	// Alignment of a real bitext pair: rows of the plan carry 1/n each.
	a, err := lab.Align(ctx, "swh", "kila mtu ana haki", "everyone has the right", 0.1, 200)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(len(a.ForeignTokens))
	for i, row := range a.Plan {
		s := 0.0
		for _, v := range row {
			s += v
		}
		if math.Abs(s-1/n) > 1e-3 {
			t.Fatalf("plan row %d sums to %v, want %v", i, s, 1/n)
		}
	}
	lab.Close()

	// A second lab over the same artifacts and database trains nothing and
	// reuses every evaluation.
	lab2 := openLab(t, c)
	defer lab2.Close()
	again, err := lab2.FirstLight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if !r.Cached || r.RunID != results[i].RunID {
			t.Fatalf("second run of %s %s: cached %v run %d (first %d)", r.System(), r.Pair(), r.Cached, r.RunID, results[i].RunID)
		}
	}
	runs := trainingRuns(t, lab2.DB)
	if len(runs) != 2 {
		t.Fatalf("%d training runs recorded, want 2 (teacher, student)", len(runs))
	}
	for _, r := range runs {
		if r.Status != tracker.StatusFinished || r.Params["settings"] == "" || r.Final["steps_trained"] != 4 {
			t.Fatalf("training run %d: status %s settings %q final %v", r.ID, r.Status, r.Params["settings"], r.Final)
		}
		if _, err := record.ParseTrainRun(r); err != nil {
			t.Fatal(err)
		}
		hist, err := lab2.DB.MetricHistory(r.ID, "loss")
		if err != nil || len(hist) == 0 {
			t.Fatalf("run %d: no per-step losses (%v)", r.ID, err)
		}
	}
	loaded, err := report.LoadResults(lab2.DB, "test", "")
	if err != nil || len(loaded) != 5 {
		t.Fatalf("LoadResults: %d results, %v", len(loaded), err)
	}
}

// TestLookupNeedsNoModel: with the models deleted (make clean), a lab over
// the same database finds every evaluation without training or loading
// anything: the records are computed from the configuration and the data.
func TestLookupNeedsNoModel(t *testing.T) {
	ctx := context.Background()
	c := tinyConfig(t)
	lab := openLab(t, c)
	first, err := lab.FirstLight(ctx)
	lab.Close()
	if err != nil {
		t.Fatal(err)
	}
	c.ArtifactDir = filepath.Join(t.TempDir(), "clean-artifacts")
	lab2 := openLab(t, c)
	defer lab2.Close()
	again, err := lab2.FirstLight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if !r.Cached || r.RunID != first[i].RunID {
			t.Fatalf("%s %s: cached %v run %d, want the recorded run %d", r.System(), r.Pair(), r.Cached, r.RunID, first[i].RunID)
		}
	}
	if _, err := os.Stat(c.ArtifactDir); !os.IsNotExist(err) {
		t.Fatalf("looking results up wrote %s (%v): something was trained", c.ArtifactDir, err)
	}
	if n := len(lab2.shared.models) + len(lab2.shared.toks); n != 0 {
		t.Fatalf("looking results up built %d models/tokenizers", n)
	}
	if runs := trainingRuns(t, lab2.DB); len(runs) != 2 {
		t.Fatalf("%d training runs, want the 2 of the first lab", len(runs))
	}
}

// TestForceRetrains: -force trains every step again (it used to resume from
// the final checkpoint, train 0 steps and record a FINISHED run), and
// re-evaluates.
func TestForceRetrains(t *testing.T) {
	ctx := context.Background()
	c := tinyConfig(t)
	lab := openLab(t, c)
	first, err := lab.Evaluate(ctx, lab.Cell(SystemOT, CollectionUDHR, "swh", "eng"))
	lab.Close()
	if err != nil {
		t.Fatal(err)
	}
	c.Force = true
	lab2 := openLab(t, c)
	defer lab2.Close()
	again, err := lab2.Evaluate(ctx, lab2.Cell(SystemOT, CollectionUDHR, "swh", "eng"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Cached || again.RunID == first.RunID {
		t.Fatalf("forced evaluation: cached %v run %d (first %d)", again.Cached, again.RunID, first.RunID)
	}
	runs := trainingRuns(t, lab2.DB)
	if len(runs) != 4 { // teacher and student, twice
		t.Fatalf("%d training runs, want 4", len(runs))
	}
	for _, r := range runs[2:] {
		hist, err := lab2.DB.MetricHistory(r.ID, "loss")
		if err != nil {
			t.Fatal(err)
		}
		if r.Final["steps_trained"] != 4 || len(hist) == 0 || r.Tags[record.TagResumedFrom] != "" {
			t.Fatalf("forced run %d (%s): steps_trained %v, %d losses, resumed from %q: want 4 steps from scratch",
				r.ID, r.Name, r.Final["steps_trained"], len(hist), r.Tags[record.TagResumedFrom])
		}
	}
}

func TestStudentRefusesLeakingBitext(t *testing.T) {
	c := tinyConfig(t)
	lab := openLab(t, c)
	defer lab.Close()
	coll, err := lab.Corpus.UDHRCollection("swh", "eng")
	if err != nil {
		t.Fatal(err)
	}
	// Plant a test query in the training data: the student must refuse to train.
	art := lab.Corpus.UDHR["swh"].Article(lab.Corpus.Split.Train[0])
	art.Paragraphs[0] = coll.Queries[0].Text + " " + art.Paragraphs[0]
	_, _, err = lab.Student(context.Background(), "swh")
	if !errors.Is(err, data.ErrLeak) {
		t.Fatalf("a test query in the bitext: got %v, want a leak error", err)
	}
	if runs := trainingRuns(t, lab.DB); len(runs) != 0 {
		t.Fatalf("a refused student recorded %d training runs", len(runs))
	}
}

// TestCancelEndsRunKilled: cancelling the context while a model trains
// ends its run KILLED with the cause, and Evaluate returns the cause.
func TestCancelEndsRunKilled(t *testing.T) {
	c := tinyConfig(t)
	if err := c.Set("teacher.train_steps=1000000;teacher.log_every=1"); err != nil {
		t.Fatal(err)
	}
	lab := openLab(t, c)
	defer lab.Close()
	stop := errors.New("signal: interrupt")
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := lab.Evaluate(ctx, lab.Cell(SystemZeroShot, CollectionUDHR, "swh", "eng"))
		done <- err
	}()
	// Wait (on the database, not a clock) until the teacher has logged a loss.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		runs, err := lab.DB.SearchRuns(`tags.kind = "train" and status = "RUNNING"`, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 {
			if h, _ := lab.DB.MetricHistory(runs[0].ID, "loss"); len(h) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the teacher never logged a loss")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel(stop)
	select {
	case err := <-done:
		if !errors.Is(err, stop) {
			t.Fatalf("Evaluate = %v, want the cancellation cause", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("training did not stop after cancellation")
	}
	runs := trainingRuns(t, lab.DB)
	if len(runs) != 1 || runs[0].Status != tracker.StatusKilled || runs[0].Error != "signal: interrupt" {
		t.Fatalf("training run: %+v, want one KILLED run with error %q", runs, "signal: interrupt")
	}
	if evals, _ := lab.DB.SearchRuns(`tags.kind = "eval"`, "", 0); len(evals) != 0 {
		t.Fatalf("a cancelled evaluation left %d evaluation runs", len(evals))
	}
}

// committedGrid is the paper grid the committed results.db was made with:
// before the 1-best and Apertium baselines and before mse was scored by
// pooled cosine (its MSE runs are mse-maxsim's records).
func committedGrid() Grid {
	g := DefaultGrid()
	g.Systems = []string{SystemOT, SystemMSEMaxSim, SystemPSQ, SystemZeroShot, SystemRandom}
	return g
}

// TestCommittedResultsNeedNoTraining is `make clean && make paper` with the
// committed results.db, without the waiting: the default configuration's
// record of every cell of the paper grid, of the budget sweep and of the
// first-light demo is found in the database (same config hash), with no
// model and no artifacts folder.
func TestCommittedResultsNeedNoTraining(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := DefaultConfig()
	c.DBPath = filepath.Join(dir, "results.db")
	c.ArtifactDir = filepath.Join(dir, "artifacts")
	c.Out = io.Discard
	if err := os.WriteFile(c.DBPath, src, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		experiment string
		grid       Grid
		demo       bool
	}{
		{"optical", committedGrid(), false},
		{"optical", Grid{Collections: []string{CollectionUDHR, CollectionCLDR}, Languages: DefaultLanguages(),
			Systems: []string{SystemOT, SystemPSQ}, Seeds: []int64{1}, Budgets: []int{250, 1000, 0}}, false},
		{"first-light", Grid{}, true},
	} {
		c.Experiment = tc.experiment
		lab := openLab(t, c)
		var cells []Cell
		if tc.demo {
			for _, l := range lab.cfg.Languages {
				for _, s := range []string{SystemOT, SystemZeroShot, SystemRandom} {
					cells = append(cells, lab.Cell(s, CollectionUDHR, l, "eng"))
				}
			}
			cells = append(cells, lab.Cell(SystemTeacher, CollectionUDHR, "eng", "eng"), lab.Cell(SystemRandom, CollectionUDHR, "eng", "eng"))
		} else if cells, err = tc.grid.Cells(); err != nil {
			t.Fatal(err)
		}
		for _, cell := range cells {
			res, ok, err := lab.Lookup(cell)
			if err != nil || !ok {
				t.Fatalf("%s: %+v: not in the committed results.db (%v)", tc.experiment, cell, err)
			}
			if res.Metrics["map"] <= 0 {
				t.Fatalf("%+v: run %d has MAP %v", cell, res.RunID, res.Metrics["map"])
			}
		}
		if len(lab.shared.models) != 0 || len(lab.shared.toks) != 0 {
			t.Fatal("a lookup built a model")
		}
		lab.Close()
		t.Logf("%s: %d cells found", tc.experiment, len(cells))
	}
	if _, err := os.Stat(c.ArtifactDir); !os.IsNotExist(err) {
		t.Fatalf("lookups wrote %s", c.ArtifactDir)
	}
}

// TestEvaluateRejectsBadCells: errors name the problem and record nothing.
func TestEvaluateRejectsBadCells(t *testing.T) {
	c := tinyConfig(t)
	lab := openLab(t, c)
	defer lab.Close()
	for _, tc := range []struct {
		cell Cell
		want string
	}{
		{lab.Cell("gpt", CollectionUDHR, "swh", "eng"), `unknown system "gpt"`},
		{lab.Cell(SystemOT, "trec", "swh", "eng"), `unknown collection "trec"`},
		{lab.Cell(SystemOT, CollectionUDHR, "eng", "eng"), "needs a foreign side"},
		{lab.Cell(SystemBM25, CollectionUDHR, "swh", "eng"), "monolingual"},
		{lab.Cell(SystemPSQ, CollectionCLDR, "eng", "eng"), "pairs English with one foreign language"},
		{lab.Cell(SystemMT, CollectionUDHR, "swh", "eng"), "mt_queries=swh:FILE"},
		{Cell{System: SystemPSQ, Collection: CollectionUDHR, QueryLang: "swh", DocLang: "eng", Budget: -1}, "budget -1"},
	} {
		if _, err := lab.Evaluate(context.Background(), tc.cell); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error containing %q", tc.cell, err, tc.want)
		}
	}
	if runs, _ := lab.DB.SearchRuns("", "", 0); len(runs) != 0 {
		t.Fatalf("rejected cells recorded %d runs", len(runs))
	}
}
