package tracker

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
)

// RunSpec describes a run to start.
type RunSpec struct {
	Experiment   string
	Name         string
	Params       map[string]string // immutable once recorded; hashed into the config hash
	Tags         map[string]string
	Backend      string
	GoMLXVersion string // the caller passes the GoMLX version it links
	// Cell, when set, is the claimed grid cell this run evaluates: the run
	// is recorded on the cell, and its end settles the cell in the same
	// transaction (FINISHED: DONE; FAILED: FAILED; KILLED: PENDING
	// again). A run whose claim lost its lease cannot end FINISHED: it
	// ends KILLED and Finish returns ErrLeaseLost.
	Cell *Claim
}

// Run is a live run owned by this process. Its methods are safe for
// concurrent use.
type Run struct {
	db         *DB
	id         int64
	experiment string
	cell       *Claim // nil unless RunSpec.Cell

	mu     sync.Mutex // guards buf, ended, bgErr
	buf    []MetricPoint
	keys   []string // keys[i] is the key of buf[i]
	ended  bool
	bgErr  error // error of a background flush, reported by the next call
	flushM sync.Mutex

	stop chan struct{}
	done chan struct{}
}

// MetricPoint is one logged value of a metric.
type MetricPoint struct {
	Step  int64
	Value float64 // NaN is stored as SQL NULL and read back as NaN
	Time  time.Time
}

// ConfigHash is the hex SHA-256 of the experiment name and the params in
// key order; two runs with equal hashes ran the same configuration.
func ConfigHash(experiment string, params map[string]string) string {
	h := sha256.New()
	// Length-prefixed fields: no choice of keys and values collides.
	fmt.Fprintf(h, "%d:%s;", len(experiment), experiment)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := params[k]
		fmt.Fprintf(h, "%d:%s=%d:%s;", len(k), k, len(v), v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// GitInfo is the state of the git work tree a run started in.
type GitInfo struct {
	Commit   string // HEAD, "" when not in a repository or no commit yet
	Dirty    bool   // uncommitted changes (tracked or untracked files)
	DiffHash string // hex SHA-256 of `git diff HEAD` plus untracked names; "" when clean
}

// Git returns the state of the git work tree containing dir (the current
// directory when dir is ""). Outside a repository, or without git, it
// returns the zero GitInfo.
func Git(dir string) GitInfo {
	run := func(args ...string) (string, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		return string(out), err == nil
	}
	var g GitInfo
	if _, ok := run("rev-parse", "--is-inside-work-tree"); !ok {
		return g
	}
	if c, ok := run("rev-parse", "HEAD"); ok {
		g.Commit = strings.TrimSpace(c)
	}
	status, ok := run("status", "--porcelain")
	if !ok || strings.TrimSpace(status) == "" {
		return g
	}
	g.Dirty = true
	h := sha256.New()
	if g.Commit != "" {
		d, _ := run("diff", "HEAD", "--no-color", "--no-ext-diff")
		io.WriteString(h, d)
	}
	io.WriteString(h, status)
	g.DiffHash = hex.EncodeToString(h.Sum(nil))
	return g
}

// RunGit is the code identity StartRun records. It is the working tree's
// state (Git("")), except in a binary that go build stamped with the
// revision it was built from (runtime/debug build settings vcs.revision and
// vcs.modified): the checkout may have moved on since the binary was built,
// and the binary's revision is the code that runs. go test and go run
// binaries carry no stamp and record the working tree.
func RunGit() GitInfo {
	var settings []debug.BuildSetting
	if info, ok := debug.ReadBuildInfo(); ok {
		settings = info.Settings
	}
	return withBuildRevision(Git(""), settings)
}

// withBuildRevision applies a binary's vcs build settings to the working
// tree's state g: the commit and dirty flag become the binary's; the diff
// hash is kept only when the binary was built from a modified tree that is
// still at its revision (the closest record of those changes left), and
// dropped otherwise.
func withBuildRevision(g GitInfo, settings []debug.BuildSetting) GitInfo {
	var rev string
	modified := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return g
	}
	b := GitInfo{Commit: rev, Dirty: modified}
	if modified && g.Commit == rev {
		b.DiffHash = g.DiffHash
	}
	return b
}

// boolInt is b as the 0/1 INTEGER both schemas store flags as.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func validKey(what, k string) error {
	if k == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalidArgument, what)
	}
	return nil
}

// StartRun records a new RUNNING run, with the host, pid and identity of
// this process (see GC), and starts its heartbeat and metric flusher. The
// caller must end it with Finish, Kill or Do.
func (db *DB) StartRun(spec RunSpec) (*Run, error) {
	if err := db.checkWritable("start run in"); err != nil {
		return nil, err
	}
	if err := ValidateName("experiment", spec.Experiment); err != nil {
		return nil, err
	}
	for k := range spec.Params {
		if err := validKey("param key", k); err != nil {
			return nil, err
		}
	}
	for k := range spec.Tags {
		if err := validKey("tag key", k); err != nil {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	git := RunGit()
	now := fmtTime(time.Now())

	tx, err := db.sql.Begin()
	if err != nil {
		return nil, fmt.Errorf("tracker: start run: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`INSERT INTO experiments(name, created) VALUES (?, ?) ON CONFLICT(name) DO NOTHING`,
		spec.Experiment, now); err != nil {
		return nil, fmt.Errorf("tracker: start run: experiment %q: %w", spec.Experiment, err)
	}
	var expID int64
	if err := tx.QueryRow(`SELECT id FROM experiments WHERE name = ?`, spec.Experiment).Scan(&expID); err != nil {
		return nil, fmt.Errorf("tracker: start run: experiment %q: %w", spec.Experiment, err)
	}
	pid, procStart := procIdentity()
	var id int64
	// RETURNING (SQLite 3.35+, PostgreSQL): pgx has no LastInsertId.
	if err := tx.QueryRow(`INSERT INTO runs(name, experiment_id, status, start_time, heartbeat, git_commit, git_dirty,
		diff_hash, host, go_version, gomlx_version, backend, config_hash, pid, proc_start)
		VALUES (?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		spec.Name, expID, now, now, git.Commit, boolInt(git.Dirty), git.DiffHash, host, runtime.Version(),
		spec.GoMLXVersion, spec.Backend, ConfigHash(spec.Experiment, spec.Params), pid, procStart).Scan(&id); err != nil {
		return nil, fmt.Errorf("tracker: start run: %w", err)
	}
	for k, v := range spec.Params {
		if _, err := tx.Exec(`INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)`, id, k, v); err != nil {
			return nil, fmt.Errorf("tracker: run %d: param %q: %w", id, k, err)
		}
	}
	for k, v := range spec.Tags {
		if _, err := tx.Exec(`INSERT INTO tags(run_id, key, value) VALUES (?, ?, ?)`, id, k, v); err != nil {
			return nil, fmt.Errorf("tracker: run %d: tag %q: %w", id, k, err)
		}
	}
	if c := spec.Cell; c != nil {
		if c.q.db != db {
			return nil, fmt.Errorf("%w: start run: the claim of cell %q is on another DB handle", ErrInvalidArgument, c.Key)
		}
		res, err := tx.Exec(`UPDATE cells SET run_id = ? WHERE queue = ? AND key = ? AND token = ? AND state = 'CLAIMED'`,
			id, c.q.name, c.Key, c.token)
		if err != nil {
			return nil, fmt.Errorf("tracker: start run: cell %q: %w", c.Key, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, fmt.Errorf("%w: start run: cell %q (queue %s)", ErrLeaseLost, c.Key, c.q.name)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("tracker: start run: %w", err)
	}
	r := &Run{db: db, id: id, experiment: spec.Experiment, cell: spec.Cell, stop: make(chan struct{}), done: make(chan struct{})}
	liveRuns.Store(liveKey(db.abs, id), true)
	go r.background()
	return r, nil
}

// ID returns the run's database id.
func (r *Run) ID() int64 { return r.id }

// background beats the heartbeat and flushes buffered metrics until stop.
// While it runs, GC in this process counts the run alive.
func (r *Run) background() {
	defer close(r.done)
	defer liveRuns.Delete(liveKey(r.db.abs, r.id))
	hb := time.NewTicker(r.db.opts.HeartbeatInterval)
	defer hb.Stop()
	fl := time.NewTicker(r.db.opts.FlushInterval)
	defer fl.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-hb.C:
			if _, err := r.db.sql.Exec(`UPDATE runs SET heartbeat = ? WHERE id = ? AND status = 'RUNNING'`,
				fmtTime(time.Now()), r.id); err != nil {
				r.setBgErr(fmt.Errorf("tracker: run %d: heartbeat: %w", r.id, err))
			}
		case <-fl.C:
			// A failed write keeps its points buffered; the next flush
			// retries them and Flush/Finish report a persistent failure.
			_ = r.flush()
		}
	}
}

func (r *Run) setBgErr(err error) {
	r.mu.Lock()
	if r.bgErr == nil {
		r.bgErr = err
	}
	r.mu.Unlock()
}

func (r *Run) takeBgErr() error {
	err := r.bgErr
	r.bgErr = nil
	return err
}

// LogMetric buffers one point of metric key. The point is durable once a
// later Flush (or Finish/Kill) returns nil; the buffer is also written
// when it reaches Options.BatchSize points and every
// Options.FlushInterval, in one transaction per batch. An error of a
// background write is returned by the next LogMetric, Flush or Finish.
func (r *Run) LogMetric(key string, step int64, value float64) error {
	if err := validKey("metric key", key); err != nil {
		return err
	}
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return fmt.Errorf("%w: run %d: LogMetric(%q)", ErrRunEnded, r.id, key)
	}
	if err := r.takeBgErr(); err != nil {
		r.mu.Unlock()
		return err
	}
	r.buf = append(r.buf, MetricPoint{Step: step, Value: value, Time: time.Now()})
	r.keys = append(r.keys, key)
	full := len(r.buf) >= r.db.opts.BatchSize
	r.mu.Unlock()
	if full {
		return r.flush()
	}
	return nil
}

// Flush writes all buffered metric points in one transaction. When it
// returns nil every point logged before the call is on disk (as durable
// as SQLite's WAL with synchronous=NORMAL: it survives a process crash).
func (r *Run) Flush() error {
	r.mu.Lock()
	err := r.takeBgErr()
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return r.flush()
}

func nullable(v float64) any {
	if math.IsNaN(v) {
		return nil
	}
	return v
}

func (r *Run) flush() error {
	r.flushM.Lock()
	defer r.flushM.Unlock()
	r.mu.Lock()
	buf, keys := r.buf, r.keys
	r.buf, r.keys = nil, nil
	r.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	err := r.writePoints(buf, keys)
	if err != nil {
		// Put the points back in front so a retry keeps them in order.
		r.mu.Lock()
		r.buf = append(buf, r.buf...)
		r.keys = append(keys, r.keys...)
		r.mu.Unlock()
	}
	return err
}

func (r *Run) writePoints(buf []MetricPoint, keys []string) error {
	tx, err := r.db.sql.Begin()
	if err != nil {
		return fmt.Errorf("tracker: run %d: flush metrics: %w", r.id, err)
	}
	defer tx.Rollback()
	latest := map[string]int{} // key -> index in buf of its highest step (last wins ties)
	for i, p := range buf {
		if j, ok := latest[keys[i]]; !ok || p.Step >= buf[j].Step {
			latest[keys[i]] = i
		}
	}
	if err := r.insertPoints(tx, buf, keys); err != nil {
		return fmt.Errorf("tracker: run %d: flush %d metric points: %w", r.id, len(buf), err)
	}
	for k, i := range latest {
		if _, err := tx.Exec(`INSERT INTO latest_metrics(run_id, key, step, value) VALUES (?, ?, ?, ?)
			ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, value = excluded.value
			WHERE excluded.step >= latest_metrics.step`, r.id, k, buf[i].Step, nullable(buf[i].Value)); err != nil {
			return fmt.Errorf("tracker: run %d: latest metric %q: %w", r.id, k, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tracker: run %d: flush metrics: %w", r.id, err)
	}
	return nil
}

// insertPoints inserts buf in logging order: on PostgreSQL as one
// statement of five arrays (one round trip, and 5 values to parse and
// bind rather than 5 per point), on SQLite as multi-row INSERTs; in
// BenchmarkLogMetric either is several times the rate of one INSERT per
// point.
func (r *Run) insertPoints(tx *sql.Tx, buf []MetricPoint, keys []string) error {
	if r.db.Postgres() {
		st := make([]int64, len(buf))
		val := make([]*float64, len(buf)) // nil: NULL, for NaN
		wall := make([]int64, len(buf))
		for i, p := range buf {
			st[i], wall[i] = p.Step, p.Time.UnixNano()
			if !math.IsNaN(p.Value) {
				v := p.Value
				val[i] = &v
			}
		}
		_, err := tx.Exec(`INSERT INTO metrics(run_id, key, step, value, wall_time)
			SELECT ?, u.k, u.s, u.v, u.w FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS DOUBLE PRECISION[]),
				CAST(? AS BIGINT[])) WITH ORDINALITY AS u(k, s, v, w, n) ORDER BY u.n`, r.id, keys, st, val, wall)
		return err
	}
	rows := make([][]any, len(buf))
	for i, p := range buf {
		rows[i] = []any{r.id, keys[i], p.Step, nullable(p.Value), p.Time.UnixNano()}
	}
	return insertRows(tx, "metrics", "run_id, key, step, value, wall_time", 5, rows)
}

// inTx runs fn in one write transaction.
func (r *Run) inTx(what string, fn func(tx *sql.Tx) error) error {
	tx, err := r.db.sql.Begin()
	if err != nil {
		return fmt.Errorf("tracker: run %d: %s: %w", r.id, what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fmt.Errorf("tracker: run %d: %s: %w", r.id, what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tracker: run %d: %s: %w", r.id, what, err)
	}
	return nil
}

// SetFinalMetrics records (or overwrites) final metric values: the numbers
// result tables and metrics.K filters read.
func (r *Run) SetFinalMetrics(m map[string]float64) error {
	for k := range m {
		if err := validKey("final metric key", k); err != nil {
			return err
		}
	}
	return r.inTx("final metrics", func(tx *sql.Tx) error {
		for k, v := range m {
			if _, err := tx.Exec(`INSERT INTO final_metrics(run_id, key, value) VALUES (?, ?, ?)
				ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value`, r.id, k, nullable(v)); err != nil {
				return fmt.Errorf("%q: %w", k, err)
			}
		}
		return nil
	})
}

// LogPerQuery records (or overwrites) measure for each query id in values.
func (r *Run) LogPerQuery(measure string, values map[string]float64) error {
	if err := validKey("measure", measure); err != nil {
		return err
	}
	return r.inTx("per-query "+measure, func(tx *sql.Tx) error {
		st, err := tx.Prepare(`INSERT INTO per_query(run_id, measure, qid, value) VALUES (?, ?, ?, ?)
			ON CONFLICT(run_id, measure, qid) DO UPDATE SET value = excluded.value`)
		if err != nil {
			return err
		}
		defer st.Close()
		for q, v := range values {
			if _, err := st.Exec(r.id, measure, q, nullable(v)); err != nil {
				return fmt.Errorf("query %q: %w", q, err)
			}
		}
		return nil
	})
}

// SetTag sets (or overwrites) tag k. Tags, unlike params, are mutable.
func (r *Run) SetTag(k, v string) error {
	if err := validKey("tag key", k); err != nil {
		return err
	}
	return r.inTx("tag "+k, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO tags(run_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value`, r.id, k, v)
		return err
	})
}

// LogParam records param k after the start. Setting an existing key to the
// same value is a no-op; to a different value it fails with
// ErrParamImmutable. The run's config hash is recomputed over all params.
func (r *Run) LogParam(k, v string) error {
	if err := validKey("param key", k); err != nil {
		return err
	}
	return r.inTx("param "+k, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRow(`SELECT value FROM params WHERE run_id = ? AND key = ?`, r.id, k).Scan(&old)
		switch {
		case err == nil && old == v:
			return nil
		case err == nil:
			return fmt.Errorf("%w: %q is %q, not %q", ErrParamImmutable, k, old, v)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.Exec(`INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)`, r.id, k, v); err != nil {
			return err
		}
		params, err := queryMap(tx, `SELECT key, value FROM params WHERE run_id = ?`, r.id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE runs SET config_hash = ? WHERE id = ?`, ConfigHash(r.experiment, params), r.id)
		return err
	})
}

// LogArtifact records a file produced by the run with its size and SHA-256.
// The path is stored as given; logging the same path again updates it.
func (r *Run) LogArtifact(path, kind string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("tracker: run %d: artifact: %w", r.id, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("tracker: run %d: artifact: %w", r.id, err)
	}
	if st.IsDir() {
		return fmt.Errorf("%w: artifact %s is a directory", ErrInvalidArgument, path)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("tracker: run %d: artifact %s: %w", r.id, path, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return r.inTx("artifact "+path, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO artifacts(run_id, path, kind, size, sha256, logged) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(run_id, path) DO UPDATE SET kind = excluded.kind, size = excluded.size,
			sha256 = excluded.sha256, logged = excluded.logged`,
			r.id, filepath.Clean(path), kind, n, sum, fmtTime(time.Now()))
		return err
	})
}

// end stops the background goroutine, flushes, and sets the final status.
func (r *Run) end(status, msg string) error {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return fmt.Errorf("%w: run %d", ErrRunEnded, r.id)
	}
	r.ended = true
	bg := r.takeBgErr()
	r.mu.Unlock()
	close(r.stop)
	<-r.done
	ferr := r.flush()
	if r.cell != nil {
		return r.endCell(status, msg, ferr, bg)
	}
	res, err := r.db.sql.Exec(`UPDATE runs SET status = ?, error = ?, end_time = ?, heartbeat = ?
		WHERE id = ? AND status = 'RUNNING'`, status, msg, fmtTime(time.Now()), fmtTime(time.Now()), r.id)
	if err != nil {
		return errors.Join(fmt.Errorf("tracker: run %d: set %s: %w", r.id, status, err), ferr, bg)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return r.endedAlready(status, ferr, bg)
	}
	return errors.Join(ferr, bg)
}

// endedAlready is end's error for a run that was not RUNNING any more.
func (r *Run) endedAlready(status string, ferr, bg error) error {
	var cur string
	if err := r.db.sql.QueryRow(`SELECT status FROM runs WHERE id = ?`, r.id).Scan(&cur); err != nil {
		return errors.Join(fmt.Errorf("%w: id %d", ErrRunNotFound, r.id), ferr, bg)
	}
	return errors.Join(fmt.Errorf("%w: run %d is %s, not marked %s", ErrRunEnded, r.id, cur, status), ferr, bg)
}

// cellStates is the state a run's end gives its cell.
var cellStates = map[string]string{StatusFinished: CellDone, StatusFailed: CellFailed, StatusKilled: CellPending}

// endCell ends a run of a claimed cell: the run's status and the cell's
// state change in one transaction. A claim that lost its lease leaves the
// cell alone (another worker holds it) and turns FINISHED into KILLED,
// with ErrLeaseLost. A run no longer RUNNING (another worker's claim, or
// GC, ended it) rolls the transaction back: the claim stays unsettled for
// Claim.Close to release.
func (r *Run) endCell(status, msg string, ferr, bg error) error {
	c := r.cell
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.settled {
		return errors.Join(fmt.Errorf("%w: run %d: cell %q: claim already settled", ErrLeaseLost, r.id, c.Key), ferr, bg)
	}
	asked := status
	var lost, notRunning bool
	err := r.db.inTx(func(tx *sql.Tx) error {
		ok, err := c.settle(tx, cellStates[status], r.id, msg)
		if err != nil {
			return err
		}
		if !ok {
			lost = true
			if status == StatusFinished {
				status = StatusKilled
				msg = fmt.Sprintf("lease of grid cell %q (queue %s) lost: another worker claimed it; this run is not FINISHED",
					c.Key, c.q.name)
			}
		}
		now := fmtTime(time.Now())
		res, err := tx.Exec(`UPDATE runs SET status = ?, error = ?, end_time = ?, heartbeat = ?
			WHERE id = ? AND status = 'RUNNING'`, status, msg, now, now, r.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			notRunning = true
			return errRollback
		}
		return nil
	})
	switch {
	case notRunning:
		return r.endedAlready(status, ferr, bg)
	case err != nil:
		return errors.Join(fmt.Errorf("tracker: run %d: set %s: %w", r.id, status, err), ferr, bg)
	}
	c.finished()
	if lost && asked == StatusFinished {
		return errors.Join(fmt.Errorf("%w: run %d: cell %q (queue %s): the run ended KILLED", ErrLeaseLost, r.id, c.Key, c.q.name), ferr, bg)
	}
	return errors.Join(ferr, bg)
}

// errRollback makes inTx roll back without an error of its own.
var errRollback = errors.New("tracker: roll back")

// Finish flushes metrics and ends the run: FINISHED when err is nil, else
// FAILED with err.Error() as the message. It stops the heartbeat.
func (r *Run) Finish(err error) error {
	if err != nil {
		return r.end(StatusFailed, err.Error())
	}
	return r.end(StatusFinished, "")
}

// Kill flushes metrics and marks the run KILLED with reason.
func (r *Run) Kill(reason string) error { return r.end(StatusKilled, reason) }

// Do runs fn and ends the run with its outcome: FINISHED, or FAILED with
// the error, or FAILED with "panic: ..." and the stack when fn panics (the
// panic is returned as an error, not re-raised).
func (r *Run) Do(fn func(*Run) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
		if ferr := r.Finish(err); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}()
	return fn(r)
}

func queryMap(q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string, args ...any) (map[string]string, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}
