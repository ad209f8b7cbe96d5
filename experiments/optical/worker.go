package optical

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

// WorkerOptions tune RunGridWorker; zero fields take the tracker's
// defaults.
type WorkerOptions struct {
	// Worker names this worker in the cells it claims (default host:pid).
	Worker string
	// Lease is how long a claimed cell stays this worker's without a
	// renewal (default tracker.DefaultLease); the worker renews it every
	// third of that while it works on the cell.
	Lease time.Duration
}

// GridQueue is the tracker queue of g's cells: they are keyed by the
// config hash of their record (as FindFinished looks them up), and the
// queue is named after the experiment and those keys, so every worker
// started with the same grid and settings joins the same queue, and a
// different grid (or setting) gets another.
func (l *Lab) GridQueue(g Grid) (*tracker.Queue, []tracker.CellSpec, map[string]Cell, error) {
	g.PipelineSeeds = l.cfg.V2()
	cells, err := g.Cells()
	if err != nil {
		return nil, nil, nil, err
	}
	specs := make([]tracker.CellSpec, len(cells))
	byKey := make(map[string]Cell, len(cells))
	h := sha256.New()
	fmt.Fprintf(h, "%d:%s;", len(l.cfg.Experiment), l.cfg.Experiment)
	for i, c := range cells {
		rec, err := l.Record(c)
		if err != nil {
			return nil, nil, nil, err
		}
		key := tracker.ConfigHash(l.cfg.Experiment, rec.Params())
		spec, err := json.Marshal(c)
		if err != nil {
			return nil, nil, nil, err
		}
		if _, dup := byKey[key]; dup {
			return nil, nil, nil, fmt.Errorf("optical: grid cells %v and %v have the same record", byKey[key], c)
		}
		specs[i] = tracker.CellSpec{Key: key, Spec: string(spec)}
		byKey[key] = c
		h.Write([]byte(key))
	}
	q, err := l.DB.Queue("grid-" + hex.EncodeToString(h.Sum(nil))[:16])
	if err != nil {
		return nil, nil, nil, err
	}
	return q, specs, byKey, nil
}

// RunGridWorker is RunGrid for one of many workers: any number of
// processes, on any machines that share the lab's tracker database (a
// PostgreSQL server; or one SQLite file for processes on one machine) and
// its artifacts folder, run it with the same grid and settings, and each
// claims cells of the grid's queue (GridQueue) one at a time until none is
// left. A worker killed mid-cell stops renewing its lease; once the lease
// has expired another worker evaluates the cell again, and the cell's run
// is FINISHED once. Models are shared through the artifacts folder,
// trained by the first worker that needs them (the others wait on its
// lock) and written atomically, keyed by content as in one process.
//
// It prints one progress line per cell it settles and returns the results
// it evaluated (cached ones included). On the first error it marks the
// cell FAILED and returns the error (the other workers go on); when ctx is
// cancelled the cell goes back to PENDING and ctx's cause is returned.
func (l *Lab) RunGridWorker(ctx context.Context, g Grid, opts WorkerOptions) ([]*record.Result, error) {
	q, specs, byKey, err := l.GridQueue(g)
	if err != nil {
		return nil, err
	}
	if _, err := q.Submit(specs); err != nil {
		return nil, err
	}
	start := time.Now()
	var out []*record.Result
	for {
		claim, err := q.Claim(ctx, tracker.ClaimOptions{Worker: opts.Worker, Lease: opts.Lease})
		if errors.Is(err, tracker.ErrQueueDone) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		c, ok := byKey[claim.Key]
		if !ok {
			claim.Close()
			return out, fmt.Errorf("optical: queue %s holds cell %s, which this grid does not have", q.Name(), claim.Key)
		}
		res, err := l.evaluate(claim.Context(), c, claim)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			claim.Close()
			return out, cause(ctx)
		case errors.Is(err, tracker.ErrLeaseLost) || errors.Is(err, tracker.ErrRunEnded) ||
			errors.Is(context.Cause(claim.Context()), tracker.ErrLeaseLost):
			// This worker was too slow to renew its lease (suspended, cut
			// off): another one has the cell now.
			claim.Close()
			fmt.Fprintf(l.cfg.Out, "[worker %s] %s %s %s seed %d: lost the cell to another worker: %v\n",
				claim.Worker, c.System, c.Pair(), c.Collection, c.Seed, err)
			continue
		default:
			if ferr := claim.Fail(err.Error()); ferr != nil && !errors.Is(ferr, tracker.ErrLeaseLost) {
				err = errors.Join(err, ferr)
			}
			claim.Close()
			return out, fmt.Errorf("grid cell %s %s %s seed %d budget %d: %w", c.System, c.Pair(), c.Collection, c.Seed, c.Budget, err)
		}
		claim.Close()
		out = append(out, res)
		counts, err := q.Counts()
		if err != nil {
			return out, err
		}
		cached := ""
		if res.Cached {
			cached = " (cached)"
		}
		budget := "all"
		if c.Budget > 0 {
			budget = fmt.Sprint(c.Budget)
		}
		fmt.Fprintf(l.cfg.Out, "[worker %s: %d/%d done %s] %-9s %-8s %-4s seed %d budget %-5s MAP %.4f  run %d%s\n",
			claim.Worker, counts.Done, counts.Total(), time.Since(start).Round(time.Second), c.System, c.Pair(),
			c.Collection, c.Seed, budget, res.Metrics["map"], res.RunID, cached)
	}
}
