package text

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func ExampleLoadPretrained() {
	tok, err := LoadPretrained("testdata/hf/bert-uncased")
	if err != nil {
		panic(err)
	}
	// The same encoding as tokenizers.js gives (golden/bert-uncased.json,
	// emoji_simple).
	e := tok.Encode("I love 🐈 and 🐕!")
	fmt.Println(tok.Kind(), e.Tokens)
	fmt.Println(e.IDs)
	// Output:
	// wordpiece [[CLS] i lo ##ve 🐈 and 🐕 ! [SEP]]
	// [101 139 1429 1296 778 1555 779 104 102]
}

// TestPretrainedVocab checks sizes, specials and lookups. Sources: the
// BERT fixtures put [PAD] on line 0 of vocab.txt, 99 [unusedN], then [UNK]
// [CLS] [SEP] [MASK] on lines 100..103 and have 3000 and 6000 lines
// (gen/fixtures.py); the XLM-R fixture has 4000 SentencePiece pieces, so
// the fairseq dictionary has <s> <pad> </s> <unk>, pieces 3..3999 at 4..4000
// and <mask> at 4001: 4002 ids.
func TestPretrainedVocab(t *testing.T) {
	bert := SpecialTokens{CLS: 101, SEP: 102, PAD: 0, UNK: 100, MASK: 103}
	xlmr := SpecialTokens{CLS: 0, SEP: 2, PAD: 1, UNK: 3, MASK: 4001}
	tests := []struct {
		setup    int // index in goldenSetups
		kind     string
		size     int
		specials SpecialTokens
		tokens   map[string]int32
	}{
		{0, KindWordPiece, 3000, bert, map[string]int32{"[UNK]": 100, "[unused0]": 1, "##s": 858}},
		{1, KindWordPiece, 3000, bert, map[string]int32{"[UNK]": 100, "[unused0]": 1, "##s": 858}},
		{2, KindWordPiece, 6000, bert, map[string]int32{"[MASK]": 103}},
		{3, KindWordPiece, 6000, bert, map[string]int32{"[MASK]": 103}},
		{4, KindUnigram, 4002, xlmr, map[string]int32{"<s>": 0, "<mask>": 4001, "▁": 5, ",": 4}},
		{5, KindUnigram, 4002, xlmr, map[string]int32{"<s>": 0, "<mask>": 4001, "▁": 5, ",": 4}},
	}
	for _, tc := range tests {
		s := goldenSetups[tc.setup]
		t.Run(s.name, func(t *testing.T) {
			tok := loadSetup(t, s.fixture, s.drop)
			if tok.Kind() != tc.kind || tok.VocabSize() != tc.size || tok.SpecialIDs() != tc.specials {
				t.Errorf("Kind %q VocabSize %d SpecialIDs %+v, want %q %d %+v",
					tok.Kind(), tok.VocabSize(), tok.SpecialIDs(), tc.kind, tc.size, tc.specials)
			}
			if tok.NumSpecialTokens() != 2 || tok.ModelMaxLength() != 512 {
				t.Errorf("NumSpecialTokens %d ModelMaxLength %d, want 2 512", tok.NumSpecialTokens(), tok.ModelMaxLength())
			}
			for s, id := range tc.tokens {
				if got, ok := tok.TokenID(s); !ok || got != id {
					t.Errorf("TokenID(%q) = %d %v, want %d", s, got, ok, id)
				}
				if got := tok.Token(id); got != s {
					t.Errorf("Token(%d) = %q, want %q", id, got, s)
				}
			}
			if _, ok := tok.TokenID("no such token ⁂"); ok {
				t.Error("TokenID of an unknown string reports ok")
			}
			for _, id := range []int32{-1, int32(tc.size)} {
				if got := tok.Token(id); got != "" {
					t.Errorf("Token(%d) = %q, want \"\"", id, got)
				}
			}
		})
	}
}

// truncated is HuggingFace's single-sequence truncation (tokenizers
// TokenizerImpl::post_process): the text's tokens are cut to maxLen minus the
// special tokens, then the template adds them.
func truncated(full Encoding, nSpecial, maxLen int) Encoding {
	if maxLen <= 0 || len(full.IDs) <= maxLen {
		return full
	}
	keep := max(maxLen-nSpecial, 0)
	last := len(full.IDs) - 1
	return Encoding{
		IDs:    append(append([]int32{full.IDs[0]}, full.IDs[1:1+keep]...), full.IDs[last]),
		Tokens: append(append([]string{full.Tokens[0]}, full.Tokens[1:1+keep]...), full.Tokens[last]),
	}
}

func TestPretrainedTruncateAndPad(t *testing.T) {
	texts := []string{
		"All human beings are born free and equal in dignity and rights.", // UDHR art. 1
		"", "dignity",
	}
	for _, s := range goldenSetups {
		t.Run(s.name, func(t *testing.T) {
			tok := loadSetup(t, s.fixture, s.drop)
			full := tok.Encode(texts[0])
			for _, maxLen := range []int{-1, 0, 1, 2, 3, 4, 10, len(full.IDs) - 1, len(full.IDs), len(full.IDs) + 7} {
				got := tok.EncodeTruncated(texts[0], maxLen)
				want := truncated(full, 2, maxLen)
				if maxLen == 1 { // below the two specials: only those are kept
					want = truncated(full, 2, 2)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("EncodeTruncated(maxLen %d) = %+q, want %+q", maxLen, got.Tokens, want.Tokens)
				}
			}
			for _, maxLen := range []int{0, 5, 12} {
				ids, mask := tok.EncodeBatch(texts, maxLen)
				width := 0
				var encs []Encoding
				for _, x := range texts {
					e := truncated(tok.Encode(x), 2, maxLen)
					encs = append(encs, e)
					width = max(width, len(e.IDs))
				}
				for i, e := range encs {
					wantIDs, wantMask := make([]int32, width), make([]int32, width)
					for j := range wantIDs {
						wantIDs[j] = tok.SpecialIDs().PAD
					}
					copy(wantIDs, e.IDs)
					for j := range e.IDs {
						wantMask[j] = 1
					}
					if !reflect.DeepEqual(ids[i], wantIDs) || !reflect.DeepEqual(mask[i], wantMask) {
						t.Errorf("EncodeBatch(maxLen %d)[%d] = %v %v, want %v %v", maxLen, i, ids[i], mask[i], wantIDs, wantMask)
					}
				}
			}
		})
	}
}

// writeFixture copies fixture name into a temporary directory with
// tokenizer.json edited by edit.
func writeFixture(t *testing.T, name string, edit func(m map[string]any)) string {
	t.Helper()
	dir := fixtureWithout(t, name)
	p := filepath.Join(dir, TokenizerJSONFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPretrainedConfiguredTruncation checks tokenizer.json's own truncation
// and padding settings: left truncation keeps the last tokens, Fixed padding
// pads every row to its length, left padding puts the pads first.
func TestPretrainedConfiguredTruncation(t *testing.T) {
	dir := writeFixture(t, "bert-uncased", func(m map[string]any) {
		m["truncation"] = map[string]any{"direction": "Left", "max_length": 6, "strategy": "LongestFirst", "stride": 0}
		m["padding"] = map[string]any{"strategy": map[string]any{"Fixed": 9}, "direction": "Left", "pad_to_multiple_of": nil,
			"pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}
	})
	tok, err := LoadPretrained(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Sentence and tokens from golden/bert-uncased.json, udhr_art1_swh
	// (tokenizers.js): "... ki ##nd ##u ##gu . [SEP]"; Left keeps the last
	// four text tokens.
	swh := "Watu wote wamezaliwa huru, hadhi na haki zao ni sawa. Wote wamejaliwa akili na dhamiri, hivyo yapasa watendeane kindugu."
	got := tok.Encode(swh)
	want := Encoding{IDs: []int32{101, 1165, 860, 2211, 114, 102}, Tokens: []string{"[CLS]", "##nd", "##u", "##gu", ".", "[SEP]"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Encode = %+q %v, want %+q %v", got.Tokens, got.IDs, want.Tokens, want.IDs)
	}
	ids, mask := tok.EncodeBatch([]string{swh, "dignity"}, 0)
	// dignity: [CLS] di ##g ##nit ##y [SEP] (golden fra: "di ##g ##nit ##e")
	wantIDs := [][]int32{{0, 0, 0, 101, 1165, 860, 2211, 114, 102}, append([]int32{0, 0, 0}, tok.Encode("dignity").IDs...)}
	wantMask := [][]int32{{0, 0, 0, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1, 1, 1}}
	if len(tok.Encode("dignity").IDs) != 6 {
		t.Fatalf("dignity: %+q, want 6 tokens", tok.Encode("dignity").Tokens)
	}
	if !reflect.DeepEqual(ids, wantIDs) || !reflect.DeepEqual(mask, wantMask) {
		t.Errorf("EncodeBatch = %v %v, want %v %v", ids, mask, wantIDs, wantMask)
	}
}

func TestPretrainedSaveRoundTrip(t *testing.T) {
	for _, s := range goldenSetups {
		t.Run(s.name, func(t *testing.T) {
			tok := loadSetup(t, s.fixture, s.drop)
			out := filepath.Join(t.TempDir(), "saved")
			if err := tok.Save(out); err != nil {
				t.Fatal(err)
			}
			for name, b := range tok.files {
				got, err := os.ReadFile(filepath.Join(out, name))
				if err != nil || !bytes.Equal(got, b) {
					t.Errorf("%s: saved file differs from the one read (err %v)", name, err)
				}
			}
			ents, _ := os.ReadDir(out)
			if len(ents) != len(tok.files) {
				t.Errorf("saved %d files, read %d", len(ents), len(tok.files))
			}
			back, err := LoadPretrained(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range readGolden(t, s.golden) {
				if a, b := tok.Encode(c.Text), back.Encode(c.Text); !reflect.DeepEqual(a, b) {
					t.Errorf("%s: reloaded tokenizer encodes %+q, want %+q", c.Name, b.Tokens, a.Tokens)
				}
			}
		})
	}
}

// pb builds protobuf wire format by hand for the SentencePiece model tests.
type pb []byte

func (p pb) varint(f int, v uint64) pb {
	p = appendUvarint(append(p, []byte{}...), uint64(f)<<3)
	return appendUvarint(p, v)
}

func (p pb) bytes(f int, b []byte) pb {
	p = appendUvarint(p, uint64(f)<<3|2)
	p = appendUvarint(p, uint64(len(b)))
	return append(p, b...)
}

func (p pb) float(f int, bits uint32) pb {
	p = appendUvarint(p, uint64(f)<<3|5)
	return append(p, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func spmPieceMsg(piece string, typ int) []byte {
	m := pb(nil).bytes(1, []byte(piece)).float(2, 0xBF800000) // score -1.0
	if typ != spmNormal {
		m = m.varint(3, uint64(typ))
	}
	return m
}

// tinySPModel is an XLM-R-layout model without charsmap: <unk> <s> </s> then
// the pieces; trainer is an extra TrainerSpec message.
func tinySPModel(trainer []byte, pieces ...string) []byte {
	m := pb(nil).bytes(1, spmPieceMsg("<unk>", spmUnknown)).bytes(1, spmPieceMsg("<s>", spmControl)).bytes(1, spmPieceMsg("</s>", spmControl))
	for _, p := range pieces {
		m = m.bytes(1, spmPieceMsg(p, spmNormal))
	}
	if trainer != nil {
		m = m.bytes(2, trainer)
	}
	return m
}

func TestSPModelWire(t *testing.T) {
	// pad_id -1 is a 10-byte varint (int32 fields sign-extend to 64 bits).
	tr := pb(nil).varint(3, spmUnigram).varint(43, ^uint64(0)).varint(41, 1)
	m, err := parseSPModel(tinySPModel(tr, "▁a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.pieces) != 5 || m.pieces[3].piece != "▁a" || m.pieces[3].score != -1 || m.padID != -1 || m.bosID != 1 || !m.addDummyPrefix {
		t.Errorf("parsed %+v", m)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SentencePieceFile), tinySPModel(tr, "▁a", "b"), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadPretrained(dir)
	if err != nil {
		t.Fatal(err)
	}
	// No charsmap: identity rules, then SentencePiece white space: " ab  b"
	// -> "▁ab▁b"; pieces ▁a b (spm 3, 4 -> fairseq 4, 5), unknown ▁ at the
	// second word (spm has no "▁" piece): fused with nothing, id 3.
	got := tok.Encode(" ab  b")
	want := Encoding{IDs: []int32{0, 4, 5, 3, 5, 2}, Tokens: []string{"<s>", "▁a", "b", "▁", "b", "</s>"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Encode = %+q %v, want %+q %v", got.Tokens, got.IDs, want.Tokens, want.IDs)
	}
}

func TestPretrainedLoadErrors(t *testing.T) {
	bertJSON, err := os.ReadFile(filepath.Join(hfDir, "bert-uncased", TokenizerJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	edited := func(edit func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(bertJSON, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ := json.Marshal(m)
		return b
	}
	model := func(m map[string]any) map[string]any { return m["model"].(map[string]any) }
	tests := []struct {
		name  string
		files map[string][]byte
		is    error
		say   []string // substrings of the message
	}{
		{"empty dir", nil, ErrNoTokenizer, []string{"tokenizer.json, vocab.txt or sentencepiece.bpe.model"}},
		{"tokenizer.json syntax", map[string][]byte{TokenizerJSONFile: []byte("{\n\"version\": \"1.0\",\n\"model\": {,\n}")},
			ErrBadModel, []string{TokenizerJSONFile, "line 3"}},
		{"BPE model", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) { model(m)["type"] = "BPE" })},
			ErrUnsupported, []string{TokenizerJSONFile, `model "BPE"`}},
		{"unknown normalizer", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) { m["normalizer"] = map[string]any{"type": "Nmt"} })},
			ErrUnsupported, []string{`normalizer "Nmt"`}},
		{"regex Go cannot compile", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) {
			m["normalizer"] = map[string]any{"type": "Replace", "pattern": map[string]any{"Regex": "a(?=b)"}, "content": ""}
		})}, ErrUnsupported, []string{"a(?=b)"}},
		{"charsmap not base64", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) {
			m["normalizer"] = map[string]any{"type": "Precompiled", "precompiled_charsmap": "%%%"}
		})}, ErrBadModel, []string{TokenizerJSONFile, "precompiled_charsmap"}},
		{"charsmap truncated", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) {
			m["normalizer"] = map[string]any{"type": "Precompiled", "precompiled_charsmap": base64.StdEncoding.EncodeToString([]byte{0xff, 0, 0, 0, 1})}
		})}, ErrBadModel, []string{"precompiled_charsmap", "trie size"}},
		{"unk not in vocab", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) { model(m)["unk_token"] = "<oov>" })},
			ErrBadModel, []string{`"<oov>"`}},
		{"vocab id gap", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) { model(m)["vocab"].(map[string]any)["[PAD]"] = 5000 })},
			ErrBadModel, []string{"outside"}},
		{"special id outside vocab", map[string][]byte{TokenizerJSONFile: edited(func(m map[string]any) {
			m["post_processor"] = map[string]any{"type": "BertProcessing", "sep": []any{"[SEP]", 9999}, "cls": []any{"[CLS]", 101}}
		})}, ErrBadModel, []string{"9999"}},
		{"vocab.txt not UTF-8", map[string][]byte{VocabTxtFile: []byte("[PAD]\n\xff\n[CLS]\n")}, ErrBadModel, []string{VocabTxtFile + ":2"}},
		{"vocab.txt empty", map[string][]byte{VocabTxtFile: []byte("\n")}, ErrBadModel, []string{VocabTxtFile, "empty"}},
		{"vocab.txt without [CLS]", map[string][]byte{VocabTxtFile: []byte("[PAD]\n[UNK]\n[SEP]\na\n")}, ErrBadModel, []string{`"[CLS]"`}},
		{"vocab.txt without [UNK]", map[string][]byte{VocabTxtFile: []byte("[PAD]\n[CLS]\n[SEP]\na\n")}, ErrBadModel, []string{`"[UNK]"`}},
		{"tokenizer_config syntax", map[string][]byte{VocabTxtFile: []byte("[UNK]\n[CLS]\n[SEP]\n"), TokenizerConfigFile: []byte("{\n\"do_lower_case\": tru\n}")},
			ErrBadModel, []string{TokenizerConfigFile, "line 2"}},
		{"do_lower_case not a bool", map[string][]byte{VocabTxtFile: []byte("[UNK]\n[CLS]\n[SEP]\n"), TokenizerConfigFile: []byte(`{"do_lower_case": "yes"}`)},
			ErrBadModel, []string{TokenizerConfigFile, "do_lower_case"}},
		{"special token not a string", map[string][]byte{VocabTxtFile: []byte("[UNK]\n[CLS]\n[SEP]\n"), SpecialTokensFile: []byte(`{"cls_token": 7}`)},
			ErrBadModel, []string{"cls_token"}},
		{"sentencepiece truncated", map[string][]byte{SentencePieceFile: tinySPModel(nil, "a")[:9]}, ErrBadModel, []string{SentencePieceFile, "byte"}},
		{"sentencepiece BPE", map[string][]byte{SentencePieceFile: tinySPModel(pb(nil).varint(3, spmBPE), "a")}, ErrUnsupported, []string{SentencePieceFile, "type 2"}},
		{"sentencepiece byte_fallback", map[string][]byte{SentencePieceFile: tinySPModel(pb(nil).varint(35, 1), "a")}, ErrUnsupported, []string{"byte_fallback"}},
		{"sentencepiece not XLM-R layout", map[string][]byte{SentencePieceFile: pb(nil).bytes(1, spmPieceMsg("a", spmNormal)).bytes(1, spmPieceMsg("<unk>", spmUnknown))},
			ErrBadModel, []string{"XLM-R layout"}},
		{"sentencepiece repeated piece", map[string][]byte{SentencePieceFile: tinySPModel(nil, "a", "b", "a")}, ErrBadModel, []string{`piece "a" at 3 and 5`}},
		{"sentencepiece user-defined piece", map[string][]byte{SentencePieceFile: append(tinySPModel(nil, "a"), pb(nil).bytes(1, spmPieceMsg("<x>", spmUserDefined))...)},
			ErrUnsupported, []string{`"<x>"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, b := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tok, err := LoadPretrained(dir)
			if err == nil {
				t.Fatalf("LoadPretrained succeeded (%s)", tok.Kind())
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			for _, s := range append(tc.say, dir) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
	if _, err := LoadPretrained(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ErrNoTokenizer) {
		t.Errorf("missing directory: %v", err)
	}
}

// TestPretrainedConcurrent encodes from several goroutines at once; each
// result must equal the sequential one (run with -race to check for races).
func TestPretrainedConcurrent(t *testing.T) {
	for _, s := range []int{0, 4, 5} {
		setup := goldenSetups[s]
		tok := loadSetup(t, setup.fixture, setup.drop)
		cases := readGolden(t, setup.golden)
		want := make([]Encoding, len(cases))
		for i, c := range cases {
			want[i] = tok.Encode(c.Text)
		}
		errs := make(chan error, 4)
		for g := 0; g < 4; g++ {
			go func() {
				for i := range cases {
					c := cases[(i+g*7)%len(cases)]
					if got := tok.Encode(c.Text); !reflect.DeepEqual(got, want[(i+g*7)%len(cases)]) {
						errs <- fmt.Errorf("%s %s: concurrent Encode differs", setup.name, c.Name)
						return
					}
				}
				errs <- nil
			}()
		}
		for g := 0; g < 4; g++ {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
}

// TestPretrainedInvalidUTF8 checks that each byte that is not UTF-8 reads
// as U+FFFD. tokenizer.json and vocab.txt: as if the text had U+FFFD there
// (HuggingFace cannot be handed such bytes). sentencepiece.bpe.model: as
// SentencePiece does it, a literal U+FFFD that no rule rewrites (a real
// U+FFFD becomes a space under nmt_nfkc); want is python3-sentencepiece's
// encoding of the same bytes, sp.encode(b"caf\xc3 na\xffve\xe2\x82") =
// [305 58 0 39 0 81 0], in the fairseq dictionary.
func TestPretrainedInvalidUTF8(t *testing.T) {
	const bad = "caf\xc3 na\xffve\xe2\x82"
	for _, s := range goldenSetups {
		tok := loadSetup(t, s.fixture, s.drop)
		got := tok.Encode(bad)
		want := tok.Encode("caf\ufffd na\ufffdve\ufffd\ufffd")
		if s.source == SentencePieceFile {
			want = Encoding{IDs: []int32{0, 306, 59, 3, 40, 3, 82, 3, 2},
				Tokens: []string{"<s>", "▁ca", "f", "\ufffd", "▁na", "\ufffd", "ve", "\ufffd\ufffd", "</s>"}}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+q %v, want %+q %v", s.name, got.Tokens, got.IDs, want.Tokens, want.IDs)
		}
	}
}
