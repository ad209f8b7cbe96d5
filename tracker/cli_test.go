package tracker

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otclir/otclir/tracker/filter"
)

var update = flag.Bool("update", false, "rewrite testdata/cli/*.golden from the current output")

// cliFixture builds the searchFixture runs plus per-query values, a
// metric history and an artifact, then pins every machine- and
// time-dependent column so the CLI output is reproducible.
func cliFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cli.db")
	db, err := Open(path)
	must(t, err)
	defer db.Close()
	runs := searchFixture(t, db)
	// Extra data for run 1, logged through a second handle on the row.
	_, err = db.sql.Exec(`INSERT INTO per_query(run_id, measure, qid, value) VALUES (1, 'ap', 'q1', 0.5), (1, 'ap', 'q2', 0.25)`)
	must(t, err)
	_, err = db.sql.Exec(`INSERT INTO metrics(run_id, key, step, value, wall_time) VALUES (1, 'loss', 0, 2.5, 0), (1, 'loss', 1, 1.25, 1)`)
	must(t, err)
	_, err = db.sql.Exec(`INSERT INTO latest_metrics(run_id, key, step, value) VALUES (1, 'loss', 1, 1.25)`)
	must(t, err)
	_, err = db.sql.Exec(`INSERT INTO artifacts(run_id, path, kind, size, sha256, logged)
		VALUES (1, 'checkpoints/model.bin', 'checkpoint', 7, 'ab12', '2026-11-01T13:00:00.000000000Z')`)
	must(t, err)
	for i, r := range runs {
		start := time.Date(2026, 11, 1+i, 12, 0, 0, 0, time.UTC)
		_, err := db.sql.Exec(`UPDATE runs SET start_time = ?, end_time = ?, heartbeat = ?, host = 'lab1',
			go_version = 'go1.26.8', gomlx_version = 'v0.26.0', backend = 'go', git_commit = ?, git_dirty = ?,
			diff_hash = ? WHERE id = ?`,
			fmtTime(start), fmtTime(start.Add(90*time.Minute)), fmtTime(start.Add(90*time.Minute)),
			"c0ffee"+string(rune('0'+i/2)), i == 1, map[bool]string{true: "d1ff", false: ""}[i == 1], r.ID())
		must(t, err)
	}
	return path
}

func TestRunsCLIGolden(t *testing.T) {
	path := cliFixture(t)
	tests := []struct {
		name string
		args []string
	}{
		{"ls", []string{"ls"}},
		{"ls_filter", []string{"ls", "-filter", `params.pair = "swh-eng" or status = "FAILED"`, "-order", "metrics.map DESC",
			"-columns", "params.pair,metrics.map,tags.x,git_dirty"}},
		{"ls_limit", []string{"ls", "-order", "start", "-limit", "2", "-columns", "metrics.loss"}},
		{"show", []string{"show", "1"}},
		{"show_failed", []string{"show", "3"}},
		{"compare", []string{"compare", "1", "2", "4"}},
		{"diff", []string{"diff", "1", "4"}},
		{"diff_same", []string{"diff", "2", "2"}},
		{"export_csv", []string{"export", "-format", "csv", "-filter", `experiment = "optical"`, "-order", "start"}},
		{"export_json", []string{"export", "-format", "json", "-filter", "id <= 2", "-order", "start"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RunsCLI(tc.args, &out, path); err != nil {
				t.Fatalf("runs %v: %v", tc.args, err)
			}
			golden := filepath.Join("testdata", "cli", tc.name+".golden")
			if *update {
				must(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				must(t, os.WriteFile(golden, out.Bytes(), 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRunsCLIGolden -update to create it)", err)
			}
			if out.String() != string(want) {
				t.Errorf("runs %v output differs from %s:\n--- got\n%s\n--- want\n%s", tc.args, golden, out.String(), want)
			}
		})
	}
}

// The golden files are also checked structurally, so a careless -update
// cannot bless a wrong answer.
func TestRunsCLIContent(t *testing.T) {
	path := cliFixture(t)
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := RunsCLI(args, &out, path); err != nil {
			t.Fatalf("runs %v: %v", args, err)
		}
		return out.String()
	}

	ls := strings.Split(strings.TrimSpace(run("ls", "-filter", `params.pair = "swh-eng"`, "-order", "metrics.map DESC",
		"-columns", "params.pair,metrics.map")), "\n")
	if len(ls) != 3 || !strings.HasPrefix(ls[0], "ID") || !strings.Contains(ls[0], "METRICS.MAP") ||
		!strings.HasPrefix(ls[1], "1 ") || !strings.Contains(ls[1], "0.31") || !strings.HasPrefix(ls[2], "4 ") {
		t.Errorf("ls:\n%s", strings.Join(ls, "\n"))
	}

	cmp := run("compare", "1", "2")
	for field, want := range map[string]bool{"params.pair": true, "metrics.map": true, "tags.x": true,
		"metrics.loss": true, "experiment": false, "status": false, "backend": false} {
		if got, ok := compareMark(cmp, field); !ok || got != want {
			t.Errorf("compare: %s marked %v (found %v), want %v:\n%s", field, got, ok, want, cmp)
		}
	}

	diff := run("diff", "1", "2")
	if !strings.Contains(diff, "params.pair: swh-eng -> som-eng\n") || strings.Contains(diff, "experiment:") {
		t.Errorf("diff:\n%s", diff)
	}

	recs, err := csv.NewReader(strings.NewReader(run("export", "-format", "csv", "-order", "start"))).ReadAll()
	must(t, err)
	if len(recs) != 5 {
		t.Fatalf("csv has %d records, want header + 4", len(recs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if recs[1][col["params.pair"]] != "swh-eng" || recs[1][col["metrics.map"]] != "0.31" ||
		recs[3][col["metrics.map"]] != "0.25" || recs[4][col["params.x"]] != "a' OR 1=1 --" {
		t.Errorf("csv rows: %v", recs)
	}

	var js []map[string]any
	must(t, json.Unmarshal([]byte(run("export", "-format", "json")), &js))
	if len(js) != 4 || js[0]["name"] != "r4" || js[3]["params"].(map[string]any)["pair"] != "swh-eng" {
		t.Errorf("json: %v", js)
	}

	if out := run("gc"); out != "marked 0 stale run(s) KILLED\n" {
		t.Errorf("gc: %q", out)
	}
	if out := run("rm", "3"); out != "deleted run 3\n" {
		t.Errorf("rm: %q", out)
	}
	if strings.Contains(run("ls"), "other3") {
		t.Error("rm did not delete run 3")
	}
}

// compareMark reports whether compare output marks field as differing.
func compareMark(out, field string) (marked, found bool) {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 1 && f[0] == "*" && f[1] == field:
			return true, true
		case len(f) > 0 && f[0] == field:
			return false, true
		}
	}
	return false, false
}

func TestRunsCLIGCMarksStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gc.db")
	db, err := Open(path)
	must(t, err)
	r := startRun(t, db, RunSpec{})
	close(r.stop) // the logger "dies"
	<-r.done
	_, err = db.sql.Exec(`UPDATE runs SET heartbeat = ? WHERE id = ?`, fmtTime(time.Now().Add(-10*time.Second)), r.ID())
	must(t, err)
	must(t, db.Close())
	var out bytes.Buffer
	must(t, RunsCLI([]string{"gc", "-stale", "5s"}, &out, path))
	if out.String() != "marked 1 stale run(s) KILLED\n" {
		t.Errorf("gc -stale 5s: %q", out.String())
	}
}

func TestRunsCLIErrors(t *testing.T) {
	path := cliFixture(t)
	tests := []struct {
		args []string
		is   error
		msg  string
	}{
		{nil, ErrUsage, "missing command"},
		{[]string{"frobnicate"}, ErrUsage, `unknown command "frobnicate"`},
		{[]string{"show"}, ErrUsage, "wrong number of run ids (0)"},
		{[]string{"show", "x1"}, ErrUsage, `run id "x1" is not an integer`},
		{[]string{"show", "99"}, ErrRunNotFound, "id 99"},
		{[]string{"compare", "1"}, ErrUsage, "wrong number of run ids (1)"},
		{[]string{"diff", "1", "2", "3"}, ErrUsage, "wrong number of run ids (3)"},
		{[]string{"rm", "99"}, ErrRunNotFound, "id 99"},
		{[]string{"ls", "-bogus"}, ErrUsage, "flag provided but not defined: -bogus"},
		{[]string{"ls", "-format", "csv"}, ErrUsage, "runs ls does not take -format"},
		{[]string{"ls", "-filter", "bogus = 1"}, filter.ErrSyntax, `unknown field "bogus"`},
		{[]string{"ls", "-columns", "nope"}, ErrUsage, `unknown column "nope"`},
		{[]string{"ls", "-columns", "foo.bar"}, ErrUsage, `unknown prefix "foo"`},
		{[]string{"export", "-format", "xml"}, ErrUsage, `-format "xml"`},
		{[]string{"ls", "extra"}, ErrUsage, `run id "extra" is not an integer`},
	}
	for _, tc := range tests {
		err := RunsCLI(tc.args, &bytes.Buffer{}, path)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("runs %v = %v, want %v containing %q", tc.args, err, tc.is, tc.msg)
		}
	}
}
