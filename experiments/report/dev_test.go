package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

// writeTrainRun records a FINISHED training run with a dev_map curve
// (synthetic numbers: this tests the bookkeeping and the arithmetic).
func writeTrainRun(t *testing.T, db *tracker.DB, experiment, role, lang, loss, seed string, curve map[int64]float64, selected int64, status error) {
	t.Helper()
	params := map[string]string{record.ParamRole: role, "seed": seed, "student.train_steps": "400"}
	if lang != "" {
		params[record.ParamLang] = lang
	}
	if loss != "" {
		params["student.student_loss"] = loss
	}
	r, err := db.StartRun(tracker.RunSpec{Experiment: experiment, Name: "train " + role + " " + lang, Params: params,
		Tags: map[string]string{record.TagKind: record.KindTrain, record.TagRole: role}})
	if err != nil {
		t.Fatal(err)
	}
	for step, v := range curve {
		if err := r.LogMetric("dev_map", step, v); err != nil {
			t.Fatal(err)
		}
	}
	if curve != nil {
		if err := r.SetFinalMetrics(map[string]float64{"selected_step": float64(selected), "dev_map": curve[selected]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(status); err != nil {
		t.Fatal(err)
	}
}

func TestDevSummary(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Experiment a: swh seeds 1 and 2, som seed 1; an mse student, a failed
	// run and a run without selection that must all be left out.
	writeTrainRun(t, db, "a", record.RoleStudent, "swh", "ot", "1", map[int64]float64{100: 0.1, 200: 0.3}, 200, nil)
	writeTrainRun(t, db, "a", record.RoleStudent, "swh", "ot", "2", map[int64]float64{100: 0.2, 200: 0.1}, 100, nil)
	writeTrainRun(t, db, "a", record.RoleStudent, "som", "ot", "1", map[int64]float64{100: 0.4, 200: 0.5}, 200, nil)
	writeTrainRun(t, db, "a", record.RoleStudent, "som", "mse", "1", map[int64]float64{100: 0.9, 200: 0.9}, 200, nil)
	writeTrainRun(t, db, "a", record.RoleStudent, "som", "ot", "1", map[int64]float64{100: 0.9}, 100, fmt.Errorf("killed"))
	writeTrainRun(t, db, "a", record.RoleStudent, "yor", "ot", "1", nil, 0, nil)
	// Experiment b: longer training, swh and yor (yor is not in a, so the
	// averages are over swh only).
	writeTrainRun(t, db, "b", record.RoleStudent, "swh", "ot", "1", map[int64]float64{100: 0.1, 200: 0.3, 300: 0.6}, 300, nil)
	writeTrainRun(t, db, "b", record.RoleStudent, "yor", "ot", "1", map[int64]float64{100: 0.2, 200: 0.2, 300: 0.2}, 100, nil)

	cs, err := LoadDevCurves(db, "a", DevSpec{Role: record.RoleStudent, Loss: "ot"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 {
		t.Fatalf("experiment a: %d curves, want 3 (ot, finished, with selection): %+v", len(cs), cs)
	}
	if cs, _ := LoadDevCurves(db, "a", DevSpec{Role: record.RoleStudent, Loss: "ot", Seed: "2"}); len(cs) != 1 || cs[0].Score != 0.2 || cs[0].Selected != 100 {
		t.Fatalf("seed 2: %+v", cs)
	}
	s, err := BuildDevSummary(db, []string{"a"}, DevSpec{Role: record.RoleStudent, Loss: "ot"})
	if err != nil {
		t.Fatal(err)
	}
	// Step 200: (0.3 + 0.1 + 0.5)/3; selected: (0.3 + 0.2 + 0.5)/3.
	if v, n := s.mean("a", func(c DevCurve) (float64, bool) { x, ok := c.Points[200]; return x, ok }); !near(v, 0.3) || n != 3 {
		t.Errorf("a at step 200: %v over %d, want 0.3 over 3", v, n)
	}
	if v, _ := s.mean("a", func(c DevCurve) (float64, bool) { return c.Score, true }); !near(v, 1.0/3) {
		t.Errorf("a selected: %v, want 1/3", v)
	}

	s, err = BuildDevSummary(db, []string{"a", "b"}, DevSpec{Role: record.RoleStudent, Loss: "ot"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Langs, ",") != "swh" {
		t.Fatalf("shared languages %v, want [swh]", s.Langs)
	}
	var buf bytes.Buffer
	if err := s.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"| 200 | 0.2000 | 0.3000 |", // a: (0.3+0.1)/2; b: 0.3
		"| 300 | – | 0.6000 |",      // a has no step 300
		"| selected | 0.2500 | 0.6000 |",
		"| mean selected step | 150 | 300 |",
		"| swh | 0.2500 (step 200, 100) | 0.6000 (step 300) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}

	if _, err := BuildDevSummary(db, []string{"a", "missing"}, DevSpec{Role: record.RoleStudent, Loss: "ot"}); err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("an experiment without curves: err %v, want one naming it", err)
	}
	if _, err := LoadDevCurves(db, "a", DevSpec{Role: "eval"}); err == nil {
		t.Error("role eval: no error")
	}
}
