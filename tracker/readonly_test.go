package tracker

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestOpenReadOnlyNeverWrites: a reader sees the runs, leaves the file
// byte-identical (no migration, no GC of the stale RUNNING run) and refuses
// writes; on PostgreSQL the server refuses them too.
func TestOpenReadOnlyNeverWrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		p := b.location(t)
		db, err := OpenOptions(p, Options{StaleAfter: -1})
		must(t, err)
		r := startRun(t, db, RunSpec{Name: "done", Params: map[string]string{"a": "1"}})
		must(t, r.SetFinalMetrics(map[string]float64{"map": 0.5}))
		must(t, r.Finish(nil))
		stale := startRun(t, db, RunSpec{Name: "stale"})
		// Leave "stale" RUNNING with an old heartbeat, as a crashed writer would.
		_, err = db.SQL().Exec(`UPDATE runs SET heartbeat = ? WHERE name = 'stale'`, fmtTime(time.Now().Add(-time.Hour)))
		must(t, err)
		close(stale.stop) // as if the process died: no more heartbeats
		<-stale.done
		must(t, db.Close())
		var before [32]byte
		var info0 os.FileInfo
		if b.name == "sqlite" {
			before = fileSum(t, p)
			info0, _ = os.Stat(p)
		}

		ro, err := OpenReadOnly(p)
		must(t, err)
		if !ro.ReadOnly() {
			t.Error("ReadOnly() = false")
		}
		runs, err := ro.SearchRuns("", "", 0)
		must(t, err)
		if len(runs) != 2 {
			t.Fatalf("read %d runs, want 2", len(runs))
		}
		for _, rr := range runs {
			if rr.Name == "stale" && rr.Status != StatusRunning {
				t.Errorf("reader changed the stale run to %s", rr.Status)
			}
		}
		if _, err := ro.StartRun(RunSpec{Experiment: "exp", Name: "x"}); !errors.Is(err, ErrReadOnly) {
			t.Errorf("StartRun on a read-only DB: %v, want ErrReadOnly", err)
		}
		if _, err := ro.GC(0); !errors.Is(err, ErrReadOnly) {
			t.Errorf("GC on a read-only DB: %v, want ErrReadOnly", err)
		}
		if err := ro.DeleteRun(runs[0].ID); !errors.Is(err, ErrReadOnly) {
			t.Errorf("DeleteRun on a read-only DB: %v, want ErrReadOnly", err)
		}
		// Beneath the API, the handle itself cannot write.
		if _, err := ro.SQL().Exec(`UPDATE runs SET name = 'changed'`); err == nil {
			t.Error("an UPDATE through a reader's SQL() handle succeeded")
		}
		must(t, ro.Close())
		if b.name == "sqlite" {
			if fileSum(t, p) != before {
				t.Error("the database file changed under a reader")
			}
			if info, _ := os.Stat(p); !info.ModTime().Equal(info0.ModTime()) {
				t.Error("the database file's mtime changed under a reader")
			}
			return
		}
		db = openDB(t, p, Options{StaleAfter: -1})
		rs, err := db.SearchRuns(`name = "changed" or (name = "stale" and status != "RUNNING")`, "", 0)
		if err != nil || len(rs) != 0 {
			t.Errorf("the reader changed the database: %d runs, %v", len(rs), err)
		}
	})
}

func TestOpenReadOnlyErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenReadOnly(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("OpenReadOnly created the missing database")
	}
	if _, err := OpenReadOnly(dir); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("folder: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	must(t, os.WriteFile(junk, []byte("not sqlite"), 0o644))
	if _, err := OpenReadOnly(junk); err == nil {
		t.Error("OpenReadOnly accepted a file that is not SQLite")
	}
	// A corrupt (negative) or future schema version is an error, for the
	// reader and the writer alike, never a panic.
	for _, v := range []int{-1, len(migrations) + 1} {
		p := filepath.Join(dir, "v.db")
		os.Remove(p)
		db, err := Open(p)
		must(t, err)
		_, err = db.SQL().Exec(`UPDATE schema_version SET version = ?`, v)
		must(t, err)
		db.Close()
		if _, err := OpenReadOnly(p); err == nil {
			t.Errorf("reader accepted schema version %d", v)
		}
		if _, err := Open(p); err == nil {
			t.Errorf("writer accepted schema version %d", v)
		}
	}
	_ = sql.ErrNoRows
}
