package text

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// EthiopicWordspace is U+1361 ETHIOPIC WORDSPACE, the word separator of
// Amharic and other Ge'ez-script languages. PreTokenize treats it as white
// space.
const EthiopicWordspace = '\u1361'

// Normalize returns s in Unicode NFKC form, lower-cased.
func Normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// isSeparator reports whether r separates words and is dropped.
func isSeparator(r rune) bool {
	return unicode.IsSpace(r) || r == EthiopicWordspace
}

// isStandalone reports whether r forms a token of its own: punctuation
// (including Ethiopic full stop, comma, semicolon … U+1362..U+1368) and
// symbols.
func isStandalone(r rune) bool {
	return unicode.IsPunct(r) || unicode.IsSymbol(r) || (r >= '\u1362' && r <= '\u1368')
}

// PreTokenize splits s into words: runs of white space and U+1361 separate
// words and are dropped; every punctuation or symbol rune becomes a token of
// its own. PreTokenize does not normalize; Encode calls Normalize first.
func PreTokenize(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		switch {
		case isSeparator(r):
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		case isStandalone(r):
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
