package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/tracker"
	"github.com/otclir/otclir/tracker/pgtest"
)

func TestGridSlurmScript(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	args := []string{"grid", "-slurm", "3", "-db", "postgres://lab@db.example.org/otclir", "-artifacts", filepath.Join(dir, "a"),
		"-languages", "swh,som", "-systems", "ot,zero-shot", "-seeds", "1", "-set", "teacher.train_steps=300;vocab_size=1000",
		"-sbatch", "--time=2:00:00 --cpus-per-task=4"}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	script := out.String()
	exe, _ := os.Executable()
	for _, want := range []string{
		"#!/bin/bash\n",
		"#SBATCH --array=0-2\n",
		"#SBATCH --time=2:00:00\n#SBATCH --cpus-per-task=4\n",
		"export OTCLIR_DB=postgres://lab@db.example.org/otclir\n",
		"exec " + exe + " grid -worker -artifacts=" + filepath.Join(dir, "a") + " -cache=",
		" -languages=swh,som ", " -seeds=1 ", " -systems=ot,zero-shot\n",
		" '-set=teacher.train_steps=300;vocab_size=1000'",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	for _, bad := range []string{"-slurm", "-sbatch", "-db="} {
		if strings.Contains(script[strings.Index(script, "exec "):], bad) {
			t.Errorf("the worker command passes %s on:\n%s", bad, script)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("writing the script created the artifacts folder (%v)", err)
	}
}

func TestGridWorkerFlagErrors(t *testing.T) {
	sqlite := filepath.Join(t.TempDir(), "results.db")
	pg := "postgres://lab@db.example.org/otclir"
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-slurm", "2", "-db", sqlite}, "is an SQLite file"},
		{[]string{"-slurm", "2", "-db", pg, "-worker"}, "give one of them"},
		{[]string{"-slurm", "-1", "-db", pg}, "want a number of workers"},
		{[]string{"-worker", "-force", "-db", sqlite}, "-force with workers"},
		{[]string{"-slurm", "2", "-force", "-db", pg}, "-force with workers"},
		{[]string{"-sbatch", "--time=1:00", "-db", pg}, "-sbatch goes with -slurm"},
		{[]string{"-slurm", "2", "-db", pg, "-sbatch", "time=1:00"}, "is not an sbatch option"},
		{[]string{"-worker", "-lease", "1ns", "-db", sqlite}, "-lease 1ns is too short"},
	} {
		err := run(context.Background(), append([]string{"grid"}, tc.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("grid %v = %v, want an error containing %q", tc.args, err, tc.msg)
		}
	}
	if _, err := os.Stat(sqlite); !os.IsNotExist(err) {
		t.Errorf("a refused grid touched the database (%v)", err)
	}
}

// runs export -to and runs import -from copy runs between an SQLite file
// and PostgreSQL (or a second SQLite file without a server), idempotently.
func TestRunsExportImport(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	db, err := tracker.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a", "b", "c"} {
		r, err := db.StartRun(tracker.RunSpec{Experiment: "e", Name: name, Params: map[string]string{"i": name}})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.SetFinalMetrics(map[string]float64{"map": float64(i) / 10}); err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(nil); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	mid := filepath.Join(dir, "mid.db")
	if pgtest.Available() {
		mid = pgtest.URL(t)
	}
	home := filepath.Join(dir, "home.db")
	runs := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"runs"}, args...), &out, io.Discard); err != nil {
			t.Fatalf("runs %v: %v", args, err)
		}
		return out.String()
	}
	if out := runs("-db", src, "export", "-to", mid, "-filter", `params.i != "c"`); !strings.Contains(out, ": 2 run(s) copied") {
		t.Errorf("export: %q", out)
	}
	if out := runs("-db", src, "export", "-to", mid); !strings.Contains(out, ": 1 run(s) copied") || !strings.Contains(out, "2 already there") {
		t.Errorf("second export: %q", out)
	}
	if out := runs("-db", home, "import", "-from", mid); !strings.Contains(out, ": 3 run(s) copied") {
		t.Errorf("import: %q", out)
	}
	if out := runs("-db", home, "import", "-from", mid); !strings.Contains(out, ": 0 run(s) copied") {
		t.Errorf("second import: %q", out)
	}
	ls := runs("-db", home, "ls", "-order", "metrics.map", "-columns", "params.i,metrics.map")
	if lines := strings.Split(strings.TrimSpace(ls), "\n"); len(lines) != 4 || !strings.Contains(lines[3], " c ") || !strings.Contains(lines[3], "0.2") {
		t.Errorf("ls of the imported runs:\n%s", ls)
	}
	for _, bad := range [][]string{{"-db", home, "import"}, {"-db", home, "export", "-to", home},
		{"-db", home, "export", "-to", mid, "-format", "json"}, {"-db", home, "ls", "-to", mid}} {
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"runs"}, bad...), &out, io.Discard); err == nil {
			t.Errorf("runs %v succeeded", bad)
		}
	}
}
