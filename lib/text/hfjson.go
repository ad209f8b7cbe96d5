package text

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"golang.org/x/text/unicode/norm"
)

// ErrUnsupported is returned by LoadPretrained for a tokenizer component it
// does not implement (a model, normaliser, pre-tokeniser or post-processor
// type); the error names the file and the component.
var ErrUnsupported = errors.New("text: unsupported tokenizer component")

// hfFile is the layout of a HuggingFace tokenizer.json.
type hfFile struct {
	Version       string          `json:"version"`
	Truncation    *hfTruncation   `json:"truncation"`
	Padding       *hfPadding      `json:"padding"`
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Model         json.RawMessage `json:"model"`
}

type hfTruncation struct {
	Direction string `json:"direction"` // "Right" (default) or "Left"
	MaxLength int    `json:"max_length"`
	Strategy  string `json:"strategy"`
	Stride    int    `json:"stride"`
}

type hfPadding struct {
	Strategy        json.RawMessage `json:"strategy"` // "BatchLongest" or {"Fixed": n}
	Direction       string          `json:"direction"`
	PadToMultipleOf *int            `json:"pad_to_multiple_of"`
	PadID           int32           `json:"pad_id"`
	PadTypeID       int32           `json:"pad_type_id"`
	PadToken        string          `json:"pad_token"`
}

// typed reads the "type" field of a component; null components have type "".
func typed(raw json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return "", nil
	}
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", err
	}
	return t.Type, nil
}

// jsonLine turns a JSON decoding error into "line N: ..." for b.
func jsonLine(b []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return err.Error()
	}
	return fmt.Sprintf("line %d: %v", 1+bytes.Count(b[:off], []byte("\n")), err)
}

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	typ, err := typed(raw)
	if err != nil {
		return nil, fmt.Errorf("normalizer: %v", err)
	}
	switch typ {
	case "":
		return nil, nil
	case "BertNormalizer":
		var c struct {
			CleanText          *bool `json:"clean_text"`
			HandleChineseChars *bool `json:"handle_chinese_chars"`
			StripAccents       *bool `json:"strip_accents"`
			Lowercase          *bool `json:"lowercase"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer BertNormalizer: %v", err)
		}
		// Defaults of tokenizers' BertNormalizer: all true; strip_accents
		// null follows lowercase.
		n := bertNormalizer{cleanText: true, chineseChars: true, lowercase: true}
		if c.CleanText != nil {
			n.cleanText = *c.CleanText
		}
		if c.HandleChineseChars != nil {
			n.chineseChars = *c.HandleChineseChars
		}
		if c.Lowercase != nil {
			n.lowercase = *c.Lowercase
		}
		n.stripAccents = n.lowercase
		if c.StripAccents != nil {
			n.stripAccents = *c.StripAccents
		}
		return n, nil
	case "Precompiled":
		var c struct {
			Charsmap *string `json:"precompiled_charsmap"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %v", err)
		}
		if c.Charsmap == nil || *c.Charsmap == "" {
			return sequenceNormalizer(nil), nil // no rules: identity
		}
		b, err := base64.StdEncoding.DecodeString(*c.Charsmap)
		if err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: precompiled_charsmap: %v", err)
		}
		cm, err := parseCharsMap(b)
		if err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %v", err)
		}
		return precompiledNormalizer{cm}, nil
	case "Replace":
		var c struct {
			Pattern struct {
				String *string `json:"String"`
				Regex  *string `json:"Regex"`
			} `json:"pattern"`
			Content string `json:"content"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Replace: %v", err)
		}
		switch {
		case c.Pattern.String != nil:
			return replaceNormalizer{literal: *c.Pattern.String, content: c.Content}, nil
		case c.Pattern.Regex != nil:
			re, err := regexp.Compile(*c.Pattern.Regex)
			if err != nil {
				return nil, fmt.Errorf("%w: normalizer Replace: regex %q: %v", ErrUnsupported, *c.Pattern.Regex, err)
			}
			return replaceNormalizer{re: re, content: c.Content}, nil
		}
		return nil, fmt.Errorf("normalizer Replace: pattern has neither String nor Regex")
	case "Sequence":
		var c struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %v", err)
		}
		var q sequenceNormalizer
		for _, r := range c.Normalizers {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				q = append(q, n)
			}
		}
		return q, nil
	case "NFC":
		return unicodeNormalizer{norm.NFC}, nil
	case "NFD":
		return unicodeNormalizer{norm.NFD}, nil
	case "NFKC":
		return unicodeNormalizer{norm.NFKC}, nil
	case "NFKD":
		return unicodeNormalizer{norm.NFKD}, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "StripAccents":
		return stripAccentsNormalizer{}, nil
	case "Strip":
		var c struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %v", err)
		}
		return stripNormalizer{c.Left, c.Right}, nil
	case "Prepend":
		var c struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Prepend: %v", err)
		}
		return prependNormalizer{c.Prepend}, nil
	}
	return nil, fmt.Errorf("%w: normalizer %q", ErrUnsupported, typ)
}

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	typ, err := typed(raw)
	if err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %v", err)
	}
	switch typ {
	case "":
		return nil, nil
	case "BertPreTokenizer":
		return bertPreTokenizer{}, nil
	case "WhitespaceSplit":
		return whitespaceSplitPreTokenizer{}, nil
	case "Metaspace":
		var c struct {
			Replacement    *string `json:"replacement"`
			AddPrefixSpace *bool   `json:"add_prefix_space"` // before tokenizers 0.15
			PrependScheme  *string `json:"prepend_scheme"`
			Split          *bool   `json:"split"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Metaspace: %v", err)
		}
		m := metaspacePreTokenizer{replacement: spaceSymbol, prepend: prependAlways, splitWords: true}
		if c.Replacement != nil {
			m.replacement = *c.Replacement
		}
		if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
			m.prepend = prependNever
		}
		if c.PrependScheme != nil {
			switch *c.PrependScheme {
			case prependAlways, prependFirst, prependNever:
				m.prepend = *c.PrependScheme
			default:
				return nil, fmt.Errorf("pre_tokenizer Metaspace: prepend_scheme %q (want always, first or never)", *c.PrependScheme)
			}
		}
		if c.Split != nil {
			m.splitWords = *c.Split
		}
		return m, nil
	case "Sequence":
		var c struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Sequence: %v", err)
		}
		var q sequencePreTokenizer
		for _, r := range c.PreTokenizers {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				q = append(q, p)
			}
		}
		return q, nil
	}
	return nil, fmt.Errorf("%w: pre_tokenizer %q", ErrUnsupported, typ)
}

// template is the single-sequence post-processing: special tokens around
// the sequence ($A).
type template struct {
	before, after []piece
}

func (t template) count() int { return len(t.before) + len(t.after) }

type hfTemplateItem struct {
	SpecialToken *struct {
		ID string `json:"id"`
	} `json:"SpecialToken"`
	Sequence *struct {
		ID string `json:"id"`
	} `json:"Sequence"`
}

func parsePostProcessor(raw json.RawMessage) (template, error) {
	typ, err := typed(raw)
	if err != nil {
		return template{}, fmt.Errorf("post_processor: %v", err)
	}
	switch typ {
	case "", "ByteLevel":
		return template{}, nil
	case "BertProcessing", "RobertaProcessing":
		var c struct {
			Sep []json.RawMessage `json:"sep"`
			Cls []json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return template{}, fmt.Errorf("post_processor %s: %v", typ, err)
		}
		cls, err := tokenPair(c.Cls)
		if err != nil {
			return template{}, fmt.Errorf("post_processor %s: cls: %v", typ, err)
		}
		sep, err := tokenPair(c.Sep)
		if err != nil {
			return template{}, fmt.Errorf("post_processor %s: sep: %v", typ, err)
		}
		return template{before: []piece{cls}, after: []piece{sep}}, nil
	case "TemplateProcessing":
		var c struct {
			Single        []hfTemplateItem `json:"single"`
			SpecialTokens map[string]struct {
				ID     string   `json:"id"`
				IDs    []int32  `json:"ids"`
				Tokens []string `json:"tokens"`
			} `json:"special_tokens"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return template{}, fmt.Errorf("post_processor TemplateProcessing: %v", err)
		}
		var t template
		seenA := false
		for _, it := range c.Single {
			switch {
			case it.Sequence != nil:
				if it.Sequence.ID != "A" || seenA {
					return template{}, fmt.Errorf("%w: post_processor TemplateProcessing: single template with sequence %q", ErrUnsupported, it.Sequence.ID)
				}
				seenA = true
			case it.SpecialToken != nil:
				st, ok := c.SpecialTokens[it.SpecialToken.ID]
				if !ok {
					return template{}, fmt.Errorf("post_processor TemplateProcessing: special token %q is not in special_tokens", it.SpecialToken.ID)
				}
				if len(st.IDs) != len(st.Tokens) {
					return template{}, fmt.Errorf("post_processor TemplateProcessing: special token %q has %d ids and %d tokens", it.SpecialToken.ID, len(st.IDs), len(st.Tokens))
				}
				for i, id := range st.IDs {
					p := piece{id: id, tok: st.Tokens[i]}
					if seenA {
						t.after = append(t.after, p)
					} else {
						t.before = append(t.before, p)
					}
				}
			default:
				return template{}, fmt.Errorf("post_processor TemplateProcessing: empty template item")
			}
		}
		if !seenA {
			return template{}, fmt.Errorf("post_processor TemplateProcessing: single template has no $A")
		}
		return t, nil
	case "Sequence":
		var c struct {
			Processors []json.RawMessage `json:"processors"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return template{}, fmt.Errorf("post_processor Sequence: %v", err)
		}
		var t template
		for _, r := range c.Processors {
			u, err := parsePostProcessor(r)
			if err != nil {
				return template{}, err
			}
			t.before = append(u.before, t.before...)
			t.after = append(t.after, u.after...)
		}
		return t, nil
	}
	return template{}, fmt.Errorf("%w: post_processor %q", ErrUnsupported, typ)
}

// tokenPair decodes ["[CLS]", 101].
func tokenPair(raw []json.RawMessage) (piece, error) {
	if len(raw) != 2 {
		return piece{}, fmt.Errorf("want [token, id], got %d elements", len(raw))
	}
	var p piece
	if err := json.Unmarshal(raw[0], &p.tok); err != nil {
		return piece{}, err
	}
	if err := json.Unmarshal(raw[1], &p.id); err != nil {
		return piece{}, err
	}
	return p, nil
}

// hfModel is the model of a tokenizer.json: WordPiece or Unigram.
type hfModel struct {
	kind  string
	vocab []string // id -> token
	wp    *wordPiece
	ug    *unigram
}

func parseModel(raw json.RawMessage) (*hfModel, error) {
	typ, err := typed(raw)
	if err != nil {
		return nil, fmt.Errorf("model: %v", err)
	}
	if typ == "" {
		// tokenizers accepts untagged models; tell them apart by the vocab.
		var probe struct {
			Vocab json.RawMessage `json:"vocab"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil || len(probe.Vocab) == 0 {
			return nil, fmt.Errorf("model: no type and no vocab")
		}
		switch bytes.TrimSpace(probe.Vocab)[0] {
		case '[':
			typ = "Unigram"
		case '{':
			typ = "WordPiece"
		}
	}
	switch typ {
	case "WordPiece":
		var c struct {
			UnkToken *string          `json:"unk_token"`
			Prefix   *string          `json:"continuing_subword_prefix"`
			MaxChars *int             `json:"max_input_chars_per_word"`
			Vocab    map[string]int32 `json:"vocab"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("model WordPiece: %v", err)
		}
		if len(c.Vocab) == 0 {
			return nil, fmt.Errorf("model WordPiece: empty vocab")
		}
		unk, prefix, maxChars := "[UNK]", "##", 100
		if c.UnkToken != nil {
			unk = *c.UnkToken
		}
		if c.Prefix != nil {
			prefix = *c.Prefix
		}
		if c.MaxChars != nil {
			maxChars = *c.MaxChars
		}
		vocab, err := vocabTable(c.Vocab)
		if err != nil {
			return nil, fmt.Errorf("model WordPiece: %v", err)
		}
		wp, err := newWordPiece(c.Vocab, unk, prefix, maxChars)
		if err != nil {
			return nil, fmt.Errorf("model WordPiece: %v", err)
		}
		return &hfModel{kind: KindWordPiece, vocab: vocab, wp: wp}, nil
	case "Unigram":
		var c struct {
			UnkID        *int32              `json:"unk_id"`
			Vocab        [][]json.RawMessage `json:"vocab"`
			ByteFallback bool                `json:"byte_fallback"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("model Unigram: %v", err)
		}
		if c.ByteFallback {
			return nil, fmt.Errorf("%w: model Unigram with byte_fallback", ErrUnsupported)
		}
		if len(c.Vocab) == 0 {
			return nil, fmt.Errorf("model Unigram: empty vocab")
		}
		pieces := make([]string, len(c.Vocab))
		scores := make([]float64, len(c.Vocab))
		for i, e := range c.Vocab {
			if len(e) != 2 {
				return nil, fmt.Errorf("model Unigram: vocab entry %d: want [piece, score]", i)
			}
			if err := json.Unmarshal(e[0], &pieces[i]); err != nil {
				return nil, fmt.Errorf("model Unigram: vocab entry %d: %v", i, err)
			}
			if err := json.Unmarshal(e[1], &scores[i]); err != nil {
				return nil, fmt.Errorf("model Unigram: vocab entry %d: %v", i, err)
			}
		}
		unkID := int32(-1)
		if c.UnkID != nil {
			unkID = *c.UnkID
			if unkID < 0 || int(unkID) >= len(pieces) {
				return nil, fmt.Errorf("model Unigram: unk_id %d outside the %d pieces", unkID, len(pieces))
			}
		}
		return &hfModel{kind: KindUnigram, vocab: pieces, ug: newUnigram(pieces, scores, nil, unkID, false)}, nil
	}
	return nil, fmt.Errorf("%w: model %q", ErrUnsupported, typ)
}

// vocabTable turns token -> id into id -> token; ids must be 0..n-1 without
// gaps or repeats.
func vocabTable(m map[string]int32) ([]string, error) {
	out := make([]string, len(m))
	set := make([]bool, len(m))
	for tok, id := range m {
		if id < 0 || int(id) >= len(m) {
			return nil, fmt.Errorf("token %q has id %d outside 0..%d", tok, id, len(m)-1)
		}
		if set[id] {
			return nil, fmt.Errorf("id %d is used by %q and %q", id, out[id], tok)
		}
		out[id], set[id] = tok, true
	}
	return out, nil
}
