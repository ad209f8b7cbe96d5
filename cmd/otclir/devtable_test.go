package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

// TestTableDevFormat: `table -format dev` compares experiments on their
// training runs' dev curves, read-only; bad flags are refused.
func TestTableDevFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.db")
	db, err := tracker.Open(path)
	must(t, err)
	for _, r := range []struct {
		exp, lang string
		curve     map[int64]float64
		selected  int64
	}{
		{"short", "swh", map[int64]float64{100: 0.2, 200: 0.4}, 200},
		{"long", "swh", map[int64]float64{100: 0.2, 200: 0.4, 300: 0.5}, 300},
	} {
		run, err := db.StartRun(tracker.RunSpec{Experiment: r.exp, Name: "train student " + r.lang,
			Params: map[string]string{record.ParamRole: record.RoleStudent, record.ParamLang: r.lang, "seed": "1", "student.student_loss": "ot"},
			Tags:   map[string]string{record.TagKind: record.KindTrain, record.TagRole: record.RoleStudent}})
		must(t, err)
		for s, v := range r.curve {
			must(t, run.LogMetric("dev_map", s, v))
		}
		must(t, run.SetFinalMetrics(map[string]float64{"selected_step": float64(r.selected), "dev_map": r.curve[r.selected]}))
		must(t, run.Finish(nil))
	}
	must(t, db.Close())
	var out bytes.Buffer
	if err := run(context.Background(), []string{"table", "-db", path, "-format", "dev", "-experiment", "short,long", "-seed", "1"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"| step | short | long |", "| 300 | – | 0.5000 |", "| selected | 0.4000 | 0.5000 |", "| swh | 0.4000 (step 200) | 0.5000 (step 300) |"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-experiment", "short,long", "-role", "eval"}, "-role"},
		{[]string{"-experiment", "short,a/b"}, "a/b"},
		{[]string{"-experiment", "short,none"}, `"none"`},
		{[]string{"-experiment", "short", "-seed", "2"}, `seed "2"`},
	} {
		err := run(context.Background(), append([]string{"table", "-db", path, "-format", "dev"}, tc.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error with %s", tc.args, err, tc.want)
		}
	}
}
