package tracker

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otclir/otclir/internal/fulldisk"
)

// livenessChildEnv makes the test binary a child (see TestMain) that
// starts a run in the database it names, prints "run N", and finishes the
// run when it reads a line on stdin, printing "finished" (or the error).
const livenessChildEnv = "OTCLIR_TRACKER_LIVENESS_DB"

func runLivenessChild(path string) int {
	db, err := OpenOptions(path, Options{HeartbeatInterval: 20 * time.Millisecond, StaleAfter: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	defer db.Close()
	r, err := db.StartRun(RunSpec{Experiment: "liveness", Name: "child"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	fmt.Printf("run %d\n", r.ID())
	bufio.NewScanner(os.Stdin).Scan()
	if err := r.Finish(nil); err != nil {
		fmt.Printf("error: %v\n", err)
		return 3
	}
	fmt.Println("finished")
	return 0
}

type livenessChild struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	sc  *bufio.Scanner
	id  int64
}

func startLivenessChild(t *testing.T, path string) *livenessChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), livenessChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	must(t, err)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	c := &livenessChild{cmd: cmd, in: in, sc: bufio.NewScanner(out)}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c.id = readRunID(t, c.sc)
	return c
}

// waitStale waits until run id's heartbeat is older than d.
func waitStale(t *testing.T, path string, id int64, d time.Duration) {
	t.Helper()
	ro, err := OpenReadOnly(path)
	must(t, err)
	defer ro.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rr, err := ro.GetRun(id)
		must(t, err)
		if time.Since(rr.Heartbeat) > d {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heartbeat of run %d still fresh after 10 s", id)
		}
	}
}

// TestGCSparesStoppedProcess: a process suspended (SIGSTOP) past
// StaleAfter keeps its run RUNNING through another process's Open and GC,
// and finishes it when it resumes. (Before pids were recorded, the Open
// marked it KILLED and the resumed Finish failed.)
func TestGCSparesStoppedProcess(t *testing.T) {
	const stale = 200 * time.Millisecond
	path := filepath.Join(t.TempDir(), "r.db")
	c := startLivenessChild(t, path)
	must(t, c.cmd.Process.Signal(syscall.SIGSTOP))
	waitStale(t, path, c.id, 2*stale)
	db, err := OpenOptions(path, Options{StaleAfter: stale})
	must(t, err)
	defer db.Close()
	if n, err := db.GC(stale); err != nil || n != 0 {
		t.Errorf("GC = %d, %v; want 0", n, err)
	}
	if rr, _ := db.GetRun(c.id); rr.Status != StatusRunning {
		t.Fatalf("stopped process's run is %s (%q), want RUNNING", rr.Status, rr.Error)
	}
	must(t, c.cmd.Process.Signal(syscall.SIGCONT))
	fmt.Fprintln(c.in, "finish")
	if !c.sc.Scan() || c.sc.Text() != "finished" {
		t.Fatalf("resumed child: %q %v", c.sc.Text(), c.sc.Err())
	}
	must(t, c.cmd.Wait())
	if rr, _ := db.GetRun(c.id); rr.Status != StatusFinished {
		t.Errorf("run after the resumed Finish: %s", rr.Status)
	}
}

// TestGCMarksDeadProcess: the run of a process that died (SIGKILL) is
// marked KILLED once its heartbeat is stale, naming the process.
func TestGCMarksDeadProcess(t *testing.T) {
	const stale = 200 * time.Millisecond
	path := filepath.Join(t.TempDir(), "r.db")
	c := startLivenessChild(t, path)
	pid := c.cmd.Process.Pid
	must(t, c.cmd.Process.Kill())
	c.cmd.Wait()
	db, err := OpenOptions(path, Options{StaleAfter: stale})
	must(t, err)
	defer db.Close()
	if rr, _ := db.GetRun(c.id); rr.Status != StatusRunning {
		t.Fatalf("run with a fresh heartbeat marked %s", rr.Status)
	}
	waitStale(t, path, c.id, stale+50*time.Millisecond)
	if n, err := db.GC(stale); err != nil || n != 1 {
		t.Fatalf("GC = %d, %v; want 1", n, err)
	}
	rr, _ := db.GetRun(c.id)
	if rr.Status != StatusKilled || !strings.Contains(rr.Error, "no heartbeat since") ||
		(procIdentityKnown() && !strings.Contains(rr.Error, fmt.Sprintf("process %d on", pid))) {
		t.Errorf("dead process's run: %s %q", rr.Status, rr.Error)
	}
	if rr.PID != pid {
		t.Errorf("recorded pid %d, want %d", rr.PID, pid)
	}
}

// procIdentityKnown reports whether this system checks process liveness.
func procIdentityKnown() bool {
	_, known := processAlive(os.Getpid(), "")
	return known
}

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
	if v != SchemaVersion || SchemaVersion != 2 {
		t.Errorf("schema version %d after Open, want %d = 2", v, SchemaVersion)
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
