package tracker

import (
	"path/filepath"
	"testing"

	"github.com/otclir/otclir/tracker/pgtest"
)

// backend is a kind of store the tests run against: every test that is not
// about one backend's own mechanics (SQLite's files and pragmas) runs once
// per backend, as subtests named after it.
type backend struct {
	name string
	// location returns a fresh, empty store's location (a file path or a
	// URL); a test may open it several times. postgres skips the test when
	// no server is configured ($OTCLIR_TEST_POSTGRES, see package pgtest).
	location func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "results.db") }},
	{"postgres", pgtest.URL},
}

// eachBackend runs f as a subtest per backend.
func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

// eachBackendB is eachBackend for benchmarks.
func eachBackendB(b *testing.B, f func(b *testing.B, be backend)) {
	b.Helper()
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { f(b, be) })
	}
}

// newDB opens a fresh store of backend b with the default options, closed
// at the end of the test.
func newDB(t testing.TB, b backend) *DB { return openDB(t, b.location(t), Options{}) }

// openDB opens location with opts, closed at the end of the test.
func openDB(t testing.TB, location string, opts Options) *DB {
	t.Helper()
	db, err := OpenOptions(location, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
