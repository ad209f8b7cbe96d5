package tracker

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/tracker/filter"
	"github.com/otclir/otclir/tracker/pgtest"
)

// FuzzFilter checks that the filter and order parsers never panic, report
// errors as *filter.SyntaxError with a position inside the input, that
// every expression they accept compiles to SQL that SQLite runs, and, when
// a PostgreSQL server is configured (package pgtest), that PostgreSQL runs
// it too and returns the same runs in the same order.
// Seeds: below and testdata/fuzz/FuzzFilter.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`params.pair = "swh-eng" and metrics.map > 0.2 and status = "FINISHED"`,
		`tags.x != 'y'`,
		`attributes.name LIKE "ot%"`,
		`params.lang IN ("swh","som")`,
		`(status = "A" or not id >= 2) and tags.t is not null`,
		`params.x = "a' OR 1=1 --"`,
		`metrics.map DESC, params.pair`,
		"params.`x y` ilike 'A\\%'",
		`id = -1.5e3`,
		`((((`,
		`"`,
	} {
		f.Add(s)
	}
	for _, c := range dialectCases {
		f.Add(c.filter)
		f.Add(c.order)
	}
	db, err := Open(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	dialectFixture(f, db)
	var pg *DB
	if pgtest.Available() {
		pg = openDB(f, pgtest.URL(f), Options{})
		dialectFixture(f, pg)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(what string, err error) bool {
			if err == nil {
				return true
			}
			var se *filter.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%s(%q): error %v is not a *SyntaxError", what, s, err)
			}
			if se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("%s(%q): position %d outside the input", what, s, se.Pos)
			}
			return false
		}
		// same runs the search on PostgreSQL too, unless the filter holds
		// text PostgreSQL cannot store (a syntax error there).
		same := func(what string, want []*RunRecord, search func(*DB) ([]*RunRecord, error)) {
			if pg == nil {
				return
			}
			got, err := search(pg)
			var se *filter.SyntaxError
			if errors.As(err, &se) && strings.Contains(se.Msg, "PostgreSQL cannot store") {
				return
			}
			if err != nil {
				t.Fatalf("accepted %s %q fails in PostgreSQL: %v", what, s, err)
			}
			if names(got) != names(want) {
				t.Fatalf("%s %q: SQLite finds %s, PostgreSQL %s", what, s, names(want), names(got))
			}
		}
		if _, _, err := filter.Where(s); check("Where", err) {
			search := func(db *DB) ([]*RunRecord, error) { return db.SearchRuns(s, "", 0) }
			want, err := search(db)
			if err != nil {
				t.Fatalf("accepted filter %q fails in SQLite: %v", s, err)
			}
			same("filter", want, search)
		}
		if _, _, err := filter.OrderBy(s); check("OrderBy", err) {
			search := func(db *DB) ([]*RunRecord, error) { return db.SearchRuns("", s, 0) }
			want, err := search(db)
			if err != nil {
				t.Fatalf("accepted order %q fails in SQLite: %v", s, err)
			}
			same("order", want, search)
		}
	})
}
