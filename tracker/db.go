package tracker

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/otclir/otclir/tracker/filter"
)

// Sentinel errors.
var (
	ErrRunNotFound     = errors.New("tracker: run not found")
	ErrRunEnded        = errors.New("tracker: run already ended")
	ErrParamImmutable  = errors.New("tracker: parameter already set to a different value")
	ErrSchemaTooNew    = errors.New("tracker: database schema is newer than this program")
	ErrInvalidArgument = errors.New("tracker: invalid argument")
)

// Run statuses.
const (
	StatusRunning  = "RUNNING"
	StatusFinished = "FINISHED"
	StatusFailed   = "FAILED"
	StatusKilled   = "KILLED"
)

// Defaults for Options.
const (
	DefaultStaleAfter        = 60 * time.Second
	DefaultHeartbeatInterval = 5 * time.Second
	DefaultFlushInterval     = time.Second
	DefaultBatchSize         = 1000
	DefaultBusyTimeout       = 10 * time.Second
)

// Options tunes a DB; zero fields take the defaults above.
type Options struct {
	// StaleAfter: on Open, RUNNING runs whose heartbeat is older than this
	// are marked KILLED. Negative disables the check.
	StaleAfter time.Duration
	// HeartbeatInterval between heartbeat updates of a live run.
	HeartbeatInterval time.Duration
	// FlushInterval: buffered metric points are written at least this often.
	FlushInterval time.Duration
	// BatchSize: LogMetric writes the buffer once it holds this many points.
	BatchSize int
}

func (o Options) withDefaults() Options {
	if o.StaleAfter == 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	return o
}

// DB is an open tracker database: an SQLite file or a PostgreSQL
// database. It is safe for concurrent use.
type DB struct {
	sql      *sql.DB
	path     string // as given; a PostgreSQL URL without its password
	opts     Options
	readOnly bool
	abs      string // absolute path or redacted URL: keys this process's live runs
	version  int    // schema version of the database
	dialect  filter.Dialect
}

// DefaultPath returns $OTCLIR_DB, or "results.db" when it is unset. Either
// may be a PostgreSQL URL (postgres://user@host/db).
func DefaultPath() string {
	if p := os.Getenv("OTCLIR_DB"); p != "" {
		return p
	}
	return "results.db"
}

// timeFormat is fixed-width so that text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		// Written by this package, so it parses; a hand-edited value falls
		// back to RFC 3339.
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

// Open opens (creating if needed) the tracker database at location with
// the default Options: a path names an SQLite file, a postgres:// or
// postgresql:// URL a PostgreSQL database (see OpenOptions).
func Open(location string) (*DB, error) { return OpenOptions(location, Options{}) }

// OpenOptions opens the tracker database at location, applies pending
// schema migrations and marks RUNNING runs whose process is gone KILLED
// (see GC). A path names an SQLite file, created with its directory if
// needed. A postgres:// or postgresql:// URL names a PostgreSQL database,
// which must exist; its tables are created in the first schema of the
// connection's search_path (add ?search_path=NAME to the URL to keep
// several stores in one database).
func OpenOptions(location string, opts Options) (*DB, error) {
	if location == "" {
		return nil, fmt.Errorf("%w: empty database path", ErrInvalidArgument)
	}
	opts = opts.withDefaults()
	var db *DB
	if IsPostgresURL(location) {
		shown := redact(location)
		sdb, err := openPostgres(location, false)
		if err != nil {
			return nil, fmt.Errorf("tracker: %s: %w", shown, err)
		}
		db = &DB{sql: sdb, path: shown, opts: opts, abs: shown, version: len(migrations), dialect: filter.Postgres}
	} else {
		sdb, abs, err := openSQLite(location)
		if err != nil {
			return nil, err
		}
		db = &DB{sql: sdb, path: location, opts: opts, abs: abs, version: len(migrations), dialect: filter.SQLite}
	}
	if err := db.migrate(); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("tracker: %s: %w", db.path, err)
	}
	if opts.StaleAfter > 0 {
		if _, err := db.GC(opts.StaleAfter); err != nil {
			db.sql.Close()
			return nil, err
		}
	}
	return db, nil
}

// openSQLite opens (creating it and its folder) the SQLite file at path
// for writing.
func openSQLite(path string) (*sql.DB, string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, "", fmt.Errorf("tracker: %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, "", fmt.Errorf("tracker: %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", fmt.Sprint(DefaultBusyTimeout.Milliseconds()))
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "on")
	// _txlock=immediate: write transactions take the lock at BEGIN, so the
	// busy timeout applies instead of failing on lock upgrade.
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	sdb, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, "", fmt.Errorf("tracker: open %s: %w", path, err)
	}
	return sdb, abs, nil
}

// OpenReadOnly opens an existing tracker database for reading only: no
// migration, no GC, no write transaction, so readers (runs ls, table, plot,
// the UI) work on a read-only file or folder, on a full disk and beside
// live writers. When the database file or its folder is not writable it is
// opened immutable (SQLite's immutable=1: no locks, no -shm file), which is
// safe only while nothing writes it, as no one can. Writes through the
// returned DB fail with ErrReadOnly. A PostgreSQL URL opens sessions with
// default_transaction_read_only=on, so the server refuses writes too.
func OpenReadOnly(path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty database path", ErrInvalidArgument)
	}
	if IsPostgresURL(path) {
		return openPostgresReadOnly(path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("tracker: %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("tracker: %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%w: %s is a folder, not a database", ErrInvalidArgument, path)
	}
	immutable := !writable(abs) || !writable(filepath.Dir(abs))
	sdb, v, err := openRO(abs, immutable)
	if err != nil && !immutable && walEmpty(abs) {
		// mode=ro needs to create the -shm file, which fails on a full disk
		// (or a folder we may not write). With no -wal content the main file
		// holds every committed transaction, and nothing can write it
		// meanwhile, as there is no space: read it immutable.
		sdb, v, err = openRO(abs, true)
	}
	if err != nil {
		return nil, fmt.Errorf("tracker: %s: %w", path, err)
	}
	if err := checkVersion(v, true); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("tracker: %s: %w", path, err)
	}
	return &DB{sql: sdb, path: path, opts: Options{}.withDefaults(), readOnly: true, abs: abs, version: v,
		dialect: filter.SQLite}, nil
}

func openPostgresReadOnly(location string) (*DB, error) {
	shown := redact(location)
	sdb, err := openPostgres(location, true)
	if err != nil {
		return nil, fmt.Errorf("tracker: %s: %w", shown, err)
	}
	var v int
	if err := sdb.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("tracker: %s: not a tracker database (schema_version: %w)", shown, err)
	}
	if err := checkVersion(v, true); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("tracker: %s: %w", shown, err)
	}
	return &DB{sql: sdb, path: shown, opts: Options{}.withDefaults(), readOnly: true, abs: shown, version: v,
		dialect: filter.Postgres}, nil
}

// openRO opens abs with mode=ro (and immutable=1 when asked) and reads its
// schema version.
func openRO(abs string, immutable bool) (*sql.DB, int, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", fmt.Sprint(DefaultBusyTimeout.Milliseconds()))
	if immutable {
		q.Set("immutable", "1")
	}
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	sdb, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, 0, fmt.Errorf("open: %w", err)
	}
	var v int
	if err := sdb.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		sdb.Close()
		return nil, 0, fmt.Errorf("not a tracker database (schema_version: %w)", err)
	}
	return sdb, v, nil
}

// walEmpty reports whether the database at abs has no write-ahead log
// content (no -wal file, or an empty one).
func walEmpty(abs string) bool {
	st, err := os.Stat(abs + "-wal")
	return errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0)
}

// ErrReadOnly is returned by writes through a DB opened with OpenReadOnly.
var ErrReadOnly = errors.New("tracker: database opened read-only")

// ReadOnly reports whether db was opened with OpenReadOnly.
func (db *DB) ReadOnly() bool { return db.readOnly }

func (db *DB) checkWritable(what string) error {
	if db.readOnly {
		return fmt.Errorf("%w: %s %s", ErrReadOnly, what, db.path)
	}
	return nil
}

// readerMinVersion is the oldest schema a reader (which cannot migrate)
// reads: later migrations only add columns that readers default.
const readerMinVersion = 1

// checkVersion validates a stored schema version.
func checkVersion(v int, reader bool) error {
	switch {
	case v < 0:
		return fmt.Errorf("tracker: corrupt schema_version %d", v)
	case v > len(migrations):
		return fmt.Errorf("%w: version %d, this program knows up to %d", ErrSchemaTooNew, v, len(migrations))
	case reader && v < readerMinVersion:
		return fmt.Errorf("tracker: schema version %d is older than this program reads (%d): open it once with a writer (e.g. otclir demo) to migrate", v, readerMinVersion)
	}
	return nil
}

// Path returns the path the DB was opened with; for PostgreSQL, the URL
// without its password.
func (db *DB) Path() string { return db.path }

// SQL exposes the underlying handle for read-only ad-hoc queries (tables,
// notebooks). Writes should go through the API. Queries use "?"
// placeholders on both backends (for PostgreSQL they are rebound to $1,
// $2, ...).
func (db *DB) SQL() *sql.DB { return db.sql }

// Dialect returns the SQL flavour of the database: filter.SQLite or
// filter.Postgres.
func (db *DB) Dialect() filter.Dialect { return db.dialect }

// Postgres reports whether the database is a PostgreSQL one.
func (db *DB) Postgres() bool { return db.dialect == filter.Postgres }

// Close closes the database. Runs still open are left RUNNING; finish them
// first.
func (db *DB) Close() error { return db.sql.Close() }

// migrations[i] moves the schema from version i to i+1. Never edit a
// released migration: append a new one.
var migrations = []string{
	`
CREATE TABLE experiments (
	id      INTEGER PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	created TEXT NOT NULL
);
CREATE TABLE runs (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	name          TEXT NOT NULL,
	experiment_id INTEGER NOT NULL REFERENCES experiments(id),
	status        TEXT NOT NULL CHECK (status IN ('RUNNING','FINISHED','FAILED','KILLED')),
	start_time    TEXT NOT NULL,
	end_time      TEXT,
	heartbeat     TEXT NOT NULL,
	error         TEXT NOT NULL DEFAULT '',
	git_commit    TEXT NOT NULL DEFAULT '',
	git_dirty     INTEGER NOT NULL DEFAULT 0,
	diff_hash     TEXT NOT NULL DEFAULT '',
	host          TEXT NOT NULL DEFAULT '',
	go_version    TEXT NOT NULL DEFAULT '',
	gomlx_version TEXT NOT NULL DEFAULT '',
	backend       TEXT NOT NULL DEFAULT '',
	config_hash   TEXT NOT NULL
);
CREATE INDEX runs_by_config ON runs(experiment_id, config_hash, status);
CREATE INDEX runs_by_status ON runs(status, heartbeat);
CREATE TABLE params (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE tags (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE metrics (
	run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key       TEXT NOT NULL,
	step      INTEGER NOT NULL,
	value     REAL,               -- NULL stores NaN
	wall_time INTEGER NOT NULL    -- Unix nanoseconds
);
CREATE INDEX metrics_by_run_key ON metrics(run_id, key, step);
CREATE TABLE latest_metrics (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	step   INTEGER NOT NULL,
	value  REAL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE final_metrics (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	value  REAL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE per_query (
	run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	measure TEXT NOT NULL,
	qid     TEXT NOT NULL,
	value   REAL,
	PRIMARY KEY (run_id, measure, qid)
) WITHOUT ROWID;
CREATE TABLE artifacts (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	path   TEXT NOT NULL,
	kind   TEXT NOT NULL,
	size   INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	logged TEXT NOT NULL,
	PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
`,
	// 1 -> 2: the process that owns a run, so that GC can tell a suspended
	// process (alive, no heartbeat) from a dead one. proc_start identifies
	// the process beyond its pid (see procIdentity); '' where unknown.
	`
ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN proc_start TEXT NOT NULL DEFAULT '';
`,
	// 2 -> 3: queues of grid cells that workers claim with a lease (see
	// Queue).
	`
CREATE TABLE cells (
	queue       TEXT NOT NULL,
	key         TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	spec        TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING','CLAIMED','DONE','FAILED')),
	worker      TEXT NOT NULL DEFAULT '',
	token       TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,   -- Unix nanoseconds
	attempts    INTEGER NOT NULL DEFAULT 0,
	run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
	error       TEXT NOT NULL DEFAULT '',
	updated     TEXT NOT NULL,
	PRIMARY KEY (queue, key)
) WITHOUT ROWID;
CREATE INDEX cells_by_state ON cells(queue, state, seq);
`,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)

// pgMigrateLock keys the advisory lock that lets one process at a time
// migrate a PostgreSQL schema (SQLite's BEGIN IMMEDIATE does that there).
const pgMigrateLock = `SELECT pg_advisory_xact_lock(hashtext('otclir tracker migration ' || current_schema()))`

func (db *DB) migrate() error {
	steps := migrations
	if db.Postgres() {
		steps = pgMigrations
	}
	tx, err := db.sql.Begin() // SQLite: immediate, so one process migrates at a time
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	if db.Postgres() {
		if _, err := tx.Exec(pgMigrateLock); err != nil {
			return fmt.Errorf("lock for migration: %w", err)
		}
	}
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var v int
	err = tx.QueryRow(`SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.Exec(`INSERT INTO schema_version(version) VALUES (0)`); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("read schema_version: %w", err)
	}
	if err := checkVersion(v, false); err != nil {
		return err
	}
	for ; v < len(steps); v++ {
		if _, err := tx.Exec(steps[v]); err != nil {
			return fmt.Errorf("migration %d->%d: %w", v, v+1, err)
		}
		if _, err := tx.Exec(`UPDATE schema_version SET version = ?`, v+1); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// GC marks KILLED the RUNNING runs whose heartbeat is older than staleAfter
// and whose process is gone, and returns how many it marked (their end
// time is the last heartbeat). A run is gone when
//
//   - it belongs to this process and its Run no longer beats (ended
//     without Finish, or abandoned);
//   - it belongs to another process on this host (same hostname) and that
//     process no longer exists: kill(pid, 0) fails with ESRCH, or the pid
//     now names another process (its start time, read from /proc on Linux,
//     differs, or the machine rebooted since);
//   - it was started on another host, or by a version of this package that
//     did not record its process, or where liveness cannot be checked: then
//     the stale heartbeat alone decides, as before.
//
// So a process suspended (SIGSTOP, a laptop lid) for longer than staleAfter
// keeps its run, and finishes it when it resumes. GC(0) marks every run
// whose heartbeat is in the past and whose process is gone.
func (db *DB) GC(staleAfter time.Duration) (killed int, err error) {
	if err := db.checkWritable("gc"); err != nil {
		return 0, err
	}
	cutoff := fmtTime(time.Now().Add(-staleAfter))
	type cand struct {
		id              int64
		heartbeat, host string
		pid             int
		procStart       string
	}
	var cands []cand
	err = func() error {
		rows, err := db.sql.Query(`SELECT id, heartbeat, host, pid, proc_start FROM runs
			WHERE status = 'RUNNING' AND heartbeat < ?`, cutoff)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.id, &c.heartbeat, &c.host, &c.pid, &c.procStart); err != nil {
				return err
			}
			cands = append(cands, c)
		}
		return rows.Err()
	}()
	if err != nil {
		return 0, fmt.Errorf("tracker: gc %s: %w", db.path, err)
	}
	host, _ := os.Hostname()
	myPID, myStart := procIdentity()
	for _, c := range cands {
		why := "no heartbeat since " + c.heartbeat
		switch {
		case c.host != host || c.pid <= 0:
			why += " (process died?)"
		case c.pid == myPID && c.procStart == myStart:
			if _, live := liveRuns.Load(liveKey(db.abs, c.id)); live {
				continue // this process's run, still beating (late: a slow database)
			}
			why += " (its Run in this process stopped without Finish)"
		default:
			alive, known := processAlive(c.pid, c.procStart)
			if alive {
				continue // suspended or starved, not dead
			}
			if known {
				why += fmt.Sprintf(" and process %d on %s is gone", c.pid, c.host)
			} else {
				why += " (process died?)"
			}
		}
		res, err := db.sql.Exec(`UPDATE runs SET status = 'KILLED', end_time = heartbeat, error = ?
			WHERE id = ? AND status = 'RUNNING' AND heartbeat < ?`, why, c.id, cutoff)
		if err != nil {
			return killed, fmt.Errorf("tracker: gc %s: run %d: %w", db.path, c.id, err)
		}
		n, _ := res.RowsAffected()
		killed += int(n)
	}
	return killed, nil
}

// liveRuns holds liveKey(db, id) of every run of this process whose Run
// is beating.
var liveRuns sync.Map

func liveKey(abs string, id int64) string { return fmt.Sprintf("%s#%d", abs, id) }

// DeleteRun deletes run id and everything logged for it.
func (db *DB) DeleteRun(id int64) error {
	if err := db.checkWritable("delete run"); err != nil {
		return err
	}
	res, err := db.sql.Exec(`DELETE FROM runs WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("tracker: delete run %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: id %d", ErrRunNotFound, id)
	}
	return nil
}
