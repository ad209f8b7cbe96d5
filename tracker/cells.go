package tracker

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// Cell states.
const (
	CellPending = "PENDING" // waiting for a worker
	CellClaimed = "CLAIMED" // held by a worker whose lease runs until lease_until
	CellDone    = "DONE"    // evaluated: its run FINISHED (or a FINISHED run was found)
	CellFailed  = "FAILED"  // its run FAILED; Queue.RetryFailed makes it PENDING again
)

var (
	// ErrLeaseLost: the claim's lease expired and another worker claimed
	// the cell (or the claim was settled already), so this worker may no
	// longer settle it; a run of the cell then ends KILLED, not FINISHED.
	ErrLeaseLost = errors.New("tracker: grid cell lease lost")
	// ErrQueueDone is returned by Claim when no cell is pending or claimed.
	ErrQueueDone = errors.New("tracker: no grid cell left to claim")
)

// DefaultLease is how long a claim holds its cell without a renewal; a
// claim renews it every third of that.
const DefaultLease = 60 * time.Second

// A Queue is a named set of grid cells in the tracker database that any
// number of workers, in any number of processes on any machines sharing
// the database, claim one at a time. See Claim.
type Queue struct {
	db   *DB
	name string
}

// Queue returns the queue called name (a name as ValidateName accepts;
// a grid's queue is typically named after its experiment and cells).
func (db *DB) Queue(name string) (*Queue, error) {
	if err := ValidateName("queue", name); err != nil {
		return nil, err
	}
	if db.version < 3 {
		return nil, fmt.Errorf("tracker: %s: schema version %d has no grid cells (open it with a writer to migrate)", db.path, db.version)
	}
	return &Queue{db: db, name: name}, nil
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.name }

// CellSpec is a cell to submit: Key identifies it within its queue (a grid
// uses the config hash of the cell's record), Spec is what a worker needs
// to evaluate it, opaque to the tracker.
type CellSpec struct {
	Key  string
	Spec string
}

// Submit adds the cells that are not in the queue yet, after those that
// are, in order; a cell already there (by key) is left as it is, whatever
// its state. So every worker of a grid may submit the whole grid when it
// starts: the first adds the cells, the others add nothing. It returns how
// many cells it added.
func (q *Queue) Submit(cells []CellSpec) (added int, err error) {
	if err := q.db.checkWritable("submit cells to"); err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(cells))
	for i, c := range cells {
		if c.Key == "" {
			return 0, fmt.Errorf("%w: queue %s: cell %d has an empty key", ErrInvalidArgument, q.name, i)
		}
		if seen[c.Key] {
			return 0, fmt.Errorf("%w: queue %s: cell key %q submitted twice", ErrInvalidArgument, q.name, c.Key)
		}
		seen[c.Key] = true
	}
	err = q.db.inTx(func(tx *sql.Tx) error {
		var next int64
		if err := tx.QueryRow(`SELECT COALESCE(MAX(seq), -1) + 1 FROM cells WHERE queue = ?`, q.name).Scan(&next); err != nil {
			return err
		}
		now := fmtTime(time.Now())
		for i, c := range cells {
			res, err := tx.Exec(`INSERT INTO cells(queue, key, seq, spec, updated) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT(queue, key) DO NOTHING`, q.name, c.Key, next+int64(i), c.Spec, now)
			if err != nil {
				return fmt.Errorf("cell %q: %w", c.Key, err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tracker: queue %s: submit: %w", q.name, err)
	}
	return added, nil
}

// inTx runs fn in one write transaction.
func (db *DB) inTx(fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// CellCounts counts a queue's cells by state.
type CellCounts struct{ Pending, Claimed, Done, Failed int }

// Total is the number of cells.
func (c CellCounts) Total() int { return c.Pending + c.Claimed + c.Done + c.Failed }

// Counts counts the queue's cells by state.
func (q *Queue) Counts() (CellCounts, error) {
	var c CellCounts
	rows, err := q.db.sql.Query(`SELECT state, COUNT(*) FROM cells WHERE queue = ? GROUP BY state`, q.name)
	if err != nil {
		return c, fmt.Errorf("tracker: queue %s: %w", q.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return c, fmt.Errorf("tracker: queue %s: %w", q.name, err)
		}
		switch state {
		case CellPending:
			c.Pending = n
		case CellClaimed:
			c.Claimed = n
		case CellDone:
			c.Done = n
		case CellFailed:
			c.Failed = n
		}
	}
	return c, rows.Err()
}

// CellRecord is a cell as stored.
type CellRecord struct {
	Key, Spec, State string
	Worker           string    // the worker holding it, or the last one that did
	LeaseUntil       time.Time // zero unless CLAIMED
	Attempts         int       // claims so far
	RunID            int64     // the run of the last attempt; 0 when none
	Error            string    // why it FAILED, or why its last attempt ended
	Updated          time.Time
}

// Cells lists the queue's cells in submission order.
func (q *Queue) Cells() ([]CellRecord, error) {
	rows, err := q.db.sql.Query(`SELECT key, spec, state, worker, lease_until, attempts, COALESCE(run_id, 0), error, updated
		FROM cells WHERE queue = ? ORDER BY seq, key`, q.name)
	if err != nil {
		return nil, fmt.Errorf("tracker: queue %s: %w", q.name, err)
	}
	defer rows.Close()
	var out []CellRecord
	for rows.Next() {
		var c CellRecord
		var lease int64
		var updated string
		if err := rows.Scan(&c.Key, &c.Spec, &c.State, &c.Worker, &lease, &c.Attempts, &c.RunID, &c.Error, &updated); err != nil {
			return nil, fmt.Errorf("tracker: queue %s: %w", q.name, err)
		}
		if c.State == CellClaimed {
			c.LeaseUntil = time.Unix(0, lease)
		}
		c.Updated = parseTime(updated)
		out = append(out, c)
	}
	return out, rows.Err()
}

// RetryFailed makes the queue's FAILED cells PENDING again and returns
// how many.
func (q *Queue) RetryFailed() (int, error) {
	if err := q.db.checkWritable("retry cells of"); err != nil {
		return 0, err
	}
	res, err := q.db.sql.Exec(`UPDATE cells SET state = 'PENDING', token = '', lease_until = 0, updated = ?
		WHERE queue = ? AND state = 'FAILED'`, fmtTime(time.Now()), q.name)
	if err != nil {
		return 0, fmt.Errorf("tracker: queue %s: retry: %w", q.name, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ClaimOptions tunes Claim; zero fields take defaults.
type ClaimOptions struct {
	// Worker names the claimer in the cell's record (default host:pid).
	Worker string
	// Lease is how long the claim holds the cell without renewal
	// (default DefaultLease); the claim renews it every Lease/3.
	Lease time.Duration
	// Poll is how often Claim looks again while every cell left is held
	// by other workers (default Lease/4, at most 1 s): so a worker with
	// nothing left to claim notices within Poll that the others are done.
	// It also looks when the earliest of their leases expires.
	Poll time.Duration
}

func (o ClaimOptions) withDefaults() ClaimOptions {
	if o.Worker == "" {
		host, _ := os.Hostname()
		o.Worker = host + ":" + strconv.Itoa(os.Getpid())
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Poll <= 0 {
		o.Poll = min(o.Lease/4, time.Second)
	}
	return o
}

// A Claim is a cell held by this worker under a lease that a goroutine
// renews until the claim is settled: by the end of a run started with
// RunSpec.Cell set to it (FINISHED: DONE; FAILED: FAILED; KILLED: back to
// PENDING), or by Done, Fail or Release. A worker killed without a word
// stops renewing; once the lease has expired another worker's Claim takes
// the cell (marking the dead worker's run KILLED). A worker that lost its
// lease (suspended, or cut off from the database, for longer than the
// lease) sees its Context cancelled with ErrLeaseLost, and its run of the
// cell cannot end FINISHED: so a cell's evaluation is FINISHED at most once.
//
// Leases compare times taken on the workers' clocks: machines must keep
// their clocks synchronised (NTP) to well within the lease.
type Claim struct {
	q       *Queue
	Key     string
	Spec    string
	Worker  string
	Attempt int // 1 for the cell's first claim
	token   string
	lease   time.Duration

	ctx    context.Context
	cancel context.CancelCauseFunc

	mu       sync.Mutex // guards settled; held while settling
	settled  bool
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// Context is cancelled, with cause ErrLeaseLost, when the claim loses its
// lease, and when the context passed to Claim is; work on the cell should
// run under it.
func (c *Claim) Context() context.Context { return c.ctx }

// Claim takes the first cell of the queue (in submission order) that is
// PENDING or whose lease has expired, atomically: two workers never hold
// the same cell. In PostgreSQL the cell row is locked with SELECT ... FOR
// UPDATE SKIP LOCKED, so claimers do not wait on each other; in SQLite the
// claim is one BEGIN IMMEDIATE transaction. While every cell left is
// claimed by live workers, Claim waits (see ClaimOptions.Poll); it returns
// ErrQueueDone when every cell is DONE or FAILED, and ctx's cause when ctx
// is cancelled.
func (q *Queue) Claim(ctx context.Context, opts ClaimOptions) (*Claim, error) {
	if err := q.db.checkWritable("claim a cell of"); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	for {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		c, wait, err := q.tryClaim(ctx, opts)
		if err != nil || c != nil {
			return c, err
		}
		if wait < 0 {
			return nil, ErrQueueDone
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, context.Cause(ctx)
		case <-t.C:
		}
	}
}

// tryClaim claims a cell, or returns how long to wait before trying again
// (negative: nothing left to wait for).
func (q *Queue) tryClaim(ctx context.Context, opts ClaimOptions) (*Claim, time.Duration, error) {
	tx, err := q.db.sql.Begin()
	if err != nil {
		return nil, 0, fmt.Errorf("tracker: queue %s: claim: %w", q.name, err)
	}
	defer tx.Rollback()
	now := time.Now()
	lock := ""
	if q.db.Postgres() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var (
		key, spec, state, prevWorker string
		prevRun                      sql.NullInt64
		attempts                     int
	)
	err = tx.QueryRow(`SELECT key, spec, state, worker, run_id, attempts FROM cells
		WHERE queue = ? AND (state = 'PENDING' OR (state = 'CLAIMED' AND lease_until < ?))
		ORDER BY seq, key LIMIT 1`+lock, q.name, now.UnixNano()).Scan(&key, &spec, &state, &prevWorker, &prevRun, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		// Nothing claimable now. Cells still PENDING are being claimed by
		// others (locked rows are skipped); CLAIMED ones may come back
		// when their lease expires.
		var pending, claimed int
		var earliest sql.NullInt64
		if err := tx.QueryRow(`SELECT COALESCE(SUM(CASE WHEN state = 'PENDING' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'CLAIMED' THEN 1 ELSE 0 END), 0),
			MIN(CASE WHEN state = 'CLAIMED' THEN lease_until END)
			FROM cells WHERE queue = ? AND state IN ('PENDING', 'CLAIMED')`, q.name).Scan(&pending, &claimed, &earliest); err != nil {
			return nil, 0, fmt.Errorf("tracker: queue %s: claim: %w", q.name, err)
		}
		switch {
		case pending > 0:
			return nil, 10 * time.Millisecond, nil
		case claimed == 0:
			return nil, -1, nil
		}
		wait := opts.Poll
		if earliest.Valid {
			if until := time.Until(time.Unix(0, earliest.Int64)) + time.Millisecond; until < wait {
				wait = max(until, time.Millisecond)
			}
		}
		return nil, wait, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("tracker: queue %s: claim: %w", q.name, err)
	}
	token, err := newToken()
	if err != nil {
		return nil, 0, err
	}
	if _, err := tx.Exec(`UPDATE cells SET state = 'CLAIMED', worker = ?, token = ?, lease_until = ?, attempts = attempts + 1,
		run_id = NULL, error = ?, updated = ? WHERE queue = ? AND key = ?`,
		opts.Worker, token, now.Add(opts.Lease).UnixNano(), "", fmtTime(now), q.name, key); err != nil {
		return nil, 0, fmt.Errorf("tracker: queue %s: claim %q: %w", q.name, key, err)
	}
	if state == CellClaimed && prevRun.Valid {
		// The previous holder's lease expired: its run, if it still looks
		// RUNNING, is over (its Finish could not make it FINISHED).
		if _, err := tx.Exec(`UPDATE runs SET status = 'KILLED', end_time = heartbeat, error = ?
			WHERE id = ? AND status = 'RUNNING'`,
			fmt.Sprintf("lease of grid cell %q (queue %s) expired: worker %s stopped renewing it; claimed again by %s",
				key, q.name, prevWorker, opts.Worker), prevRun.Int64); err != nil {
			return nil, 0, fmt.Errorf("tracker: queue %s: claim %q: %w", q.name, key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("tracker: queue %s: claim %q: %w", q.name, key, err)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	c := &Claim{q: q, Key: key, Spec: spec, Worker: opts.Worker, Attempt: attempts + 1, token: token, lease: opts.Lease,
		ctx: cctx, cancel: cancel, stop: make(chan struct{}), done: make(chan struct{})}
	go c.renew()
	return c, 0, nil
}

func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("tracker: claim token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// renew extends the lease every lease/3 until the claim is settled. When
// the cell is no longer this claim's, or no renewal has succeeded for a
// whole lease (the database unreachable), the claim's context is cancelled
// with ErrLeaseLost.
func (c *Claim) renew() {
	defer close(c.done)
	t := time.NewTicker(c.lease / 3)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		now := time.Now()
		res, err := c.q.db.sql.Exec(`UPDATE cells SET lease_until = ? WHERE queue = ? AND key = ? AND token = ? AND state = 'CLAIMED'`,
			now.Add(c.lease).UnixNano(), c.q.name, c.Key, c.token)
		if err != nil {
			if now.Sub(lastOK) >= c.lease {
				c.cancel(fmt.Errorf("%w: cell %q: no renewal for %v: %v", ErrLeaseLost, c.Key, c.lease, err))
				return
			}
			continue
		}
		if n, _ := res.RowsAffected(); n == 0 {
			c.cancel(fmt.Errorf("%w: cell %q was claimed again by another worker", ErrLeaseLost, c.Key))
			return
		}
		lastOK = now
	}
}

// settle moves the claimed cell to state (DONE, FAILED or back to
// PENDING) in tx, recording runID (0: none) and msg. ok is false when the
// cell is no longer this claim's.
func (c *Claim) settle(tx *sql.Tx, state string, runID int64, msg string) (ok bool, err error) {
	var run any
	if runID > 0 {
		run = runID
	}
	res, err := tx.Exec(`UPDATE cells SET state = ?, token = '', lease_until = 0, run_id = COALESCE(?, run_id), error = ?, updated = ?
		WHERE queue = ? AND key = ? AND token = ? AND state = 'CLAIMED'`,
		state, run, msg, fmtTime(time.Now()), c.q.name, c.Key, c.token)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// finished stops the renewal once the claim is settled. Callers hold c.mu.
func (c *Claim) finished() {
	c.settled = true
	c.stopRenewal()
	c.cancel(nil)
}

// stopRenewal stops the renewing goroutine and waits for it.
func (c *Claim) stopRenewal() {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
}

// settleAlone settles the claim in a transaction of its own.
func (c *Claim) settleAlone(state string, runID int64, msg string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.settled {
		return fmt.Errorf("%w: cell %q: claim already settled", ErrLeaseLost, c.Key)
	}
	var ok bool
	err := c.q.db.inTx(func(tx *sql.Tx) (err error) {
		ok, err = c.settle(tx, state, runID, msg)
		return err
	})
	if err != nil {
		return fmt.Errorf("tracker: queue %s: cell %q: %w", c.q.name, c.Key, err)
	}
	c.finished()
	if !ok {
		return fmt.Errorf("%w: cell %q (queue %s)", ErrLeaseLost, c.Key, c.q.name)
	}
	return nil
}

// Done marks the cell DONE without a run of its own: runID names the
// FINISHED run that holds its result (a cache hit), 0 for none.
func (c *Claim) Done(runID int64) error { return c.settleAlone(CellDone, runID, "") }

// Fail marks the cell FAILED with msg.
func (c *Claim) Fail(msg string) error { return c.settleAlone(CellFailed, 0, msg) }

// Release puts the cell back to PENDING for any worker to claim.
func (c *Claim) Release() error { return c.settleAlone(CellPending, 0, "") }

// Close releases the cell if the claim is not settled yet, and is a no-op
// otherwise: defer it after Claim.
func (c *Claim) Close() error {
	c.mu.Lock()
	settled := c.settled
	c.mu.Unlock()
	if settled {
		return nil
	}
	err := c.Release()
	if errors.Is(err, ErrLeaseLost) {
		return nil // the cell is another worker's now: nothing to release
	}
	return err
}
