package filter

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const paramSQL = "(SELECT x.value FROM params x WHERE x.run_id = r.id AND x.key = ?)"
const tagSQL = "(SELECT x.value FROM tags x WHERE x.run_id = r.id AND x.key = ?)"
const metricSQL = "COALESCE((SELECT x.value FROM final_metrics x WHERE x.run_id = r.id AND x.key = ?), " +
	"(SELECT x.value FROM latest_metrics x WHERE x.run_id = r.id AND x.key = ?))"

func TestWhere(t *testing.T) {
	tests := []struct {
		in   string
		sql  string
		args []any
	}{
		{``, `1`, nil},
		{"  \t", `1`, nil},
		{`params.pair = "swh-eng"`, `(` + paramSQL + ` = ?)`, []any{"pair", "swh-eng"}},
		{`params.pair == 'swh-eng'`, `(` + paramSQL + ` = ?)`, []any{"pair", "swh-eng"}},
		{`metrics.map > 0.2`, `(` + metricSQL + ` > ?)`, []any{"map", "map", 0.2}},
		{`metric.map >= -1e-3`, `(` + metricSQL + ` >= ?)`, []any{"map", "map", -0.001}},
		{`status = "FINISHED"`, `(r.status = ?)`, []any{"FINISHED"}},
		{`attributes.status <> 'FAILED'`, `(r.status != ?)`, []any{"FAILED"}},
		{`tags.x != 'y'`, `(` + tagSQL + ` != ?)`, []any{"x", "y"}},
		{`experiment = "optical"`, `(e.name = ?)`, []any{"optical"}},
		{`id <= 7`, `(r.id <= ?)`, []any{7.0}},
		// A text field compared with a number is cast to REAL.
		{`params.lr < 0.01`, `(CAST(` + paramSQL + ` AS REAL) < ?)`, []any{"lr", 0.01}},
		{`start > 5`, `(CAST(r.start_time AS REAL) > ?)`, []any{5.0}},
		{`params.pair = "swh-eng" and metrics.map > 0.2 and status = "FINISHED"`,
			`(((` + paramSQL + ` = ?) AND (` + metricSQL + ` > ?)) AND (r.status = ?))`,
			[]any{"pair", "swh-eng", "map", "map", 0.2, "FINISHED"}},
		{`status = "A" or status = "B" and name = "c"`, // and binds tighter than or
			`((r.status = ?) OR ((r.status = ?) AND (r.name = ?)))`, []any{"A", "B", "c"}},
		{`(status = "A" OR status = "B") AND name = "c"`,
			`(((r.status = ?) OR (r.status = ?)) AND (r.name = ?))`, []any{"A", "B", "c"}},
		{`not status = "A"`, `(NOT (r.status = ?))`, []any{"A"}},
		{`attributes.name LIKE "ot%"`, `(r.name GLOB ?)`, []any{"ot*"}},
		{`name like 'a_b*[c%'`, `(r.name GLOB ?)`, []any{"a?b[*][[]c*"}},
		{`name LIKE 'x\%y'`, `(r.name GLOB ?)`, []any{"x%y"}},
		{`name ILIKE "OT%"`, `(r.name LIKE ? ESCAPE '\')`, []any{"OT%"}},
		{`name not like "ot%"`, `(r.name NOT GLOB ?)`, []any{"ot*"}},
		{`params.lang IN ("swh","som")`, `(` + paramSQL + ` IN (?, ?))`, []any{"lang", "swh", "som"}},
		{`params.lang not in ('swh')`, `(` + paramSQL + ` NOT IN (?))`, []any{"lang", "swh"}},
		{`metrics.k in (1, 2.5)`, `(` + metricSQL + ` IN (?, ?))`, []any{"k", "k", 1.0, 2.5}},
		{`tags.note is null`, `(` + tagSQL + ` IS NULL)`, []any{"note"}},
		{`metrics.map IS NOT NULL`, `(` + metricSQL + ` IS NOT NULL)`, []any{"map", "map"}},
		// Keys: dots, dashes, slashes, digits, quoted and backquoted.
		{`params.lr.warmup = "1"`, `(` + paramSQL + ` = ?)`, []any{"lr.warmup", "1"}},
		{`params.a-b/c:d = "1"`, `(` + paramSQL + ` = ?)`, []any{"a-b/c:d", "1"}},
		{`params.1gram = "1"`, `(` + paramSQL + ` = ?)`, []any{"1gram", "1"}},
		{`params."odd key" = "1"`, `(` + paramSQL + ` = ?)`, []any{"odd key", "1"}},
		{"tags.`x y` = 'z'", `(` + tagSQL + ` = ?)`, []any{"x y", "z"}},
		{`params.and = "or"`, `(` + paramSQL + ` = ?)`, []any{"and", "or"}},
		// Case-insensitive keywords and prefixes, aliases.
		{`PARAMS.x = "1" AND Status = "RUNNING"`, `((` + paramSQL + ` = ?) AND (r.status = ?))`, []any{"x", "1", "RUNNING"}},
		{`attr.run_id = 3`, `(r.id = ?)`, []any{3.0}},
		// Escapes inside strings.
		{`name = 'it''s'`, `(r.name = ?)`, []any{"it's"}},
		{`name = "say \"hi\""`, `(r.name = ?)`, []any{`say "hi"`}},
		{`name = "a\\b\x"`, `(r.name = ?)`, []any{`a\b\x`}},
	}
	for _, tc := range tests {
		sql, args, err := Where(tc.in)
		if err != nil {
			t.Errorf("Where(%q): %v", tc.in, err)
			continue
		}
		if sql != tc.sql {
			t.Errorf("Where(%q) SQL:\n got %s\nwant %s", tc.in, sql, tc.sql)
		}
		if !reflect.DeepEqual(args, tc.args) {
			t.Errorf("Where(%q) args = %#v, want %#v", tc.in, args, tc.args)
		}
	}
}

// Injection attempts must end up as "?" arguments, never in the SQL text.
func TestWhereInjection(t *testing.T) {
	tests := []struct {
		in      string
		literal string
	}{
		{`params.x = "a' OR 1=1 --"`, `a' OR 1=1 --`},
		{`params.x = 'a" OR 1=1 --'`, `a" OR 1=1 --`},
		{`name = "x'); DROP TABLE runs; --"`, `x'); DROP TABLE runs; --`},
		{`params.x IN ("1) OR (1=1")`, `1) OR (1=1`},
		{`params."k') OR 1=1 --" = "v"`, `k') OR 1=1 --`},
		{`name LIKE "%' OR ''='"`, `*' OR ''='`},
	}
	for _, tc := range tests {
		sql, args, err := Where(tc.in)
		if err != nil {
			t.Errorf("Where(%q): %v", tc.in, err)
			continue
		}
		for _, bad := range []string{"OR 1=1", "DROP", "--", "'"} {
			if strings.Contains(sql, bad) && !strings.Contains(sql, "ESCAPE") {
				t.Errorf("Where(%q): SQL text contains %q: %s", tc.in, bad, sql)
			}
		}
		found := false
		for _, a := range args {
			if a == tc.literal {
				found = true
			}
		}
		if !found {
			t.Errorf("Where(%q): args %#v lack the literal %q", tc.in, args, tc.literal)
		}
	}
}

func TestWhereErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int // byte offset reported, counted by hand
		msg string
	}{
		{`params.x =`, 10, "expected a quoted string or a number, got end of input"},
		{`params.x = "a`, 11, "unterminated"},
		{`foo = "a"`, 0, `unknown field "foo"`},
		{`attributes.bogus = "a"`, 11, `unknown attribute "bogus"`},
		{`params = "a"`, 0, `expected "params" followed by ".key"`},
		{`params. = "a"`, 8, "expected a key"},
		{`metrics.map > "high"`, 14, "is numeric and cannot be compared with string"},
		{`id = "7"`, 5, "is numeric"},
		{`metrics.map like "a%"`, 12, "is numeric"},
		{`name like 3`, 10, "needs a quoted pattern"},
		{`status = "A" and`, 16, "expected a field"},
		{`(status = "A"`, 13, `expected ")" to close "(" at position 0`},
		{`status = "A")`, 12, `unexpected ")"`},
		{`status "A"`, 7, "expected a comparison"},
		{`status ! "A"`, 7, `did you mean "!="`},
		{`params.x in "a"`, 12, `expected "(" after "in"`},
		{`params.x in ("a" "b")`, 17, `expected "," or ")"`},
		{`params.x in ("a", 1)`, 18, "mixes strings and numbers"},
		{`params.x not = "a"`, 13, `expected "in", "like" or "ilike" after "not"`},
		{`params.x is "a"`, 12, `expected "null"`},
		{`id = 1.2.3`, 8, `unexpected number ".3"`},
		{`id = 1e`, 5, "exponent has no digits"},
		{`id = 12abc`, 7, `unexpected 'a' after number`},
		{`id = -`, 5, "malformed number"},
		{`status = "A" ; DROP TABLE runs`, 13, "unexpected character ';'"},
		{"name = `x`", 7, "expected a quoted string or a number, got name"},
		{"``", 0, "empty backquoted name"},
		{strings.Repeat("(", 300) + `id = 1` + strings.Repeat(")", 300), 200, "nested deeper"},
	}
	for _, tc := range tests {
		_, _, err := Where(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Where(%q) = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("Where(%q): error does not wrap ErrSyntax", tc.in)
		}
		if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Where(%q) = pos %d %q, want pos %d containing %q", tc.in, se.Pos, se.Msg, tc.pos, tc.msg)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("position %d", tc.pos)) {
			t.Errorf("Where(%q): message %q lacks the position", tc.in, err)
		}
	}
}

func TestOrderBy(t *testing.T) {
	tests := []struct {
		in   string
		sql  string
		args []any
	}{
		{``, ``, nil},
		{`start`, `r.start_time ASC NULLS LAST`, nil},
		{`metrics.map DESC`, metricSQL + ` DESC NULLS LAST`, []any{"map", "map"}},
		{`metrics.map desc, params.pair`, metricSQL + ` DESC NULLS LAST, ` + paramSQL + ` ASC NULLS LAST`,
			[]any{"map", "map", "pair"}},
		{`tags.x asc`, tagSQL + ` ASC NULLS LAST`, []any{"x"}},
	}
	for _, tc := range tests {
		sql, args, err := OrderBy(tc.in)
		if err != nil {
			t.Errorf("OrderBy(%q): %v", tc.in, err)
			continue
		}
		if sql != tc.sql || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("OrderBy(%q) = %s %#v, want %s %#v", tc.in, sql, args, tc.sql, tc.args)
		}
	}
	for _, bad := range []string{`bogus`, `start sideways`, `start,`, `metrics.map DESC; DROP TABLE runs`, `"x"`} {
		if _, _, err := OrderBy(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("OrderBy(%q) = %v, want ErrSyntax", bad, err)
		}
	}
}

func ExampleWhere() {
	sql, args, err := Where(`params.lang IN ("swh", "som") and status = 'FINISHED'`)
	if err != nil {
		panic(err)
	}
	fmt.Println(sql)
	fmt.Println(args)
	// Output:
	// (((SELECT x.value FROM params x WHERE x.run_id = r.id AND x.key = ?) IN (?, ?)) AND (r.status = ?))
	// [lang swh som FINISHED]
}

func ExampleParse_error() {
	_, err := Parse(`metrics.map > "high"`)
	fmt.Println(err)
	// Output:
	// filter: metrics.map is numeric and cannot be compared with string "high" at position 14 in "metrics.map > \"high\""
}

// The PostgreSQL forms differ from SQLite's where the servers differ; what
// each means is checked against a real server by package tracker's
// TestFilterDialectsAgree and FuzzFilter.
func TestWherePostgres(t *testing.T) {
	const fold = `'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'`
	tests := []struct {
		in   string
		sql  string
		args []any
	}{
		{``, `TRUE`, nil},
		{`params.lr < 0.01`, `(otclir_real(` + paramSQL + `) < CAST(? AS DOUBLE PRECISION))`, []any{"lr", 0.01}},
		{`status = 1`, `(otclir_real(r.status) = CAST(? AS DOUBLE PRECISION))`, []any{1.0}},
		{`id = 2`, `(r.id = CAST(? AS DOUBLE PRECISION))`, []any{2.0}},
		{`metrics.k in (1, 2.5)`, `(` + metricSQL + ` IN (CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION)))`,
			[]any{"k", "k", 1.0, 2.5}},
		{`name = "x"`, `(r.name = ?)`, []any{"x"}},
		{`name LIKE "a%_\%"`, `(r.name LIKE ? ESCAPE '\')`, []any{`a%_\%`}},
		{`name NOT LIKE "a\\"`, `(r.name NOT LIKE ? ESCAPE '\')`, []any{`a\\`}}, // trailing \ is literal, as in GLOB
		{`name ILIKE "Ab%"`, `(translate(r.name, ` + fold + `) LIKE ? ESCAPE '\')`, []any{"ab%"}},
		{`name ILIKE "É%"`, `(translate(r.name, ` + fold + `) LIKE ? ESCAPE '\')`, []any{"É%"}}, // ASCII folding only
		{`name ILIKE "a\\"`, `((CASE WHEN r.name IS NOT NULL THEN FALSE END))`, nil},            // SQLite: no match
		{`name NOT ILIKE "a\\"`, `(NOT (CASE WHEN r.name IS NOT NULL THEN FALSE END))`, nil},
	}
	for _, tc := range tests {
		sql, args, err := Postgres.Where(tc.in)
		if err != nil {
			t.Errorf("Postgres.Where(%q): %v", tc.in, err)
			continue
		}
		if sql != tc.sql || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("Postgres.Where(%q):\n got %s %#v\nwant %s %#v", tc.in, sql, args, tc.sql, tc.args)
		}
	}
	// SQLite forms are unchanged by the dialect parameter.
	for _, in := range []string{`params.lr < 0.01`, `name LIKE "a%"`, `name ILIKE "A%"`, ``} {
		a, aa, _ := Where(in)
		b, ba, _ := SQLite.Where(in)
		if a != b || !reflect.DeepEqual(aa, ba) {
			t.Errorf("Where(%q) != SQLite.Where", in)
		}
	}
	if sql, _, _ := Postgres.OrderBy(`params.pair DESC, start`); sql != paramSQL+` DESC NULLS LAST, r.start_time ASC NULLS LAST` {
		t.Errorf("Postgres.OrderBy = %s", sql)
	}
}
