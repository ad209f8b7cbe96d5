package filter

import (
	"fmt"
	"strings"
)

// Where compiles a filter to a SQL boolean expression with "?"
// placeholders and their arguments. A blank filter matches every run
// ("1", no arguments).
func Where(filter string) (string, []any, error) {
	if strings.TrimSpace(filter) == "" {
		return "1", nil, nil
	}
	e, err := Parse(filter)
	if err != nil {
		return "", nil, err
	}
	var c compiler
	c.expr(e)
	return c.b.String(), c.args, nil
}

// SQL compiles a parsed expression; see Where.
func SQL(e Expr) (string, []any) {
	var c compiler
	c.expr(e)
	return c.b.String(), c.args
}

type compiler struct {
	b    strings.Builder
	args []any
}

// fieldSQL writes the SQL value of f. numeric asks for a REAL value (text
// fields are cast).
func (c *compiler) field(f Field, numeric bool) {
	switch f.Kind {
	case Param, Tag:
		table := "params"
		if f.Kind == Tag {
			table = "tags"
		}
		if numeric {
			c.b.WriteString("CAST(")
		}
		fmt.Fprintf(&c.b, "(SELECT x.value FROM %s x WHERE x.run_id = r.id AND x.key = ?)", table)
		c.args = append(c.args, f.Key)
		if numeric {
			c.b.WriteString(" AS REAL)")
		}
	case Metric:
		c.b.WriteString("COALESCE((SELECT x.value FROM final_metrics x WHERE x.run_id = r.id AND x.key = ?), " +
			"(SELECT x.value FROM latest_metrics x WHERE x.run_id = r.id AND x.key = ?))")
		c.args = append(c.args, f.Key, f.Key)
	default:
		info := attributes[f.Key]
		if numeric && info.typ == attrText {
			fmt.Fprintf(&c.b, "CAST(%s AS REAL)", info.column)
		} else {
			c.b.WriteString(info.column)
		}
	}
}

func (c *compiler) value(v Value) {
	c.b.WriteString("?")
	if v.IsNumber {
		c.args = append(c.args, v.Num)
	} else {
		c.args = append(c.args, v.Str)
	}
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
func OrderBy(order string) (string, []any, error) {
	if strings.TrimSpace(order) == "" {
		return "", nil, nil
	}
	p := &parser{lex: lexer{in: order}}
	var c compiler
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
			return c.b.String(), c.args, nil
		case tokComma:
			continue
		}
		return "", nil, p.errf(t.pos, "expected ASC, DESC, \",\" or end of order, got %s", t.describe())
	}
}
