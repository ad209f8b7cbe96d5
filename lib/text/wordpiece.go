package text

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// wordPiece is BERT's WordPiece model: each pre-token is split greedily into
// the longest vocabulary entry at its start, then the longest continuation
// entry (spelt with the "##" prefix) at each following position. A word with
// no complete split, or longer than maxChars characters, is one unknown
// token.
type wordPiece struct {
	first    map[string]int32 // word-initial entries
	cont     map[string]int32 // continuation entries, keyed without the prefix
	prefix   string           // continuing_subword_prefix, "##"
	unkTok   string
	unkID    int32
	maxChars int // max_input_chars_per_word, 100
	maxLen   int // longest entry in bytes (without prefix), bounds the search
}

func newWordPiece(vocab map[string]int32, unkTok, prefix string, maxChars int) (*wordPiece, error) {
	unkID, ok := vocab[unkTok]
	if !ok {
		return nil, fmt.Errorf("unknown token %q is not in the vocabulary", unkTok)
	}
	w := &wordPiece{
		first: make(map[string]int32, len(vocab)), cont: make(map[string]int32, len(vocab)/2),
		prefix: prefix, unkTok: unkTok, unkID: unkID, maxChars: maxChars,
	}
	for tok, id := range vocab {
		w.first[tok] = id
		if prefix != "" && strings.HasPrefix(tok, prefix) {
			w.cont[tok[len(prefix):]] = id
		}
		if len(tok) > w.maxLen {
			w.maxLen = len(tok)
		}
	}
	return w, nil
}

// tokenize splits one pre-token word and appends its pieces to dst
// (tokenizers models/wordpiece WordPiece::tokenize).
func (w *wordPiece) tokenize(word string, dst []piece) []piece {
	if word == "" {
		return dst
	}
	if utf8.RuneCountInString(word) > w.maxChars {
		return append(dst, piece{id: w.unkID, tok: w.unkTok})
	}
	from := len(dst)
	for start := 0; start < len(word); {
		end := min(len(word), start+w.maxLen)
		for end > start && end < len(word) && !utf8.RuneStart(word[end]) {
			end-- // never cut inside a character
		}
		found := false
		for end > start {
			var id int32
			var ok bool
			if start == 0 {
				id, ok = w.first[word[:end]]
			} else {
				id, ok = w.cont[word[start:end]]
			}
			if ok {
				tok := word[start:end]
				if start > 0 {
					tok = w.prefix + tok
				}
				dst = append(dst, piece{id: id, tok: tok})
				found = true
				break
			}
			_, l := utf8.DecodeLastRuneInString(word[start:end])
			end -= l
		}
		if !found {
			return append(dst[:from], piece{id: w.unkID, tok: w.unkTok})
		}
		start = end
	}
	return dst
}

// readVocabTxt parses a BERT vocab.txt: one token per line, the id is the
// line number from 0. Like transformers' load_vocab (Python text mode), "\r\n"
// and "\r" end lines too, only the line end is stripped, and a repeated token
// keeps its last id.
func readVocabTxt(b []byte, name string) (tokens []string, ids map[string]int32, err error) {
	if !utf8.Valid(b) {
		line := 1 + bytes.Count(b[:firstInvalidUTF8(b)], []byte("\n"))
		return nil, nil, fmt.Errorf("%w: %s:%d: not UTF-8", ErrBadModel, name, line)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil, nil, fmt.Errorf("%w: %s: empty vocabulary", ErrBadModel, name)
	}
	tokens = strings.Split(s, "\n")
	ids = make(map[string]int32, len(tokens))
	for i, t := range tokens {
		ids[t] = int32(i)
	}
	return tokens, ids, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
