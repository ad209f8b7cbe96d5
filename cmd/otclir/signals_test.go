package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otclir/otclir/tracker"
)

// childEnv holds the command line (arguments separated by \x1f) that the
// test binary runs as the otclir program when it re-executes itself.
const childEnv = "OTCLIR_MAIN_CHILD"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childEnv); ok {
		os.Exit(realMain(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child starts `otclir args...` as a separate process and returns it with
// a channel of its stdout lines.
func child(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody is listening any more
			}
		}
		io.Copy(io.Discard, out)
	}()
	return cmd, lines
}

// waitLine waits for a stdout line starting with prefix.
func waitLine(t *testing.T, lines <-chan string, prefix string) {
	t.Helper()
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the child exited before printing %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return
			}
		case <-timeout:
			t.Fatalf("no line %q from the child", prefix)
		}
	}
}

// waitTraining waits until the child's database holds a RUNNING training
// run with a flushed loss, and returns its id.
func waitTraining(t *testing.T, dbPath string) int64 {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if db, err := tracker.OpenReadOnly(dbPath); err == nil {
			runs, _ := db.SearchRuns(`tags.kind = "train" and status = "RUNNING"`, "", 0)
			for _, r := range runs {
				if h, _ := db.MetricHistory(r.ID, "loss"); len(h) > 0 {
					db.Close()
					return r.ID
				}
			}
			db.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no training run logged a loss")
	return 0
}

// waitExit waits for the child and returns its exit status.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the child did not exit after the signal")
	}
	return cmd.ProcessState.ExitCode()
}

// TestHandleSignals sends SIGINT and SIGTERM to the otclir program (this
// test binary re-executed) during a training run, during tokenizer training
// and during data loading (the last two outside any tracked run): it must
// exit 130 or 143, with the training run KILLED by the signal's reason and
// nothing else recorded. (Before, HandleSignals called os.Exit from a
// library goroutine, racing the run's own writes, and signals outside a
// tracked run were swallowed: the command went on.)
func TestHandleSignals(t *testing.T) {
	needData(t)
	dir := t.TempDir()
	artifacts := filepath.Join(dir, "artifacts") // shared: the tokenizer trains once
	long := tinySettings + ";teacher.train_steps=1000000;teacher.log_every=1"
	for i, tc := range []struct {
		name   string
		sig    syscall.Signal
		code   int
		during string // "training", "tokenizer" or "loading"
		reason string // of the KILLED training run
	}{
		{"SIGINT while training", syscall.SIGINT, 130, "training", "signal: interrupt"},
		{"SIGTERM while training", syscall.SIGTERM, 143, "training", "signal: terminated"},
		{"SIGTERM while training the tokenizer", syscall.SIGTERM, 143, "tokenizer", ""},
		{"SIGINT while loading data", syscall.SIGINT, 130, "loading", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(dir, tc.during+"-"+string(rune('a'+i))+".db")
			args := []string{"train", "-small", "-db", db, "-artifacts", artifacts, "-set", long}
			if tc.during == "tokenizer" { // the default vocabulary takes long enough to train, in an empty cache
				args = []string{"train", "-small", "-db", db, "-artifacts", filepath.Join(dir, "tok-artifacts"), "-set", long + ";vocab_size=8000"}
			}
			cmd, lines := child(t, args...)
			switch tc.during {
			case "training":
				waitTraining(t, db)
			case "tokenizer":
				waitLine(t, lines, "tokenizer: training")
			case "loading":
				waitLine(t, lines, "otclir: data cache")
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			if code := waitExit(t, cmd); code != tc.code {
				t.Fatalf("exit status %d, want %d", code, tc.code)
			}
			if _, err := os.Stat(db); os.IsNotExist(err) {
				return // stopped before the database was opened: nothing recorded
			}
			d, err := tracker.OpenReadOnly(db)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			runs, err := d.SearchRuns("", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reason == "" {
				if len(runs) != 0 {
					t.Fatalf("a signal outside a tracked run left %d runs (first: %s %s)", len(runs), runs[0].Name, runs[0].Status)
				}
				return
			}
			if len(runs) != 1 || runs[0].Status != tracker.StatusKilled || runs[0].Error != tc.reason || runs[0].End.IsZero() {
				t.Fatalf("runs %+v, want one KILLED training run with reason %q", runs, tc.reason)
			}
		})
	}
}
