package tracker

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otclir/otclir/internal/fulldisk"
)

// TestSchema1Compatibility: a database written before the pid columns is
// read as is by a reader (pid 0) and migrated by a writer, whose GC then
// judges its RUNNING run by the heartbeat alone.
func TestSchema1Compatibility(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	raw, err := sql.Open("sqlite3", "file:"+path)
	must(t, err)
	old := fmtTime(time.Now().Add(-time.Hour))
	host, _ := os.Hostname()
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version(version) VALUES (1)`,
		migrations[0],
		`INSERT INTO experiments(name, created) VALUES ('exp', '` + old + `')`,
		`INSERT INTO runs(name, experiment_id, status, start_time, heartbeat, host, config_hash)
			VALUES ('legacy', 1, 'RUNNING', '` + old + `', '` + old + `', '` + host + `', 'h')`,
	} {
		_, err := raw.Exec(q)
		must(t, err)
	}
	must(t, raw.Close())
	ro, err := OpenReadOnly(path)
	must(t, err)
	runs, err := ro.SearchRuns("", "", 0)
	must(t, err)
	if len(runs) != 1 || runs[0].PID != 0 || runs[0].Status != StatusRunning {
		t.Fatalf("reader of a schema 1 file: %+v", runs)
	}
	must(t, ro.Close())
	db, err := Open(path)
	must(t, err)
	defer db.Close()
	var v int
	must(t, db.sql.QueryRow(`SELECT version FROM schema_version`).Scan(&v))
	if v != SchemaVersion || SchemaVersion != 3 {
		t.Errorf("schema version %d after Open, want %d = 3", v, SchemaVersion)
	}
	if rr, _ := db.GetRun(runs[0].ID); rr.Status != StatusKilled || !strings.Contains(rr.Error, "process died?") {
		t.Errorf("legacy stale run after Open: %s %q", rr.Status, rr.Error)
	}
}

// TestOpenReadOnlyOnFullDisk: with no space left, a reader still lists
// the runs (`runs ls`): of a closed database (its -shm file cannot be
// created, so it is read immutable) and beside a live writer.
func TestOpenReadOnlyOnFullDisk(t *testing.T) {
	root := fulldisk.Mount(t, 2<<20)
	p := filepath.Join(root, "results.db")
	db, err := Open(p)
	must(t, err)
	r := startRun(t, db, RunSpec{Name: "a"})
	must(t, r.SetFinalMetrics(map[string]float64{"map": 0.5}))
	must(t, r.Finish(nil))
	must(t, db.Close())
	before := fileSum(t, p)
	free := fulldisk.Fill(t, root)
	ro, err := OpenReadOnly(p)
	must(t, err)
	runs, err := ro.SearchRuns("", "", 0)
	if err != nil || len(runs) != 1 || runs[0].Final["map"] != 0.5 {
		t.Fatalf("reader on a full disk: %v, %v", runs, err)
	}
	must(t, ro.Close())
	if fileSum(t, p) != before {
		t.Error("the reader changed the database")
	}
	free()

	w, err := Open(p) // a live writer: -wal and -shm exist
	must(t, err)
	defer w.Close()
	r = startRun(t, w, RunSpec{Name: "b"})
	must(t, r.Finish(nil))
	free = fulldisk.Fill(t, root)
	defer free()
	ro, err = OpenReadOnly(p)
	must(t, err)
	defer ro.Close()
	if runs, err := ro.SearchRuns("", "", 0); err != nil || len(runs) != 2 {
		t.Fatalf("reader beside a live writer on a full disk: %d runs, %v", len(runs), err)
	}
}
