package tracker

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgresURL reports whether location names a PostgreSQL server
// (postgres:// or postgresql://) rather than an SQLite file.
func IsPostgresURL(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// redact returns a PostgreSQL URL with its password replaced, for
// messages; anything else unchanged.
func redact(location string) string {
	if !IsPostgresURL(location) {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// pgMaxConns bounds the connections one DB holds on the server (a worker
// needs a few: its heartbeats, flushes, lease renewals and queries).
const pgMaxConns = 8

// openPostgres connects to the server at location. Unless the URL says
// otherwise, sessions run with synchronous_commit=off (a commit survives
// the tracker process dying at once, and a server crash may lose the last
// commits, never corrupt the database: SQLite's WAL with
// synchronous=NORMAL), and readers run with
// default_transaction_read_only=on, so the server itself refuses their
// writes.
func openPostgres(location string, readOnly bool) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(location)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("%w: PostgreSQL URL %s does not parse", ErrInvalidArgument, redact(location))
	}
	set := func(k, v string) {
		if _, ok := cfg.RuntimeParams[k]; !ok {
			cfg.RuntimeParams[k] = v
		}
	}
	set("application_name", "otclir")
	set("synchronous_commit", "off")
	cfg.RuntimeParams["standard_conforming_strings"] = "on" // '\' in ESCAPE '\' is one backslash
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	sdb := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	sdb.SetMaxOpenConns(pgMaxConns)
	sdb.SetMaxIdleConns(pgMaxConns)
	if err := sdb.Ping(); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return sdb, nil
}

// The tracker writes its SQL once, with SQLite's "?" placeholders;
// pgConnector hands PostgreSQL the same text with $1, $2, ... (see
// rebind), so that every query of this package, and ad-hoc queries
// through DB.SQL, run on both servers.
type pgConnector struct{ c driver.Connector }

func (p pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := p.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{c.(*stdlib.Conn)}, nil
}

func (p pgConnector) Driver() driver.Driver { return p.c.Driver() }

// pgConn forwards to pgx's connection, rebinding query text.
type pgConn struct{ c *stdlib.Conn }

var (
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
)

func (p *pgConn) Prepare(q string) (driver.Stmt, error) { return p.c.Prepare(rebind(q)) }
func (p *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return p.c.PrepareContext(ctx, rebind(q))
}
func (p *pgConn) Close() error              { return p.c.Close() }
func (p *pgConn) Begin() (driver.Tx, error) { return p.c.Begin() }
func (p *pgConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return p.c.BeginTx(ctx, o)
}
func (p *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return p.c.ExecContext(ctx, rebind(q), args)
}
func (p *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return p.c.QueryContext(ctx, rebind(q), args)
}
func (p *pgConn) Ping(ctx context.Context) error             { return p.c.Ping(ctx) }
func (p *pgConn) CheckNamedValue(v *driver.NamedValue) error { return p.c.CheckNamedValue(v) }
func (p *pgConn) ResetSession(ctx context.Context) error     { return p.c.ResetSession(ctx) }

// rebind numbers the "?" placeholders of q as $1, $2, ... outside string
// literals ('...'), quoted identifiers ("..."), dollar-quoted strings
// ($tag$...$tag$) and comments (-- and /* */). Escape strings (E'...')
// are not recognised: the tracker writes none.
func rebind(q string) string {
	if strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		case c == '\'' || c == '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2]) // a doubled quote reads as two literals in a row
			i += j + 1
			continue
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
			continue
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+4])
			i += j + 3
			continue
		case c == '$':
			if tag, ok := dollarTag(q[i:]); ok {
				j := strings.Index(q[i+len(tag):], tag)
				if j < 0 {
					b.WriteString(q[i:])
					return b.String()
				}
				end := i + len(tag) + j + len(tag)
				b.WriteString(q[i:end])
				i = end - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// dollarTag returns the opening tag ($$ or $name$) that s starts with.
func dollarTag(s string) (string, bool) {
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$':
			return s[:i+1], true
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || (i > 1 && '0' <= c && c <= '9'):
		default:
			return "", false
		}
	}
	return "", false
}

// pgMigrations are migrations for PostgreSQL: the same tables, columns
// and versions as migrations (for SQLite), in PostgreSQL's types. Text
// columns are COLLATE "C" so that text compares and sorts by bytes, as in
// SQLite; metrics.seq stands for SQLite's rowid (logging order);
// otclir_real is SQLite's CAST(text AS REAL), which the filter language's
// numeric comparisons of params and tags rely on.
var pgMigrations = []string{
	`
CREATE TABLE experiments (
	id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	name    TEXT COLLATE "C" NOT NULL UNIQUE,
	created TEXT COLLATE "C" NOT NULL
);
CREATE TABLE runs (
	id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	name          TEXT COLLATE "C" NOT NULL,
	experiment_id BIGINT NOT NULL REFERENCES experiments(id),
	status        TEXT COLLATE "C" NOT NULL CHECK (status IN ('RUNNING','FINISHED','FAILED','KILLED')),
	start_time    TEXT COLLATE "C" NOT NULL,
	end_time      TEXT COLLATE "C",
	heartbeat     TEXT COLLATE "C" NOT NULL,
	error         TEXT COLLATE "C" NOT NULL DEFAULT '',
	git_commit    TEXT COLLATE "C" NOT NULL DEFAULT '',
	git_dirty     INTEGER NOT NULL DEFAULT 0,
	diff_hash     TEXT COLLATE "C" NOT NULL DEFAULT '',
	host          TEXT COLLATE "C" NOT NULL DEFAULT '',
	go_version    TEXT COLLATE "C" NOT NULL DEFAULT '',
	gomlx_version TEXT COLLATE "C" NOT NULL DEFAULT '',
	backend       TEXT COLLATE "C" NOT NULL DEFAULT '',
	config_hash   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX runs_by_config ON runs(experiment_id, config_hash, status);
CREATE INDEX runs_by_status ON runs(status, heartbeat);
CREATE TABLE params (
	run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT COLLATE "C" NOT NULL,
	value  TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (run_id, key)
);
CREATE TABLE tags (
	run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT COLLATE "C" NOT NULL,
	value  TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (run_id, key)
);
CREATE TABLE metrics (
	seq       BIGINT GENERATED ALWAYS AS IDENTITY,
	run_id    BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key       TEXT COLLATE "C" NOT NULL,
	step      BIGINT NOT NULL,
	value     DOUBLE PRECISION,     -- NULL stores NaN
	wall_time BIGINT NOT NULL       -- Unix nanoseconds
);
CREATE INDEX metrics_by_run_key ON metrics(run_id, key, step);
CREATE TABLE latest_metrics (
	run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT COLLATE "C" NOT NULL,
	step   BIGINT NOT NULL,
	value  DOUBLE PRECISION,
	PRIMARY KEY (run_id, key)
);
CREATE TABLE final_metrics (
	run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT COLLATE "C" NOT NULL,
	value  DOUBLE PRECISION,
	PRIMARY KEY (run_id, key)
);
CREATE TABLE per_query (
	run_id  BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	measure TEXT COLLATE "C" NOT NULL,
	qid     TEXT COLLATE "C" NOT NULL,
	value   DOUBLE PRECISION,
	PRIMARY KEY (run_id, measure, qid)
);
CREATE TABLE artifacts (
	run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	path   TEXT COLLATE "C" NOT NULL,
	kind   TEXT COLLATE "C" NOT NULL,
	size   BIGINT NOT NULL,
	sha256 TEXT COLLATE "C" NOT NULL,
	logged TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (run_id, path)
);
-- SQLite's CAST(s AS REAL): leading spaces skipped, the longest prefix
-- that reads as a decimal number, 0 when there is none; out of range is
-- +-Infinity (or +-0 for underflow) as SQLite's conversion gives.
CREATE FUNCTION otclir_real(s text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
	m text := substring(s from '^[[:space:]]*([-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?)');
BEGIN
	IF m IS NULL THEN
		RETURN 0;
	END IF;
	BEGIN
		RETURN m::double precision;
	EXCEPTION WHEN numeric_value_out_of_range THEN
		BEGIN
			IF abs(m::numeric) >= 1 THEN
				RETURN sign(m::numeric) * 'Infinity'::double precision;
			END IF;
			RETURN CASE WHEN m LIKE '-%' THEN '-0'::double precision ELSE 0 END;
		EXCEPTION WHEN OTHERS THEN
			RETURN CASE WHEN m ~ '[eE]-' THEN 0
				WHEN m LIKE '-%' THEN '-Infinity'::double precision
				ELSE 'Infinity'::double precision END;
		END;
	END;
END
$body$;
`,
	`
ALTER TABLE runs ADD COLUMN pid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN proc_start TEXT COLLATE "C" NOT NULL DEFAULT '';
`,
	`
CREATE TABLE cells (
	queue       TEXT COLLATE "C" NOT NULL,
	key         TEXT COLLATE "C" NOT NULL,
	seq         BIGINT NOT NULL,
	spec        TEXT COLLATE "C" NOT NULL DEFAULT '',
	state       TEXT COLLATE "C" NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING','CLAIMED','DONE','FAILED')),
	worker      TEXT COLLATE "C" NOT NULL DEFAULT '',
	token       TEXT COLLATE "C" NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	attempts    BIGINT NOT NULL DEFAULT 0,
	run_id      BIGINT REFERENCES runs(id) ON DELETE SET NULL,
	error       TEXT COLLATE "C" NOT NULL DEFAULT '',
	updated     TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (queue, key)
);
CREATE INDEX cells_by_state ON cells(queue, state, seq);
`,
}
