package tracker

// A generic grid worker: the test binary re-executed with workerEnv set
// (see TestMain) claims cells of a queue until none is left, evaluating
// each with a deterministic stand-in for a grid cell (a curve of metrics,
// final metrics and per-query values, all functions of the cell's seed).

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

const (
	workerEnv       = "OTCLIR_TRACKER_WORKER" // the database location
	workerQueueEnv  = "OTCLIR_TRACKER_WORKER_QUEUE"
	workerCellsEnv  = "OTCLIR_TRACKER_WORKER_CELLS"
	workerLeaseEnv  = "OTCLIR_TRACKER_WORKER_LEASE"
	workerStepEnv   = "OTCLIR_TRACKER_WORKER_STEP"  // sleep per step of a cell
	workerHangEnv   = "OTCLIR_TRACKER_WORKER_HANG"  // "1": hang at step 1 of the first cell
	workerSpinEnv   = "OTCLIR_TRACKER_WORKER_SPIN"  // CPU work per step (hash rounds)
	workerStepsEnv  = "OTCLIR_TRACKER_WORKER_STEPS" // steps per cell (default 4)
	workerExperimnt = "grid"
)

// gridCells is the test grid: n cells, each with a seed.
func gridCells(n int) []CellSpec {
	out := make([]CellSpec, n)
	for i := range out {
		out[i] = CellSpec{Key: fmt.Sprintf("cell-%02d", i), Spec: strconv.Itoa(1000 + 7*i)}
	}
	return out
}

// cellValue is the stand-in evaluation: a pseudo-random value in [0, 1)
// determined by the seed, a name and an index (FNV-1a, so every worker
// computes the same).
func cellValue(seed, name string, i int) float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s/%d", seed, name, i)
	return float64(h.Sum64()>>11) / (1 << 53)
}

// spin burns CPU for rounds hash rounds: the cost of a cell's step.
func spin(rounds int) uint64 {
	h := fnv.New64a()
	var b [8]byte
	x := uint64(0)
	for i := 0; i < rounds; i++ {
		b[0], b[1] = byte(i), byte(x)
		h.Write(b[:])
		x = h.Sum64()
	}
	return x
}

type workerConfig struct {
	queue          string
	cells, steps   int
	lease, step    time.Duration
	spin           int
	hang           bool
	out            io.Writer
	heartbeatEvery time.Duration
	dir            string // the workers' working folder ("": this one's)
}

func workerConfigFromEnv() (workerConfig, error) {
	c := workerConfig{queue: os.Getenv(workerQueueEnv), steps: 4, out: os.Stdout}
	var err error
	if c.cells, err = strconv.Atoi(os.Getenv(workerCellsEnv)); err != nil {
		return c, fmt.Errorf("%s: %v", workerCellsEnv, err)
	}
	if s := os.Getenv(workerStepsEnv); s != "" {
		if c.steps, err = strconv.Atoi(s); err != nil {
			return c, fmt.Errorf("%s: %v", workerStepsEnv, err)
		}
	}
	if c.lease, err = time.ParseDuration(os.Getenv(workerLeaseEnv)); err != nil {
		return c, fmt.Errorf("%s: %v", workerLeaseEnv, err)
	}
	if c.step, err = time.ParseDuration(os.Getenv(workerStepEnv)); err != nil {
		return c, fmt.Errorf("%s: %v", workerStepEnv, err)
	}
	if s := os.Getenv(workerSpinEnv); s != "" {
		if c.spin, err = strconv.Atoi(s); err != nil {
			return c, fmt.Errorf("%s: %v", workerSpinEnv, err)
		}
	}
	c.hang = os.Getenv(workerHangEnv) == "1"
	return c, nil
}

func runWorker(location string) int {
	cfg, err := workerConfigFromEnv()
	if err == nil {
		var n int
		n, err = work(context.Background(), location, cfg)
		if err == nil {
			fmt.Fprintf(cfg.out, "worker done %d\n", n)
			return 0
		}
	}
	fmt.Fprintln(os.Stderr, "worker:", err)
	return 3
}

// work claims and evaluates cells until the queue is done; it returns how
// many cells this worker settled.
func work(ctx context.Context, location string, cfg workerConfig) (int, error) {
	db, err := OpenOptions(location, Options{HeartbeatInterval: cfg.lease / 3})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	q, err := db.Queue(cfg.queue)
	if err != nil {
		return 0, err
	}
	if _, err := q.Submit(gridCells(cfg.cells)); err != nil {
		return 0, err
	}
	n := 0
	for first := true; ; first = false {
		c, err := q.Claim(ctx, ClaimOptions{Lease: cfg.lease})
		if errors.Is(err, ErrQueueDone) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		err = evaluateCell(db, c, cfg, first && cfg.hang)
		c.Close()
		switch {
		case errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrRunEnded):
			// Another worker took the cell over (this one was too slow
			// to renew); it evaluates it.
			fmt.Fprintf(cfg.out, "lost %s: %v\n", c.Key, err)
		case err != nil:
			return n, err
		default:
			n++
		}
	}
}

// evaluateCell evaluates one claimed cell in a run of its own, unless a
// FINISHED run of it exists (a cache hit, as a grid's Evaluate does).
func evaluateCell(db *DB, c *Claim, cfg workerConfig, hang bool) error {
	params := map[string]string{"cell": c.Key, "seed": c.Spec}
	if rr, err := db.FindFinished(workerExperimnt, ConfigHash(workerExperimnt, params)); err == nil {
		return c.Done(rr.ID)
	} else if !errors.Is(err, ErrRunNotFound) {
		return err
	}
	r, err := db.StartRun(RunSpec{Experiment: workerExperimnt, Name: c.Key, Params: params, Cell: c})
	if err != nil {
		return err
	}
	ctx := c.Context()
	err = func() error {
		for step := 0; step < cfg.steps; step++ {
			if err := ctx.Err(); err != nil {
				return context.Cause(ctx)
			}
			spin(cfg.spin)
			if err := r.LogMetric("loss", int64(step), cellValue(c.Spec, "loss", step)); err != nil {
				return err
			}
			if err := r.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cfg.out, "cell %s step %d run %d\n", c.Key, step, r.ID())
			if hang && step == 1 {
				fmt.Fprintf(cfg.out, "hanging %s run %d\n", c.Key, r.ID())
				select {} // holds the cell mid-evaluation until SIGKILL
			}
			time.Sleep(cfg.step)
		}
		if err := r.SetFinalMetrics(map[string]float64{"map": cellValue(c.Spec, "map", 0),
			"ndcg": cellValue(c.Spec, "ndcg", 0), "nan": math.NaN()}); err != nil {
			return err
		}
		perq := map[string]float64{}
		for i := 0; i < 5; i++ {
			perq[fmt.Sprintf("q%d", i)] = cellValue(c.Spec, "ap", i)
		}
		return r.LogPerQuery("ap", perq)
	}()
	return r.End(ctx, err)
}

// startWorker starts a worker process on location; lines of its output go
// to lines (with the worker's index), and its exit to exited.
type workerProc struct {
	cmd  *exec.Cmd
	exit chan error
}

func startWorker(t testing.TB, location string, cfg workerConfig, i int, lines chan<- string, extra ...string) *workerProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+location, workerQueueEnv+"="+cfg.queue,
		workerCellsEnv+"="+strconv.Itoa(cfg.cells), workerLeaseEnv+"="+cfg.lease.String(),
		workerStepEnv+"="+cfg.step.String(), workerSpinEnv+"="+strconv.Itoa(cfg.spin),
		workerStepsEnv+"="+strconv.Itoa(cfg.steps))
	cmd.Env = append(cmd.Env, extra...)
	cmd.Dir = cfg.dir
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	w := &workerProc{cmd: cmd, exit: make(chan error, 1)}
	t.Cleanup(func() { cmd.Process.Kill(); <-w.exit })
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if lines != nil {
				lines <- fmt.Sprintf("%d %s", i, sc.Text())
			}
		}
		w.exit <- cmd.Wait()
		close(w.exit)
	}()
	return w
}

// cellResult is what a cell's FINISHED run holds.
type cellResult struct {
	Final   map[string]float64
	PerQ    map[string]float64
	History []float64
}

// gridResults reads every cell's result, checking that each cell is DONE
// and has exactly one FINISHED run.
func gridResults(t *testing.T, location, queue string, cells int) map[string]cellResult {
	t.Helper()
	db := openDB(t, location, Options{StaleAfter: -1})
	q := newQueue(t, db, queue)
	counts, err := q.Counts()
	must(t, err)
	if counts != (CellCounts{Done: cells}) {
		t.Errorf("cell counts %+v, want %d DONE", counts, cells)
	}
	out := map[string]cellResult{}
	for _, c := range gridCells(cells) {
		runs, err := db.SearchRuns(fmt.Sprintf(`params.cell = %q and status = "FINISHED"`, c.Key), "", 0)
		must(t, err)
		if len(runs) != 1 {
			t.Errorf("cell %s: %d FINISHED runs, want exactly 1", c.Key, len(runs))
			continue
		}
		rr := runs[0]
		perq, err := db.PerQuery(rr.ID, "ap")
		must(t, err)
		h, err := db.MetricHistory(rr.ID, "loss")
		must(t, err)
		res := cellResult{Final: rr.Final, PerQ: perq}
		for _, p := range h {
			res.History = append(res.History, p.Value)
		}
		res.Final["nan"] = 0 // NaN != NaN; its presence is what matters
		out[c.Key] = res
	}
	return out
}

// BenchmarkGridWorkers is the throughput of a grid of 32 cells run by 1, 2
// and 4 worker processes sharing one store, process start and database
// open included: cells/s is the figure (until the last cell is DONE), and
// s-to-exit the time until every worker has exited. Each cell is 4 steps of work:
// work=cpu spins (about 60 ms a step on one core of the development
// machine, so 2 cores bound the speed-up at 2), work=wait sleeps 25 ms a
// step (a cell that waits on something else: a GPU, a remote service), so
// only the queue and the store bound it. The workers run outside the git
// work tree, so that StartRun's git calls (some 60 ms of CPU per run in
// this repository) do not dominate cells this short.
func BenchmarkGridWorkers(b *testing.B) {
	eachBackendB(b, func(b *testing.B, be backend) {
		for _, work := range []struct {
			name  string
			spin  int
			sleep time.Duration
		}{{"cpu", 1_500_000, 0}, {"wait", 0, 25 * time.Millisecond}} {
			for _, workers := range []int{1, 2, 4} {
				b.Run(fmt.Sprintf("work=%s/workers=%d", work.name, workers), func(b *testing.B) {
					cfg := workerConfig{queue: "bench", cells: 32, steps: 4, lease: 10 * time.Second, spin: work.spin, step: work.sleep,
						dir: b.TempDir()}
					var cells int
					var elapsed, exited time.Duration
					for i := 0; i < b.N; i++ {
						b.StopTimer()
						loc := be.location(b)
						openDB(b, loc, Options{}).Close()
						b.StartTimer()
						start := time.Now()
						var procs []*workerProc
						for w := 0; w < workers; w++ {
							procs = append(procs, startWorker(b, loc, cfg, w, nil))
						}
						for _, p := range procs {
							if err := <-p.exit; err != nil {
								b.Fatal(err)
							}
						}
						exited += time.Since(start)
						// The grid is done when its last cell is: a worker
						// left with nothing to claim exits up to a Poll
						// (1 s) later.
						db := openDB(b, loc, Options{})
						var last string
						must(b, db.sql.QueryRow(`SELECT MAX(updated) FROM cells`).Scan(&last))
						elapsed += parseTime(last).Sub(start)
						cells += cfg.cells
					}
					b.ReportMetric(float64(cells)/elapsed.Seconds(), "cells/s")
					b.ReportMetric(exited.Seconds()/float64(b.N), "s-to-exit")
				})
			}
		}
	})
}
