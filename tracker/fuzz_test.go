package tracker

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/otclir/otclir/tracker/filter"
)

// FuzzFilter checks that the filter and order parsers never panic, report
// errors as *filter.SyntaxError with a position inside the input, and that
// every expression they accept compiles to SQL that SQLite runs.
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
	db, err := Open(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	searchFixture(f, db)
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
		if _, _, err := filter.Where(s); check("Where", err) {
			if _, err := db.SearchRuns(s, "", 3); err != nil {
				t.Fatalf("accepted filter %q fails in SQLite: %v", s, err)
			}
		}
		if _, _, err := filter.OrderBy(s); check("OrderBy", err) {
			if _, err := db.SearchRuns("", s, 3); err != nil {
				t.Fatalf("accepted order %q fails in SQLite: %v", s, err)
			}
		}
	})
}
