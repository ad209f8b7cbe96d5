package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Env is the environment variable that names the test server.
const Env = "OTCLIR_TEST_POSTGRES"

// Available reports whether a test server is configured.
func Available() bool { return os.Getenv(Env) != "" }

// URL returns the URL of a new, empty schema on the test server, dropped
// with everything in it when t ends. It skips t when no server is
// configured.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skip("pgtest: $" + Env + " is not set, so there is no PostgreSQL server to test against " +
			"(run the tests under .ci/with-postgres, which starts one)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: $%s does not parse as a URL: %v", Env, err)
	}
	db, err := open(base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("pgtest: create schema on %s: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		db, err := open(base)
		if err != nil {
			t.Errorf("pgtest: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// open connects to base without waiting for each commit to reach the disk:
// schemas of tests need not survive a server crash.
func open(base string) (*sql.DB, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return sql.Open("pgx", u.String())
}
