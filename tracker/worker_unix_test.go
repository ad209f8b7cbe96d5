//go:build unix

package tracker

import (
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGridWorkersSurviveSIGKILL: four worker processes share one queue;
// one is SIGKILLed in the middle of a cell. Its lease expires, another
// worker claims the cell again and marks the dead worker's run KILLED.
// Every cell ends DONE with exactly one FINISHED run, and the results are
// those of a single worker running the whole grid alone.
func TestGridWorkersSurviveSIGKILL(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		cfg := workerConfig{queue: "grid-test", cells: 12, steps: 4, lease: time.Second, step: 5 * time.Millisecond}

		// The reference: one worker, the whole grid.
		ref := b.location(t)
		w := startWorker(t, ref, cfg, 0, nil)
		if err := <-w.exit; err != nil {
			t.Fatalf("single worker: %v", err)
		}
		want := gridResults(t, ref, cfg.queue, cfg.cells)

		loc := b.location(t)
		openDB(t, loc, Options{}).Close() // migrate once, before the workers start
		lines := make(chan string, 1024)
		victim := startWorker(t, loc, cfg, 0, lines, workerHangEnv+"=1")
		var hungRun int64
		for l := range lines {
			var key string
			if _, err := fmt.Sscanf(l, "0 hanging %s run %d", &key, &hungRun); err == nil {
				break
			}
		}
		var others []*workerProc
		for i := 1; i < 4; i++ {
			others = append(others, startWorker(t, loc, cfg, i, lines))
		}
		must(t, victim.cmd.Process.Signal(syscall.SIGKILL))
		err := <-victim.exit
		if ws, ok := victim.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("victim ended with %v, not by SIGKILL", err)
		}
		go func() {
			for range lines { // drain
			}
		}()
		for i, o := range others {
			if err := <-o.exit; err != nil {
				t.Errorf("worker %d: %v", i+1, err)
			}
		}
		got := gridResults(t, loc, cfg.queue, cfg.cells)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("results differ from the single worker's:\n got %v\nwant %v", got, want)
		}
		db := openDB(t, loc, Options{StaleAfter: -1})
		rr, err := db.GetRun(hungRun)
		must(t, err)
		if rr.Status != StatusKilled || !strings.Contains(rr.Error, "expired") {
			t.Errorf("the SIGKILLed worker's run %d: %s %q, want KILLED by the lease expiry", hungRun, rr.Status, rr.Error)
		}
		cells, err := newQueue(t, db, cfg.queue).Cells()
		must(t, err)
		if cells[0].Attempts < 2 || cells[0].RunID == hungRun {
			t.Errorf("cell %s: %d attempts, run %d; want it claimed again", cells[0].Key, cells[0].Attempts, cells[0].RunID)
		}
	})
}
