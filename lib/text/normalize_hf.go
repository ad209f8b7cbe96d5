package text

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// normalizer is one tokenizer.json normaliser.
type normalizer interface {
	normalize(s string) string
}

// bertNormalizer is tokenizers' BertNormalizer, in its order of steps:
// clean text, pad CJK ideographs with spaces, strip accents, lowercase.
type bertNormalizer struct {
	cleanText, chineseChars, stripAccents, lowercase bool
}

// bertIsControl reports BERT's "control" characters, dropped by clean_text:
// general categories Cc, Cf and Co, except tab, newline and carriage return
// (which count as white space).
func bertIsControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
}

// isChineseChar reports the CJK ideograph blocks BERT pads with spaces
// (tokenizers normalizers/bert.rs is_chinese_char: Unified Ideographs,
// extensions A to E, and the two compatibility blocks).
func isChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

func (n bertNormalizer) normalize(s string) string {
	if n.cleanText {
		s = strings.Map(func(r rune) rune {
			switch {
			case r == 0 || r == 0xFFFD || bertIsControl(r):
				return -1
			case r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r):
				return ' '
			}
			return r
		}, s)
	}
	if n.chineseChars {
		var b strings.Builder
		b.Grow(len(s))
		for _, r := range s {
			if isChineseChar(r) {
				b.WriteByte(' ')
				b.WriteRune(r)
				b.WriteByte(' ')
			} else {
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	if n.stripAccents {
		s = stripMn(s)
	}
	if n.lowercase {
		s = lowerFull(s)
	}
	return s
}

// stripMn decomposes s (NFD) and drops the non-spacing marks (Mn).
func stripMn(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
}

// lowerFull lower-cases rune by rune with the full (unconditional) Unicode
// mapping, as Rust's char::to_lowercase does: like unicode.ToLower except
// that U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE becomes "i\u0307". No
// context-dependent rule applies (final sigma stays σ).
func lowerFull(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == '\u0130' {
			b.WriteString("i\u0307")
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// precompiledNormalizer is tokenizers' Precompiled: SentencePiece's charsmap
// rules without its white-space handling.
type precompiledNormalizer struct{ cm *charsMap }

func (n precompiledNormalizer) normalize(s string) string { return n.cm.apply(s) }

// replaceNormalizer replaces every match of a literal string or a regular
// expression.
type replaceNormalizer struct {
	re      *regexp.Regexp // nil: literal
	literal string
	content string
}

func (n replaceNormalizer) normalize(s string) string {
	if n.re != nil {
		return n.re.ReplaceAllLiteralString(s, n.content)
	}
	if n.literal == "" {
		return s
	}
	return strings.ReplaceAll(s, n.literal, n.content)
}

type sequenceNormalizer []normalizer

func (q sequenceNormalizer) normalize(s string) string {
	for _, n := range q {
		s = n.normalize(s)
	}
	return s
}

type unicodeNormalizer struct{ form norm.Form }

func (n unicodeNormalizer) normalize(s string) string { return n.form.String(s) }

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(s string) string { return lowerFull(s) }

// stripAccentsNormalizer is tokenizers' StripAccents: it drops combining
// marks (general category M) without decomposing first.
type stripAccentsNormalizer struct{}

func (stripAccentsNormalizer) normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.M, r) {
			return -1
		}
		return r
	}, s)
}

type stripNormalizer struct{ left, right bool }

func (n stripNormalizer) normalize(s string) string {
	if n.left {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
	}
	if n.right {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	return s
}

type prependNormalizer struct{ prefix string }

func (n prependNormalizer) normalize(s string) string {
	if s == "" {
		return s
	}
	return n.prefix + s
}
