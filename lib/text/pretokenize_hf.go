package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// preTokenizer is one tokenizer.json pre-tokeniser: it cuts a normalised
// segment into the words the model sees. first is true for the segment that
// starts the input (Metaspace's prepend_scheme "first" needs it).
type preTokenizer interface {
	split(s string, first bool, dst []string) []string
}

// isBertPunct is BERT's punctuation: ASCII punctuation (which includes
// symbols such as $ + < = > ^ ` | ~) or a Unicode punctuation category P.
func isBertPunct(r rune) bool {
	if r < 0x80 {
		return (r >= 0x21 && r <= 0x2F) || (r >= 0x3A && r <= 0x40) || (r >= 0x5B && r <= 0x60) || (r >= 0x7B && r <= 0x7E)
	}
	return unicode.IsPunct(r)
}

// bertPreTokenizer splits on white space (dropped) and isolates every
// punctuation character.
type bertPreTokenizer struct{}

func (bertPreTokenizer) split(s string, _ bool, dst []string) []string {
	start := -1
	for i, r := range s {
		switch {
		case unicode.IsSpace(r):
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		case isBertPunct(r):
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
			dst = append(dst, s[i:i+utf8.RuneLen(r)])
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// whitespaceSplitPreTokenizer splits on white space only.
type whitespaceSplitPreTokenizer struct{}

func (whitespaceSplitPreTokenizer) split(s string, _ bool, dst []string) []string {
	return append(dst, strings.FieldsFunc(s, unicode.IsSpace)...)
}

// Metaspace prepend schemes.
const (
	prependAlways = "always"
	prependFirst  = "first"
	prependNever  = "never"
)

// metaspacePreTokenizer replaces ' ' by the replacement ("▁"), prepends one
// when the segment does not start with it (as the scheme says), and cuts
// before every replacement (split: MergedWithNext).
type metaspacePreTokenizer struct {
	replacement string
	prepend     string
	splitWords  bool
}

func (m metaspacePreTokenizer) split(s string, first bool, dst []string) []string {
	if s == "" {
		return dst // nothing to prepend to (NormalizedString::prepend)
	}
	s = strings.ReplaceAll(s, " ", m.replacement)
	if !strings.HasPrefix(s, m.replacement) && (m.prepend == prependAlways || (m.prepend == prependFirst && first)) {
		s = m.replacement + s
	}
	if !m.splitWords || m.replacement == "" {
		return append(dst, s)
	}
	start := 0
	for {
		i := strings.Index(s[start+1:], m.replacement)
		if i < 0 {
			break
		}
		cut := start + 1 + i
		dst = append(dst, s[start:cut])
		start = cut
	}
	return append(dst, s[start:])
}

type sequencePreTokenizer []preTokenizer

func (q sequencePreTokenizer) split(s string, first bool, dst []string) []string {
	words := []string{s}
	for _, p := range q {
		var next []string
		for _, w := range words {
			next = p.split(w, first, next)
		}
		words = next
	}
	return append(dst, words...)
}
