package text

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// hfDir is the fixture root; testdata/hf/gen/README.md says how every file
// in it was made.
const hfDir = "testdata/hf"

type goldenCase struct {
	Name         string   `json:"name"`
	Text         string   `json:"text"`
	IDs          []int32  `json:"ids"`
	Tokens       []string `json:"tokens"`
	Reference    string   `json:"reference"`
	TokenizersJS *struct {
		IDs             []int32  `json:"ids"`
		Tokens          []string `json:"tokens"`
		NormalizerExact bool     `json:"normalizer_exact"`
	} `json:"tokenizers_js"`
}

func readGolden(t testing.TB, name string) []goldenCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(hfDir, "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(g.Cases) == 0 {
		t.Fatalf("%s: no cases", name)
	}
	return g.Cases
}

// fixtureWithout copies the fixture directory name to a temporary directory,
// leaving out the files in drop, so that LoadPretrained falls back to the
// next tokenizer file.
func fixtureWithout(t testing.TB, name string, drop ...string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(filepath.Join(hfDir, name))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if slices.Contains(drop, e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(hfDir, name, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// goldenSetups are the fixture tokenizers and the golden files they must
// reproduce. vocab.txt alone must encode exactly as tokenizer.json does.
var goldenSetups = []struct {
	name, fixture, golden, source string
	drop                          []string
}{
	{"bert-uncased/tokenizer.json", "bert-uncased", "bert-uncased.json", TokenizerJSONFile, nil},
	{"bert-uncased/vocab.txt", "bert-uncased", "bert-uncased.json", VocabTxtFile, []string{TokenizerJSONFile}},
	{"mbert-cased/tokenizer.json", "mbert-cased", "mbert-cased.json", TokenizerJSONFile, nil},
	{"mbert-cased/vocab.txt", "mbert-cased", "mbert-cased.json", VocabTxtFile, []string{TokenizerJSONFile}},
	{"xlmr-unigram/tokenizer.json", "xlmr-unigram", "xlmr-unigram.json", TokenizerJSONFile, nil},
	{"xlmr-unigram/sentencepiece.bpe.model", "xlmr-unigram", "xlmr-unigram-spm.json", SentencePieceFile, []string{TokenizerJSONFile}},
}

func loadSetup(t testing.TB, fixture string, drop []string) *Pretrained {
	t.Helper()
	dir := filepath.Join(hfDir, fixture)
	if len(drop) > 0 {
		dir = fixtureWithout(t, fixture, drop...)
	}
	tok, err := LoadPretrained(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestPretrainedGolden checks every golden sentence, ids and tokens, against
// the reference encodings (tokenizers.js for WordPiece, python3-sentencepiece
// for Unigram; testdata/hf/gen/golden.py).
func TestPretrainedGolden(t *testing.T) {
	for _, s := range goldenSetups {
		t.Run(s.name, func(t *testing.T) {
			tok := loadSetup(t, s.fixture, s.drop)
			if tok.Source() != s.source {
				t.Fatalf("Source() = %q, want %q", tok.Source(), s.source)
			}
			jsChecked := 0
			for _, c := range readGolden(t, s.golden) {
				got := tok.Encode(c.Text)
				if !reflect.DeepEqual(got.IDs, c.IDs) || !reflect.DeepEqual(got.Tokens, c.Tokens) {
					t.Errorf("%s: Encode(%+q)\n got ids %v\nwant ids %v\n got tokens %+q\nwant tokens %+q\n(reference: %s)",
						c.Name, c.Text, got.IDs, c.IDs, got.Tokens, c.Tokens, c.Reference)
					continue
				}
				// tokenizers.js approximates the Precompiled normaliser;
				// where its normaliser agrees, its encoding must too.
				if js := c.TokenizersJS; js != nil && js.NormalizerExact && s.source == TokenizerJSONFile {
					jsChecked++
					if !reflect.DeepEqual(got.IDs, js.IDs) || !reflect.DeepEqual(got.Tokens, js.Tokens) {
						t.Errorf("%s: tokenizers.js encodes %+q as %+q, Go %+q", c.Name, c.Text, js.Tokens, got.Tokens)
					}
				}
			}
			if jsChecked > 0 {
				t.Logf("%d sentences also match tokenizers.js", jsChecked)
			}
		})
	}
}
