package tracker

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Read helpers for pages that show the tracker a screenful at a time (the
// web UI): a page of runs counted and cut in SQL, per-experiment summaries,
// and the metric points logged since a given one (live views).

// RunPage is one page of a search: Runs are rows Offset to Offset+len(Runs)
// of Total matching runs.
type RunPage struct {
	Runs   []*RunRecord
	Total  int
	Offset int
	Limit  int
}

// SearchRunsPage is SearchRuns cut to limit runs starting at row offset
// (both in SQL: LIMIT/OFFSET, and a COUNT of all matching runs), so a page
// of a 100,000-run database reads only its rows. limit must be positive.
func (db *DB) SearchRunsPage(filterExpr, orderBy string, offset, limit int) (*RunPage, error) {
	if limit <= 0 || offset < 0 {
		return nil, fmt.Errorf("%w: page offset %d, limit %d", ErrInvalidArgument, offset, limit)
	}
	where, args, err := db.dialect.Where(filterExpr)
	if err != nil {
		return nil, err
	}
	order, oargs, err := db.dialect.OrderBy(orderBy)
	if err != nil {
		return nil, err
	}
	p := &RunPage{Offset: offset, Limit: limit}
	if err := db.sql.QueryRow(`SELECT COUNT(*)`+runFrom+` WHERE `+where, args...).Scan(&p.Total); err != nil {
		return nil, fmt.Errorf("tracker: count %q: %w", filterExpr, err)
	}
	if offset >= p.Total {
		return p, nil
	}
	var q strings.Builder
	q.WriteString(`SELECT ` + db.runColumns() + runFrom + ` WHERE ` + where + ` ORDER BY `)
	if order != "" {
		q.WriteString(order + ", ")
	}
	q.WriteString(`r.id DESC LIMIT ? OFFSET ?`)
	qargs := append(append(append([]any{}, args...), oargs...), limit, offset)
	rows, err := db.sql.Query(q.String(), qargs...)
	if err != nil {
		return nil, fmt.Errorf("tracker: search %q: %w", filterExpr, err)
	}
	for rows.Next() {
		rr, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("tracker: search %q: %w", filterExpr, err)
		}
		p.Runs = append(p.Runs, rr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tracker: search %q: %w", filterExpr, err)
	}
	for _, rr := range p.Runs {
		if err := db.fill(rr); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ExperimentSummary counts an experiment's runs by status.
type ExperimentSummary struct {
	Name                              string
	Created                           time.Time
	Runs                              int
	Running, Finished, Failed, Killed int
	FirstStart, LastStart, LastEnd    time.Time // zero when there are no runs (LastEnd: no ended run)
	MaxRunID                          int64
}

// Fingerprint changes whenever a run of the experiment is added, deleted
// or ends, which is when tables and charts drawn from its finished runs
// can change.
func (s ExperimentSummary) Fingerprint() string {
	return fmt.Sprintf("%d/%d/%d/%d/%d/%d/%s", s.Runs, s.MaxRunID, s.Running, s.Finished, s.Failed, s.Killed,
		s.LastEnd.Format(timeFormat))
}

const experimentSummarySQL = `SELECT e.name, e.created, COUNT(r.id),
	COALESCE(SUM(CASE WHEN r.status = 'RUNNING' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN r.status = 'FINISHED' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN r.status = 'FAILED' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN r.status = 'KILLED' THEN 1 ELSE 0 END), 0),
	COALESCE(MIN(r.start_time), ''), COALESCE(MAX(r.start_time), ''), COALESCE(MAX(r.end_time), ''),
	COALESCE(MAX(r.id), 0)
	FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id`

func scanSummary(row interface{ Scan(...any) error }) (ExperimentSummary, error) {
	var s ExperimentSummary
	var created, first, last, end string
	err := row.Scan(&s.Name, &created, &s.Runs, &s.Running, &s.Finished, &s.Failed, &s.Killed, &first, &last, &end, &s.MaxRunID)
	s.Created, s.FirstStart, s.LastStart, s.LastEnd = parseTime(created), parseTime(first), parseTime(last), parseTime(end)
	return s, err
}

// Experiments summarises every experiment, by name.
func (db *DB) Experiments() ([]ExperimentSummary, error) {
	rows, err := db.sql.Query(experimentSummarySQL + ` GROUP BY e.id ORDER BY e.name`)
	if err != nil {
		return nil, fmt.Errorf("tracker: experiments: %w", err)
	}
	defer rows.Close()
	var out []ExperimentSummary
	for rows.Next() {
		s, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("tracker: experiments: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Experiment summarises the experiment called name, or fails with
// ErrExperimentNotFound.
func (db *DB) Experiment(name string) (ExperimentSummary, error) {
	s, err := scanSummary(db.sql.QueryRow(experimentSummarySQL+` WHERE e.name = ? GROUP BY e.id`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("%w: %q", ErrExperimentNotFound, name)
	}
	if err != nil {
		return s, fmt.Errorf("tracker: experiment %q: %w", name, err)
	}
	return s, nil
}

// ErrExperimentNotFound is returned by Experiment for an unknown name.
var ErrExperimentNotFound = errors.New("tracker: experiment not found")

// KeyedPoint is a logged metric point with its key and Seq, a number that
// grows with every point logged into the database (SQLite's rowid of the
// metrics table, PostgreSQL's metrics.seq): MetricsAfter(run, seq) returns
// what came after it. A run's points are written by one process, one flush
// at a time, so within a run Seq order is commit order on both servers.
type KeyedPoint struct {
	Seq   int64
	Key   string
	Step  int64
	Value float64 // NaN is stored as NULL
}

// MetricsAfter returns up to limit points of run runID logged after the
// point numbered after (0: from the start), in logging order: a live view
// polls it with the last Seq it has.
func (db *DB) MetricsAfter(runID, after int64, limit int) ([]KeyedPoint, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%w: limit %d", ErrInvalidArgument, limit)
	}
	seq := db.metricSeq()
	rows, err := db.sql.Query(`SELECT `+seq+`, key, step, value FROM metrics WHERE run_id = ? AND `+seq+` > ?
		ORDER BY `+seq+` LIMIT ?`, runID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("tracker: run %d: metrics after %d: %w", runID, after, err)
	}
	defer rows.Close()
	var out []KeyedPoint
	for rows.Next() {
		var p KeyedPoint
		var v sql.NullFloat64
		if err := rows.Scan(&p.Seq, &p.Key, &p.Step, &v); err != nil {
			return nil, fmt.Errorf("tracker: run %d: metrics after %d: %w", runID, after, err)
		}
		p.Value = floatOf(v)
		out = append(out, p)
	}
	return out, rows.Err()
}
