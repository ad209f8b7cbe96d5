package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// addedToken is one entry of tokenizer.json's added_tokens.
type addedToken struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// addedVocab finds added tokens in raw text (those with normalized false)
// and in normalised text (normalized true), leftmost-longest, the way
// tokenizers' AddedVocabulary::extract_and_normalize does.
type addedVocab struct {
	tokens []addedToken
	raw    *byteTrie // content -> index in tokens
	normed *byteTrie // normalised content -> index in tokens
}

func newAddedVocab(tokens []addedToken, n normalizer) *addedVocab {
	a := &addedVocab{tokens: tokens}
	var rk, nk []string
	var rv, nv []int32
	for i, t := range tokens {
		if t.Content == "" {
			continue
		}
		if t.Normalized && n != nil {
			c := n.normalize(t.Content)
			if c == "" {
				continue
			}
			nk, nv = append(nk, c), append(nv, int32(i))
		} else {
			rk, rv = append(rk, t.Content), append(rv, int32(i))
		}
	}
	if len(rk) > 0 {
		a.raw = newByteTrie(rk, rv)
	}
	if len(nk) > 0 {
		a.normed = newByteTrie(nk, nv)
	}
	return a
}

// segment is a stretch of input: an added token (tok >= 0) or text.
type segment struct {
	text  string
	tok   int32 // index into addedVocab.tokens, or -1
	first bool  // the stretch starts the input
}

// isWordRune is the regex class \w of Rust's regex crate: Alphabetic, marks,
// decimal digits, connector punctuation and the joiners.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r) ||
		unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r) ||
		r == '\u200C' || r == '\u200D'
}

// split cuts s at the matches of trie t (find_matches in added_vocabulary.rs)
// and appends the pieces to dst. first says whether s starts the input.
func (a *addedVocab) split(s string, t *byteTrie, first bool, dst []segment) []segment {
	if t == nil || s == "" {
		return append(dst, segment{text: s, tok: -1, first: first})
	}
	startOff := 0
	for i := 0; i < len(s); {
		l, idx := 0, int32(-1)
		t.prefixes(s[i:], func(n int, v int32) { l, idx = n, v })
		if l == 0 {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
			continue
		}
		tok := a.tokens[idx]
		start, stop := i, i+l
		if tok.SingleWord {
			before, _ := utf8.DecodeLastRuneInString(s[:start])
			after, _ := utf8.DecodeRuneInString(s[stop:])
			if (start > 0 && isWordRune(before)) || (stop < len(s) && isWordRune(after)) {
				i = stop // the matcher's next match starts after this one
				continue
			}
		}
		if tok.LStrip {
			start = max(len(strings.TrimRightFunc(s[:start], unicode.IsSpace)), startOff)
		}
		if tok.RStrip {
			stop = len(s) - len(strings.TrimLeftFunc(s[stop:], unicode.IsSpace))
		}
		if startOff < start {
			dst = append(dst, segment{text: s[startOff:start], tok: -1, first: first && startOff == 0})
		}
		dst = append(dst, segment{text: s[start:stop], tok: idx})
		startOff, i = stop, stop
	}
	if startOff < len(s) {
		dst = append(dst, segment{text: s[startOff:], tok: -1, first: first && startOff == 0})
	}
	return dst
}
