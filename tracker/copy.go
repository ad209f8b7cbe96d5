package tracker

import (
	"database/sql"
	"fmt"
	"strings"
)

// CopyOptions selects the runs Copy copies.
type CopyOptions struct {
	// Filter selects runs of the source (the language of package
	// tracker/filter; "" selects all).
	Filter string
}

// CopyStats counts what Copy did.
type CopyStats struct {
	Copied  int // runs added to the destination
	Present int // runs the destination had already
	Running int // RUNNING runs left out: copy them once they have ended
	// Rows copied with the added runs.
	Metrics, PerQuery, Artifacts int
}

func (s CopyStats) String() string {
	return fmt.Sprintf("%d run(s) copied (%d metric points, %d per-query values, %d artifact records), "+
		"%d already there, %d still RUNNING left out", s.Copied, s.Metrics, s.PerQuery, s.Artifacts, s.Present, s.Running)
}

// Copy copies the runs of src that match opts into dst, each with its
// experiment, params, tags, every metric point (in logging order, with
// its wall time), latest and final metrics, per-query values and artifact
// records, in one transaction per run; ids are dst's own. src and dst may
// be SQLite or PostgreSQL, in either direction, so a study run on a
// cluster's PostgreSQL tracker comes home as a results.db.
//
// Copying is idempotent: a run is identified across stores by its
// experiment, name, start time (to the nanosecond), host, process id and
// config hash, and a run dst already holds is left as it is, so copying
// twice adds nothing. RUNNING runs are left out (they are not finished
// yet; Copy them again later). Grid cell queues are not copied.
func Copy(dst, src *DB, opts CopyOptions) (CopyStats, error) {
	var st CopyStats
	if err := dst.checkWritable("copy runs into"); err != nil {
		return st, err
	}
	where, args, err := src.dialect.Where(opts.Filter)
	if err != nil {
		return st, err
	}
	ids, err := queryIDs(src.sql, `SELECT r.id`+runFrom+` WHERE `+where+` ORDER BY r.start_time, r.id`, args...)
	if err != nil {
		return st, fmt.Errorf("tracker: copy from %s: %w", src.path, err)
	}
	for _, id := range ids {
		run, err := src.readRunRows(id)
		if err != nil {
			return st, fmt.Errorf("tracker: copy from %s: run %d: %w", src.path, id, err)
		}
		if run.status == StatusRunning {
			st.Running++
			continue
		}
		added, err := dst.writeRunRows(run)
		if err != nil {
			return st, fmt.Errorf("tracker: copy run %d of %s into %s: %w", id, src.path, dst.path, err)
		}
		if !added {
			st.Present++
			continue
		}
		st.Copied++
		st.Metrics += len(run.metrics)
		st.PerQuery += len(run.perQuery)
		st.Artifacts += len(run.artifacts)
	}
	return st, nil
}

func queryIDs(q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// runRows is a run as its rows: the stored text and numbers, unparsed, so
// that a copy holds exactly what the source does.
type runRows struct {
	experiment, created                 string
	name, status, start, heartbeat, err string
	end                                 sql.NullString
	gitCommit                           string
	gitDirty                            int64
	diffHash, host, goVersion           string
	gomlxVersion, backend, configHash   string
	pid                                 int64
	procStart                           string

	params, tags [][2]string
	metrics      [][4]any // key, step, value, wall_time
	latest       [][3]any // key, step, value
	final        [][2]any // key, value
	perQuery     [][3]any // measure, qid, value
	artifacts    [][5]any // path, kind, size, sha256, logged
}

func (db *DB) readRunRows(id int64) (*runRows, error) {
	r := &runRows{}
	cols := `e.name, e.created, r.name, r.status, r.start_time, r.end_time, r.heartbeat, r.error, r.git_commit, r.git_dirty,
		r.diff_hash, r.host, r.go_version, r.gomlx_version, r.backend, r.config_hash`
	if db.version >= 2 {
		cols += `, r.pid, r.proc_start`
	} else {
		cols += `, 0, ''`
	}
	if err := db.sql.QueryRow(`SELECT `+cols+runFrom+` WHERE r.id = ?`, id).Scan(&r.experiment, &r.created, &r.name,
		&r.status, &r.start, &r.end, &r.heartbeat, &r.err, &r.gitCommit, &r.gitDirty, &r.diffHash, &r.host,
		&r.goVersion, &r.gomlxVersion, &r.backend, &r.configHash, &r.pid, &r.procStart); err != nil {
		return nil, err
	}
	pairs := func(table string) ([][2]string, error) {
		rows, err := db.sql.Query(`SELECT key, value FROM `+table+` WHERE run_id = ? ORDER BY key`, id)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][2]string
		for rows.Next() {
			var p [2]string
			if err := rows.Scan(&p[0], &p[1]); err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, rows.Err()
	}
	var err error
	if r.params, err = pairs("params"); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	if r.tags, err = pairs("tags"); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	scan := func(what, query string, n int, add func([]any)) error {
		rows, err := db.sql.Query(query, id)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			vals := make([]any, n)
			ptrs := make([]any, n)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b) // text, whichever way the driver hands it over
				}
			}
			add(vals)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := scan("metrics", `SELECT key, step, value, wall_time FROM metrics WHERE run_id = ? ORDER BY `+db.metricSeq(), 4,
		func(v []any) { r.metrics = append(r.metrics, [4]any(v)) }); err != nil {
		return nil, err
	}
	if err := scan("latest metrics", `SELECT key, step, value FROM latest_metrics WHERE run_id = ? ORDER BY key`, 3,
		func(v []any) { r.latest = append(r.latest, [3]any(v)) }); err != nil {
		return nil, err
	}
	if err := scan("final metrics", `SELECT key, value FROM final_metrics WHERE run_id = ? ORDER BY key`, 2,
		func(v []any) { r.final = append(r.final, [2]any(v)) }); err != nil {
		return nil, err
	}
	if err := scan("per-query", `SELECT measure, qid, value FROM per_query WHERE run_id = ? ORDER BY measure, qid`, 3,
		func(v []any) { r.perQuery = append(r.perQuery, [3]any(v)) }); err != nil {
		return nil, err
	}
	if err := scan("artifacts", `SELECT path, kind, size, sha256, logged FROM artifacts WHERE run_id = ? ORDER BY path`, 5,
		func(v []any) { r.artifacts = append(r.artifacts, [5]any(v)) }); err != nil {
		return nil, err
	}
	return r, nil
}

// pgCopyLock serialises copies into one PostgreSQL schema, so that two at
// once cannot both add the same run (SQLite's BEGIN IMMEDIATE does that).
const pgCopyLock = `SELECT pg_advisory_xact_lock(hashtext('otclir tracker copy ' || current_schema()))`

// writeRunRows adds r unless db holds it already (see Copy).
func (db *DB) writeRunRows(r *runRows) (added bool, err error) {
	err = db.inTx(func(tx *sql.Tx) error {
		if db.Postgres() {
			if _, err := tx.Exec(pgCopyLock); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*)`+runFrom+` WHERE e.name = ? AND r.name = ? AND r.start_time = ? AND r.host = ?
			AND r.pid = ? AND r.config_hash = ?`, r.experiment, r.name, r.start, r.host, r.pid, r.configHash).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.Exec(`INSERT INTO experiments(name, created) VALUES (?, ?) ON CONFLICT(name) DO NOTHING`,
			r.experiment, r.created); err != nil {
			return fmt.Errorf("experiment %q: %w", r.experiment, err)
		}
		var expID, id int64
		if err := tx.QueryRow(`SELECT id FROM experiments WHERE name = ?`, r.experiment).Scan(&expID); err != nil {
			return fmt.Errorf("experiment %q: %w", r.experiment, err)
		}
		if err := tx.QueryRow(`INSERT INTO runs(name, experiment_id, status, start_time, end_time, heartbeat, error,
			git_commit, git_dirty, diff_hash, host, go_version, gomlx_version, backend, config_hash, pid, proc_start)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.name, expID, r.status, r.start, r.end, r.heartbeat, r.err, r.gitCommit, r.gitDirty, r.diffHash, r.host,
			r.goVersion, r.gomlxVersion, r.backend, r.configHash, r.pid, r.procStart).Scan(&id); err != nil {
			return err
		}
		rows := func(table, cols string, n int, each func(add func(...any))) error {
			var all [][]any
			each(func(v ...any) { all = append(all, append([]any{id}, v...)) })
			return insertRows(tx, table, "run_id, "+cols, n+1, all)
		}
		if err := rows("params", "key, value", 2, func(add func(...any)) {
			for _, p := range r.params {
				add(p[0], p[1])
			}
		}); err != nil {
			return fmt.Errorf("params: %w", err)
		}
		if err := rows("tags", "key, value", 2, func(add func(...any)) {
			for _, p := range r.tags {
				add(p[0], p[1])
			}
		}); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		if err := rows("metrics", "key, step, value, wall_time", 4, func(add func(...any)) {
			for _, m := range r.metrics {
				add(m[0], m[1], m[2], m[3])
			}
		}); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		if err := rows("latest_metrics", "key, step, value", 3, func(add func(...any)) {
			for _, m := range r.latest {
				add(m[0], m[1], m[2])
			}
		}); err != nil {
			return fmt.Errorf("latest metrics: %w", err)
		}
		if err := rows("final_metrics", "key, value", 2, func(add func(...any)) {
			for _, m := range r.final {
				add(m[0], m[1])
			}
		}); err != nil {
			return fmt.Errorf("final metrics: %w", err)
		}
		if err := rows("per_query", "measure, qid, value", 3, func(add func(...any)) {
			for _, m := range r.perQuery {
				add(m[0], m[1], m[2])
			}
		}); err != nil {
			return fmt.Errorf("per-query: %w", err)
		}
		if err := rows("artifacts", "path, kind, size, sha256, logged", 5, func(add func(...any)) {
			for _, a := range r.artifacts {
				add(a[0], a[1], a[2], a[3], a[4])
			}
		}); err != nil {
			return fmt.Errorf("artifacts: %w", err)
		}
		added = true
		return nil
	})
	return added, err
}

// insertRowsChunk bounds the rows of one INSERT: 500 rows of up to 6
// columns stay far below SQLite's 32766 and PostgreSQL's 65535 parameters.
const insertRowsChunk = 500

// insertRows inserts rows (each of width values) into table's cols with
// multi-row INSERT statements.
func insertRows(tx *sql.Tx, table, cols string, width int, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), insertRowsChunk)]
		rows = rows[len(chunk):]
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + "(" + cols + ") VALUES ")
		args := make([]any, 0, len(chunk)*width)
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(one)
			args = append(args, r...)
		}
		if _, err := tx.Exec(q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}
