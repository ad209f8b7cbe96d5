package tracker

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// snapshot renders every run of db, with everything logged for it, as
// text that does not depend on ids: two stores holding the same runs give
// the same snapshot. (Text, because NaN != NaN defeats reflect.DeepEqual;
// fmt prints maps in key order.)
func snapshot(t testing.TB, db *DB) []string {
	t.Helper()
	runs, err := db.SearchRuns("", "", 0)
	must(t, err)
	var out []string
	for _, rr := range runs {
		id := rr.ID
		rec := *rr
		rec.ID = 0
		var b strings.Builder
		fmt.Fprintf(&b, "%+v\n", rec)
		keys, err := db.MetricKeys(id)
		must(t, err)
		for _, k := range keys {
			h, err := db.MetricHistory(id, k)
			must(t, err)
			fmt.Fprintf(&b, "metric %s:", k)
			for _, p := range h {
				fmt.Fprintf(&b, " %d=%v@%d", p.Step, p.Value, p.Time.UnixNano())
			}
			b.WriteString("\n")
		}
		ms, err := db.PerQueryMeasures(id)
		must(t, err)
		for _, m := range ms {
			pq, err := db.PerQuery(id, m)
			must(t, err)
			fmt.Fprintf(&b, "per-query %s: %v\n", m, pq)
		}
		arts, err := db.Artifacts(id)
		must(t, err)
		fmt.Fprintf(&b, "artifacts %+v\n", arts)
		out = append(out, b.String())
	}
	sort.Strings(out)
	return out
}

func diffSnapshots(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d runs, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: run %d differs:\n got %s\nwant %s", what, i, got[i], want[i])
			return
		}
	}
}

// copyFixture fills db with runs of every shape: the search fixture, a run
// with a curve (NaN and infinities, out-of-order steps), per-query values
// and an artifact, a KILLED run, and one still RUNNING, which it returns.
// That is 6 ended runs with 9 metric points, 4 per-query values and 1
// artifact record between them.
func copyFixture(t testing.TB, db *DB) *Run {
	searchFixture(t, db)
	r := startRun(t, db, RunSpec{Experiment: "curves", Name: "curve", Params: map[string]string{"lr": "0.01"},
		Tags: map[string]string{"note": "odd 'text' ?"}})
	for i, v := range []float64{1, 0.5, math.NaN(), math.Inf(1), 0.25} {
		must(t, r.LogMetric("loss", int64(10-i), v))
	}
	must(t, r.LogMetric("acc", 3, 0.75))
	must(t, r.SetFinalMetrics(map[string]float64{"map": 0.4, "nan": math.NaN()}))
	must(t, r.LogPerQuery("ap", map[string]float64{"q1": 0.5, "q2": math.NaN(), "q3": 1}))
	must(t, r.LogPerQuery("rr", map[string]float64{"q1": 1}))
	art := filepath.Join(t.TempDir(), "model.bin")
	must(t, os.WriteFile(art, []byte("weights"), 0o644))
	must(t, r.LogArtifact(art, "checkpoint"))
	must(t, r.Finish(nil))
	k := startRun(t, db, RunSpec{Experiment: "curves", Name: "killed"})
	must(t, k.LogMetric("loss", 0, 2))
	must(t, k.Kill("signal: terminated"))
	return startRun(t, db, RunSpec{Experiment: "curves", Name: "running"})
}

// Copy moves runs between any two stores, SQLite or PostgreSQL, exactly
// and idempotently.
func TestCopy(t *testing.T) {
	for _, from := range backends {
		for _, to := range backends {
			t.Run(from.name+"-to-"+to.name, func(t *testing.T) {
				src := newDB(t, from)
				running := copyFixture(t, src)
				dst := newDB(t, to)
				st, err := Copy(dst, src, CopyOptions{})
				must(t, err)
				if st.Copied != 6 || st.Present != 0 || st.Running != 1 || st.PerQuery != 4 || st.Artifacts != 1 || st.Metrics != 9 {
					t.Errorf("first copy: %+v", st)
				}
				must(t, running.Finish(nil))
				want := snapshot(t, src)
				st, err = Copy(dst, src, CopyOptions{})
				must(t, err)
				if st.Copied != 1 || st.Present != 6 || st.Running != 0 {
					t.Errorf("second copy: %+v, want the ended run only", st)
				}
				diffSnapshots(t, "copy", snapshot(t, dst), want)
				st, err = Copy(dst, src, CopyOptions{})
				must(t, err)
				if st.Copied != 0 || st.Present != 7 {
					t.Errorf("third copy added %+v", st)
				}
				// Copying back adds nothing either.
				if st, err := Copy(src, dst, CopyOptions{}); err != nil || st.Copied != 0 {
					t.Errorf("copy back: %+v, %v", st, err)
				}
			})
		}
	}
}

func TestCopyFilterAndErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		src := newDB(t, b)
		searchFixture(t, src)
		dst := newDB(t, b)
		st, err := Copy(dst, src, CopyOptions{Filter: `experiment = "optical" and status = "FINISHED"`})
		must(t, err)
		if st.Copied != 2 {
			t.Errorf("filtered copy: %+v, want 2 runs", st)
		}
		runs, _ := dst.SearchRuns("", "start", 0)
		if names(runs) != "r1,r2" {
			t.Errorf("copied %s", names(runs))
		}
		if _, err := Copy(dst, src, CopyOptions{Filter: "bogus = 1"}); err == nil {
			t.Error("a bad filter was accepted")
		}
		ro, err := OpenReadOnly(src.Path())
		must(t, err)
		defer ro.Close()
		if _, err := Copy(ro, dst, CopyOptions{}); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Copy into a reader = %v, want ErrReadOnly", err)
		}
	})
}

// committedCopy copies the repository's results.db (schema version 1, the
// study's recorded runs) to a temporary file, so that no test touches it.
func committedCopy(t *testing.T) string {
	t.Helper()
	in, err := os.Open(filepath.Join("..", "results.db"))
	if err != nil {
		t.Skipf("no committed results.db: %v", err)
	}
	defer in.Close()
	p := filepath.Join(t.TempDir(), "results.db")
	out, err := os.Create(p)
	must(t, err)
	_, err = io.Copy(out, in)
	must(t, err)
	must(t, out.Close())
	return p
}

// The committed results.db reads back unchanged after this package's
// migrations, and after a round trip through PostgreSQL (a study run on a
// cluster coming home).
func TestCommittedResultsRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every run of the committed results.db several times")
	}
	p := committedCopy(t)
	ro, err := OpenReadOnly(p)
	must(t, err)
	want := snapshot(t, ro)
	must(t, ro.Close())
	if len(want) == 0 {
		t.Fatal("the committed results.db has no runs")
	}
	db := openDB(t, p, Options{StaleAfter: -1}) // migrates to the current schema
	diffSnapshots(t, "after migration", snapshot(t, db), want)

	for _, via := range backends {
		t.Run("via-"+via.name, func(t *testing.T) {
			mid := newDB(t, via)
			st, err := Copy(mid, db, CopyOptions{})
			must(t, err)
			if st.Copied != len(want) {
				t.Errorf("copied %+v, want %d runs", st, len(want))
			}
			home := openDB(t, filepath.Join(t.TempDir(), "home.db"), Options{})
			_, err = Copy(home, mid, CopyOptions{})
			must(t, err)
			diffSnapshots(t, "round trip", snapshot(t, home), want)
		})
	}
}
