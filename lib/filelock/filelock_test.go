package filelock

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// holderEnv makes the test binary a child that takes the lock of the path
// in it, prints "locked" and sleeps until killed.
const holderEnv = "OTCLIR_FILELOCK_HOLD"

func TestMain(m *testing.M) {
	if p := os.Getenv(holderEnv); p != "" {
		l, err := Lock(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Println("locked")
		time.Sleep(time.Hour)
		l.Unlock()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestLockAcrossProcesses: a lock held by another process makes TryLock
// fail with ErrLocked and Lock wait; the holder dying (SIGKILL, no Unlock)
// releases it.
func TestLockAcrossProcesses(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("flock is a no-op here")
	}
	for _, kind := range []string{"file", "folder"} {
		t.Run(kind, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.lock")
			if kind == "folder" {
				if err := os.Mkdir(p, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), holderEnv+"="+p)
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if sc := bufio.NewScanner(out); !sc.Scan() || sc.Text() != "locked" {
				cmd.Process.Kill()
				t.Fatalf("holder did not report the lock: %q %v", sc.Text(), sc.Err())
			}
			if l, err := TryLock(p); !errors.Is(err, ErrLocked) {
				l.Unlock()
				t.Fatalf("TryLock while another process holds the lock = %v, want ErrLocked", err)
			}
			got := make(chan error, 1)
			go func() {
				l, err := Lock(p) // waits for the holder to die
				if err == nil {
					err = l.Unlock()
				}
				got <- err
			}()
			select {
			case err := <-got:
				t.Fatalf("Lock returned (%v) while the holder is alive", err)
			case <-time.After(100 * time.Millisecond):
			}
			cmd.Process.Kill()
			cmd.Wait()
			select {
			case err := <-got:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Lock still waiting 10 s after the holder was killed")
			}
		})
	}
}

func TestTryLockThenUnlock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "y.lock")
	l, err := TryLock(p)
	if err != nil {
		t.Fatal(err)
	}
	if l.Path() != p {
		t.Errorf("Path() = %q", l.Path())
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Errorf("second Unlock = %v, want nil", err)
	}
	l2, err := TryLock(p)
	if err != nil {
		t.Fatalf("TryLock after Unlock: %v", err)
	}
	l2.Unlock()
	if _, err := Lock(filepath.Join(p, "under-a-file", "z")); err == nil {
		t.Error("Lock of a path under a regular file succeeded")
	}
}
