package bert

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"

	"github.com/otclir/otclir/lib/safetensors"
)

var (
	testBackend    backends.Backend
	testBackendErr error
)

func backend(t testing.TB) backends.Backend {
	t.Helper()
	if testBackend == nil && testBackendErr == nil {
		// lib/encoder.NewBackend's choice: lib/encoder imports this
		// package, so its tests cannot import lib/encoder.
		cfg := os.Getenv(backends.ConfigEnvVar)
		if cfg == "" {
			cfg = "go:ops_sequential,parallelism=-1" // lib/encoder.DefaultBackendConfig
		}
		testBackend, testBackendErr = backends.NewWithConfig(cfg)
	}
	if testBackendErr != nil {
		t.Fatal(testBackendErr)
	}
	return testBackend
}

// reference is a fixture's reference.safetensors and reference.json,
// written by testdata/generate.py from testdata/hfref.py's PyTorch forward
// pass (float32, after transformers' modeling_bert / modeling_xlm_roberta).
type reference struct {
	file  *safetensors.File
	texts []struct {
		Text   string   `json:"text"`
		Tokens []string `json:"tokens"`
		IDs    []int32  `json:"ids"`
	}
}

func loadReference(t testing.TB, dir string) *reference {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r := &reference{file: f}
	b, err := os.ReadFile(filepath.Join(dir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Texts any `json:"texts"`
	}
	_ = j
	if err := json.Unmarshal(b, &struct {
		Texts *[]struct {
			Text   string   `json:"text"`
			Tokens []string `json:"tokens"`
			IDs    []int32  `json:"ids"`
		} `json:"texts"`
	}{&r.texts}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *reference) floats(t testing.TB, name string) ([]float32, []int) {
	t.Helper()
	v, info, err := r.file.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	return v, info.Shape
}

func (r *reference) ints(t testing.TB, name string) ([]int32, []int) {
	t.Helper()
	info, raw, err := r.file.Raw(name)
	if err != nil {
		t.Fatal(err)
	}
	if info.DType != safetensors.I32 {
		t.Fatalf("%s is %s, want I32", name, info.DType)
	}
	out := make([]int32, len(raw)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, info.Shape
}

func (r *reference) input(t testing.TB) Input {
	ids, shape := r.ints(t, "ids")
	mask, _ := r.ints(t, "attention_mask")
	types, _ := r.ints(t, "token_type_ids")
	return Input{Batch: shape[0], Length: shape[1], IDs: ids, Mask: mask, TokenTypes: types}
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// fixtures are the checkpoint directories of testdata, with the tolerance
// against their own reference: float32 matrix products summed in another
// order than PyTorch's differ by ~1e-6 (measured: see PERFORMANCE.md).
var fixtures = []struct {
	dir    string
	format string
	prefix bool
}{
	{"tiny-bert", "safetensors", true},
	{"tiny-bert-bin", "pytorch", false},
	{"tiny-bert-sharded-bf16", "safetensors-sharded", true},
	{"tiny-bert-f16", "safetensors", false},
	{"tiny-xlmr", "safetensors", true},
	{"tiny-colbert", "safetensors", true},
}

const tol = 1e-5 // the float32 parity bound

func TestParityAllHiddenStates(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", fx.dir)
			m, err := Load(backend(t), dir)
			if err != nil {
				t.Fatal(err)
			}
			ref := loadReference(t, dir)
			out, err := m.Forward(ref.input(t), true)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Hidden) != m.Config.Layers+1 {
				t.Fatalf("%d hidden states, want %d", len(out.Hidden), m.Config.Layers+1)
			}
			for k, h := range out.Hidden {
				want, shape := ref.floats(t, fmt.Sprintf("hidden.%d", k))
				if !slices.Equal(shape, []int{out.Batch, out.Length, out.Dim}) {
					t.Fatalf("reference hidden.%d shape %v", k, shape)
				}
				d := maxAbsDiff(h, want) // padding positions included
				t.Logf("hidden.%d: max |Go − PyTorch| = %.2e", k, d)
				if d > tol {
					t.Errorf("hidden.%d differs from PyTorch by %g > %g", k, d, tol)
				}
			}
			if _, ok := ref.file.Info("projected"); ok != (m.Config.ProjectionDim > 0) {
				t.Fatalf("projection: reference %v, model dim %d", ok, m.Config.ProjectionDim)
			}
			if m.Config.ProjectionDim > 0 {
				want, _ := ref.floats(t, "projected")
				d := maxAbsDiff(out.Projected, want)
				t.Logf("projected: max |Go − PyTorch| = %.2e", d)
				if d > tol {
					t.Errorf("projection differs from PyTorch by %g", d)
				}
			}
		})
	}
}

func TestParityTextsAloneAndBatched(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", fx.dir)
			m, err := Load(backend(t), dir)
			if err != nil {
				t.Fatal(err)
			}
			ref := loadReference(t, dir)
			var seqs [][]int32
			for _, c := range ref.texts {
				seqs = append(seqs, c.IDs)
			}
			// Batches of 1 (each text alone), 2 (mixed lengths) and all together.
			for _, bs := range []int{1, 2, len(seqs)} {
				enc, err := m.EncodeSequences(seqs, bs)
				if err != nil {
					t.Fatal(err)
				}
				for k, e := range enc {
					want, shape := ref.floats(t, fmt.Sprintf("text.%d.hidden", k))
					if shape[0] != len(seqs[k]) || len(e.Hidden) != len(seqs[k]) {
						t.Fatalf("text %d: %d rows, reference %v", k, len(e.Hidden), shape)
					}
					if d := maxAbsDiff(slices.Concat(e.Hidden...), want); d > tol {
						t.Errorf("batch size %d, text %d: hidden differs from PyTorch by %g", bs, k, d)
					}
					if m.Config.ProjectionDim > 0 {
						want, _ := ref.floats(t, fmt.Sprintf("text.%d.projected", k))
						if d := maxAbsDiff(slices.Concat(e.Vectors...), want); d > tol {
							t.Errorf("batch size %d, text %d: vectors differ from PyTorch by %g", bs, k, d)
						}
					}
				}
			}
		})
	}
}
