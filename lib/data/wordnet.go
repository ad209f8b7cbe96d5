package data

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Synset is one WordNet synset.
type Synset struct {
	Offset   string   // byte offset in its data file, 8 digits
	POS      string   // n, v, a, s (adjective satellite) or r
	Lemmas   []string // underscores replaced by spaces, adjective markers dropped
	Gloss    string   // the definition, without examples
	Examples []string // the quoted example sentences, without quotes
}

// WordNetFiles are the data files read by LoadWordNet, under dict/.
var WordNetFiles = []string{"data.noun", "data.verb", "data.adj", "data.adv"}

// LoadWordNet reads dict/data.{noun,verb,adj,adv} under root.
func LoadWordNet(root string) ([]Synset, error) {
	var out []Synset
	for _, name := range WordNetFiles {
		s, err := loadWordNetFile(root, "dict/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

func loadWordNetFile(root, rel string) ([]Synset, error) {
	path := filepath.Join(root, filepath.FromSlash(rel))
	b, err := readServed(root, rel)
	if err != nil {
		return nil, fmt.Errorf("data: wordnet: %w", err)
	}
	var out []Synset
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if strings.HasPrefix(s, "  ") || strings.TrimSpace(s) == "" {
			continue // licence header
		}
		syn, err := ParseSynsetLine(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrMalformed, path, line, err)
		}
		out = append(out, syn)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: wordnet %s: %w", path, err)
	}
	return out, nil
}

// ParseSynsetLine parses one line of a WordNet data file (wndb(5WN)):
//
//	offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt [ptr...] [frames...] | gloss
//
// w_cnt is two hex digits.
func ParseSynsetLine(s string) (Synset, error) {
	head, gloss, ok := strings.Cut(s, " | ")
	if !ok {
		return Synset{}, fmt.Errorf("no \" | \" before the gloss")
	}
	f := strings.Fields(head)
	if len(f) < 6 {
		return Synset{}, fmt.Errorf("%d header fields, want >= 6", len(f))
	}
	if len(f[0]) != 8 {
		return Synset{}, fmt.Errorf("offset %q is not 8 digits", f[0])
	}
	if _, err := strconv.Atoi(f[0]); err != nil {
		return Synset{}, fmt.Errorf("offset %q is not 8 digits", f[0])
	}
	switch f[2] {
	case "n", "v", "a", "s", "r":
	default:
		return Synset{}, fmt.Errorf("ss_type %q not one of n v a s r", f[2])
	}
	n, err := strconv.ParseUint(f[3], 16, 8)
	if err != nil || n == 0 {
		return Synset{}, fmt.Errorf("w_cnt %q is not a positive hex number", f[3])
	}
	if len(f) < 4+2*int(n) {
		return Synset{}, fmt.Errorf("w_cnt %d but only %d fields", n, len(f))
	}
	syn := Synset{Offset: f[0], POS: f[2]}
	for i := 0; i < int(n); i++ {
		w := f[4+2*i]
		if j := strings.IndexByte(w, '('); j > 0 && strings.HasSuffix(w, ")") {
			w = w[:j] // adjective position marker (a), (p), (ip)
		}
		syn.Lemmas = append(syn.Lemmas, strings.ReplaceAll(w, "_", " "))
	}
	syn.Gloss, syn.Examples = SplitGloss(gloss)
	return syn, nil
}

// SplitGloss separates a WordNet gloss into the definition and the quoted
// examples. The gloss is split on semicolons outside double quotes; parts
// that start with a double quote are examples (the text between the first
// and the last quote, so a trailing attribution such as `- Shakespeare` is
// dropped), the others are joined back into the definition.
func SplitGloss(g string) (def string, examples []string) {
	var defs []string
	inQ := false
	start := 0
	emit := func(part string) {
		part = strings.TrimSpace(part)
		if part == "" {
			return
		}
		if part[0] == '"' {
			body := part[1:]
			if j := strings.LastIndexByte(body, '"'); j >= 0 {
				body = body[:j]
			}
			if body = strings.TrimSpace(body); body != "" {
				examples = append(examples, body)
			}
			return
		}
		defs = append(defs, part)
	}
	for i := 0; i < len(g); i++ {
		switch g[i] {
		case '"':
			inQ = !inQ
		case ';':
			if !inQ {
				emit(g[start:i])
				start = i + 1
			}
		}
	}
	emit(g[start:])
	return strings.Join(defs, "; "), examples
}
