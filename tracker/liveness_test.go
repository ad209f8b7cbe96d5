//go:build unix

package tracker

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
	eachBackend(t, func(t *testing.T, b backend) {
		const stale = 200 * time.Millisecond
		path := b.location(t)
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
	})
}

// TestGCMarksDeadProcess: the run of a process that died (SIGKILL) is
// marked KILLED once its heartbeat is stale, naming the process.
func TestGCMarksDeadProcess(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		// Long enough that the Open right after the kill sees a fresh heartbeat
		// even on a loaded machine (200 ms flaked under load).
		const stale = 3 * time.Second
		path := b.location(t)
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
	})
}

// procIdentityKnown reports whether this system checks process liveness.
func procIdentityKnown() bool {
	_, known := processAlive(os.Getpid(), "")
	return known
}
