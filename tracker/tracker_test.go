package tracker

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// childEnv selects a child-process role when the test binary re-executes
// itself (see TestMain and child_test.go).
const childEnv = "OTCLIR_TRACKER_CHILD"

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role))
	}
	if path := os.Getenv(livenessChildEnv); path != "" {
		os.Exit(runLivenessChild(path))
	}
	if loc := os.Getenv(workerEnv); loc != "" {
		os.Exit(runWorker(loc))
	}
	os.Exit(m.Run())
}

func startRun(t testing.TB, db *DB, spec RunSpec) *Run {
	t.Helper()
	if spec.Experiment == "" {
		spec.Experiment = "exp"
	}
	r, err := db.StartRun(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("OTCLIR_DB", "")
	if got := DefaultPath(); got != "results.db" {
		t.Errorf("DefaultPath() = %q, want results.db", got)
	}
	t.Setenv("OTCLIR_DB", "/tmp/x.db")
	if got := DefaultPath(); got != "/tmp/x.db" {
		t.Errorf("DefaultPath() = %q, want $OTCLIR_DB", got)
	}
}

func TestOpenMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b.db") // a space exercises DSN escaping
	db, err := Open(path)
	must(t, err)
	var v int
	must(t, db.sql.QueryRow(`SELECT version FROM schema_version`).Scan(&v))
	if v != SchemaVersion {
		t.Errorf("schema version %d, want %d", v, SchemaVersion)
	}
	var mode string
	must(t, db.sql.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	if mode != "wal" {
		t.Errorf("journal_mode %q, want wal", mode)
	}
	var fk int
	must(t, db.sql.QueryRow(`PRAGMA foreign_keys`).Scan(&fk))
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
	r := startRun(t, db, RunSpec{Name: "a"})
	must(t, r.Finish(nil))
	must(t, db.Close())

	// Reopening applies nothing and keeps the data.
	db, err = Open(path)
	must(t, err)
	if _, err := db.GetRun(r.ID()); err != nil {
		t.Errorf("run lost on reopen: %v", err)
	}
	// A newer schema is refused.
	_, err = db.sql.Exec(`UPDATE schema_version SET version = ?`, SchemaVersion+1)
	must(t, err)
	must(t, db.Close())
	if _, err := Open(path); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open(newer schema) = %v, want ErrSchemaTooNew", err)
	}
	if _, err := Open(""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Open(\"\") = %v, want ErrInvalidArgument", err)
	}
	// A missing directory is created (TestOpenCreatesDirectory); a path
	// under a regular file cannot be.
	file := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(file, nil, 0o644))
	if _, err := Open(filepath.Join(file, "x.db")); err == nil {
		t.Error("Open under a regular file succeeded")
	}
}

func TestConfigHash(t *testing.T) {
	a := ConfigHash("e", map[string]string{"x": "1", "y": "2"})
	if b := ConfigHash("e", map[string]string{"y": "2", "x": "1"}); a != b {
		t.Error("ConfigHash depends on map order")
	}
	if len(a) != 64 {
		t.Errorf("ConfigHash length %d, want 64 hex digits", len(a))
	}
	distinct := []string{
		a,
		ConfigHash("f", map[string]string{"x": "1", "y": "2"}),
		ConfigHash("e", map[string]string{"x": "1", "y": "3"}),
		ConfigHash("e", map[string]string{"x": "1"}),
		ConfigHash("e", map[string]string{"x": "1;y=2"}), // no delimiter collision
		ConfigHash("e", nil),
		ConfigHash("", map[string]string{"e": ""}),
	}
	seen := map[string]int{}
	for i, h := range distinct {
		if j, ok := seen[h]; ok {
			t.Errorf("ConfigHash case %d equals case %d", i, j)
		}
		seen[h] = i
	}
}

func TestStartRunRecordsEnvironment(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		spec := RunSpec{Experiment: "optical", Name: "swh-eng-1", Params: map[string]string{"pair": "swh-eng", "lr": "0.01"},
			Tags: map[string]string{"note": "first"}, Backend: "go", GoMLXVersion: "v0.26.0"}
		before := time.Now()
		r := startRun(t, db, spec)
		rr, err := db.GetRun(r.ID())
		must(t, err)
		host, _ := os.Hostname()
		git := Git("")
		if rr.Status != StatusRunning || rr.Name != "swh-eng-1" || rr.Experiment != "optical" || rr.Backend != "go" ||
			rr.GoMLXVersion != "v0.26.0" || rr.GoVersion != runtime.Version() || rr.Host != host ||
			rr.GitCommit != git.Commit || rr.GitDirty != git.Dirty ||
			rr.ConfigHash != ConfigHash("optical", spec.Params) {
			t.Errorf("GetRun = %+v", rr)
		}
		if rr.Start.Before(before.Add(-time.Millisecond)) || rr.Start.After(time.Now()) || !rr.End.IsZero() {
			t.Errorf("start %v end %v, want start ≈ now and no end", rr.Start, rr.End)
		}
		if !reflect.DeepEqual(rr.Params, spec.Params) || !reflect.DeepEqual(rr.Tags, spec.Tags) {
			t.Errorf("params %v tags %v", rr.Params, rr.Tags)
		}
		must(t, r.Finish(nil))

		if _, err := db.StartRun(RunSpec{}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("StartRun without experiment = %v, want ErrInvalidArgument", err)
		}
		if _, err := db.StartRun(RunSpec{Experiment: "e", Params: map[string]string{"": "x"}}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("StartRun with empty param key = %v, want ErrInvalidArgument", err)
		}
		if _, err := db.GetRun(9999); !errors.Is(err, ErrRunNotFound) {
			t.Errorf("GetRun(9999) = %v, want ErrRunNotFound", err)
		}
	})
}

func gitCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.org",
		"-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	if g := Git(dir); g != (GitInfo{}) {
		t.Errorf("Git(not a repo) = %+v, want zero", g)
	}
	gitCmd(t, dir, "init", "-q")
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\n"), 0o644))
	gitCmd(t, dir, "add", "a.txt")
	gitCmd(t, dir, "commit", "-q", "-m", "first")
	g := Git(dir)
	if len(g.Commit) != 40 || g.Dirty || g.DiffHash != "" {
		t.Errorf("Git(clean) = %+v, want a commit, clean", g)
	}
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("two\n"), 0o644))
	d1 := Git(dir)
	if !d1.Dirty || d1.Commit != g.Commit || len(d1.DiffHash) != 64 {
		t.Errorf("Git(dirty) = %+v", d1)
	}
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("three\n"), 0o644))
	if d2 := Git(dir); d2.DiffHash == d1.DiffHash {
		t.Error("different diffs gave the same diff hash")
	}
}

func TestLogMetricFlushHistory(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		r := startRun(t, db, RunSpec{})
		for step := int64(0); step < 5; step++ {
			must(t, r.LogMetric("loss", step, 1/float64(step+1)))
		}
		must(t, r.LogMetric("acc", 3, 0.5))
		must(t, r.LogMetric("acc", 1, 0.25)) // out of order: latest keeps step 3
		must(t, r.LogMetric("nan", 0, math.NaN()))
		must(t, r.LogMetric("inf", 0, math.Inf(1)))
		// Nothing is visible before Flush (the flush interval is 1 s).
		if h, _ := db.MetricHistory(r.ID(), "loss"); len(h) != 0 {
			t.Errorf("%d points visible before Flush", len(h))
		}
		must(t, r.Flush())
		h, err := db.MetricHistory(r.ID(), "loss")
		must(t, err)
		if len(h) != 5 {
			t.Fatalf("history has %d points, want 5", len(h))
		}
		for i, p := range h {
			if p.Step != int64(i) || p.Value != 1/float64(i+1) || time.Since(p.Time) > time.Minute {
				t.Errorf("point %d = %+v", i, p)
			}
		}
		rr, err := db.GetRun(r.ID())
		must(t, err)
		if rr.Latest["loss"] != 0.2 || rr.Latest["acc"] != 0.5 || !math.IsNaN(rr.Latest["nan"]) || !math.IsInf(rr.Latest["inf"], 1) {
			t.Errorf("latest = %v", rr.Latest)
		}
		// A later batch with a lower step does not replace the latest value.
		must(t, r.LogMetric("loss", 2, 99))
		must(t, r.Flush())
		rr, _ = db.GetRun(r.ID())
		if rr.Latest["loss"] != 0.2 {
			t.Errorf("latest loss = %v after logging an older step, want 0.2", rr.Latest["loss"])
		}
		keys, err := db.MetricKeys(r.ID())
		must(t, err)
		if want := []string{"acc", "inf", "loss", "nan"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("MetricKeys = %v, want %v", keys, want)
		}
		if err := r.LogMetric("", 0, 1); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("LogMetric(\"\") = %v", err)
		}
		must(t, r.Finish(nil))
		if err := r.LogMetric("loss", 9, 1); !errors.Is(err, ErrRunEnded) {
			t.Errorf("LogMetric after Finish = %v, want ErrRunEnded", err)
		}
	})
}

func TestMetricBatchAndIntervalFlush(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db, err := OpenOptions(b.location(t), Options{BatchSize: 10, FlushInterval: 50 * time.Millisecond})
		must(t, err)
		defer db.Close()
		r := startRun(t, db, RunSpec{})
		defer r.Finish(nil)
		for i := 0; i < 10; i++ {
			must(t, r.LogMetric("m", int64(i), float64(i)))
		}
		// The 10th point filled the batch: written without Flush.
		if h, _ := db.MetricHistory(r.ID(), "m"); len(h) != 10 {
			t.Errorf("after a full batch %d points are stored, want 10", len(h))
		}
		must(t, r.LogMetric("m", 10, 10))
		deadline := time.Now().Add(5 * time.Second)
		for {
			h, _ := db.MetricHistory(r.ID(), "m")
			if len(h) == 11 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("interval flush did not write the 11th point (have %d)", len(h))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestHeartbeat(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db, err := OpenOptions(b.location(t), Options{HeartbeatInterval: 20 * time.Millisecond})
		must(t, err)
		defer db.Close()
		r := startRun(t, db, RunSpec{})
		first, _ := db.GetRun(r.ID())
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			later, _ := db.GetRun(r.ID())
			if later.Heartbeat.After(first.Heartbeat) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("heartbeat did not advance in 5 s: %v -> %v", first.Heartbeat, later.Heartbeat)
			}
		}
		must(t, r.Finish(nil))
		ended, _ := db.GetRun(r.ID())
		time.Sleep(60 * time.Millisecond)
		after, _ := db.GetRun(r.ID())
		if !after.Heartbeat.Equal(ended.Heartbeat) {
			t.Error("heartbeat still beating after Finish")
		}
	})
}

func TestFinalPerQueryTagsParamsArtifacts(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		r := startRun(t, db, RunSpec{Params: map[string]string{"a": "1"}})
		must(t, r.SetFinalMetrics(map[string]float64{"map": 0.25, "ndcg@10": 0.5}))
		must(t, r.SetFinalMetrics(map[string]float64{"map": 0.3})) // overwrite
		must(t, r.LogPerQuery("ap", map[string]float64{"q1": 1, "q2": 0.5}))
		must(t, r.LogPerQuery("ap", map[string]float64{"q2": 0.75}))
		must(t, r.LogPerQuery("rr", map[string]float64{"q1": 1}))
		must(t, r.SetTag("note", "x"))
		must(t, r.SetTag("note", "y")) // tags are mutable
		must(t, r.LogParam("a", "1"))  // same value: fine
		if err := r.LogParam("a", "2"); !errors.Is(err, ErrParamImmutable) {
			t.Errorf("LogParam changing a value = %v, want ErrParamImmutable", err)
		}
		must(t, r.LogParam("b", "2"))

		art := filepath.Join(t.TempDir(), "model.bin")
		content := []byte("weights")
		must(t, os.WriteFile(art, content, 0o644))
		must(t, r.LogArtifact(art, "checkpoint"))
		if err := r.LogArtifact(filepath.Join(t.TempDir(), "missing"), "x"); err == nil {
			t.Error("LogArtifact(missing file) succeeded")
		}
		if err := r.LogArtifact(t.TempDir(), "x"); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("LogArtifact(dir) = %v, want ErrInvalidArgument", err)
		}
		must(t, r.Finish(nil))

		rr, err := db.GetRun(r.ID())
		must(t, err)
		if !reflect.DeepEqual(rr.Final, map[string]float64{"map": 0.3, "ndcg@10": 0.5}) {
			t.Errorf("final = %v", rr.Final)
		}
		if !reflect.DeepEqual(rr.Tags, map[string]string{"note": "y"}) {
			t.Errorf("tags = %v", rr.Tags)
		}
		if !reflect.DeepEqual(rr.Params, map[string]string{"a": "1", "b": "2"}) {
			t.Errorf("params = %v", rr.Params)
		}
		if want := ConfigHash("exp", rr.Params); rr.ConfigHash != want {
			t.Error("config hash not recomputed after LogParam")
		}
		pq, err := db.PerQuery(r.ID(), "ap")
		must(t, err)
		if !reflect.DeepEqual(pq, map[string]float64{"q1": 1, "q2": 0.75}) {
			t.Errorf("PerQuery(ap) = %v", pq)
		}
		if pq, _ := db.PerQuery(r.ID(), "none"); len(pq) != 0 {
			t.Errorf("PerQuery(none) = %v, want empty", pq)
		}
		ms, _ := db.PerQueryMeasures(r.ID())
		if !reflect.DeepEqual(ms, []string{"ap", "rr"}) {
			t.Errorf("measures = %v", ms)
		}
		arts, err := db.Artifacts(r.ID())
		must(t, err)
		sum := sha256.Sum256(content)
		if len(arts) != 1 || arts[0].Path != art || arts[0].Kind != "checkpoint" || arts[0].Size != int64(len(content)) ||
			arts[0].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("artifacts = %+v", arts)
		}
	})
}

func TestFinishStatuses(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		ok := startRun(t, db, RunSpec{Name: "ok"})
		must(t, ok.LogMetric("m", 0, 1))
		must(t, ok.Finish(nil)) // Finish flushes
		failed := startRun(t, db, RunSpec{Name: "failed"})
		must(t, failed.Finish(errors.New("boom")))
		killed := startRun(t, db, RunSpec{Name: "killed"})
		must(t, killed.Kill("signal: interrupt"))
		doErr := startRun(t, db, RunSpec{Name: "do-err"})
		if err := doErr.Do(func(*Run) error { return errors.New("bad data") }); err == nil || err.Error() != "bad data" {
			t.Errorf("Do(error) = %v", err)
		}
		doPanic := startRun(t, db, RunSpec{Name: "do-panic"})
		err := doPanic.Do(func(r *Run) error {
			must(t, r.LogMetric("m", 7, 1))
			var m map[string]int
			m["x"] = 1 // panics
			return nil
		})
		if err == nil || !strings.HasPrefix(err.Error(), "panic: assignment to entry in nil map") {
			t.Errorf("Do(panic) = %v", err)
		}
		doOK := startRun(t, db, RunSpec{Name: "do-ok"})
		must(t, doOK.Do(func(*Run) error { return nil }))

		want := map[int64][2]string{
			ok.ID():      {StatusFinished, ""},
			failed.ID():  {StatusFailed, "boom"},
			killed.ID():  {StatusKilled, "signal: interrupt"},
			doErr.ID():   {StatusFailed, "bad data"},
			doPanic.ID(): {StatusFailed, "panic: assignment to entry in nil map"},
			doOK.ID():    {StatusFinished, ""},
		}
		for id, w := range want {
			rr, err := db.GetRun(id)
			must(t, err)
			if rr.Status != w[0] || !strings.HasPrefix(rr.Error, w[1]) || rr.End.IsZero() || rr.End.Before(rr.Start) {
				t.Errorf("run %d (%s): status %s error %q end %v, want %s %q", id, rr.Name, rr.Status, rr.Error, rr.End, w[0], w[1])
			}
		}
		if h, _ := db.MetricHistory(ok.ID(), "m"); len(h) != 1 {
			t.Error("Finish did not flush the buffered metric")
		}
		if h, _ := db.MetricHistory(doPanic.ID(), "m"); len(h) != 1 {
			t.Error("a panicking Do lost the metric logged before the panic")
		}
		if err := ok.Finish(nil); !errors.Is(err, ErrRunEnded) {
			t.Errorf("second Finish = %v, want ErrRunEnded", err)
		}
		if err := killed.Kill("again"); !errors.Is(err, ErrRunEnded) {
			t.Errorf("second Kill = %v, want ErrRunEnded", err)
		}
	})
}

func TestGCAndOpenMarkStale(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		path := b.location(t)
		db, err := Open(path)
		must(t, err)
		fresh := startRun(t, db, RunSpec{Name: "fresh"})
		stale := startRun(t, db, RunSpec{Name: "stale"})
		done := startRun(t, db, RunSpec{Name: "done"})
		must(t, done.Finish(nil))
		// Simulate a process that died 2 minutes ago: stop its goroutine
		// without ending it, then age its heartbeat.
		for _, r := range []*Run{stale, fresh} {
			close(r.stop)
			<-r.done
		}
		old := time.Now().Add(-2 * time.Minute)
		_, err = db.sql.Exec(`UPDATE runs SET heartbeat = ? WHERE id = ?`, fmtTime(old), stale.ID())
		must(t, err)
		must(t, db.Close())

		db, err = Open(path) // StaleAfter 60 s
		must(t, err)
		defer db.Close()
		rr, _ := db.GetRun(stale.ID())
		if rr.Status != StatusKilled || !rr.End.Equal(old.UTC().Truncate(time.Nanosecond)) || !strings.Contains(rr.Error, "no heartbeat") {
			t.Errorf("stale run after Open: %s end %v (want %v) error %q", rr.Status, rr.End, old, rr.Error)
		}
		if rr, _ := db.GetRun(fresh.ID()); rr.Status != StatusRunning {
			t.Errorf("fresh run marked %s on Open", rr.Status)
		}
		if rr, _ := db.GetRun(done.ID()); rr.Status != StatusFinished {
			t.Errorf("finished run marked %s", rr.Status)
		}
		if n, err := db.GC(time.Hour); err != nil || n != 0 {
			t.Errorf("GC(1h) = %d, %v; want 0", n, err)
		}
		// GC(0) marks a run of this process whose Run stopped beating, never
		// one whose Run is alive (its heartbeat is merely in the past).
		live := startRun(t, db, RunSpec{Name: "live"})
		time.Sleep(time.Millisecond)
		if n, err := db.GC(0); err != nil || n != 1 {
			t.Errorf("GC(0) = %d, %v; want 1 (fresh; live is beating)", n, err)
		}
		if rr, _ := db.GetRun(fresh.ID()); rr.Status != StatusKilled || !strings.Contains(rr.Error, "stopped without Finish") {
			t.Errorf("fresh run after GC(0): %s %q", rr.Status, rr.Error)
		}
		if err := live.Finish(nil); err != nil {
			t.Errorf("Finish of a live run after GC(0) = %v", err)
		}
		// A run recorded on another host has only its heartbeat to go by; ending
		// a run GC already marked KILLED reports it.
		other := startRun(t, db, RunSpec{Name: "other host"})
		_, err = db.sql.Exec(`UPDATE runs SET host = 'elsewhere' WHERE id = ?`, other.ID())
		must(t, err)
		time.Sleep(time.Millisecond)
		if n, err := db.GC(0); err != nil || n != 1 {
			t.Errorf("GC(0) = %d, %v; want 1 (the other host's run)", n, err)
		}
		if err := other.Finish(nil); !errors.Is(err, ErrRunEnded) {
			t.Errorf("Finish after GC = %v, want ErrRunEnded", err)
		}
	})
}

func TestDeleteRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		r := startRun(t, db, RunSpec{Params: map[string]string{"a": "1"}, Tags: map[string]string{"t": "v"}})
		must(t, r.LogMetric("m", 0, 1))
		must(t, r.SetFinalMetrics(map[string]float64{"f": 1}))
		must(t, r.LogPerQuery("ap", map[string]float64{"q": 1}))
		art := filepath.Join(t.TempDir(), "a")
		must(t, os.WriteFile(art, nil, 0o644))
		must(t, r.LogArtifact(art, "x"))
		must(t, r.Finish(nil))
		must(t, db.DeleteRun(r.ID()))
		if _, err := db.GetRun(r.ID()); !errors.Is(err, ErrRunNotFound) {
			t.Errorf("GetRun after delete = %v", err)
		}
		for _, table := range []string{"params", "tags", "metrics", "latest_metrics", "final_metrics", "per_query", "artifacts"} {
			var n int
			must(t, db.sql.QueryRow(`SELECT COUNT(*) FROM `+table).Scan(&n))
			if n != 0 {
				t.Errorf("%s keeps %d rows after DeleteRun", table, n)
			}
		}
		if err := db.DeleteRun(r.ID()); !errors.Is(err, ErrRunNotFound) {
			t.Errorf("second DeleteRun = %v, want ErrRunNotFound", err)
		}
	})
}

func TestFindFinished(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		p := map[string]string{"pair": "swh-eng"}
		h := ConfigHash("exp", p)
		if _, err := db.FindFinished("exp", h); !errors.Is(err, ErrRunNotFound) {
			t.Errorf("FindFinished(empty db) = %v", err)
		}
		a := startRun(t, db, RunSpec{Name: "a", Params: p})
		must(t, a.Finish(nil))
		second := startRun(t, db, RunSpec{Name: "b", Params: p})
		must(t, second.Finish(nil))
		failed := startRun(t, db, RunSpec{Name: "failed", Params: p})
		must(t, failed.Finish(errors.New("x")))
		running := startRun(t, db, RunSpec{Name: "running", Params: p})
		defer running.Finish(nil)
		other := startRun(t, db, RunSpec{Experiment: "other", Params: p})
		must(t, other.Finish(nil))
		rr, err := db.FindFinished("exp", h)
		must(t, err)
		if rr.ID != second.ID() {
			t.Errorf("FindFinished = run %d (%s), want the newest FINISHED run %d", rr.ID, rr.Name, second.ID())
		}
		if _, err := db.FindFinished("exp", ConfigHash("exp", map[string]string{"pair": "som-eng"})); !errors.Is(err, ErrRunNotFound) {
			t.Errorf("FindFinished(other config) = %v", err)
		}
	})
}

// searchFixture makes four runs with varied params, tags, metrics and
// statuses; names are r1..r4 in start order.
func searchFixture(t testing.TB, db *DB) []*Run {
	specs := []struct {
		spec   RunSpec
		final  map[string]float64
		latest map[string]float64
		err    error
	}{
		{RunSpec{Experiment: "optical", Name: "r1", Params: map[string]string{"pair": "swh-eng", "lang": "swh", "lr": "0.01"},
			Tags: map[string]string{"x": "y"}}, map[string]float64{"map": 0.31}, nil, nil},
		{RunSpec{Experiment: "optical", Name: "r2", Params: map[string]string{"pair": "som-eng", "lang": "som", "lr": "0.001"},
			Tags: map[string]string{"x": "z"}}, map[string]float64{"map": 0.12}, nil, nil},
		{RunSpec{Experiment: "optical", Name: "other3", Params: map[string]string{"pair": "yor-eng", "lang": "yor", "lr": "0.1"}},
			nil, map[string]float64{"map": 0.25}, errors.New("diverged")},
		{RunSpec{Experiment: "baseline", Name: "r4", Params: map[string]string{"pair": "swh-eng", "lang": "swh",
			"x": "a' OR 1=1 --"}}, map[string]float64{"map": 0.2}, map[string]float64{"map": 0.9}, nil},
	}
	var runs []*Run
	for i, s := range specs {
		r := startRun(t, db, s.spec)
		for k, v := range s.latest {
			must(t, r.LogMetric(k, 10, v))
		}
		if s.final != nil {
			must(t, r.SetFinalMetrics(s.final))
		}
		must(t, r.Finish(s.err))
		// Distinct, ordered start times.
		_, err := db.sql.Exec(`UPDATE runs SET start_time = ? WHERE id = ?`,
			fmtTime(time.Date(2026, 11, 1+i, 12, 0, 0, 0, time.UTC)), r.ID())
		must(t, err)
		runs = append(runs, r)
	}
	return runs
}

func names(rs []*RunRecord) string {
	var n []string
	for _, r := range rs {
		n = append(n, r.Name)
	}
	return strings.Join(n, ",")
}

func TestSearchRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		searchFixture(t, db)
		tests := []struct {
			filter, order string
			limit         int
			want          string
		}{
			{``, ``, 0, "r4,other3,r2,r1"}, // newest first
			{``, `start`, 0, "r1,r2,other3,r4"},
			{``, `start`, 2, "r1,r2"},
			{`params.pair = "swh-eng" and metrics.map > 0.2 and status = "FINISHED"`, ``, 0, "r1"},
			{`params.pair = "swh-eng"`, `metrics.map DESC`, 0, "r1,r4"}, // r4's final 0.2 beats its latest 0.9
			{`metrics.map > 0.2`, `metrics.map`, 0, "other3,r1"},        // other3 falls back to latest
			{`tags.x != 'y'`, ``, 0, "r2"},                              // runs without tag x do not match !=
			{`tags.x is null`, `start`, 0, "other3,r4"},
			{`attributes.name LIKE "r%"`, `start`, 0, "r1,r2,r4"},
			{`name LIKE "R%"`, ``, 0, ""}, // LIKE is case-sensitive
			{`name ILIKE "R%"`, `start`, 0, "r1,r2,r4"},
			{`params.lang IN ("swh","som")`, `start`, 0, "r1,r2,r4"},
			{`params.lang NOT IN ("swh","som")`, ``, 0, "other3"},
			{`params.lr < 0.05`, `params.lr`, 0, "r2,r1"}, // numeric compare of a text param
			{`status = "FAILED" or experiment = "baseline"`, `start`, 0, "other3,r4"},
			{`(status = "FAILED" or experiment = "baseline") and not params.lang = "yor"`, ``, 0, "r4"},
			{`error LIKE "%verge%"`, ``, 0, "other3"},
			{`start >= "2026-11-03"`, `start`, 0, "other3,r4"},
			{`params.x = "a' OR 1=1 --"`, ``, 0, "r4"}, // the injection is a literal
			{`params.x = "a' OR 1=1 --x"`, ``, 0, ""},
			{`params.pair = "swh-eng"`, `params.pair, start desc`, 0, "r4,r1"},
			{`id = 2`, ``, 0, "r2"},
		}
		for _, tc := range tests {
			rs, err := db.SearchRuns(tc.filter, tc.order, tc.limit)
			if err != nil {
				t.Errorf("SearchRuns(%q, %q): %v", tc.filter, tc.order, err)
				continue
			}
			if got := names(rs); got != tc.want {
				t.Errorf("SearchRuns(%q, %q, %d) = %s, want %s", tc.filter, tc.order, tc.limit, got, tc.want)
			}
		}
		rs, _ := db.SearchRuns(`name = "r4"`, "", 0)
		if len(rs) != 1 || rs[0].Params["x"] != "a' OR 1=1 --" || rs[0].Final["map"] != 0.2 || rs[0].Latest["map"] != 0.9 {
			t.Errorf("SearchRuns did not load params/metrics: %+v", rs)
		}
		for _, bad := range []string{`bogus = 1`, `params.x = `, `status = "A"; DROP TABLE runs`} {
			if _, err := db.SearchRuns(bad, "", 0); err == nil {
				t.Errorf("SearchRuns(%q) succeeded", bad)
			}
		}
		if _, err := db.SearchRuns("", "metrics.map sideways", 0); err == nil {
			t.Error("bad order accepted")
		}
		var n int
		must(t, db.sql.QueryRow(`SELECT COUNT(*) FROM runs`).Scan(&n))
		if n != 4 {
			t.Errorf("runs table has %d rows after the injection attempts, want 4", n)
		}
	})
}

func TestRunRecordMetric(t *testing.T) {
	rr := &RunRecord{Final: map[string]float64{"a": 1}, Latest: map[string]float64{"a": 2, "b": 3}}
	for _, tc := range []struct {
		key string
		v   float64
		ok  bool
	}{{"a", 1, true}, {"b", 3, true}, {"c", 0, false}} {
		if v, ok := rr.Metric(tc.key); v != tc.v || ok != tc.ok {
			t.Errorf("Metric(%q) = %v, %v; want %v, %v", tc.key, v, ok, tc.v, tc.ok)
		}
	}
}

func ExampleConfigHash() {
	a := ConfigHash("optical", map[string]string{"pair": "swh-eng", "lr": "0.01"})
	b := ConfigHash("optical", map[string]string{"lr": "0.01", "pair": "swh-eng"})
	fmt.Println(a == b, len(a))
	// Output: true 64
}

// Goroutines of one process may share a Run.
func TestLogMetricGoroutines(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db, err := OpenOptions(b.location(t), Options{BatchSize: 64, FlushInterval: 5 * time.Millisecond})
		must(t, err)
		defer db.Close()
		r := startRun(t, db, RunSpec{})
		const workers, points = 8, 1000
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			go func() {
				key := fmt.Sprintf("w%d", w)
				for i := 0; i < points; i++ {
					if err := r.LogMetric(key, int64(i), float64(i)); err != nil {
						errs <- err
						return
					}
					if i%250 == 0 {
						if err := r.Flush(); err != nil {
							errs <- err
							return
						}
					}
				}
				errs <- nil
			}()
		}
		for w := 0; w < workers; w++ {
			must(t, <-errs)
		}
		must(t, r.Finish(nil))
		for w := 0; w < workers; w++ {
			h, err := db.MetricHistory(r.ID(), fmt.Sprintf("w%d", w))
			must(t, err)
			if len(h) != points {
				t.Errorf("w%d: %d points, want %d", w, len(h), points)
				continue
			}
			for i, p := range h {
				if p.Step != int64(i) || p.Value != float64(i) {
					t.Errorf("w%d point %d = %+v", w, i, p)
					break
				}
			}
		}
	})
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "results.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
}
