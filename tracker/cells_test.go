package tracker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newQueue(t testing.TB, db *DB, name string) *Queue {
	t.Helper()
	q, err := db.Queue(name)
	must(t, err)
	return q
}

func cellSpecs(keys ...string) []CellSpec {
	out := make([]CellSpec, len(keys))
	for i, k := range keys {
		out[i] = CellSpec{Key: k, Spec: "spec of " + k}
	}
	return out
}

func cellStatesOf(t testing.TB, q *Queue) string {
	t.Helper()
	cells, err := q.Cells()
	must(t, err)
	var s []string
	for _, c := range cells {
		s = append(s, c.Key+"="+c.State)
	}
	return strings.Join(s, ",")
}

func TestQueueSubmit(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		q := newQueue(t, db, "grid-a")
		n, err := q.Submit(cellSpecs("c1", "c2", "c3"))
		if err != nil || n != 3 {
			t.Fatalf("Submit = %d, %v; want 3", n, err)
		}
		// Submitting again (another worker starting) adds only what is new.
		n, err = q.Submit(cellSpecs("c2", "c4", "c1"))
		if err != nil || n != 1 {
			t.Fatalf("second Submit = %d, %v; want 1", n, err)
		}
		if got := cellStatesOf(t, q); got != "c1=PENDING,c2=PENDING,c3=PENDING,c4=PENDING" {
			t.Errorf("cells %s", got)
		}
		other := newQueue(t, db, "grid-b")
		if n, _ := other.Submit(cellSpecs("c1")); n != 1 {
			t.Errorf("a key of another queue was not added")
		}
		for _, bad := range [][]CellSpec{{{Key: ""}}, cellSpecs("x", "x")} {
			if _, err := q.Submit(bad); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("Submit(%v) = %v, want ErrInvalidArgument", bad, err)
			}
		}
		if _, err := db.Queue("../x"); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Queue(../x) = %v, want ErrInvalidArgument", err)
		}
		counts, err := q.Counts()
		must(t, err)
		if counts != (CellCounts{Pending: 4}) || counts.Total() != 4 {
			t.Errorf("Counts = %+v", counts)
		}
	})
}

// A claim's end follows its run's: FINISHED makes the cell DONE, FAILED
// FAILED, KILLED PENDING again; Done, Fail and Release settle a claim
// without a run.
func TestClaimSettles(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		q := newQueue(t, db, "g")
		_, err := q.Submit(cellSpecs("finished", "failed", "killed", "cached", "released"))
		must(t, err)
		ctx := context.Background()
		claim := func() *Claim {
			t.Helper()
			c, err := q.Claim(ctx, ClaimOptions{Worker: "w1"})
			must(t, err)
			return c
		}
		c := claim()
		if c.Key != "finished" || c.Spec != "spec of finished" || c.Attempt != 1 || c.Worker != "w1" {
			t.Errorf("first claim %+v", c)
		}
		r := startRun(t, db, RunSpec{Name: "finished", Cell: c})
		must(t, r.Finish(nil))
		must(t, c.Close()) // settled: a no-op
		if c.Context().Err() == nil {
			t.Error("a settled claim's context is not done")
		}

		c = claim()
		r2 := startRun(t, db, RunSpec{Name: "failed", Cell: c})
		must(t, r2.Finish(errors.New("diverged")))

		c = claim()
		r3 := startRun(t, db, RunSpec{Name: "killed", Cell: c})
		must(t, r3.Kill("signal: terminated"))

		// The killed cell is pending again, and first in order.
		c = claim()
		if c.Key != "killed" || c.Attempt != 2 {
			t.Errorf("after a KILLED run: claimed %q attempt %d, want killed attempt 2", c.Key, c.Attempt)
		}
		must(t, c.Done(r.ID()))
		if err := c.Done(r.ID()); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("second Done = %v, want ErrLeaseLost (already settled)", err)
		}

		c = claim()
		must(t, c.Done(0))
		c = claim()
		must(t, c.Release())
		c = claim()
		if c.Key != "released" {
			t.Errorf("after Release: claimed %q", c.Key)
		}
		must(t, c.Fail("bad input"))
		if _, err := q.Claim(ctx, ClaimOptions{}); !errors.Is(err, ErrQueueDone) {
			t.Errorf("Claim on a settled queue = %v, want ErrQueueDone", err)
		}
		if got := cellStatesOf(t, q); got != "finished=DONE,failed=FAILED,killed=DONE,cached=DONE,released=FAILED" {
			t.Errorf("cells %s", got)
		}
		cells, err := q.Cells()
		must(t, err)
		if cells[0].RunID != r.ID() || cells[1].RunID != r2.ID() || cells[1].Error != "diverged" || cells[2].RunID != r.ID() ||
			cells[4].Error != "bad input" || cells[2].Attempts != 2 {
			t.Errorf("cell records %+v", cells)
		}
		if n, err := q.RetryFailed(); err != nil || n != 2 {
			t.Errorf("RetryFailed = %d, %v; want 2", n, err)
		}
		if c := claim(); c.Key != "failed" {
			t.Errorf("after RetryFailed: claimed %q", c.Key)
		}
	})
}

// stall stops a claim's lease renewal, as a worker that died or hangs
// would.
func stall(c *Claim) { c.stopRenewal() }

// A worker that stops renewing loses the cell once the lease expires: the
// next Claim waits for that, takes the cell and marks the old run KILLED,
// whose Finish then fails. The cell is FINISHED once.
func TestLeaseExpiryReclaims(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		loc := b.location(t)
		dbA := openDB(t, loc, Options{})
		dbB := openDB(t, loc, Options{})
		qA, qB := newQueue(t, dbA, "g"), newQueue(t, dbB, "g")
		_, err := qA.Submit(cellSpecs("only"))
		must(t, err)
		ctx := context.Background()
		const lease = 400 * time.Millisecond
		claimedA := time.Now()
		a, err := qA.Claim(ctx, ClaimOptions{Worker: "A", Lease: lease})
		must(t, err)
		runA := startRun(t, dbA, RunSpec{Name: "A", Cell: a})
		stall(a)
		bc, err := qB.Claim(ctx, ClaimOptions{Worker: "B", Lease: lease})
		must(t, err)
		// B gets the cell only once A's lease (taken after claimedA) expired.
		if held := time.Since(claimedA); bc.Key != "only" || bc.Attempt != 2 || held < lease {
			t.Errorf("B claimed %q attempt %d %v after A's claim, want the cell after the %v lease", bc.Key, bc.Attempt, held, lease)
		}
		rr, _ := dbB.GetRun(runA.ID())
		if rr.Status != StatusKilled || !strings.Contains(rr.Error, "worker A stopped renewing") {
			t.Errorf("A's run after B's claim: %s %q", rr.Status, rr.Error)
		}
		runB := startRun(t, dbB, RunSpec{Name: "B", Cell: bc})
		if err := runA.Finish(nil); !errors.Is(err, ErrRunEnded) {
			t.Errorf("A's Finish after losing the cell = %v, want ErrRunEnded", err)
		}
		must(t, a.Close()) // nothing to release: the cell is B's
		must(t, runB.Finish(nil))
		finished, err := dbB.SearchRuns(`status = "FINISHED"`, "", 0)
		must(t, err)
		if len(finished) != 1 || finished[0].ID != runB.ID() {
			t.Errorf("FINISHED runs %s, want only B's", names(finished))
		}
		if got := cellStatesOf(t, qB); got != "only=DONE" {
			t.Errorf("cells %s", got)
		}
	})
}

// The holder of a lease that was taken over sees its claim's context
// cancelled with ErrLeaseLost, and a run whose cell is no longer its own
// cannot end FINISHED.
func TestLeaseLost(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		q := newQueue(t, db, "g")
		_, err := q.Submit(cellSpecs("x", "y"))
		must(t, err)
		a, err := q.Claim(context.Background(), ClaimOptions{Worker: "A", Lease: 150 * time.Millisecond})
		must(t, err)
		// Another worker takes the cell over (as after an expiry).
		_, err = db.sql.Exec(`UPDATE cells SET token = 'other', worker = 'B', lease_until = ? WHERE key = 'x'`,
			time.Now().Add(time.Hour).UnixNano())
		must(t, err)
		select {
		case <-a.Context().Done():
			if !errors.Is(context.Cause(a.Context()), ErrLeaseLost) {
				t.Errorf("cause %v, want ErrLeaseLost", context.Cause(a.Context()))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("lost lease not noticed in 10 s")
		}
		if _, err := db.StartRun(RunSpec{Experiment: "e", Cell: a}); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("StartRun on a lost claim = %v, want ErrLeaseLost", err)
		}

		c, err := q.Claim(context.Background(), ClaimOptions{Worker: "A"})
		must(t, err)
		r := startRun(t, db, RunSpec{Name: "y", Cell: c})
		if c.Key != "y" {
			t.Fatalf("claimed %q, want y (x is B's)", c.Key)
		}
		_, err = db.sql.Exec(`UPDATE cells SET token = 'other' WHERE key = 'y'`)
		must(t, err)
		if err := r.Finish(nil); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("Finish after losing the lease = %v, want ErrLeaseLost", err)
		}
		rr, _ := db.GetRun(r.ID())
		if rr.Status != StatusKilled || !strings.Contains(rr.Error, "lease of grid cell \"y\"") {
			t.Errorf("run after a lost lease: %s %q", rr.Status, rr.Error)
		}
		if got := cellStatesOf(t, q); got != "x=CLAIMED,y=CLAIMED" {
			t.Errorf("cells %s: the other worker's claims must stay", got)
		}
	})
}

// Claim honours its context while it waits for other workers' cells.
func TestClaimWaitsAndCancels(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		q := newQueue(t, db, "g")
		_, err := q.Submit(cellSpecs("x"))
		must(t, err)
		held, err := q.Claim(context.Background(), ClaimOptions{Lease: time.Minute})
		must(t, err)
		defer held.Close()
		ctx, cancel := context.WithCancelCause(context.Background())
		stopped := errors.New("signal: interrupt")
		time.AfterFunc(100*time.Millisecond, func() { cancel(stopped) })
		if _, err := q.Claim(ctx, ClaimOptions{Poll: 10 * time.Millisecond}); !errors.Is(err, stopped) {
			t.Errorf("Claim while the only cell is held = %v, want the context's cause", err)
		}
		// Settling the held cell ends the wait of the next Claim.
		done := make(chan error, 1)
		go func() {
			_, err := q.Claim(context.Background(), ClaimOptions{Poll: 10 * time.Millisecond})
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		must(t, held.Done(0))
		select {
		case err := <-done:
			if !errors.Is(err, ErrQueueDone) {
				t.Errorf("waiting Claim = %v, want ErrQueueDone", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("waiting Claim did not return after the last cell was settled")
		}
	})
}

// Goroutines with handles of their own claim concurrently: every cell is
// claimed exactly once.
func TestClaimConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		loc := b.location(t)
		const workers, cells = 6, 60
		q := newQueue(t, openDB(t, loc, Options{}), "g")
		keys := make([]string, cells)
		for i := range keys {
			keys[i] = fmt.Sprintf("c%02d", i)
		}
		_, err := q.Submit(cellSpecs(keys...))
		must(t, err)
		var mu sync.Mutex
		claimed := map[string]string{}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wq := newQueue(t, openDB(t, loc, Options{}), "g")
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("w%d", w)
				for {
					c, err := wq.Claim(context.Background(), ClaimOptions{Worker: name})
					if errors.Is(err, ErrQueueDone) {
						return
					}
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if prev, dup := claimed[c.Key]; dup {
						errs <- fmt.Errorf("cell %s claimed by %s and %s", c.Key, prev, name)
					}
					claimed[c.Key] = name
					mu.Unlock()
					if err := c.Done(0); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(claimed) != cells {
			t.Errorf("%d cells claimed, want %d", len(claimed), cells)
		}
		if c, _ := q.Counts(); c != (CellCounts{Done: cells}) {
			t.Errorf("counts %+v", c)
		}
	})
}

// BenchmarkClaim is the queue's own cost: goroutines with a handle each
// claim cells that take no work and settle them DONE, as fast as they can
// (claims/s is the figure; ns/op is per cell). The clock stops when the
// last cell is DONE: a worker left with nothing to claim waits up to a
// Poll for the others to finish, which is not the queue's rate (with the
// default Poll of 1 s that tail was most of the time with 2 or more
// workers, and kept b.N at a few dozen cells).
func BenchmarkClaim(b *testing.B) {
	eachBackendB(b, func(b *testing.B, be backend) {
		for _, workers := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
				loc := be.location(b)
				q := newQueue(b, openDB(b, loc, Options{}), "bench")
				keys := make([]string, b.N)
				for i := range keys {
					keys[i] = fmt.Sprintf("c%09d", i)
				}
				_, err := q.Submit(cellSpecs(keys...))
				must(b, err)
				queues := make([]*Queue, workers)
				for w := range queues {
					queues[w] = newQueue(b, openDB(b, loc, Options{}), "bench")
				}
				var settled atomic.Int64
				var elapsed time.Duration // until the last cell is DONE
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for _, wq := range queues {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							c, err := wq.Claim(context.Background(), ClaimOptions{Poll: 10 * time.Millisecond})
							if err != nil {
								if !errors.Is(err, ErrQueueDone) {
									b.Error(err)
								}
								return
							}
							if err := c.Done(0); err != nil {
								b.Error(err)
								return
							}
							if settled.Add(1) == int64(b.N) {
								b.StopTimer() // read by the benchmark goroutine after wg.Wait
								elapsed = time.Since(start)
							}
						}
					}()
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "claims/s")
			})
		}
	})
}
