// Package pgtest gives tests a PostgreSQL tracker store of their own.
//
// The server is named by $OTCLIR_TEST_POSTGRES (a postgres:// URL; the
// project's .ci/with-postgres starts a throw-away server and sets it).
// URL creates a fresh, empty schema on that server for one test and
// returns the server's URL with search_path set to it, so each test sees
// empty tables whose ids start at 1; the schema is dropped when the test
// ends. Without $OTCLIR_TEST_POSTGRES, URL skips the test and says why; a
// set variable whose server cannot be reached fails the test.
package pgtest
