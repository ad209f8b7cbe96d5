package filter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Dialect is the SQL flavour a filter compiles to: the tracker stores runs
// in SQLite or in PostgreSQL, and a filter means the same in both (the
// tests of package tracker run every search against both servers).
type Dialect int

const (
	// SQLite: "?" placeholders, LIKE compiles to GLOB, text casts with
	// CAST(x AS REAL).
	SQLite Dialect = iota
	// Postgres: "?" placeholders too (package tracker rebinds them to $1,
	// $2, ...), LIKE compiles to LIKE ... ESCAPE, text casts with the
	// function otclir_real(text), which the tracker's PostgreSQL schema
	// defines as SQLite's CAST(text AS REAL): the longest numeric prefix
	// after leading spaces, else 0. Text columns are COLLATE "C" there, so
	// text compares and sorts by bytes as in SQLite.
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Where compiles a filter to an SQLite boolean expression; see
// Dialect.Where.
func Where(filter string) (string, []any, error) { return SQLite.Where(filter) }

// SQL compiles a parsed expression for SQLite; see Dialect.SQL.
func SQL(e Expr) (string, []any) { return SQLite.SQL(e) }

// OrderBy compiles an order expression for SQLite; see Dialect.OrderBy.
func OrderBy(order string) (string, []any, error) { return SQLite.OrderBy(order) }

// Where compiles a filter to a SQL boolean expression with "?"
// placeholders and their arguments. A blank filter matches every run ("1"
// in SQLite, "TRUE" in PostgreSQL, no arguments). For PostgreSQL, a string
// holding a NUL byte or invalid UTF-8, which PostgreSQL's text cannot
// hold, is a *SyntaxError.
func (d Dialect) Where(filter string) (string, []any, error) {
	if strings.TrimSpace(filter) == "" {
		if d == Postgres {
			return "TRUE", nil, nil
		}
		return "1", nil, nil
	}
	e, err := Parse(filter)
	if err != nil {
		return "", nil, err
	}
	c := compiler{d: d}
	c.expr(e)
	if err := d.check(filter, c.args); err != nil {
		return "", nil, err
	}
	return c.b.String(), c.args, nil
}

// SQL compiles a parsed expression; see Where.
func (d Dialect) SQL(e Expr) (string, []any) {
	c := compiler{d: d}
	c.expr(e)
	return c.b.String(), c.args
}

// check rejects, for PostgreSQL, string arguments its text type cannot
// hold.
func (d Dialect) check(input string, args []any) error {
	if d != Postgres {
		return nil
	}
	for _, a := range args {
		s, ok := a.(string)
		if !ok {
			continue
		}
		var msg string
		switch {
		case strings.IndexByte(s, 0) >= 0:
			msg = "a NUL byte"
		case !utf8.ValidString(s):
			msg = "invalid UTF-8"
		default:
			continue
		}
		pos := strings.Index(input, s)
		if pos < 0 {
			pos = 0
		}
		return &SyntaxError{Input: input, Pos: pos, Msg: fmt.Sprintf("string %q holds %s, which PostgreSQL cannot store", s, msg)}
	}
	return nil
}

type compiler struct {
	d    Dialect
	b    strings.Builder
	args []any
}

// castReal writes the start of a text-to-number cast; closeReal ends it.
func (c *compiler) castReal() {
	if c.d == Postgres {
		c.b.WriteString("otclir_real(")
	} else {
		c.b.WriteString("CAST(")
	}
}

func (c *compiler) closeReal() {
	if c.d == Postgres {
		c.b.WriteString(")")
	} else {
		c.b.WriteString(" AS REAL)")
	}
}

// field writes the SQL value of f. numeric asks for a number (text fields
// are cast).
func (c *compiler) field(f Field, numeric bool) {
	switch f.Kind {
	case Param, Tag:
		table := "params"
		if f.Kind == Tag {
			table = "tags"
		}
		if numeric {
			c.castReal()
		}
		fmt.Fprintf(&c.b, "(SELECT x.value FROM %s x WHERE x.run_id = r.id AND x.key = ?)", table)
		c.args = append(c.args, f.Key)
		if numeric {
			c.closeReal()
		}
	case Metric:
		c.b.WriteString("COALESCE((SELECT x.value FROM final_metrics x WHERE x.run_id = r.id AND x.key = ?), " +
			"(SELECT x.value FROM latest_metrics x WHERE x.run_id = r.id AND x.key = ?))")
		c.args = append(c.args, f.Key, f.Key)
	default:
		info := attributes[f.Key]
		if numeric && info.typ == attrText {
			c.castReal()
			c.b.WriteString(info.column)
			c.closeReal()
		} else {
			c.b.WriteString(info.column)
		}
	}
}

func (c *compiler) value(v Value) {
	if v.IsNumber {
		// PostgreSQL would otherwise type the parameter after the column
		// (bigint for id) and refuse 1.5.
		if c.d == Postgres {
			c.b.WriteString("CAST(? AS DOUBLE PRECISION)")
		} else {
			c.b.WriteString("?")
		}
		c.args = append(c.args, v.Num)
		return
	}
	c.b.WriteString("?")
	c.args = append(c.args, v.Str)
}

func (c *compiler) expr(e Expr) {
	switch e := e.(type) {
	case *And:
		c.b.WriteString("(")
		c.expr(e.L)
		c.b.WriteString(" AND ")
		c.expr(e.R)
		c.b.WriteString(")")
	case *Or:
		c.b.WriteString("(")
		c.expr(e.L)
		c.b.WriteString(" OR ")
		c.expr(e.R)
		c.b.WriteString(")")
	case *Not:
		c.b.WriteString("(NOT ")
		c.expr(e.X)
		c.b.WriteString(")")
	case *Compare:
		c.b.WriteString("(")
		c.field(e.Field, e.Value.IsNumber)
		fmt.Fprintf(&c.b, " %s ", e.Op)
		c.value(e.Value)
		c.b.WriteString(")")
	case *In:
		c.b.WriteString("(")
		c.field(e.Field, e.Values[0].IsNumber)
		if e.Not {
			c.b.WriteString(" NOT")
		}
		c.b.WriteString(" IN (")
		for i, v := range e.Values {
			if i > 0 {
				c.b.WriteString(", ")
			}
			c.value(v)
		}
		c.b.WriteString("))")
	case *Like:
		if c.d == Postgres {
			c.likePostgres(e)
		} else {
			c.likeSQLite(e)
		}
	case *IsNull:
		c.b.WriteString("(")
		c.field(e.Field, false)
		if e.Not {
			c.b.WriteString(" IS NOT NULL)")
		} else {
			c.b.WriteString(" IS NULL)")
		}
	default:
		panic(fmt.Sprintf("filter: unknown node %T", e))
	}
}

func (c *compiler) likeSQLite(e *Like) {
	c.b.WriteString("(")
	c.field(e.Field, false)
	if e.Not {
		c.b.WriteString(" NOT")
	}
	if e.CaseInsensitive {
		// SQLite's LIKE ignores ASCII case.
		c.b.WriteString(" LIKE ? ESCAPE '\\')")
		c.args = append(c.args, e.Pattern)
	} else {
		c.b.WriteString(" GLOB ?)")
		c.args = append(c.args, likeToGlob(e.Pattern))
	}
}

// asciiUpper and asciiLower fold ASCII letters only, as SQLite's LIKE does.
const (
	asciiUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	asciiLower = "abcdefghijklmnopqrstuvwxyz"
)

// likePostgres compiles LIKE to PostgreSQL's (case-sensitive) LIKE and
// ILIKE to LIKE over ASCII-folded text, since PostgreSQL's ILIKE folds by
// the server's locale and SQLite's LIKE folds only A-Z. The pattern means
// what it means for SQLite: for LIKE a trailing lone backslash is a
// literal backslash (as in the GLOB translation); for ILIKE it matches
// nothing (SQLite's LIKE ... ESCAPE), where PostgreSQL would fail.
func (c *compiler) likePostgres(e *Like) {
	c.b.WriteString("(")
	pattern := e.Pattern
	if e.CaseInsensitive {
		if trailingEscape(pattern) {
			// NULL for a missing value, else false: SQLite's answer.
			if e.Not {
				c.b.WriteString("NOT ")
			}
			c.b.WriteString("(CASE WHEN ")
			c.field(e.Field, false)
			c.b.WriteString(" IS NOT NULL THEN FALSE END))")
			return
		}
		c.b.WriteString("translate(")
		c.field(e.Field, false)
		c.b.WriteString(", '" + asciiUpper + "', '" + asciiLower + "')")
		pattern = foldASCII(pattern)
	} else {
		c.field(e.Field, false)
		if trailingEscape(pattern) {
			pattern += `\`
		}
	}
	if e.Not {
		c.b.WriteString(" NOT")
	}
	c.b.WriteString(" LIKE ? ESCAPE '\\')")
	c.args = append(c.args, pattern)
}

// trailingEscape reports whether p ends with a backslash that escapes
// nothing.
func trailingEscape(p string) bool {
	n := 0
	for i := len(p) - 1; i >= 0 && p[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// likeToGlob turns a LIKE pattern (% any run, _ one character, backslash
// escapes) into a case-sensitive GLOB pattern, quoting GLOB's own
// metacharacters.
func likeToGlob(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '\\':
			if i+1 < len(p) {
				i++
				c = p[i]
			}
			b.WriteString(globLiteral(c))
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		default:
			b.WriteString(globLiteral(c))
		}
	}
	return b.String()
}

func globLiteral(c byte) string {
	switch c {
	case '*', '?', '[':
		return "[" + string(c) + "]"
	}
	return string(c)
}

// OrderBy compiles an order expression: comma-separated fields, each
// optionally followed by ASC or DESC ("metrics.map DESC, params.pair").
// Missing values sort last. A blank order gives "" and no arguments.
func (d Dialect) OrderBy(order string) (string, []any, error) {
	if strings.TrimSpace(order) == "" {
		return "", nil, nil
	}
	p := &parser{lex: lexer{in: order}}
	c := compiler{d: d}
	for i := 0; ; i++ {
		f, err := p.parseField()
		if err != nil {
			return "", nil, err
		}
		if i > 0 {
			c.b.WriteString(", ")
		}
		c.field(f, false)
		t, err := p.take()
		if err != nil {
			return "", nil, err
		}
		dir := " ASC"
		if keyword(t, "asc") || keyword(t, "desc") {
			dir = " " + strings.ToUpper(t.text)
			if t, err = p.take(); err != nil {
				return "", nil, err
			}
		}
		c.b.WriteString(dir + " NULLS LAST")
		switch t.kind {
		case tokEOF:
			if err := d.check(order, c.args); err != nil {
				return "", nil, err
			}
			return c.b.String(), c.args, nil
		case tokComma:
			continue
		}
		return "", nil, p.errf(t.pos, "expected ASC, DESC, \",\" or end of order, got %s", t.describe())
	}
}
