package filter

import (
	"strconv"
	"strings"
)

// Kind says which part of a run a Field names.
type Kind int

const (
	Attribute Kind = iota // a column of the runs table (or the experiment name)
	Param                 // params.K
	Tag                   // tags.K
	Metric                // metrics.K: final value, else latest logged value
)

func (k Kind) String() string {
	switch k {
	case Param:
		return "params"
	case Tag:
		return "tags"
	case Metric:
		return "metrics"
	}
	return "attributes"
}

// Field is a reference such as params.pair or status.
type Field struct {
	Kind Kind
	Key  string // the key, or the canonical attribute name
	Pos  int
}

func (f Field) String() string { return f.Kind.String() + "." + f.Key }

// Value is a literal: a string or a number.
type Value struct {
	IsNumber bool
	Str      string // the string, or the number's source text
	Num      float64
	Pos      int
}

// Expr is a node of a parsed filter: *And, *Or, *Not, *Compare, *In,
// *Like or *IsNull.
type Expr interface{ expr() }

// And is L and R.
type And struct{ L, R Expr }

// Or is L or R.
type Or struct{ L, R Expr }

// Not negates X.
type Not struct{ X Expr }

// Compare is Field Op Value with Op one of = != < <= > >=.
type Compare struct {
	Field Field
	Op    string
	Value Value
}

// In is Field [not] in (Values...).
type In struct {
	Field  Field
	Not    bool
	Values []Value
}

// Like is Field [not] like/ilike Pattern; % matches any run of characters,
// _ one character, and a backslash makes the next character literal.
type Like struct {
	Field           Field
	Not             bool
	CaseInsensitive bool
	Pattern         string
}

// IsNull is Field is [not] null.
type IsNull struct {
	Field Field
	Not   bool
}

func (*And) expr()     {}
func (*Or) expr()      {}
func (*Not) expr()     {}
func (*Compare) expr() {}
func (*In) expr()      {}
func (*Like) expr()    {}
func (*IsNull) expr()  {}

type attrType int

const (
	attrText attrType = iota
	attrInt
)

type attrInfo struct {
	name   string // canonical name
	column string // SQL expression
	typ    attrType
}

// attributes lists the run attributes a filter may name; aliases map to
// the same column.
var attributes = map[string]attrInfo{}

func init() {
	add := func(info attrInfo, names ...string) {
		for _, n := range append([]string{info.name}, names...) {
			attributes[n] = info
		}
	}
	add(attrInfo{"id", "r.id", attrInt}, "run_id")
	add(attrInfo{"name", "r.name", attrText}, "run_name")
	add(attrInfo{"experiment", "e.name", attrText})
	add(attrInfo{"status", "r.status", attrText})
	add(attrInfo{"start", "r.start_time", attrText}, "start_time")
	add(attrInfo{"end", "r.end_time", attrText}, "end_time")
	add(attrInfo{"heartbeat", "r.heartbeat", attrText})
	add(attrInfo{"error", "r.error", attrText})
	add(attrInfo{"git_commit", "r.git_commit", attrText})
	add(attrInfo{"git_dirty", "r.git_dirty", attrInt})
	add(attrInfo{"diff_hash", "r.diff_hash", attrText})
	add(attrInfo{"host", "r.host", attrText})
	add(attrInfo{"go_version", "r.go_version", attrText})
	add(attrInfo{"gomlx_version", "r.gomlx_version", attrText})
	add(attrInfo{"backend", "r.backend", attrText})
	add(attrInfo{"config_hash", "r.config_hash", attrText})
}

// AttributeNames returns the canonical attribute names, in schema order.
func AttributeNames() []string {
	return []string{"id", "name", "experiment", "status", "start", "end", "heartbeat", "error",
		"git_commit", "git_dirty", "diff_hash", "host", "go_version", "gomlx_version", "backend", "config_hash"}
}

var prefixes = map[string]Kind{
	"params": Param, "param": Param,
	"tags": Tag, "tag": Tag,
	"metrics": Metric, "metric": Metric,
	"attributes": Attribute, "attribute": Attribute, "attr": Attribute,
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

type parser struct {
	lex    lexer
	peeked *token
	depth  int
}

func (p *parser) peek() (token, error) {
	if p.peeked == nil {
		t, err := p.lex.next(false)
		if err != nil {
			return token{}, err
		}
		p.peeked = &t
	}
	return *p.peeked, nil
}

func (p *parser) take() (token, error) {
	t, err := p.peek()
	p.peeked = nil
	return t, err
}

func (p *parser) errf(pos int, format string, args ...any) error {
	return p.lex.errf(pos, format, args...)
}

// keyword reports whether t is the (unquoted) keyword kw.
func keyword(t token, kw string) bool {
	return t.kind == tokIdent && !t.quoted && strings.EqualFold(t.text, kw)
}

// Parse parses a filter expression. An empty or blank string is an error;
// callers that accept "no filter" check for it first (see Where).
func Parse(s string) (Expr, error) {
	p := &parser{lex: lexer{in: s}}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	t, err := p.take()
	if err != nil {
		return nil, err
	}
	if t.kind != tokEOF {
		return nil, p.errf(t.pos, "unexpected %s (expected \"and\", \"or\" or end of input)", t.describe())
	}
	return e, nil
}

func (p *parser) parseOr() (Expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if !keyword(t, "or") {
			return l, nil
		}
		p.take()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &Or{l, r}
	}
}

func (p *parser) parseAnd() (Expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if !keyword(t, "and") {
			return l, nil
		}
		p.take()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = &And{l, r}
	}
}

func (p *parser) parseUnary() (Expr, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf(t.pos, "expression nested deeper than %d", maxDepth)
	}
	switch {
	case keyword(t, "not"):
		p.take()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	case t.kind == tokLParen:
		p.take()
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		c, err := p.take()
		if err != nil {
			return nil, err
		}
		if c.kind != tokRParen {
			return nil, p.errf(c.pos, "expected \")\" to close \"(\" at position %d, got %s", t.pos, c.describe())
		}
		return x, nil
	}
	return p.parseComparison()
}

// parseField reads params.K, tags.K, metrics.K, attributes.A or A.
func (p *parser) parseField() (Field, error) {
	t, err := p.take()
	if err != nil {
		return Field{}, err
	}
	if t.kind != tokIdent || t.quoted {
		return Field{}, p.errf(t.pos, "expected a field such as params.x, metrics.x, tags.x or status, got %s", t.describe())
	}
	lower := strings.ToLower(t.text)
	kind, isPrefix := prefixes[lower]
	if isPrefix && p.lex.pos < len(p.lex.in) && p.lex.in[p.lex.pos] == '.' {
		p.lex.pos++
		k, err := p.lex.next(true)
		if err != nil {
			return Field{}, err
		}
		var key string
		switch k.kind {
		case tokIdent, tokString:
			key = k.text
		case tokNumber:
			key = k.text
		default:
			return Field{}, p.errf(k.pos, "expected a key after %q, got %s", t.text+".", k.describe())
		}
		if key == "" {
			return Field{}, p.errf(k.pos, "empty key after %q", t.text+".")
		}
		if kind == Attribute {
			info, ok := attributes[strings.ToLower(key)]
			if !ok {
				return Field{}, p.errf(k.pos, "unknown attribute %q (known: %s)", key, strings.Join(AttributeNames(), ", "))
			}
			return Field{Kind: Attribute, Key: info.name, Pos: t.pos}, nil
		}
		return Field{Kind: kind, Key: key, Pos: t.pos}, nil
	}
	info, ok := attributes[lower]
	if !ok {
		if isPrefix {
			return Field{}, p.errf(t.pos, "expected %q followed by \".key\"", t.text)
		}
		return Field{}, p.errf(t.pos, "unknown field %q (use params.%s, metrics.%s, tags.%s or one of: %s)",
			t.text, t.text, t.text, t.text, strings.Join(AttributeNames(), ", "))
	}
	return Field{Kind: Attribute, Key: info.name, Pos: t.pos}, nil
}

func (p *parser) parseValue() (Value, error) {
	t, err := p.take()
	if err != nil {
		return Value{}, err
	}
	switch t.kind {
	case tokString:
		return Value{Str: t.text, Pos: t.pos}, nil
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Value{}, p.errf(t.pos, "bad number %q: %v", t.text, err)
		}
		return Value{IsNumber: true, Str: t.text, Num: f, Pos: t.pos}, nil
	}
	return Value{}, p.errf(t.pos, "expected a quoted string or a number, got %s", t.describe())
}

// numericField reports whether f only compares with numbers.
func numericField(f Field) bool {
	if f.Kind == Metric {
		return true
	}
	return f.Kind == Attribute && attributes[f.Key].typ == attrInt
}

func (p *parser) checkValue(f Field, v Value) error {
	if numericField(f) && !v.IsNumber {
		return p.errf(v.Pos, "%s is numeric and cannot be compared with string %q", f, v.Str)
	}
	return nil
}

func (p *parser) parseComparison() (Expr, error) {
	f, err := p.parseField()
	if err != nil {
		return nil, err
	}
	t, err := p.take()
	if err != nil {
		return nil, err
	}
	not := false
	if keyword(t, "not") {
		not = true
		if t, err = p.take(); err != nil {
			return nil, err
		}
		if !keyword(t, "in") && !keyword(t, "like") && !keyword(t, "ilike") {
			return nil, p.errf(t.pos, "expected \"in\", \"like\" or \"ilike\" after \"not\", got %s", t.describe())
		}
	}
	switch {
	case t.kind == tokOp:
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		if err := p.checkValue(f, v); err != nil {
			return nil, err
		}
		op := t.text
		switch op {
		case "==":
			op = "="
		case "<>":
			op = "!="
		}
		return &Compare{Field: f, Op: op, Value: v}, nil
	case keyword(t, "in"):
		open, err := p.take()
		if err != nil {
			return nil, err
		}
		if open.kind != tokLParen {
			return nil, p.errf(open.pos, "expected \"(\" after \"in\", got %s", open.describe())
		}
		in := &In{Field: f, Not: not}
		for {
			v, err := p.parseValue()
			if err != nil {
				return nil, err
			}
			if err := p.checkValue(f, v); err != nil {
				return nil, err
			}
			if len(in.Values) > 0 && in.Values[0].IsNumber != v.IsNumber {
				return nil, p.errf(v.Pos, "\"in\" list mixes strings and numbers")
			}
			in.Values = append(in.Values, v)
			sep, err := p.take()
			if err != nil {
				return nil, err
			}
			if sep.kind == tokRParen {
				return in, nil
			}
			if sep.kind != tokComma {
				return nil, p.errf(sep.pos, "expected \",\" or \")\" in \"in\" list, got %s", sep.describe())
			}
		}
	case keyword(t, "like") || keyword(t, "ilike"):
		if numericField(f) {
			return nil, p.errf(t.pos, "%s is numeric: %q needs a string field", f, strings.ToLower(t.text))
		}
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		if v.IsNumber {
			return nil, p.errf(v.Pos, "%q needs a quoted pattern, got number %s", strings.ToLower(t.text), v.Str)
		}
		return &Like{Field: f, Not: not, CaseInsensitive: keyword(t, "ilike"), Pattern: v.Str}, nil
	case keyword(t, "is"):
		n, err := p.take()
		if err != nil {
			return nil, err
		}
		isNot := false
		if keyword(n, "not") {
			isNot = true
			if n, err = p.take(); err != nil {
				return nil, err
			}
		}
		if !keyword(n, "null") {
			return nil, p.errf(n.pos, "expected \"null\" after \"is\", got %s", n.describe())
		}
		return &IsNull{Field: f, Not: isNot}, nil
	}
	return nil, p.errf(t.pos, "expected a comparison (=, !=, <, <=, >, >=, in, like, ilike, is) after %s, got %s", f, t.describe())
}
