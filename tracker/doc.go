// Package tracker records experiment runs in one SQLite file (results.db
// by default; DefaultPath honours $OTCLIR_DB) so that every result table,
// chart and cache decision can be traced back to the code, parameters and
// machine that produced it.
//
// # Schema
//
// Open creates the file and applies versioned migrations; the version
// lives in the one-row table schema_version, and a database newer than the
// program is refused (ErrSchemaTooNew). Version 2:
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
//
// Version 2 added runs.pid and runs.proc_start (the process that owns the
// run; 0 and the empty string for runs of version 1). OpenReadOnly reads
// versions 1 and 2 without migrating; Open migrates.
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
