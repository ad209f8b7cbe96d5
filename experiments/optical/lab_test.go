package optical

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
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
	lab, err := Open(context.Background(), c)
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("real data unavailable: %v", err)
		}
		t.Fatal(err)
	}
	return lab
}

func TestLabEndToEndAndCache(t *testing.T) {
	c := tinyConfig(t)
	lab := openLab(t, c)
	results, err := lab.FirstLight()
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 5 { // ot, zero-shot, random on swh-eng; teacher, random on eng-eng
		t.Fatalf("%d results, want 5", len(results))
	}
	for _, r := range results {
		if m := r.Metrics["map"]; !(m > 0 && m <= 1) || r.Metrics["num_q"] != 23 || r.Cached {
			t.Fatalf("%s %s: metrics %v cached %v", r.System, r.Pair, r.Metrics, r.Cached)
		}
	}
	// Alignment of a real bitext pair: rows of the plan carry 1/n each.
	a, err := lab.Align("swh", "kila mtu ana haki", "everyone has the right", 0.1, 200)
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
	again, err := lab2.FirstLight()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if !r.Cached || r.RunID != results[i].RunID {
			t.Fatalf("second run of %s %s: cached %v run %d (first %d)", r.System, r.Pair, r.Cached, r.RunID, results[i].RunID)
		}
	}
	runs, err := lab2.DB.SearchRuns(`tags.kind = "train"`, "", 0)
	if err != nil || len(runs) != 2 {
		t.Fatalf("%d training runs recorded (%v), want 2 (teacher, student)", len(runs), err)
	}
	for _, r := range runs {
		if r.Status != tracker.StatusFinished || r.Params["settings"] == "" {
			t.Fatalf("training run %d: status %s settings %q", r.ID, r.Status, r.Params["settings"])
		}
		hist, err := lab2.DB.MetricHistory(r.ID, "loss")
		if err != nil || len(hist) == 0 {
			t.Fatalf("run %d: no per-step losses (%v)", r.ID, err)
		}
	}
	loaded, err := LoadResults(lab2.DB, "test")
	if err != nil || len(loaded) != 5 {
		t.Fatalf("LoadResults: %d results, %v", len(loaded), err)
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
	_, _, _, err = lab.Student("swh", map[string]any{distill.ParamSteps: 1})
	if !errors.Is(err, data.ErrLeak) {
		t.Fatalf("a test query in the bitext: got %v, want a leak error", err)
	}
}
