package tracker

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// RunRecord is a stored run as read back from the database.
type RunRecord struct {
	ID           int64              `json:"id"`
	Name         string             `json:"name"`
	Experiment   string             `json:"experiment"`
	Status       string             `json:"status"`
	Start        time.Time          `json:"start"`
	End          time.Time          `json:"end,omitzero"`
	Heartbeat    time.Time          `json:"heartbeat"`
	Error        string             `json:"error,omitempty"`
	GitCommit    string             `json:"git_commit,omitempty"`
	GitDirty     bool               `json:"git_dirty"`
	DiffHash     string             `json:"diff_hash,omitempty"`
	Host         string             `json:"host,omitempty"`
	PID          int                `json:"-"` // the process that ran it; 0 when not recorded (schema 1)
	GoVersion    string             `json:"go_version,omitempty"`
	GoMLXVersion string             `json:"gomlx_version,omitempty"`
	Backend      string             `json:"backend,omitempty"`
	ConfigHash   string             `json:"config_hash"`
	Params       map[string]string  `json:"params"`
	Tags         map[string]string  `json:"tags"`
	Final        map[string]float64 `json:"final_metrics"`
	// Latest holds the latest logged value of every metric key.
	Latest map[string]float64 `json:"latest_metrics"`
}

// Metric returns the final value of key, else its latest logged value.
func (rr *RunRecord) Metric(key string) (float64, bool) {
	if v, ok := rr.Final[key]; ok {
		return v, true
	}
	v, ok := rr.Latest[key]
	return v, ok
}

// Duration is End-Start, or time since Start for a RUNNING run.
func (rr *RunRecord) Duration() time.Duration {
	if rr.End.IsZero() {
		return time.Since(rr.Start)
	}
	return rr.End.Sub(rr.Start)
}

// Artifact is a file recorded by LogArtifact.
type Artifact struct {
	Path   string    `json:"path"`
	Kind   string    `json:"kind"`
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
	Logged time.Time `json:"logged"`
}

const runColumnsV1 = `r.id, r.name, e.name, r.status, r.start_time, COALESCE(r.end_time, ''), r.heartbeat, r.error,
	r.git_commit, r.git_dirty, r.diff_hash, r.host, r.go_version, r.gomlx_version, r.backend, r.config_hash`

// runColumns returns the columns scanRun reads; a reader of a schema 1 file
// (no pid column) reads 0.
func (db *DB) runColumns() string {
	if db.version < 2 {
		return runColumnsV1 + `, 0`
	}
	return runColumnsV1 + `, r.pid`
}

const runFrom = ` FROM runs r JOIN experiments e ON e.id = r.experiment_id`

// metricSeq is the column of metrics that orders points in logging order:
// SQLite's rowid, PostgreSQL's seq.
func (db *DB) metricSeq() string {
	if db.Postgres() {
		return "seq"
	}
	return "rowid"
}

func scanRun(rows interface{ Scan(...any) error }) (*RunRecord, error) {
	var rr RunRecord
	var start, end, hb string
	if err := rows.Scan(&rr.ID, &rr.Name, &rr.Experiment, &rr.Status, &start, &end, &hb, &rr.Error,
		&rr.GitCommit, &rr.GitDirty, &rr.DiffHash, &rr.Host, &rr.GoVersion, &rr.GoMLXVersion, &rr.Backend,
		&rr.ConfigHash, &rr.PID); err != nil {
		return nil, err
	}
	rr.Start, rr.End, rr.Heartbeat = parseTime(start), parseTime(end), parseTime(hb)
	return &rr, nil
}

func floatOf(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

func (db *DB) queryFloats(query string, args ...any) (map[string]float64, error) {
	rows, err := db.sql.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]float64{}
	for rows.Next() {
		var k string
		var v sql.NullFloat64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = floatOf(v)
	}
	return m, rows.Err()
}

// fill loads params, tags and metrics of rr.
func (db *DB) fill(rr *RunRecord) error {
	var err error
	if rr.Params, err = queryMap(db.sql, `SELECT key, value FROM params WHERE run_id = ?`, rr.ID); err != nil {
		return fmt.Errorf("tracker: run %d: params: %w", rr.ID, err)
	}
	if rr.Tags, err = queryMap(db.sql, `SELECT key, value FROM tags WHERE run_id = ?`, rr.ID); err != nil {
		return fmt.Errorf("tracker: run %d: tags: %w", rr.ID, err)
	}
	if rr.Final, err = db.queryFloats(`SELECT key, value FROM final_metrics WHERE run_id = ?`, rr.ID); err != nil {
		return fmt.Errorf("tracker: run %d: final metrics: %w", rr.ID, err)
	}
	if rr.Latest, err = db.queryFloats(`SELECT key, value FROM latest_metrics WHERE run_id = ?`, rr.ID); err != nil {
		return fmt.Errorf("tracker: run %d: latest metrics: %w", rr.ID, err)
	}
	return nil
}

// GetRun reads run id, or fails with ErrRunNotFound.
func (db *DB) GetRun(id int64) (*RunRecord, error) {
	rr, err := scanRun(db.sql.QueryRow(`SELECT `+db.runColumns()+runFrom+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: id %d", ErrRunNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("tracker: get run %d: %w", id, err)
	}
	if err := db.fill(rr); err != nil {
		return nil, err
	}
	return rr, nil
}

// FindFinished returns the newest FINISHED run of experiment with
// configHash (see ConfigHash), or ErrRunNotFound: a cache lookup that lets
// a driver skip configurations already run.
func (db *DB) FindFinished(experiment, configHash string) (*RunRecord, error) {
	var id int64
	err := db.sql.QueryRow(`SELECT r.id`+runFrom+` WHERE e.name = ? AND r.config_hash = ? AND r.status = 'FINISHED'
		ORDER BY r.start_time DESC, r.id DESC LIMIT 1`, experiment, configHash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no FINISHED run of %q with config %s", ErrRunNotFound, experiment, configHash)
	}
	if err != nil {
		return nil, fmt.Errorf("tracker: find finished: %w", err)
	}
	return db.GetRun(id)
}

// SearchRuns returns runs matching filter (see package filter; "" matches
// all), ordered by orderBy (e.g. "metrics.map DESC, params.pair"; ties and
// "" order newest first), at most limit runs (limit <= 0: no limit).
func (db *DB) SearchRuns(filterExpr string, orderBy string, limit int) ([]*RunRecord, error) {
	where, args, err := db.dialect.Where(filterExpr)
	if err != nil {
		return nil, err
	}
	order, oargs, err := db.dialect.OrderBy(orderBy)
	if err != nil {
		return nil, err
	}
	var q strings.Builder
	q.WriteString(`SELECT ` + db.runColumns() + runFrom + ` WHERE ` + where + ` ORDER BY `)
	if order != "" {
		q.WriteString(order + ", ")
	}
	q.WriteString(`r.id DESC`)
	args = append(args, oargs...)
	if limit > 0 {
		q.WriteString(` LIMIT ?`)
		args = append(args, limit)
	}
	rows, err := db.sql.Query(q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("tracker: search %q: %w", filterExpr, err)
	}
	var out []*RunRecord
	for rows.Next() {
		rr, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("tracker: search %q: %w", filterExpr, err)
		}
		out = append(out, rr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tracker: search %q: %w", filterExpr, err)
	}
	for _, rr := range out {
		if err := db.fill(rr); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MetricHistory returns every logged point of key for run runID in step
// order (then logging order).
func (db *DB) MetricHistory(runID int64, key string) ([]MetricPoint, error) {
	rows, err := db.sql.Query(`SELECT step, value, wall_time FROM metrics WHERE run_id = ? AND key = ?
		ORDER BY step, `+db.metricSeq(), runID, key)
	if err != nil {
		return nil, fmt.Errorf("tracker: run %d: metric %q: %w", runID, key, err)
	}
	defer rows.Close()
	var out []MetricPoint
	for rows.Next() {
		var p MetricPoint
		var v sql.NullFloat64
		var ns int64
		if err := rows.Scan(&p.Step, &v, &ns); err != nil {
			return nil, fmt.Errorf("tracker: run %d: metric %q: %w", runID, key, err)
		}
		p.Value, p.Time = floatOf(v), time.Unix(0, ns)
		out = append(out, p)
	}
	return out, rows.Err()
}

// MetricKeys lists the metric keys logged for run runID, sorted.
func (db *DB) MetricKeys(runID int64) ([]string, error) {
	rows, err := db.sql.Query(`SELECT key FROM latest_metrics WHERE run_id = ? ORDER BY key`, runID)
	if err != nil {
		return nil, fmt.Errorf("tracker: run %d: metric keys: %w", runID, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// PerQuery returns measure's value per query id for run runID (empty map
// when none were logged).
func (db *DB) PerQuery(runID int64, measure string) (map[string]float64, error) {
	m, err := db.queryFloats(`SELECT qid, value FROM per_query WHERE run_id = ? AND measure = ?`, runID, measure)
	if err != nil {
		return nil, fmt.Errorf("tracker: run %d: per-query %q: %w", runID, measure, err)
	}
	return m, nil
}

// PerQueryMeasures lists the per-query measures logged for run runID, sorted.
func (db *DB) PerQueryMeasures(runID int64) ([]string, error) {
	rows, err := db.sql.Query(`SELECT DISTINCT measure FROM per_query WHERE run_id = ? ORDER BY measure`, runID)
	if err != nil {
		return nil, fmt.Errorf("tracker: run %d: per-query measures: %w", runID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Artifacts lists the artifacts of run runID by path.
func (db *DB) Artifacts(runID int64) ([]Artifact, error) {
	rows, err := db.sql.Query(`SELECT path, kind, size, sha256, logged FROM artifacts WHERE run_id = ? ORDER BY path`, runID)
	if err != nil {
		return nil, fmt.Errorf("tracker: run %d: artifacts: %w", runID, err)
	}
	defer rows.Close()
	var out []Artifact
	for rows.Next() {
		var a Artifact
		var logged string
		if err := rows.Scan(&a.Path, &a.Kind, &a.Size, &a.SHA256, &logged); err != nil {
			return nil, err
		}
		a.Logged = parseTime(logged)
		out = append(out, a)
	}
	return out, rows.Err()
}
