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
// Both backends print the same bytes: one set of golden files.
func cliFixture(t *testing.T, b backend) string {
	t.Helper()
	path := b.location(t)
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
			"c0ffee"+string(rune('0'+i/2)), boolInt(i == 1), map[bool]string{true: "d1ff", false: ""}[i == 1], r.ID())
		must(t, err)
	}
	return path
}

// openFixture opens the fixture read-only, as the runs commands do.
func openFixture(t *testing.T, path string) *DB {
	t.Helper()
	db, err := OpenReadOnly(path)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPresentGolden(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		path := cliFixture(t, b)
		db := openFixture(t, path)
		tests := []struct {
			name  string
			print func(w *bytes.Buffer) error
		}{
			{"ls", func(w *bytes.Buffer) error { return WriteRunList(w, db, ListOptions{}) }},
			{"ls_filter", func(w *bytes.Buffer) error {
				return WriteRunList(w, db, ListOptions{Filter: `params.pair = "swh-eng" or status = "FAILED"`, Order: "metrics.map DESC",
					Columns: []string{"params.pair", "metrics.map", "tags.x", "git_dirty"}})
			}},
			{"ls_limit", func(w *bytes.Buffer) error {
				return WriteRunList(w, db, ListOptions{Order: "start", Limit: 2, Columns: []string{"metrics.loss"}})
			}},
			{"show", func(w *bytes.Buffer) error { return WriteRun(w, db, 1) }},
			{"show_failed", func(w *bytes.Buffer) error { return WriteRun(w, db, 3) }},
			{"compare", func(w *bytes.Buffer) error { return WriteComparison(w, db, []int64{1, 2, 4}) }},
			{"diff", func(w *bytes.Buffer) error { return WriteDiff(w, db, 1, 4) }},
			{"diff_same", func(w *bytes.Buffer) error { return WriteDiff(w, db, 2, 2) }},
			{"export_csv", func(w *bytes.Buffer) error { return WriteExport(w, db, "csv", `experiment = "optical"`, "start") }},
			{"export_json", func(w *bytes.Buffer) error { return WriteExport(w, db, "json", "id <= 2", "start") }},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var out bytes.Buffer
				if err := tc.print(&out); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				golden := filepath.Join("testdata", "cli", tc.name+".golden")
				if *update {
					must(t, os.MkdirAll(filepath.Dir(golden), 0o755))
					must(t, os.WriteFile(golden, out.Bytes(), 0o644))
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -run TestPresentGolden -update to create it)", err)
				}
				if out.String() != string(want) {
					t.Errorf("%s output differs from %s:\n--- got\n%s\n--- want\n%s", tc.name, golden, out.String(), want)
				}
			})
		}
	})
}

// The golden files are also checked structurally, so a careless -update
// cannot bless a wrong answer.
func TestPresentContent(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		path := cliFixture(t, b)
		db := openFixture(t, path)
		print := func(fn func(w *bytes.Buffer) error) string {
			t.Helper()
			var out bytes.Buffer
			must(t, fn(&out))
			return out.String()
		}

		ls := strings.Split(strings.TrimSpace(print(func(w *bytes.Buffer) error {
			return WriteRunList(w, db, ListOptions{Filter: `params.pair = "swh-eng"`, Order: "metrics.map DESC", Columns: []string{"params.pair", "metrics.map"}})
		})), "\n")
		if len(ls) != 3 || !strings.HasPrefix(ls[0], "ID") || !strings.Contains(ls[0], "METRICS.MAP") ||
			!strings.HasPrefix(ls[1], "1 ") || !strings.Contains(ls[1], "0.31") || !strings.HasPrefix(ls[2], "4 ") {
			t.Errorf("ls:\n%s", strings.Join(ls, "\n"))
		}

		cmp := print(func(w *bytes.Buffer) error { return WriteComparison(w, db, []int64{1, 2}) })
		for field, want := range map[string]bool{"params.pair": true, "metrics.map": true, "tags.x": true,
			"metrics.loss": true, "experiment": false, "status": false, "backend": false} {
			if got, ok := compareMark(cmp, field); !ok || got != want {
				t.Errorf("compare: %s marked %v (found %v), want %v:\n%s", field, got, ok, want, cmp)
			}
		}

		diff := print(func(w *bytes.Buffer) error { return WriteDiff(w, db, 1, 2) })
		if !strings.Contains(diff, "params.pair: swh-eng -> som-eng\n") || strings.Contains(diff, "experiment:") {
			t.Errorf("diff:\n%s", diff)
		}

		recs, err := csv.NewReader(strings.NewReader(print(func(w *bytes.Buffer) error { return WriteExport(w, db, "csv", "", "start") }))).ReadAll()
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
		must(t, json.Unmarshal([]byte(print(func(w *bytes.Buffer) error { return WriteExport(w, db, "json", "", "") })), &js))
		if len(js) != 4 || js[0]["name"] != "r4" || js[3]["params"].(map[string]any)["pair"] != "swh-eng" {
			t.Errorf("json: %v", js)
		}
	})
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

func TestPresentErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := openFixture(t, cliFixture(t, b))
		tests := []struct {
			name  string
			print func(w *bytes.Buffer) error
			is    error
			msg   string
		}{
			{"show 99", func(w *bytes.Buffer) error { return WriteRun(w, db, 99) }, ErrRunNotFound, "id 99"},
			{"compare 1 99", func(w *bytes.Buffer) error { return WriteComparison(w, db, []int64{1, 99}) }, ErrRunNotFound, "id 99"},
			{"bad filter", func(w *bytes.Buffer) error { return WriteRunList(w, db, ListOptions{Filter: "bogus = 1"}) }, filter.ErrSyntax, `unknown field "bogus"`},
			{"bad column", func(w *bytes.Buffer) error { return WriteRunList(w, db, ListOptions{Columns: []string{"nope"}}) }, ErrInvalidArgument, `unknown column "nope"`},
			{"bad prefix", func(w *bytes.Buffer) error { return WriteRunList(w, db, ListOptions{Columns: []string{"foo.bar"}}) }, ErrInvalidArgument, `unknown prefix "foo"`},
			{"bad format", func(w *bytes.Buffer) error { return WriteExport(w, db, "xml", "", "") }, ErrInvalidArgument, `format "xml"`},
		}
		for _, tc := range tests {
			err := tc.print(&bytes.Buffer{})
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s = %v, want %v containing %q", tc.name, err, tc.is, tc.msg)
			}
		}
	})
}
