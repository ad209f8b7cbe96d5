package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/otclir/otclir/tracker"
	"github.com/otclir/otclir/tracker/pgtest"
)

// slurmGrid is a small real grid: two trained students and a system that
// trains nothing, on one pair (3 cells).
var slurmGrid = []string{"-small", "-set", tinySettings, "-experiment", "slurm", "-languages", "swh",
	"-systems", "ot,mse,zero-shot", "-seeds", "1", "-collections", "udhr", "-no-references"}

// evalFinals maps each FINISHED evaluation run of the "slurm" experiment
// to its final measures, by record (config hash), failing on a record
// FINISHED twice.
func evalFinals(t *testing.T, location string) map[string]map[string]float64 {
	t.Helper()
	db, err := tracker.OpenReadOnly(location)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.SearchRuns(`experiment = "slurm" and tags.kind = "eval" and status = "FINISHED"`, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, r := range runs {
		if _, dup := out[r.ConfigHash]; dup {
			t.Errorf("record %s (%s) FINISHED twice", r.ConfigHash[:12], r.Name)
		}
		out[r.ConfigHash] = r.Final
	}
	return out
}

// TestGridOnSlurm submits the script of `otclir grid -slurm 3` to a real
// Slurm cluster (.ci/with-slurm starts a single-node one) with a
// PostgreSQL tracker, waits for the array, and wants every cell evaluated
// once with the measures of the same grid run in one process.
func TestGridOnSlurm(t *testing.T) {
	if os.Getenv("SLURM_CONF") == "" {
		t.Skip("no Slurm cluster: $SLURM_CONF is not set (run under .ci/with-slurm, which starts one)")
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skipf("no sbatch: %v", err)
	}
	url := pgtest.URL(t)
	needData(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "otclir")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	var script bytes.Buffer
	gen := exec.Command(bin, append([]string{"grid", "-slurm", "3", "-db", url, "-artifacts", filepath.Join(dir, "artifacts")},
		slurmGrid...)...)
	gen.Stdout, gen.Stderr = &script, os.Stderr
	if err := gen.Run(); err != nil {
		t.Fatalf("grid -slurm: %v", err)
	}
	path := filepath.Join(dir, "grid.sbatch")
	if err := os.WriteFile(path, script.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := exec.Command("sbatch", "--wait", path)
	sub.Dir = dir // where the tasks' output files go
	out, err := sub.CombinedOutput()
	logs, _ := filepath.Glob(filepath.Join(dir, "otclir-grid-*.out"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if testing.Verbose() || err != nil {
			t.Logf("--- %s\n%s", filepath.Base(l), b)
		}
	}
	if err != nil {
		t.Fatalf("sbatch --wait: %v\n%s", err, out)
	}
	if len(logs) != 3 {
		t.Errorf("%d task outputs, want 3", len(logs))
	}
	got := evalFinals(t, url)

	ref := filepath.Join(dir, "ref.db")
	if err := run(context.Background(), append([]string{"grid", "-db", ref, "-artifacts", filepath.Join(dir, "ref-artifacts")},
		slurmGrid...), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := evalFinals(t, ref)
	if len(want) != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("the Slurm array's measures differ from one process's:\n got %v\nwant %v", got, want)
	}
}
