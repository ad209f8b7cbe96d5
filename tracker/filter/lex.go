package filter

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is wrapped by every *SyntaxError.
var ErrSyntax = errors.New("filter: invalid expression")

// SyntaxError reports a problem in a filter or order expression at byte
// offset Pos (0-based) of the input.
type SyntaxError struct {
	Input string
	Pos   int
	Msg   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: %s at position %d in %q", e.Msg, e.Pos, e.Input)
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokOp
	tokLParen
	tokRParen
	tokComma
	tokDot
)

func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "end of input"
	case tokIdent:
		return "name"
	case tokString:
		return "string"
	case tokNumber:
		return "number"
	case tokOp:
		return "operator"
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokComma:
		return `","`
	case tokDot:
		return `"."`
	}
	return "token"
}

type token struct {
	kind tokKind
	text string // identifier/operator text or the decoded string value
	pos  int
	// quoted marks a name written in backquotes: never a keyword.
	quoted bool
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF, tokLParen, tokRParen, tokComma, tokDot:
		return t.kind.String()
	case tokString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%s %q", t.kind, t.text)
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

// isKeyChar reports the characters allowed in an unquoted key after
// "params." and friends.
func isKeyChar(c byte) bool {
	return isIdentChar(c) || c == '-' || c == '.' || c == '/' || c == ':'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lexer produces tokens on demand; the parser asks for a key (which may
// contain - . / : and start with a digit) right after "params." and friends.
type lexer struct {
	in  string
	pos int
}

func (l *lexer) errf(pos int, format string, args ...any) error {
	return &SyntaxError{Input: l.in, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.in) {
		switch l.in[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// next returns the next token. When key is true an unquoted identifier may
// contain the extra key characters.
func (l *lexer) next(key bool) (token, error) {
	l.skipSpace()
	start := l.pos
	if l.pos >= len(l.in) {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := l.in[l.pos]
	if key && isKeyChar(c) {
		for l.pos < len(l.in) && isKeyChar(l.in[l.pos]) {
			l.pos++
		}
		return token{kind: tokIdent, text: l.in[start:l.pos], pos: start}, nil
	}
	switch {
	case c == '(':
		l.pos++
		return token{kind: tokLParen, text: "(", pos: start}, nil
	case c == ')':
		l.pos++
		return token{kind: tokRParen, text: ")", pos: start}, nil
	case c == ',':
		l.pos++
		return token{kind: tokComma, text: ",", pos: start}, nil
	case c == '.' && !(l.pos+1 < len(l.in) && isDigit(l.in[l.pos+1])):
		l.pos++
		return token{kind: tokDot, text: ".", pos: start}, nil
	case c == '\'' || c == '"':
		s, err := l.quoted(c)
		if err != nil {
			return token{}, err
		}
		return token{kind: tokString, text: s, pos: start}, nil
	case c == '`':
		s, err := l.quoted(c)
		if err != nil {
			return token{}, err
		}
		if s == "" {
			return token{}, l.errf(start, "empty backquoted name")
		}
		return token{kind: tokIdent, text: s, pos: start, quoted: true}, nil
	case isDigit(c) || c == '.' || c == '-' || c == '+':
		return l.number()
	case isIdentStart(c):
		for l.pos < len(l.in) && isIdentChar(l.in[l.pos]) {
			l.pos++
		}
		return token{kind: tokIdent, text: l.in[start:l.pos], pos: start}, nil
	case c == '=' || c == '!' || c == '<' || c == '>':
		l.pos++
		if l.pos < len(l.in) {
			two := l.in[start : l.pos+1]
			switch two {
			case "==", "!=", "<>", "<=", ">=":
				l.pos++
				return token{kind: tokOp, text: two, pos: start}, nil
			}
		}
		if c == '!' {
			return token{}, l.errf(start, `unexpected "!" (did you mean "!="?)`)
		}
		return token{kind: tokOp, text: string(c), pos: start}, nil
	}
	return token{}, l.errf(start, "unexpected character %q", rune(c))
}

// quoted reads a string delimited by q starting at l.pos. A doubled
// delimiter, or a backslash before a quote or backslash, stands for that
// character; \n and \t are newline and tab; any other backslash is kept.
func (l *lexer) quoted(q byte) (string, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(l.in) {
		c := l.in[l.pos]
		switch {
		case c == '\\':
			if l.pos+1 >= len(l.in) {
				return "", l.errf(l.pos, "backslash at end of input")
			}
			e := l.in[l.pos+1]
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '\\', '\'', '"', '`':
				b.WriteByte(e)
			default:
				// Keep other escapes (\% and \_ in LIKE patterns) for
				// the consumer of the string.
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			l.pos += 2
		case c == q:
			if l.pos+1 < len(l.in) && l.in[l.pos+1] == q {
				b.WriteByte(q)
				l.pos += 2
				continue
			}
			l.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return "", l.errf(start, "unterminated %c-quoted string", q)
}

// number reads [+-]digits[.digits][(e|E)[+-]digits].
func (l *lexer) number() (token, error) {
	start := l.pos
	if c := l.in[l.pos]; c == '-' || c == '+' {
		l.pos++
	}
	digits := 0
	for l.pos < len(l.in) && isDigit(l.in[l.pos]) {
		l.pos++
		digits++
	}
	if l.pos < len(l.in) && l.in[l.pos] == '.' {
		l.pos++
		for l.pos < len(l.in) && isDigit(l.in[l.pos]) {
			l.pos++
			digits++
		}
	}
	if digits == 0 {
		return token{}, l.errf(start, "malformed number %q", l.in[start:l.pos])
	}
	if l.pos < len(l.in) && (l.in[l.pos] == 'e' || l.in[l.pos] == 'E') {
		l.pos++
		if l.pos < len(l.in) && (l.in[l.pos] == '-' || l.in[l.pos] == '+') {
			l.pos++
		}
		exp := 0
		for l.pos < len(l.in) && isDigit(l.in[l.pos]) {
			l.pos++
			exp++
		}
		if exp == 0 {
			return token{}, l.errf(start, "malformed number %q: exponent has no digits", l.in[start:l.pos])
		}
	}
	if l.pos < len(l.in) && isIdentChar(l.in[l.pos]) {
		return token{}, l.errf(l.pos, "unexpected %q after number", l.in[l.pos])
	}
	return token{kind: tokNumber, text: l.in[start:l.pos], pos: start}, nil
}
