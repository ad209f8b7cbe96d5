package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

// fixtureDB writes a results database of synthetic runs (numbers mean
// nothing: the readers' plumbing is tested) through experiments/record, as
// the lab writes them: evaluations of ot and psq on swh-eng and deu-eng,
// UDHR and CLDR, and one training run with a loss curve.
func fixtureDB(t *testing.T, path, experiment string) {
	t.Helper()
	db, err := tracker.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prov := record.Provenance{Data: "fixture", SplitSeed: 2023, TestFraction: 0.5, Seed: 1, Settings: "fixture"}
	i := 0
	for _, coll := range []string{record.CollectionUDHR, record.CollectionCLDR} {
		for _, lang := range []string{"swh", "deu"} {
			for _, sys := range []string{record.SystemOT, record.SystemPSQ} {
				i++
				e := record.EvalRun{System: sys, Collection: coll, QueryLang: lang, DocLang: "eng", Resource: "low",
					QueryLen: 64, DocLen: 96, Depth: 1000, BitextPairs: 3000, Seed: 1, IBM1Iterations: 10,
					TeacherKey: "t", StudentKey: "s", Student: map[string]string{"train_steps": "400"}, Provenance: prov}
				r, err := db.StartRun(tracker.RunSpec{Experiment: experiment, Name: e.Name(), Params: e.Params(), Tags: e.Tags()})
				if err != nil {
					t.Fatal(err)
				}
				pq := map[string]float64{}
				for q := 0; q < 10; q++ {
					pq[fmt.Sprint("q", q)] = float64((q+i)%5) / 5
				}
				must(t, r.LogPerQuery("map", pq))
				must(t, r.SetFinalMetrics(map[string]float64{"map": 0.1 * float64(i%7+1), "num_q": 10}))
				must(t, r.Finish(nil))
			}
		}
	}
	tr := record.TrainRun{Role: record.RoleTeacher, ModelKey: "t", TokenizerKey: "k", VocabSize: 100, TeacherPairs: 50, Provenance: prov}
	r, err := db.StartRun(tracker.RunSpec{Experiment: experiment, Name: tr.Name(), Params: tr.Params(), Tags: tr.Tags()})
	if err != nil {
		t.Fatal(err)
	}
	for step := int64(1); step <= 3; step++ {
		must(t, r.LogMetric("loss", step, 1/float64(step)))
	}
	must(t, r.Finish(nil))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// folder is the names and content hashes of the files in dir. SQLite's
// WAL index (-shm) and an empty -wal, which a read-only connection creates
// beside a WAL database in a folder it can write (as root can) and cannot
// remove, are left out: they hold no data.
func folder(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), "-shm") || (strings.HasSuffix(e.Name(), "-wal") && len(b) == 0) {
			continue
		}
		out = append(out, fmt.Sprintf("%s %x", e.Name(), sha256.Sum256(b)))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestReadersNeverWrite: table, plot and runs ls/show/compare/diff/export
// work on a database in a read-only folder and leave it byte-identical,
// with no file added (they used to open it for writing, failing on a
// read-only file or folder). Tests run as root, where permissions do not
// stop writes, so the check is on the bytes.
func TestReadersNeverWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	must(t, os.Mkdir(dir, 0o755))
	db := filepath.Join(dir, "results.db")
	fixtureDB(t, db, "paper")
	must(t, os.Chmod(db, 0o444))
	must(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	before := folder(t, dir)
	charts := t.TempDir()
	for _, args := range [][]string{
		{"table", "-db", db, "-experiment", "paper"},
		{"table", "-db", db, "-experiment", "paper", "-collection", "cldr", "-format", "latex"},
		{"table", "-db", db, "-experiment", "paper", "-format", "list"},
		{"plot", "-db", db, "-experiment", "paper", "-out", charts},
		{"runs", "-db", db, "ls", "-columns", "params.system,metrics.map"},
		{"runs", "-db", db, "show", "1"},
		{"runs", "-db", db, "compare", "1", "2"},
		{"runs", "-db", db, "diff", "1", "2"},
		{"runs", "-db", db, "export", "-format", "json"},
		{"runs", "-db", db, "export", "-format", "csv"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if out.Len() == 0 {
			t.Fatalf("%v printed nothing", args)
		}
		if after := folder(t, dir); after != before {
			t.Fatalf("%v changed the database folder:\nbefore\n%s\nafter\n%s", args, before, after)
		}
	}
	// plot wrote the standard charts (atomically: no temporary file left).
	got := folder(t, charts)
	for _, want := range []string{"map.html", "map-cldr.html", "table-udhr.html", "table-cldr.html", "training-curves.html"} {
		if !strings.Contains(got, want+" ") {
			t.Errorf("plot did not write %s:\n%s", want, got)
		}
	}
	if strings.Count(got, "\n")+1 != 5 {
		t.Errorf("plot wrote unexpected files:\n%s", got)
	}
}

// TestExperimentNamesStayInside: a name that would escape the artifacts
// folder or cannot be found again (control characters) is refused by every
// command before anything is opened or written.
func TestExperimentNamesStayInside(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	artifacts := filepath.Join(dir, "artifacts")
	for _, name := range []string{"../../../x", "a/b", "bell\a", ".hidden", ""} {
		for _, args := range [][]string{
			{"demo", "-db", db, "-artifacts", artifacts, "-set", "experiment=" + name},
			{"grid", "-db", db, "-artifacts", artifacts, "-experiment", name},
			{"grid", "-db", db, "-artifacts", artifacts, "-set", "experiment=" + name},
			{"train", "-db", db, "-artifacts", artifacts, "-set", "experiment=" + name},
			{"table", "-db", db, "-experiment", name},
			{"plot", "-db", db, "-experiment", name},
		} {
			err := run(context.Background(), args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "experiment") || !strings.Contains(err.Error(), "name") {
				t.Errorf("%q: %v, want an error about the experiment name", args, err)
			}
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("a refused name created the database (%v)", err)
	}
	if _, err := os.Stat(artifacts); !os.IsNotExist(err) {
		t.Fatalf("a refused name created %s (%v)", artifacts, err)
	}
}

// TestOneRoutePerSetting: a setting given by a command flag and in -set is
// an error, not a silent winner.
func TestOneRoutePerSetting(t *testing.T) {
	db := filepath.Join(t.TempDir(), "results.db")
	for _, args := range [][]string{
		{"grid", "-db", db, "-languages", "swh", "-set", "languages=som"},
		{"grid", "-db", db, "-experiment", "a", "-set", "experiment=b"},
		{"user", "-db", db, "-docs", "d.tsv", "-set", "user.docs=e.tsv"},
		{"user", "-db", db, "-doc-lang", "zul", "-set", "user.doc_lang=eng"},
		{"user", "-db", db, "-mt", "mt.tsv", "-set", "mt_queries=zul:x.tsv"},
		{"user", "-db", db, "-experiment", "a", "-set", "experiment=b"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "given twice") {
			t.Errorf("%q: %v, want a \"given twice\" error", args, err)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("a refused command line created the database (%v)", err)
	}
}

func TestRunsUsageErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	fixtureDB(t, db, "paper")
	for _, tc := range []struct {
		args  []string
		usage bool
		msg   string
	}{
		{nil, true, "missing command"},
		{[]string{"frobnicate"}, true, `unknown command "frobnicate"`},
		{[]string{"show"}, true, "wrong number of run ids (0)"},
		{[]string{"show", "x1"}, true, `run id "x1" is not an integer`},
		{[]string{"show", "99"}, false, "id 99"},
		{[]string{"compare", "1"}, true, "wrong number of run ids (1)"},
		{[]string{"diff", "1", "2", "3"}, true, "wrong number of run ids (3)"},
		{[]string{"rm", "99"}, false, "id 99"},
		{[]string{"ls", "-bogus"}, true, "flag provided but not defined: -bogus"},
		{[]string{"ls", "-format", "csv"}, true, "runs ls does not take -format"},
		{[]string{"ls", "-filter", "bogus = 1"}, false, `unknown field "bogus"`},
		{[]string{"ls", "-columns", "nope"}, false, `unknown column "nope"`},
		{[]string{"export", "-format", "xml"}, true, `-format "xml"`},
		{[]string{"ls", "extra"}, true, `run id "extra" is not an integer`},
	} {
		args := append([]string{"runs", "-db", db}, tc.args...)
		err := run(context.Background(), args, io.Discard, io.Discard)
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), tc.msg) || (tc.usage != asUsage(err, &ue)) {
			t.Errorf("%q = %v, want a usage error %v containing %q", args, err, tc.usage, tc.msg)
		}
		if tc.usage {
			var stderr bytes.Buffer
			if code := exitStatus(context.Background(), err, &stderr); code != 2 || !strings.Contains(stderr.String(), "otclir runs") {
				t.Errorf("%q: exit %d, stderr %q: want 2 and the runs usage", args, code, stderr.String())
			}
		}
	}
	var out bytes.Buffer
	must(t, run(context.Background(), []string{"runs", "-db", db, "gc"}, &out, io.Discard))
	if out.String() != "marked 0 stale run(s) KILLED\n" {
		t.Errorf("gc: %q", out.String())
	}
	out.Reset()
	must(t, run(context.Background(), []string{"runs", "-db", db, "rm", "3"}, &out, io.Discard))
	if out.String() != "deleted run 3\n" {
		t.Errorf("rm: %q", out.String())
	}
}

func asUsage(err error, ue *usageError) bool {
	u, ok := err.(usageError)
	if ok {
		*ue = u
	}
	return ok
}
