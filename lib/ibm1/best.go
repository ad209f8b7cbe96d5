package ibm1

import "strings"

// Best returns the most probable English translation of the term f (ties
// broken by word, byte order, as Translations orders them), and ok false
// for a term the table does not hold.
func (t *Table) Best(f string) (tr Translation, ok bool) {
	row := t.sorted[f]
	if len(row) == 0 {
		return Translation{}, false
	}
	return row[0], true
}

// TranslateBest translates text word by word with the 1-best translation
// of each term: text is split into Terms, each term replaced by Best, and
// the words joined by single spaces. A term the table does not hold (out of
// the bitext's vocabulary: names, numbers, cognates, words that pruning
// removed) is kept as it is, as SearchPSQ in lib/bm25 keeps an
// untranslatable query term; unknown counts them. The NULL word is never
// produced: it is a foreign-side token only.
func (t *Table) TranslateBest(text string) (translated string, terms, unknown int) {
	words := Terms(text)
	for i, f := range words {
		if tr, ok := t.Best(f); ok {
			words[i] = tr.Word
		} else {
			unknown++
		}
	}
	return strings.Join(words, " "), len(words), unknown
}
