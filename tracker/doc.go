// Package tracker records experiment runs in one store, an SQLite file
// (results.db by default; DefaultPath honours $OTCLIR_DB) or a PostgreSQL
// database (a postgres:// URL in the same places), so that every result
// table, chart and cache decision can be traced back to the code,
// parameters and machine that produced it.
//
// # Schema
//
// Open creates the store and applies versioned migrations; the version
// lives in the one-row table schema_version, and a database newer than the
// program is refused (ErrSchemaTooNew). Version 3:
//
//	experiments    (id, name UNIQUE, created)
//	runs           (id, name, experiment_id, status, start_time, end_time, heartbeat, error,
//	                git_commit, git_dirty, diff_hash, host, go_version, gomlx_version,
//	                backend, config_hash, pid, proc_start)
//	params         (run_id, key, value)             immutable once written
//	tags           (run_id, key, value)             mutable
//	metrics        (run_id, key, step, value, wall_time)   every logged point
//	latest_metrics (run_id, key, step, value)       value at the highest step so far
//	final_metrics  (run_id, key, value)             what result tables read
//	per_query      (run_id, measure, qid, value)
//	artifacts      (run_id, path, kind, size, sha256, logged)
//	cells          (queue, key, seq, spec, state, worker, token, lease_until,
//	                attempts, run_id, error, updated)          grid cells (see Queue)
//
// Version 2 added runs.pid and runs.proc_start (the process that owns the
// run; 0 and the empty string for runs of version 1), version 3 the cells
// of grid queues. OpenReadOnly reads versions 1 to 3 without migrating;
// Open migrates.
//
// # PostgreSQL
//
// A postgres:// or postgresql:// URL opens a PostgreSQL database through
// database/sql and pgx (github.com/jackc/pgx/v5); its tables live in the
// first schema of the connection's search_path (?search_path=NAME keeps
// several stores in one database). The schema is the same, version for
// version, in PostgreSQL's types (pgMigrations); the package writes its SQL
// once with SQLite's "?" placeholders, which the connection rebinds to $1,
// $2, ... (so do ad-hoc queries through DB.SQL). Text columns are COLLATE
// "C" and the function otclir_real is SQLite's CAST(text AS REAL), so a
// filter (package tracker/filter, Dialect) selects the same runs in the
// same order on both servers. Sessions run with synchronous_commit=off (a
// commit survives the tracker's process dying, a server crash may lose the
// last commits: the durability of SQLite's WAL with synchronous=NORMAL);
// readers run with default_transaction_read_only=on. Migrations take an
// advisory lock, as SQLite's BEGIN IMMEDIATE serialises them. Messages and
// Path never show the URL's password. Heartbeats, GC and the pid check
// work as for SQLite: liveness by pid applies to runs of the same host,
// runs of other hosts are judged by their heartbeat, on the clocks of the
// machines (keep them synchronised).
//
// # Grid cells
//
// A Queue (DB.Queue) holds the cells of a grid that any number of workers,
// in processes on any machines sharing the store, claim one at a time
// (Queue.Claim: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, one BEGIN
// IMMEDIATE transaction on SQLite) under a lease that the claim renews
// every third of its length. A worker that dies stops renewing; once the
// lease has expired the next Claim takes the cell again and marks the dead
// worker's run KILLED. A run started with RunSpec.Cell settles its cell in
// the transaction that ends it (FINISHED: DONE; FAILED: FAILED; KILLED:
// PENDING again), and a run whose claim lost its lease cannot end
// FINISHED, so a cell's evaluation is FINISHED at most once.
//
// # Moving runs
//
// Copy copies runs, with everything logged for them, from one store to
// another (SQLite or PostgreSQL, either way), idempotently: a run is
// recognised by its experiment, name, start time, host, pid and config
// hash, and copying twice adds nothing.
//
// Times are UTC text in the fixed-width form 2006-01-02T15:04:05.000000000Z
// (so text order is time order); metrics.wall_time is Unix nanoseconds.
// A NaN metric is stored as NULL and read back as NaN. Deleting a run
// cascades to everything logged for it.
//
// The config hash (ConfigHash) is the SHA-256 of the experiment name and
// the sorted params; FindFinished(experiment, hash) finds the newest
// FINISHED run of a configuration so a driver can skip re-running it.
//
// # Lifecycle
//
// StartRun inserts a RUNNING run with its start time, host, Go version,
// git commit, dirty flag and diff hash (git run in the current directory;
// empty outside a repository), and starts a goroutine that updates the
// heartbeat every 5 s and flushes buffered metrics every second. The run
// then ends in exactly one of:
//
//   - FINISHED: Finish(nil), or Do when its function returns nil;
//   - FAILED:   Finish(err) with err.Error() as the message, or Do when its
//     function returns an error or panics ("panic: ..." and the stack);
//   - KILLED:   Kill(reason), or End(ctx, err) when ctx was cancelled
//     (the command-line program cancels it on SIGINT/SIGTERM, with the
//     signal as the reason, and exits 130/143); or, for a process that died
//     without a word (SIGKILL, power loss), when a later Open or GC finds
//     its heartbeat older than StaleAfter (60 s by default) and its process
//     gone: on the same host, its pid no longer exists or names another
//     process (start time from /proc on Linux); from another host, the
//     stale heartbeat alone decides. Its end time is then the last
//     heartbeat.
//
// A process suspended (SIGSTOP) past StaleAfter therefore keeps its run and
// finishes it when it resumes. Ending a run twice, or ending a run that GC
// already marked KILLED, returns ErrRunEnded.
//
// # Durability
//
// LogMetric only appends to an in-memory buffer. The buffer is written in
// one transaction when it holds BatchSize points (1000), every
// FlushInterval (1 s), and on Flush, Finish and Kill. A point is durable
// once a Flush (or Finish/Kill) called after it returned nil: it survives
// the process being killed at any later moment. Points still in the buffer
// when the process dies are lost. SetFinalMetrics, LogPerQuery, SetTag,
// LogParam and LogArtifact write synchronously, each in one transaction.
//
// The database runs in WAL mode with synchronous=NORMAL, a 10 s busy
// timeout and BEGIN IMMEDIATE write transactions, so several processes may
// log into one file at once. synchronous=NORMAL survives process crashes;
// an operating-system crash or power loss may roll back the last
// transactions, never corrupt the file.
//
// # Searching
//
// SearchRuns takes a filter in the MLflow-like language of package
// tracker/filter (params.pair = "swh-eng" and metrics.map > 0.2) and an
// order ("metrics.map DESC, params.pair"); LatestFinished keeps the newest
// finished run of each key (what result tables read). WriteRunList,
// WriteRun, WriteComparison, WriteDiff and WriteExport print runs for
// people; the command-line program's runs subcommands (cmd/otclir) call
// them on a database opened with OpenReadOnly.
package tracker
