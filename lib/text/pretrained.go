package text

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Tokenizer kinds reported by Pretrained.Kind.
const (
	KindWordPiece = "wordpiece"
	KindUnigram   = "unigram"
)

// File names of a HuggingFace checkpoint directory.
const (
	TokenizerJSONFile   = "tokenizer.json"
	VocabTxtFile        = "vocab.txt"
	SentencePieceFile   = "sentencepiece.bpe.model"
	TokenizerConfigFile = "tokenizer_config.json"
	SpecialTokensFile   = "special_tokens_map.json"
)

// ErrNoTokenizer is returned by LoadPretrained for a directory with none of
// tokenizer.json, vocab.txt and sentencepiece.bpe.model.
var ErrNoTokenizer = errors.New("text: no tokenizer file")

// Encoding is the result of encoding one text: ids and their token strings,
// special tokens included. For an unknown stretch of a Unigram model the
// token is the stretch itself (the id is the unknown id), as in HuggingFace.
type Encoding struct {
	IDs    []int32
	Tokens []string
}

// SpecialTokens holds the ids of the special tokens, -1 when absent. CLS is
// the token the post-processor puts first ([CLS], or <s> that XLM-R calls
// BOS), SEP the one it puts last ([SEP], or </s>, EOS).
type SpecialTokens struct {
	CLS, SEP, PAD, UNK, MASK int32
}

// Pretrained is a tokenizer of a HuggingFace checkpoint (BERT WordPiece or
// XLM-R SentencePiece Unigram), encoding exactly as HuggingFace does. It is
// safe for concurrent use.
type Pretrained struct {
	kind   string
	source string            // the file that defines the tokenizer
	files  map[string][]byte // every file read, for Save

	vocab []string         // id -> token, added tokens included
	ids   map[string]int32 // token -> id; added tokens take precedence

	norm  normalizer   // tokenizer.json / vocab.txt pipeline
	pre   preTokenizer // nil: the segment is one word
	added *addedVocab
	wp    *wordPiece
	ug    *unigram

	spm     *spmNormalizer // sentencepiece.bpe.model pipeline (norm, pre unused)
	spmToID []int32        // spm id -> checkpoint id (fairseq offset)

	tmpl     template
	trunc    *hfTruncation
	padID    int32
	padFixed int // padding strategy Fixed(n); 0: longest in batch
	padMult  int
	padLeft  bool

	specials  SpecialTokens
	maxLength int
}

// Kind returns KindWordPiece or KindUnigram.
func (t *Pretrained) Kind() string { return t.kind }

// Source returns the name of the file the tokenizer was built from:
// tokenizer.json, vocab.txt or sentencepiece.bpe.model.
func (t *Pretrained) Source() string { return t.source }

// VocabSize returns the number of ids, added tokens included.
func (t *Pretrained) VocabSize() int { return len(t.vocab) }

// TokenID returns the id of a token string.
func (t *Pretrained) TokenID(tok string) (int32, bool) {
	id, ok := t.ids[tok]
	return id, ok
}

// Token returns the token string of id, or "" for an id out of range.
func (t *Pretrained) Token(id int32) string {
	if id < 0 || int(id) >= len(t.vocab) {
		return ""
	}
	return t.vocab[id]
}

// SpecialIDs returns the special token ids.
func (t *Pretrained) SpecialIDs() SpecialTokens { return t.specials }

// ModelMaxLength returns tokenizer_config.json's model_max_length, or 0 when
// it is absent or is transformers' "no limit" placeholder.
func (t *Pretrained) ModelMaxLength() int { return t.maxLength }

// NumSpecialTokens returns how many special tokens Encode adds around the
// text of a single sequence.
func (t *Pretrained) NumSpecialTokens() int { return t.tmpl.count() }

// Encode encodes s with the special tokens of the post-processor
// ([CLS] … [SEP] or <s> … </s>), truncated only if tokenizer.json configures
// truncation.
func (t *Pretrained) Encode(s string) Encoding {
	maxLen := 0
	if t.trunc != nil {
		maxLen = t.trunc.MaxLength
	}
	return t.EncodeTruncated(s, maxLen)
}

// EncodeTruncated encodes s and keeps at most maxLen tokens, special tokens
// included, as HuggingFace truncation does for one sequence: the text's
// tokens are cut to maxLen minus the special tokens (from the right, or the
// left if tokenizer.json says so), then the special tokens are added. When
// maxLen is below the number of special tokens, only those are kept.
// maxLen <= 0 means no truncation.
func (t *Pretrained) EncodeTruncated(s string, maxLen int) Encoding {
	content := t.content(s, nil)
	if maxLen > 0 {
		keep := max(maxLen-t.tmpl.count(), 0)
		if len(content) > keep {
			if t.trunc != nil && t.trunc.Direction == "Left" {
				content = content[len(content)-keep:]
			} else {
				content = content[:keep]
			}
		}
	}
	n := t.tmpl.count() + len(content)
	e := Encoding{IDs: make([]int32, 0, n), Tokens: make([]string, 0, n)}
	for _, part := range [][]piece{t.tmpl.before, content, t.tmpl.after} {
		for _, p := range part {
			e.IDs = append(e.IDs, p.id)
			e.Tokens = append(e.Tokens, p.tok)
		}
	}
	return e
}

// EncodeBatch encodes texts truncated to maxLen (<= 0: as Encode) and pads
// them with the pad id to the longest of the batch (or to the length
// tokenizer.json's padding fixes), on the right unless tokenizer.json pads
// on the left. mask is 1 for tokens and 0 for padding.
func (t *Pretrained) EncodeBatch(texts []string, maxLen int) (ids [][]int32, mask [][]int32) {
	encs := make([]Encoding, len(texts))
	longest := 0
	for i, s := range texts {
		if maxLen > 0 {
			encs[i] = t.EncodeTruncated(s, maxLen)
		} else {
			encs[i] = t.Encode(s)
		}
		longest = max(longest, len(encs[i].IDs))
	}
	if t.padFixed > 0 {
		longest = max(longest, t.padFixed)
	}
	if t.padMult > 1 && longest%t.padMult != 0 {
		longest += t.padMult - longest%t.padMult
	}
	ids, mask = make([][]int32, len(texts)), make([][]int32, len(texts))
	for i, e := range encs {
		row, m := make([]int32, longest), make([]int32, longest)
		off := 0
		if t.padLeft {
			off = longest - len(e.IDs)
		}
		for j := range row {
			row[j] = t.padID
		}
		copy(row[off:], e.IDs)
		for j := range e.IDs {
			m[off+j] = 1
		}
		ids[i], mask[i] = row, m
	}
	return ids, mask
}

// content returns the pieces of s without special tokens.
func (t *Pretrained) content(s string, dst []piece) []piece {
	if !utf8.ValidString(s) && t.spm == nil {
		s = toValidUTF8(s)
	}
	segs := t.added.split(s, t.added.raw, true, nil)
	var words []string
	for _, sg := range segs {
		if sg.tok >= 0 {
			a := t.added.tokens[sg.tok]
			dst = append(dst, piece{id: a.ID, tok: a.Content})
			continue
		}
		if t.spm != nil {
			from := len(dst)
			dst = t.ug.tokenize(t.spm.normalize(sg.text), dst)
			for i := from; i < len(dst); i++ {
				dst[i].id = t.spmToID[dst[i].id]
			}
			continue
		}
		text := sg.text
		if t.norm != nil {
			text = t.norm.normalize(text)
		}
		for _, sub := range t.added.split(text, t.added.normed, sg.first, nil) {
			if sub.tok >= 0 {
				a := t.added.tokens[sub.tok]
				dst = append(dst, piece{id: a.ID, tok: a.Content})
				continue
			}
			if sub.text == "" {
				continue
			}
			words = words[:0]
			if t.pre != nil {
				words = t.pre.split(sub.text, sub.first, words)
			} else {
				words = append(words, sub.text)
			}
			for _, w := range words {
				if t.wp != nil {
					dst = t.wp.tokenize(w, dst)
				} else {
					dst = t.ug.tokenize(w, dst)
				}
			}
		}
	}
	return dst
}

// toValidUTF8 replaces each byte that is not part of valid UTF-8 by U+FFFD.
func toValidUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b.WriteString("\uFFFD")
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

// LoadPretrained reads the tokenizer of a HuggingFace checkpoint directory:
// tokenizer.json if present; else vocab.txt (BERT WordPiece, with
// do_lower_case, strip_accents and tokenize_chinese_chars from
// tokenizer_config.json); else sentencepiece.bpe.model (XLM-R: the fairseq
// vocabulary <s> <pad> </s> <unk>, the pieces shifted by one, <mask> last).
// tokenizer_config.json and special_tokens_map.json are read when present.
// Nothing is fetched: a missing or malformed file is an error naming it.
func LoadPretrained(dir string) (*Pretrained, error) {
	t := &Pretrained{files: map[string][]byte{}}
	read := func(name string, required bool) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			if !required && errors.Is(err, fs.ErrNotExist) {
				return nil, nil
			}
			return nil, fmt.Errorf("text: %w", err)
		}
		t.files[name] = b
		return b, nil
	}
	cfgBytes, err := read(TokenizerConfigFile, false)
	if err != nil {
		return nil, err
	}
	stmBytes, err := read(SpecialTokensFile, false)
	if err != nil {
		return nil, err
	}
	cfg, err := parseHFConfig(cfgBytes, stmBytes, dir)
	if err != nil {
		return nil, err
	}
	t.maxLength = cfg.modelMaxLength
	for _, name := range []string{TokenizerJSONFile, VocabTxtFile, SentencePieceFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.source = name
			break
		}
	}
	path := filepath.Join(dir, t.source)
	switch t.source {
	case TokenizerJSONFile:
		b, err := read(t.source, true)
		if err != nil {
			return nil, err
		}
		if err := t.fromTokenizerJSON(b, path); err != nil {
			return nil, err
		}
	case VocabTxtFile:
		b, err := read(t.source, true)
		if err != nil {
			return nil, err
		}
		if err := t.fromVocabTxt(b, path, cfg); err != nil {
			return nil, err
		}
	case SentencePieceFile:
		b, err := read(t.source, true)
		if err != nil {
			return nil, err
		}
		if err := t.fromSentencePiece(b, path, cfg); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w in %s (want %s, %s or %s)", ErrNoTokenizer, dir, TokenizerJSONFile, VocabTxtFile, SentencePieceFile)
	}
	t.finishSpecials(cfg)
	return t, nil
}

func (t *Pretrained) fromTokenizerJSON(b []byte, path string) error {
	var f hfFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%w: %s: %s", ErrBadModel, path, jsonLine(b, err))
	}
	bad := func(err error) error {
		if errors.Is(err, ErrUnsupported) {
			return fmt.Errorf("%s: %w", path, err)
		}
		return fmt.Errorf("%w: %s: %v", ErrBadModel, path, err)
	}
	m, err := parseModel(f.Model)
	if err != nil {
		return bad(err)
	}
	if m.kind == KindUnigram && m.ug.unkID < 0 {
		return bad(fmt.Errorf("model Unigram: unk_id is null, unknown characters could not be encoded"))
	}
	t.kind, t.wp, t.ug = m.kind, m.wp, m.ug
	if t.norm, err = parseNormalizer(f.Normalizer); err != nil {
		return bad(err)
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return bad(err)
	}
	if t.tmpl, err = parsePostProcessor(f.PostProcessor); err != nil {
		return bad(err)
	}
	if f.Truncation != nil {
		if f.Truncation.MaxLength <= 0 {
			return bad(fmt.Errorf("truncation: max_length %d", f.Truncation.MaxLength))
		}
		if d := f.Truncation.Direction; d != "" && d != "Right" && d != "Left" {
			return bad(fmt.Errorf("truncation: direction %q (want Right or Left)", d))
		}
		t.trunc = f.Truncation
	}
	t.padID = -1
	if p := f.Padding; p != nil {
		t.padID = p.PadID
		t.padLeft = p.Direction == "Left"
		if p.PadToMultipleOf != nil {
			t.padMult = *p.PadToMultipleOf
		}
		var fixed struct {
			Fixed int `json:"Fixed"`
		}
		if len(p.Strategy) > 0 && p.Strategy[0] == '{' {
			if err := json.Unmarshal(p.Strategy, &fixed); err != nil || fixed.Fixed <= 0 {
				return bad(fmt.Errorf("padding: strategy %s", p.Strategy))
			}
			t.padFixed = fixed.Fixed
		}
	}
	t.vocab = m.vocab
	t.ids = make(map[string]int32, len(t.vocab)+len(f.AddedTokens))
	for i, tok := range t.vocab {
		if _, dup := t.ids[tok]; !dup {
			t.ids[tok] = int32(i)
		}
	}
	for _, a := range f.AddedTokens {
		if a.ID < 0 {
			return bad(fmt.Errorf("added token %q has id %d", a.Content, a.ID))
		}
		for int(a.ID) >= len(t.vocab) {
			t.vocab = append(t.vocab, "")
		}
		t.vocab[a.ID] = a.Content
		t.ids[a.Content] = a.ID
	}
	t.added = newAddedVocab(f.AddedTokens, t.norm)
	for _, p := range append(append([]piece(nil), t.tmpl.before...), t.tmpl.after...) {
		if p.id < 0 || int(p.id) >= len(t.vocab) {
			return bad(fmt.Errorf("post_processor: special token %q has id %d outside the vocabulary", p.tok, p.id))
		}
	}
	t.specials.UNK = -1
	if t.wp != nil {
		t.specials.UNK = t.wp.unkID
	} else {
		t.specials.UNK = t.ug.unkID
	}
	if t.padID < 0 {
		t.specials.PAD = -1
	} else {
		t.specials.PAD = t.padID
	}
	return nil
}

// fromVocabTxt builds what transformers' BertTokenizerFast converts a
// vocab.txt into (convert_slow_tokenizer.BertConverter): BertNormalizer,
// BertPreTokenizer, WordPiece with max_input_chars_per_word 100, and
// [CLS] $A [SEP].
func (t *Pretrained) fromVocabTxt(b []byte, path string, cfg *hfConfig) error {
	tokens, ids, err := readVocabTxt(b, path)
	if err != nil {
		return err
	}
	lower := cfg.bool("do_lower_case", true)
	t.kind = KindWordPiece
	t.norm = bertNormalizer{
		cleanText:    true,
		chineseChars: cfg.bool("tokenize_chinese_chars", true),
		lowercase:    lower,
		stripAccents: cfg.bool("strip_accents", lower),
	}
	t.pre = bertPreTokenizer{}
	unk := cfg.token("unk_token", "[UNK]")
	t.wp, err = newWordPiece(ids, unk.Content, "##", 100)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadModel, path, err)
	}
	// A token that repeats in vocab.txt keeps its last id in ids, but its
	// earlier line still names that line's id in vocab.
	t.vocab, t.ids = tokens, ids
	byContent := map[string]addedToken{}
	for _, key := range []string{"unk_token", "sep_token", "pad_token", "cls_token", "mask_token"} {
		def := map[string]string{"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"}[key]
		a := cfg.token(key, def)
		id, ok := ids[a.Content]
		if !ok {
			continue // transformers would append it; a BERT vocab.txt has them
		}
		a.ID = id
		byContent[a.Content] = a
	}
	for _, a := range cfg.extraAdded(ids) {
		byContent[a.Content] = a
	}
	added := make([]addedToken, 0, len(byContent))
	for _, a := range byContent {
		added = append(added, a)
	}
	sort.Slice(added, func(i, j int) bool { return added[i].ID < added[j].ID })
	t.added = newAddedVocab(added, t.norm)
	cls, sep := cfg.token("cls_token", "[CLS]").Content, cfg.token("sep_token", "[SEP]").Content
	clsID, ok1 := ids[cls]
	sepID, ok2 := ids[sep]
	if !ok1 || !ok2 {
		return fmt.Errorf("%w: %s: %q or %q is not in the vocabulary", ErrBadModel, path, cls, sep)
	}
	t.tmpl = template{before: []piece{{id: clsID, tok: cls}}, after: []piece{{id: sepID, tok: sep}}}
	t.specials.UNK = t.wp.unkID
	t.padID = -1
	if id, ok := ids[cfg.token("pad_token", "[PAD]").Content]; ok {
		t.padID = id
	}
	t.specials.PAD = t.padID
	return nil
}

// fromSentencePiece builds transformers' XLMRobertaTokenizer over a
// SentencePiece model: SentencePiece's own normalisation and Viterbi, ids
// shifted to the fairseq dictionary (<s>=0 <pad>=1 </s>=2 <unk>=3, piece i
// at i+1, <mask> last), and <s> … </s> around the text.
func (t *Pretrained) fromSentencePiece(b []byte, path string, cfg *hfConfig) error {
	m, err := parseSPModel(b)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadModel, path, err)
	}
	switch {
	case m.modelType != spmUnigram:
		return fmt.Errorf("%s: %w: SentencePiece model type %d (only Unigram, 1)", path, ErrUnsupported, m.modelType)
	case m.byteFallback:
		return fmt.Errorf("%s: %w: SentencePiece byte_fallback", path, ErrUnsupported)
	case m.treatWhitespaceAsSuffix:
		return fmt.Errorf("%s: %w: SentencePiece treat_whitespace_as_suffix", path, ErrUnsupported)
	}
	p := m.pieces
	if len(p) < 4 || p[0].typ != spmUnknown || p[1].typ != spmControl || p[2].typ != spmControl ||
		m.unkID != 0 || m.bosID != 1 || m.eosID != 2 {
		return fmt.Errorf("%w: %s: not the XLM-R layout (pieces 0, 1, 2 = <unk>, <s>, </s>)", ErrBadModel, path)
	}
	pieces := make([]string, len(p))
	scores := make([]float64, len(p))
	matchable := make([]bool, len(p))
	for i, pc := range p {
		pieces[i], scores[i] = pc.piece, float64(pc.score)
		switch pc.typ {
		case spmNormal:
			matchable[i] = true
		case spmUserDefined:
			return fmt.Errorf("%s: %w: SentencePiece user-defined piece %q", path, ErrUnsupported, pc.piece)
		case spmByte:
			return fmt.Errorf("%w: %s: byte piece %q without byte_fallback", ErrBadModel, path, pc.piece)
		case spmUnknown:
			if i != 0 {
				return fmt.Errorf("%w: %s: second unknown piece %q at %d", ErrBadModel, path, pc.piece, i)
			}
		}
	}
	if len(m.charsmap) > 0 {
		cm, err := parseCharsMap(m.charsmap)
		if err != nil {
			return fmt.Errorf("%w: %s: normalizer_spec: %v", ErrBadModel, path, err)
		}
		t.spm = &spmNormalizer{cm: cm}
	} else {
		t.spm = &spmNormalizer{}
	}
	t.spm.addDummyPrefix = m.addDummyPrefix
	t.spm.removeExtraWhitespaces = m.removeExtraWhitespaces
	t.spm.escapeWhitespaces = m.escapeWhitespaces
	t.kind = KindUnigram
	t.ug = newUnigram(pieces, scores, matchable, 0, true)

	// The fairseq dictionary (XLMRobertaTokenizer.fairseq_tokens_to_ids).
	t.vocab = append([]string{"<s>", "<pad>", "</s>", "<unk>"}, pieces[3:]...)
	t.vocab = append(t.vocab, "<mask>")
	t.spmToID = make([]int32, len(p))
	t.spmToID[0] = 3
	t.spmToID[1], t.spmToID[2] = 0, 2
	for i := 3; i < len(p); i++ {
		t.spmToID[i] = int32(i + 1)
	}
	t.ids = make(map[string]int32, len(t.vocab))
	for i, tok := range t.vocab {
		if _, dup := t.ids[tok]; !dup {
			t.ids[tok] = int32(i)
		}
	}
	maskID := int32(len(t.vocab) - 1)
	t.ids["<mask>"] = maskID
	// transformers registers the special tokens as added tokens; <mask>
	// strips the white space on its left (XLMRobertaTokenizer's
	// AddedToken(mask_token, lstrip=True)).
	var added []addedToken
	for _, s := range []struct {
		key, def string
		id       int32
		lstrip   bool
	}{
		{"bos_token", "<s>", 0, false}, {"pad_token", "<pad>", 1, false}, {"eos_token", "</s>", 2, false},
		{"unk_token", "<unk>", 3, false}, {"mask_token", "<mask>", maskID, true},
	} {
		a := cfg.token(s.key, s.def)
		if a.Content != s.def {
			return fmt.Errorf("%s: %w: %s %q (XLM-R uses %q)", path, ErrUnsupported, s.key, a.Content, s.def)
		}
		if !cfg.tokenObject(s.key) {
			a.LStrip = s.lstrip
		}
		a.ID = s.id
		added = append(added, a)
	}
	t.added = newAddedVocab(added, nil)
	t.tmpl = template{before: []piece{{id: 0, tok: "<s>"}}, after: []piece{{id: 2, tok: "</s>"}}}
	t.specials.UNK = 3
	t.padID = 1
	t.specials.PAD = 1
	return nil
}

// finishSpecials fills CLS, SEP and MASK, and PAD when no padding config
// named it.
func (t *Pretrained) finishSpecials(cfg *hfConfig) {
	t.specials.CLS, t.specials.SEP, t.specials.MASK = -1, -1, -1
	if len(t.tmpl.before) > 0 {
		t.specials.CLS = t.tmpl.before[0].id
	}
	if len(t.tmpl.after) > 0 {
		t.specials.SEP = t.tmpl.after[len(t.tmpl.after)-1].id
	}
	lookup := func(key string, defs ...string) int32 {
		if cfg.has(key) {
			if id, ok := t.ids[cfg.token(key, "").Content]; ok {
				return id
			}
		}
		for _, d := range defs {
			if id, ok := t.ids[d]; ok {
				return id
			}
		}
		return -1
	}
	t.specials.MASK = lookup("mask_token", "[MASK]", "<mask>")
	if t.specials.PAD < 0 {
		t.specials.PAD = lookup("pad_token", "[PAD]", "<pad>")
		t.padID = t.specials.PAD
	}
	if t.padID < 0 {
		t.padID = 0 // transformers pads with id 0 when no pad token exists
	}
}

// Save writes the files LoadPretrained read (the tokenizer file and the
// configuration files), byte for byte, into dir, so that LoadPretrained and
// HuggingFace read the same tokenizer back. Each file is written to a
// temporary file in dir, synced and renamed.
func (t *Pretrained) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("text: save: %w", err)
	}
	names := make([]string, 0, len(t.files))
	for n := range t.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := writeFileAtomic(filepath.Join(dir, n), t.files[n]); err != nil {
			return fmt.Errorf("text: save: %w", err)
		}
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
