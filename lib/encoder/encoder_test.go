package encoder

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/otclir/otclir/lib/text"
)

// testTokenizer is trained on a handful of sentences (unit tests may use
// synthetic text; real data is exercised by lib/distill and experiments).
func testTokenizer(t testing.TB) *text.Tokenizer {
	t.Helper()
	corpus := []string{
		"everyone has the right to life, liberty and security of person",
		"kila mtu ana haki ya kuishi, uhuru na usalama wa nafsi yake",
		"jeder hat das recht auf leben, freiheit und sicherheit der person",
		"all human beings are born free and equal in dignity and rights",
	}
	tok, err := text.TrainBPE(corpus, 120, 1)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func smallParams() map[string]any {
	return map[string]any{ParamDim: 16, ParamHeads: 2, ParamFFNDim: 32, ParamOutputDim: 8, ParamLayers: 1, ParamMaxPositions: 16}
}

func TestEncodeShapesNormsAndPadding(t *testing.T) {
	backend, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	tok := testTokenizer(t)
	m := NewModel(backend, NewContext(tok, smallParams(), 1), tok)
	texts := []string{"everyone has the right", "kila mtu", ""}
	out, err := m.Encode(texts, 12)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		n := len(tok.Encode(s, 12))
		if n == 0 {
			n = 1 // empty text -> one UNK token
		}
		if got := len(out[i]); got != n*8 {
			t.Fatalf("text %q: %d floats, want %d tokens x 8", s, got, n)
		}
		for j := 0; j < n; j++ {
			var norm float64
			for _, v := range out[i][j*8 : (j+1)*8] {
				norm += float64(v) * float64(v)
			}
			if math.Abs(norm-1) > 1e-4 {
				t.Fatalf("text %q token %d: squared norm %v, want 1", s, j, norm)
			}
		}
	}
	// Padding must not change a text's vectors: encode alone at a longer length.
	alone, err := m.Encode(texts[:1], 16)
	if err != nil {
		t.Fatal(err)
	}
	for k := range alone[0] {
		if math.Abs(float64(alone[0][k]-out[0][k])) > 1e-5 {
			t.Fatalf("vector %d differs with more padding: %v vs %v", k, alone[0][k], out[0][k])
		}
	}
	if _, err := m.Encode(texts, 17); err == nil {
		t.Fatal("maxLen beyond the position table: want error")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	backend, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	tok := testTokenizer(t)
	m := NewModel(backend, NewContext(tok, smallParams(), 7), tok)
	texts := []string{"all human beings are born free", "jeder hat das recht"}
	want, err := m.Encode(texts, 10)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	if Exists(dir) {
		t.Fatal("Exists on an empty dir")
	}
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if !Exists(dir) {
		t.Fatal("Exists after Save = false")
	}
	m2, err := Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m2.Encode(texts, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		for k := range want[i] {
			if want[i][k] != got[i][k] {
				t.Fatalf("text %d value %d: %v after load, %v before", i, k, got[i][k], want[i][k])
			}
		}
	}
	// A clone for training carries the same variables.
	ctx, err := m2.CloneForTraining()
	if err != nil {
		t.Fatal(err)
	}
	got2, err := NewModel(backend, ctx, tok).Encode(texts, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got2[1][3] != want[1][3] {
		t.Fatalf("clone encodes differently: %v vs %v", got2[1][3], want[1][3])
	}
	if _, err := Load(backend, t.TempDir()); err == nil {
		t.Fatal("Load of an empty dir: want error")
	}
}
