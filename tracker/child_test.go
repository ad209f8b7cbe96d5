package tracker

// Multi-process tests: the test binary re-executes itself with childEnv
// set (see TestMain) to act as an independent logger process.

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	childDBEnv     = "OTCLIR_TRACKER_CHILD_DB"
	childPointsEnv = "OTCLIR_TRACKER_CHILD_POINTS"
)

// runChild is the main function of a child process; it returns the exit
// status.
func runChild(role string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	db, err := Open(os.Getenv(childDBEnv))
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	r, err := db.StartRun(RunSpec{Experiment: "child-" + role, Name: fmt.Sprint(os.Getpid()),
		Params: map[string]string{"role": role}})
	if err != nil {
		return fail(err)
	}
	fmt.Printf("run %d\n", r.ID())
	switch role {
	case "crash":
		// Log two metrics per step, Flush every 3 steps, and print the
		// last step whose points are durable; run until killed.
		for step := int64(0); step < 10_000_000; step++ {
			if err := r.LogMetric("loss", step, 1/float64(step+1)); err != nil {
				return fail(err)
			}
			if err := r.LogMetric("acc", step, float64(step)); err != nil {
				return fail(err)
			}
			if step%3 == 2 {
				if err := r.Flush(); err != nil {
					return fail(err)
				}
				fmt.Printf("ack %d\n", step)
			}
		}
	case "concurrent":
		n, err := strconv.Atoi(os.Getenv(childPointsEnv))
		if err != nil {
			return fail(err)
		}
		for i := 0; i < n; i++ {
			if err := r.LogMetric("loss", int64(i), float64(i)); err != nil {
				return fail(err)
			}
		}
		if err := r.Finish(nil); err != nil {
			return fail(err)
		}
		fmt.Println("done")
	default:
		return fail(fmt.Errorf("unknown role %q", role))
	}
	return 0
}

// child starts the test binary as a child logger with role.
func child(t *testing.T, role, dbPath string, env ...string) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + role, childDBEnv + "=" + dbPath}, env...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// readRunID reads the child's "run N" line.
func readRunID(t *testing.T, sc *bufio.Scanner) int64 {
	t.Helper()
	if !sc.Scan() {
		t.Fatalf("child printed no run id: %v", sc.Err())
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(sc.Text(), "run "), 10, 64)
	if err != nil {
		t.Fatalf("child line %q: %v", sc.Text(), err)
	}
	return id
}

// TestCrashKeepsAcknowledgedMetrics kills a logging child with SIGKILL at
// random moments and checks the file and every acknowledged point survive.
func TestCrashKeepsAcknowledgedMetrics(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		kills := 25
		if testing.Short() {
			kills = 20 // the brief's minimum
		}
		path := b.location(t)
		rng := rand.New(rand.NewSource(1)) // fixed seed: reproducible kill delays
		totalAcked := 0
		for i := 0; i < kills; i++ {
			cmd, out := child(t, "crash", path)
			sc := bufio.NewScanner(out)
			id := readRunID(t, sc)
			var mu sync.Mutex
			acked := int64(-1)
			readDone := make(chan struct{})
			go func() {
				defer close(readDone)
				for sc.Scan() {
					if s, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
						n, _ := strconv.ParseInt(s, 10, 64)
						mu.Lock()
						acked = n
						mu.Unlock()
					}
				}
			}()
			time.Sleep(time.Duration(rng.Intn(150)) * time.Millisecond)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-readDone
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("kill %d: child ended with %v, not by SIGKILL", i, err)
			}
			mu.Lock()
			last := acked
			mu.Unlock()

			db, err := Open(path)
			if err != nil {
				t.Fatalf("kill %d: reopen: %v", i, err)
			}
			if !db.Postgres() {
				var check string
				if err := db.sql.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
					t.Fatalf("kill %d: integrity_check = %q, %v", i, check, err)
				}
			}
			n, err := db.GC(0)
			if err != nil || n != 1 {
				t.Errorf("kill %d: GC(0) = %d, %v; want 1 run marked", i, n, err)
			}
			rr, err := db.GetRun(id)
			if err != nil || rr.Status != StatusKilled {
				t.Errorf("kill %d: run %d = %+v, %v; want KILLED", i, id, rr, err)
			}
			for _, key := range []string{"loss", "acc"} {
				var distinct int64
				if err := db.sql.QueryRow(`SELECT COUNT(DISTINCT step) FROM metrics WHERE run_id = ? AND key = ? AND step <= ?`,
					id, key, last).Scan(&distinct); err != nil {
					t.Fatal(err)
				}
				if distinct != last+1 {
					t.Errorf("kill %d: run %d %s: %d of the %d acknowledged steps present", i, id, key, distinct, last+1)
				}
			}
			db.Close()
			totalAcked += int(last + 1)
		}
		t.Logf("%d kills, %d acknowledged steps checked", kills, totalAcked)
	})
}

// TestConcurrentProcesses has 4 processes log 10,000 points each into one
// file at the same time.
func TestConcurrentProcesses(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		const procs, points = 4, 10_000
		path := b.location(t)
		// Create the schema first so the children do not all migrate at once
		// (they could: migration runs in an immediate transaction).
		db, err := Open(path)
		must(t, err)
		defer db.Close()
		type result struct {
			id  int64
			err error
		}
		results := make(chan result, procs)
		for p := 0; p < procs; p++ {
			cmd, out := child(t, "concurrent", path, fmt.Sprintf("%s=%d", childPointsEnv, points))
			go func() {
				all, _ := io.ReadAll(out)
				err := cmd.Wait()
				var id int64
				if _, serr := fmt.Sscanf(string(all), "run %d\ndone\n", &id); serr != nil && err == nil {
					err = fmt.Errorf("child output %q: %v", all, serr)
				}
				results <- result{id, err}
			}()
		}
		total := 0
		for p := 0; p < procs; p++ {
			res := <-results
			if res.err != nil {
				t.Errorf("child: %v", res.err)
				continue
			}
			var n int
			must(t, db.sql.QueryRow(`SELECT COUNT(*) FROM metrics WHERE run_id = ?`, res.id).Scan(&n))
			if n != points {
				t.Errorf("run %d has %d points, want %d", res.id, n, points)
			}
			rr, err := db.GetRun(res.id)
			must(t, err)
			if rr.Status != StatusFinished || rr.Latest["loss"] != points-1 {
				t.Errorf("run %d: status %s latest %v", res.id, rr.Status, rr.Latest)
			}
			total += n
		}
		var rows int
		must(t, db.sql.QueryRow(`SELECT COUNT(*) FROM metrics`).Scan(&rows))
		if rows != procs*points || total != procs*points {
			t.Errorf("metrics table has %d rows (%d in checked runs), want %d", rows, total, procs*points)
		}
	})
}
