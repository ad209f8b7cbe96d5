package tracker

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/otclir/otclir/tracker/filter"
	"github.com/otclir/otclir/tracker/pgtest"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT ? , ?`, `SELECT $1 , $2`},
		{`x LIKE ? ESCAPE '\'`, `x LIKE $1 ESCAPE '\'`},
		{`'?' = ? AND "a?b" = ?`, `'?' = $1 AND "a?b" = $2`},
		{`'it''s ?' = ?`, `'it''s ?' = $1`},
		{"-- what?\nSELECT ?", "-- what?\nSELECT $1"},
		{`/* ? */ ?`, `/* ? */ $1`},
		{`$$ a ? b $$ || ?`, `$$ a ? b $$ || $1`},
		{`$body$ [-+]? $x$ ? $body$, ?`, `$body$ [-+]? $x$ ? $body$, $1`},
		{`SELECT $1, ?`, `SELECT $1, $1`}, // mixing styles is not supported: $1 is no dollar quote
		{`'unterminated ?`, `'unterminated ?`},
	}
	for _, tc := range tests {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsPostgresURL(t *testing.T) {
	for loc, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db": true, "POSTGRES://h/db": true,
		"results.db": false, "/tmp/postgres://x": false, "file:x.db": false, "": false,
	} {
		if got := IsPostgresURL(loc); got != want {
			t.Errorf("IsPostgresURL(%q) = %v, want %v", loc, got, want)
		}
	}
}

// A password never reaches an error message or Path.
func TestPostgresPasswordRedacted(t *testing.T) {
	for _, loc := range []string{
		"postgres://alice:s3cret-pw@/nodb?host=/nonexistent-otclir-socket-dir&connect_timeout=2",
		"postgres://alice:s3cret-pw@[::1/db", // does not parse
	} {
		_, err := Open(loc)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", loc)
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("Open error shows the password: %v", err)
		}
		_, err = OpenReadOnly(loc)
		if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("OpenReadOnly error %v: want an error without the password", err)
		}
	}
	if got := redact("postgres://alice:s3cret-pw@h/db"); strings.Contains(got, "s3cret-pw") || !strings.Contains(got, "alice") {
		t.Errorf("redact = %q", got)
	}
}

func TestPostgresOpenErrors(t *testing.T) {
	url := pgtest.URL(t)
	if _, err := OpenReadOnly(url); err == nil || !strings.Contains(err.Error(), "not a tracker database") {
		t.Errorf("OpenReadOnly(empty schema) = %v, want \"not a tracker database\"", err)
	}
	db := openDB(t, url, Options{})
	if !db.Postgres() || db.Dialect() != filter.Postgres {
		t.Errorf("dialect %v, want postgres", db.Dialect())
	}
	var v int
	must(t, db.sql.QueryRow(`SELECT version FROM schema_version`).Scan(&v))
	if v != SchemaVersion || len(pgMigrations) != len(migrations) {
		t.Errorf("schema version %d (%d PostgreSQL migrations), want %d", v, len(pgMigrations), SchemaVersion)
	}
	_, err := db.sql.Exec(`UPDATE schema_version SET version = ?`, SchemaVersion+1)
	must(t, err)
	if _, err := Open(url); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open(newer schema) = %v, want ErrSchemaTooNew", err)
	}
	if _, err := OpenReadOnly(url); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("OpenReadOnly(newer schema) = %v, want ErrSchemaTooNew", err)
	}
}

// Processes that open a new PostgreSQL store at once migrate it once
// (the advisory lock stands for SQLite's BEGIN IMMEDIATE).
func TestPostgresConcurrentMigration(t *testing.T) {
	url := pgtest.URL(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(url)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
	db := openDB(t, url, Options{})
	var rows int
	must(t, db.sql.QueryRow(`SELECT COUNT(*) FROM schema_version`).Scan(&rows))
	if rows != 1 {
		t.Errorf("schema_version has %d rows, want 1", rows)
	}
}

// otclir_real must be SQLite's CAST(text AS REAL): the reference values
// are SQLite's own, computed here by the linked SQLite.
func TestPostgresRealCast(t *testing.T) {
	pg := openDB(t, pgtest.URL(t), Options{})
	lite, err := sql.Open("sqlite3", ":memory:")
	must(t, err)
	defer lite.Close()
	for _, s := range []string{
		"0", "1", "-1", "+3", "1.5", "  1.5abc", "\t\n 2", "1.", ".5", "-.5", ".", "-", "+", "", "abc", "0x10",
		"1e3", "1E-2", "1e", "1e+", "2.5e+3x", "1e400", "-1e400", "1e-400", "-1e-400", "inf", "nan", "１", "3,5",
		"0.1000000000000000055511151231257827", "123456789012345678901234567890", "00012", "- 1", "1 2",
	} {
		var want, got float64
		must(t, lite.QueryRow(`SELECT CAST(? AS REAL)`, s).Scan(&want))
		if err := pg.sql.QueryRow(`SELECT otclir_real(?)`, s).Scan(&got); err != nil {
			t.Errorf("otclir_real(%q): %v", s, err)
			continue
		}
		if got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("otclir_real(%q) = %v, SQLite's CAST gives %v", s, got, want)
		}
	}
}

// dialectFixture adds to searchFixture runs whose names and params differ
// where the two servers could disagree: case, non-ASCII letters, byte
// order of text, LIKE metacharacters and backslashes, text that casts to
// numbers only in part.
func dialectFixture(t testing.TB, db *DB) {
	searchFixture(t, db)
	for i, name := range []string{"B", "a", "É", "é", "Ab", `a\b`, "50%", "x_y", "z", "ab\\"} {
		r := startRun(t, db, RunSpec{Experiment: "dialect", Name: name, Params: map[string]string{
			"lr": []string{"  1.5abc", "0.5", "abc", "", "1e-3", "-2", ".5", "7", "1e400", "0x1"}[i],
			"s":  []string{"b", "B", "a", "ä", "A", "aa", "", "Z", "z", "_"}[i]}})
		if i%3 == 0 {
			must(t, r.SetFinalMetrics(map[string]float64{"map": float64(i) / 10, "nan": math.NaN()}))
		}
		must(t, r.Finish(nil))
	}
}

// dialectCases are filters and orders whose results both servers must
// agree on (beyond TestSearchRuns, which checks exact answers on both).
var dialectCases = []struct{ filter, order string }{
	{``, `name`},
	{``, `params.s, name`},
	{``, `params.s DESC, id`},
	{``, `metrics.map DESC, name`},
	{`name > "a"`, `name`},
	{`name < "b"`, `name DESC`},
	{`name like "a%"`, `name`},
	{`name like "A%"`, `name`},
	{`name ilike "A%"`, `name`},
	{`name ilike "é"`, `name`},
	{`name ilike "É"`, `name`},
	{`name like "_"`, `name`},
	{`name like "__"`, `name`},
	{`name like "%\%"`, `name`},
	{`name like "x\_y"`, `name`},
	{`name like "a\\b"`, `name`},
	{`name like "ab\\"`, `name`},
	{`name ilike "ab\\"`, `name`},
	{`name not ilike "ab\\"`, `name`},
	{`name like "%[%"`, `name`},
	{`params.lr > 0.1`, `name`},
	{`params.lr = 0`, `name`},
	{`params.lr < 0`, `name`},
	{`params.lr >= 1e300`, `name`},
	{`params.lr in (1.5, 0.5, 7)`, `name`},
	{`params.s > "a"`, `params.s`},
	{`params.s in ("a", "A")`, `name`},
	{`metrics.nan is null and experiment = "dialect"`, `name`},
	{`metrics.map >= 0 and not name ilike "r%"`, `metrics.map`},
	{`id = 2.5 or id = 3`, ``},
	{`git_dirty = 0 and status = "FINISHED"`, `id`},
	{`status = 0`, `id`},
	{`start > "2026"`, `start`},
	{`end is null`, `id`},
}

// TestFilterDialectsAgree runs the same searches on SQLite and PostgreSQL
// stores holding the same runs and wants the same runs in the same order.
func TestFilterDialectsAgree(t *testing.T) {
	lite := newDB(t, backends[0])
	pg := newDB(t, backends[1])
	dialectFixture(t, lite)
	dialectFixture(t, pg)
	for _, tc := range dialectCases {
		a, errA := lite.SearchRuns(tc.filter, tc.order, 0)
		b, errB := pg.SearchRuns(tc.filter, tc.order, 0)
		if errA != nil || errB != nil {
			t.Errorf("SearchRuns(%q, %q): sqlite %v, postgres %v", tc.filter, tc.order, errA, errB)
			continue
		}
		if na, nb := names(a), names(b); na != nb {
			t.Errorf("SearchRuns(%q, %q):\n sqlite   %s\n postgres %s", tc.filter, tc.order, na, nb)
		}
	}
}

// A string PostgreSQL cannot hold is a syntax error there, not a server error.
func TestPostgresFilterRejectsNUL(t *testing.T) {
	for _, f := range []string{"name = \"a\x00b\"", "params.\"k\x00\" = \"1\"", "name = \"\xff\""} {
		_, _, err := filter.Postgres.Where(f)
		var se *filter.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "PostgreSQL cannot store") {
			t.Errorf("Postgres.Where(%q) = %v, want a *SyntaxError", f, err)
		}
		if _, _, err := filter.SQLite.Where(f); err != nil {
			t.Errorf("SQLite.Where(%q) = %v, want it accepted", f, err)
		}
	}
	if _, _, err := filter.Postgres.OrderBy("params.\"k\x00\""); err == nil {
		t.Error("Postgres.OrderBy accepted a key with a NUL byte")
	}
}

// Stores of the two backends hold the same values the same way: NaN and
// infinities, 64-bit steps, text with every byte PostgreSQL takes.
func TestBackendsStoreValuesAlike(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		odd := "tab\there 'quote' \"dq\" \\ back ? mark $1 $$ é 日本"
		r := startRun(t, db, RunSpec{Name: odd, Params: map[string]string{odd: odd}, Tags: map[string]string{"t": odd}})
		must(t, r.LogMetric("m", math.MaxInt64, math.Inf(-1)))
		must(t, r.LogMetric("m", math.MinInt64, 1))
		must(t, r.SetFinalMetrics(map[string]float64{"nan": math.NaN(), "inf": math.Inf(1), "tiny": 5e-324}))
		must(t, r.LogPerQuery("ap", map[string]float64{odd: 0.25}))
		must(t, r.Finish(nil))
		rr, err := db.GetRun(r.ID())
		must(t, err)
		if rr.Name != odd || rr.Params[odd] != odd || rr.Tags["t"] != odd {
			t.Errorf("text round trip: %q %v %v", rr.Name, rr.Params, rr.Tags)
		}
		if !math.IsNaN(rr.Final["nan"]) || !math.IsInf(rr.Final["inf"], 1) || rr.Final["tiny"] != 5e-324 {
			t.Errorf("final metrics %v", rr.Final)
		}
		if !math.IsInf(rr.Latest["m"], -1) {
			t.Errorf("latest m = %v, want -Inf at the highest step", rr.Latest["m"])
		}
		h, err := db.MetricHistory(r.ID(), "m")
		must(t, err)
		if len(h) != 2 || h[0].Step != math.MinInt64 || h[1].Step != math.MaxInt64 {
			t.Errorf("history %+v", h)
		}
		pq, err := db.PerQuery(r.ID(), "ap")
		must(t, err)
		if pq[odd] != 0.25 {
			t.Errorf("per-query %v", pq)
		}
		rs, err := db.SearchRuns(fmt.Sprintf("name = %q", odd), "", 0)
		if err != nil || len(rs) != 1 {
			t.Errorf("search by the odd name: %d runs, %v", len(rs), err)
		}
	})
}
