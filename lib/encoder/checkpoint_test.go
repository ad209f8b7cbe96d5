package encoder

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/bert"
)

// The fixtures are lib/bert's tiny checkpoints; lib/bert's tests check their
// forward pass against PyTorch (lib/bert/testdata/hfref.py), so here a
// checkpoint model is checked against lib/bert.
const (
	colbertDir = "../bert/testdata/tiny-colbert"
	bertDir    = "../bert/testdata/tiny-bert"
	xlmrDir    = "../bert/testdata/tiny-xlmr"
)

func loadCk(t *testing.T, dir, conv string) *Model {
	t.Helper()
	backend, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadCheckpoint(backend, dir, conv)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseConventions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Conventions
		auto bool
		str  string
	}{
		{"", Conventions{}, true, "none"},
		{"auto", Conventions{}, true, "none"},
		{"none", Conventions{}, false, "none"},
		{"markers", Conventions{Markers: true}, false, "markers"},
		{"punctuation, query_pad", Conventions{QueryPad: true, Punctuation: true}, false, "query_pad,punctuation"},
		{"markers,query_pad,punctuation", Conventions{true, true, true}, false, "markers,query_pad,punctuation"},
	} {
		got, auto, err := ParseConventions(tc.in)
		if err != nil || got != tc.want || auto != tc.auto || got.String() != tc.str {
			t.Errorf("ParseConventions(%q) = %+v, %v, %v (%q); want %+v, %v (%q)", tc.in, got, auto, err, got.String(), tc.want, tc.auto, tc.str)
		}
	}
	if _, _, err := ParseConventions("markers,colbert"); err == nil || !strings.Contains(err.Error(), `"colbert"`) {
		t.Errorf("bad convention: error %v, want one naming it", err)
	}
}

// TestCheckpointDocumentsMatchBert: a document's vectors are lib/bert's
// projected vectors of its tokens, minus the punctuation ColBERT skips
// (the fixture has "," and "." in its vocabulary).
func TestCheckpointDocumentsMatchBert(t *testing.T) {
	m := loadCk(t, colbertDir, "auto")
	// The fixture lacks [unused1], so auto leaves the markers off.
	if want := (Conventions{QueryPad: true, Punctuation: true}); m.Checkpoint.Conventions != want {
		t.Fatalf("implied conventions %+v, want %+v", m.Checkpoint.Conventions, want)
	}
	texts := []string{"all human beings are born free, and equal.", "everyone has the right to life"}
	got, err := m.Encode(texts, 24)
	if err != nil {
		t.Fatal(err)
	}
	if m.OutputDim() != 8 {
		t.Fatalf("OutputDim %d, want 8 (linear.weight 16 → 8)", m.OutputDim())
	}
	var seqs [][]int32
	for _, s := range texts {
		seqs = append(seqs, m.Checkpoint.Tokenizer.EncodeTruncated(s, 24).IDs)
	}
	ref, err := m.Checkpoint.Bert.EncodeSequences(seqs, 4)
	if err != nil {
		t.Fatal(err)
	}
	comma, _ := m.Checkpoint.Tokenizer.TokenID(",")
	period, _ := m.Checkpoint.Tokenizer.TokenID(".")
	for i := range texts {
		var want []float32
		for j, id := range seqs[i] {
			if id != comma && id != period {
				want = append(want, ref[i].Vectors[j]...)
			}
		}
		if len(got[i]) != len(want) {
			t.Fatalf("text %d: %d values, want %d (%d tokens, punctuation dropped)", i, len(got[i]), len(want), len(seqs[i]))
		}
		for j := range want {
			if math.Abs(float64(got[i][j]-want[j])) > 1e-5 {
				t.Fatalf("text %d value %d: %v, want %v", i, j, got[i][j], want[j])
			}
		}
	}
	toks := m.TokenStrings(texts[0], 24)
	if slices.Contains(toks, ",") || toks[0] != "[CLS]" || len(toks)*8 != len(got[0]) {
		t.Errorf("TokenStrings %v: want the kept tokens, [CLS] first, one per vector", toks)
	}
}

// TestCheckpointQueriesPadWithMask: a query is padded with [MASK] to the
// query length; the mask tokens are not attended to but are vectors, as in
// ColBERT's QueryTokenizer (attention mask 0, MaxSim mask 1).
func TestCheckpointQueriesPadWithMask(t *testing.T) {
	m := loadCk(t, colbertDir, "auto")
	const qlen = 12
	got, err := m.EncodeQueries([]string{"human rights", "free"}, qlen)
	if err != nil {
		t.Fatal(err)
	}
	tok := m.Checkpoint.Tokenizer
	for i, s := range []string{"human rights", "free"} {
		ids := tok.EncodeTruncated(s, qlen).IDs
		in := bert.Input{Batch: 1, Length: qlen, IDs: make([]int32, qlen), Mask: make([]int32, qlen)}
		for j := range in.IDs {
			in.IDs[j] = tok.SpecialIDs().MASK
		}
		copy(in.IDs, ids)
		for j := range ids {
			in.Mask[j] = 1
		}
		ref, err := m.Checkpoint.Bert.Forward(in, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(got[i]) != qlen*8 {
			t.Fatalf("query %d: %d values, want %d × 8", i, len(got[i]), qlen)
		}
		for j := range ref.Projected {
			if math.Abs(float64(got[i][j]-ref.Projected[j])) > 1e-5 {
				t.Fatalf("query %d value %d: %v, want %v", i, j, got[i][j], ref.Projected[j])
			}
		}
	}
	// Without conventions a query is encoded as a document.
	plain := loadCk(t, colbertDir, "none")
	q, _ := plain.EncodeQueries([]string{"human rights"}, qlen)
	if n := len(tok.EncodeTruncated("human rights", qlen).IDs); len(q[0]) != n*8 {
		t.Errorf("no conventions: %d values, want %d tokens × 8", len(q[0]), n)
	}
}

// TestCheckpointMarkers: with markers, [unused0] / [unused1] follow [CLS].
// The fixture's vocabulary lacks [unused1]: a copy renames its last token.
func TestCheckpointMarkers(t *testing.T) {
	backend, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(backend, colbertDir, "markers"); err == nil || !strings.Contains(err.Error(), DocumentMarker) {
		t.Fatalf("markers without [unused1]: error %v, want one naming it", err)
	}
	dir := t.TempDir()
	for _, n := range []string{"config.json", "model.safetensors", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"} {
		b, err := os.ReadFile(filepath.Join(colbertDir, n))
		if err != nil {
			t.Fatal(err)
		}
		if n == "vocab.txt" {
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			lines[len(lines)-1] = DocumentMarker
			b = []byte(strings.Join(lines, "\n") + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := LoadCheckpoint(backend, dir, "auto")
	if err != nil {
		t.Fatal(err)
	}
	if !m.Checkpoint.Conventions.Markers {
		t.Fatalf("auto on a ColBERT checkpoint with both markers: %+v, want markers", m.Checkpoint.Conventions)
	}
	for _, tc := range []struct {
		role   Role
		marker string
	}{{Query, QueryMarker}, {Document, DocumentMarker}} {
		ids, _, _, toks := m.Checkpoint.sequence("human rights", 12, tc.role)
		if toks[0] != "[CLS]" || toks[1] != tc.marker || toks[2] != "human" {
			t.Errorf("role %d: tokens %v, want [CLS] %s human ...", tc.role, toks, tc.marker)
		}
		if len(ids) > 12 {
			t.Errorf("role %d: %d ids past the length 12", tc.role, len(ids))
		}
	}
	b := m.TokenizeBatch([]string{"free"}, 8, Document)
	if b.IDs[1] != m.Checkpoint.dMarker || b.Keep[4] != 0 || b.Attend[3] != 1 {
		t.Errorf("batch %+v: want [CLS] [unused1] free [SEP] then padding", b)
	}
}

// TestCheckpointSaveLoad: Save writes HuggingFace layout with a manifest;
// Load recognises it and gives the same identity, conventions and vectors;
// a modified file is refused.
func TestCheckpointSaveLoad(t *testing.T) {
	for _, src := range []string{colbertDir, xlmrDir} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			m := loadCk(t, src, "query_pad")
			if !Exists(src) {
				t.Fatalf("Exists(%s): false for a checkpoint directory", src)
			}
			dir := filepath.Join(t.TempDir(), "model")
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			if !Exists(dir) {
				t.Fatal("Exists: false after Save")
			}
			back, err := Load(m.Backend, dir)
			if err != nil {
				t.Fatal(err)
			}
			h1, err := m.WeightsSHA256()
			if err != nil {
				t.Fatal(err)
			}
			h2, _ := back.WeightsSHA256()
			orig, _ := bert.Load(m.Backend, src)
			h0, _ := orig.WeightsSHA256()
			if h1 != h2 || h1 != h0 {
				t.Fatalf("WeightsSHA256: loaded %s, saved copy %s, lib/bert %s: want one identity", h1, h2, h0)
			}
			if back.Checkpoint.Conventions != m.Checkpoint.Conventions {
				t.Fatalf("conventions %+v after Load, want %+v", back.Checkpoint.Conventions, m.Checkpoint.Conventions)
			}
			texts := []string{"everyone has the right to life", "kila mtu ana haki"}
			a, _ := m.EncodeQueries(texts, 16)
			b, err := back.EncodeQueries(texts, 16)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if !slices.Equal(a[i], b[i]) {
					t.Fatalf("text %d encodes differently after Save/Load", i)
				}
			}
			f := filepath.Join(dir, "config.json")
			cfg, _ := os.ReadFile(f)
			os.WriteFile(f, append(cfg, ' '), 0o644)
			if _, err := Load(m.Backend, dir); err == nil || !strings.Contains(err.Error(), "config.json") {
				t.Fatalf("modified config.json: error %v, want one naming it", err)
			}
		})
	}
}

// TestWithProjection: a student from a checkpoint without projection gets
// one of the teacher's dimension, kept by Save and Load.
func TestWithProjection(t *testing.T) {
	m := loadCk(t, bertDir, "auto")
	if m.OutputDim() != 16 || m.Checkpoint.Conventions != (Conventions{}) {
		t.Fatalf("plain BERT: OutputDim %d, conventions %+v; want 16 (hidden), none", m.OutputDim(), m.Checkpoint.Conventions)
	}
	ctx, err := m.CloneForTraining()
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.WithProjection(ctx, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.OutputDim() != 8 || m.OutputDim() != 16 {
		t.Fatalf("OutputDim %d (original %d), want 8 (16)", p.OutputDim(), m.OutputDim())
	}
	v, err := p.Encode([]string{"free and equal"}, 16)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < len(v[0]); j += 8 {
		var n float64
		for _, x := range v[0][j : j+8] {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector %d: squared norm %v, want 1", j/8, n)
		}
	}
	dir := filepath.Join(t.TempDir(), "student")
	if err := p.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p.Backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := back.Encode([]string{"free and equal"}, 16)
	if back.OutputDim() != 8 || !slices.Equal(v[0], w[0]) {
		t.Fatalf("after Save/Load: OutputDim %d, same vectors %v", back.OutputDim(), slices.Equal(v[0], w[0]))
	}
	if _, err := LoadCheckpoint(p.Backend, filepath.Join(t.TempDir(), "missing"), "auto"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing dir: error %v, want one naming it", err)
	}
}
