package pretrained

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/safetensors"
)

// expected is testdata/torch-dtypes/expected.json, written by PyTorch 1.13
// (lib/bert/testdata/generate.py) next to the .bin files it describes.
type expected map[string]struct {
	Shape  []int     `json:"shape"`
	DType  string    `json:"dtype"`
	Values []float64 `json:"values"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestTorchFiles(t *testing.T) {
	var want expected
	readJSON(t, "testdata/torch-dtypes/expected.json", &want)
	dtypes := map[string]safetensors.DType{"float32": safetensors.F32, "float16": safetensors.F16,
		"bfloat16": safetensors.BF16, "float64": safetensors.F64, "int64": safetensors.I64}
	for _, file := range []string{"pytorch_model.bin", "legacy.bin"} { // zip and pre-1.6 formats
		t.Run(file, func(t *testing.T) {
			tf, err := loadTorch(filepath.Join("testdata/torch-dtypes", file))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(tf.names()); got != len(want) {
				t.Fatalf("%d tensors, want %d", got, len(want))
			}
			for name, w := range want {
				info, ok := tf.info(name)
				if !ok {
					t.Fatalf("no tensor %q", name)
				}
				if !slices.Equal(info.Shape, w.Shape) || info.DType != dtypes[w.DType] {
					t.Errorf("%s: %s %v, want %s %v", name, info.DType, info.Shape, w.DType, w.Shape)
				}
				got, err := tf.float32(name)
				if w.DType == "int64" {
					if err == nil || !strings.Contains(err.Error(), "not a floating-point type") {
						t.Errorf("%s: Float32 of an int64 tensor: %v", name, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for i, v := range w.Values {
					if got[i] != float32(v) { // F16/BF16 values are exact in float32; F64 rounds
						t.Errorf("%s[%d] = %g, want %g", name, i, got[i], v)
					}
				}
			}
		})
	}
}

// checkpointDir copies files into a temporary directory with a config.json.
func checkpointDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model_type": "bert", "hidden_size": 4}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for dst, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOpenTorchSharded(t *testing.T) {
	src := "testdata/torch-sharded"
	dir := checkpointDir(t, map[string]string{
		TorchIndex:                         filepath.Join(src, TorchIndex),
		"pytorch_model-00001-of-00002.bin": filepath.Join(src, "pytorch_model-00001-of-00002.bin"),
		"pytorch_model-00002-of-00002.bin": filepath.Join(src, "pytorch_model-00002-of-00002.bin"),
	})
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Format != FormatTorchSharded || len(c.Files) != 2 {
		t.Fatalf("format %s files %v", c.Format, c.Files)
	}
	var want map[string][]float64
	readJSON(t, filepath.Join(src, "expected.json"), &want)
	if got := c.Names(); !slices.Equal(got, []string{"a.weight", "b.bias", "b.weight"}) {
		t.Fatalf("names %v", got)
	}
	for name, w := range want {
		v, info, err := c.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(info.File) != dir {
			t.Errorf("%s: file %s", name, info.File)
		}
		for i := range w {
			if v[i] != float32(w[i]) {
				t.Errorf("%s[%d] = %g, want %g", name, i, v[i], w[i])
			}
		}
	}
	if v, _ := c.Config.Int("hidden_size", 0); v != 4 {
		t.Errorf("config hidden_size %d", v)
	}
}

func testTensors() []Tensor {
	return []Tensor{
		{Name: "encoder.w", Shape: []int{2, 3}, Data: []float32{1, 2, 3, -4, 0.1, 1e-3}},
		{Name: "encoder.b", Shape: []int{3}, Data: []float32{0.5, -0.25, 7}},
		{Name: "emb", Shape: []int{4, 2}, Data: []float32{1, 1, 2, 2, 3, 3, 4, 4}},
	}
}

func TestSaveOpenRoundTrip(t *testing.T) {
	cases := []struct {
		name  string
		opt   SaveOptions
		fmt   Format
		files int
		tol   float64 // relative precision of the stored type
		dtype string
	}{
		{"f32", SaveOptions{}, FormatSafetensors, 1, 0, "float32"},
		{"bf16", SaveOptions{DType: safetensors.BF16}, FormatSafetensors, 1, 1.0 / 256, "bfloat16"},
		{"f16 sharded", SaveOptions{DType: safetensors.F16, MaxShardBytes: 18}, FormatSafetensorsSharded, 2, 1.0 / 2048, "float16"},
		{"f32 sharded", SaveOptions{MaxShardBytes: 1}, FormatSafetensorsSharded, 3, 0, "float32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			cfg := NewConfig()
			cfg.Set("model_type", "bert")
			cfg.Set("architectures", []string{"BertModel"})
			if err := Save(dir, cfg, testTensors(), c.opt); err != nil {
				t.Fatal(err)
			}
			if cfg.Has("torch_dtype") {
				t.Error("Save modified the caller's config")
			}
			ck, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer ck.Close()
			if ck.Format != c.fmt || len(ck.Files) != c.files {
				t.Fatalf("format %s, files %v", ck.Format, ck.Files)
			}
			if d, _ := ck.Config.String("torch_dtype", ""); d != c.dtype {
				t.Errorf("torch_dtype %q, want %q", d, c.dtype)
			}
			if a, _ := ck.Config.Strings("architectures"); !slices.Equal(a, []string{"BertModel"}) {
				t.Errorf("architectures %v", a)
			}
			for _, want := range testTensors() {
				got, info, err := ck.Float32(want.Name)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(info.Shape, want.Shape) {
					t.Errorf("%s shape %v", want.Name, info.Shape)
				}
				for i, v := range want.Data {
					if math.Abs(float64(got[i]-v)) > c.tol*math.Abs(float64(v)) {
						t.Errorf("%s[%d] = %g, saved %g", want.Name, i, got[i], v)
					}
				}
			}
		})
	}
}

func TestSaveLayoutConflicts(t *testing.T) {
	dir := t.TempDir()
	cfg := NewConfig()
	if err := Save(dir, cfg, testTensors(), SaveOptions{MaxShardBytes: 1}); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, cfg, testTensors(), SaveOptions{}); err == nil || !strings.Contains(err.Error(), "another layout") {
		t.Fatalf("single file beside shards: %v", err)
	}
	// Re-saving sharded with fewer shards removes the stale ones.
	if err := Save(dir, cfg, testTensors(), SaveOptions{MaxShardBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "model-*.safetensors"))
	if len(matches) != 1 || filepath.Base(matches[0]) != "model-00001-of-00001.safetensors" {
		t.Fatalf("shards after re-save: %v", matches)
	}
	os.WriteFile(filepath.Join(dir, TorchFile), []byte("x"), 0o644)
	if err := Save(dir, cfg, testTensors(), SaveOptions{MaxShardBytes: 1 << 20}); err == nil || !strings.Contains(err.Error(), TorchFile) {
		t.Fatalf("beside pytorch_model.bin: %v", err)
	}
	if err := Save(t.TempDir(), cfg, testTensors(), SaveOptions{DType: safetensors.I64}); err == nil {
		t.Error("saving as I64: want error")
	}
	bad := []Tensor{{Name: "x", Shape: []int{3}, Data: []float32{1}}}
	if err := Save(t.TempDir(), cfg, bad, SaveOptions{}); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("shape mismatch: %v", err)
	}
}

func TestOpenPrefersSafetensors(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, NewConfig(), testTensors(), SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("testdata/torch-dtypes/pytorch_model.bin")
	os.WriteFile(filepath.Join(dir, TorchFile), b, 0o644)
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Format != FormatSafetensors {
		t.Fatalf("format %s, want safetensors (transformers' order)", c.Format)
	}
}

func TestOpenErrors(t *testing.T) {
	write := func(dir, name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		setup func(dir string) string // returns the path to open
		want  []string
		is    error
	}{
		{"missing", func(dir string) string { return filepath.Join(dir, "absent") }, []string{"absent"}, nil},
		{"file", func(dir string) string { write(dir, "f", "x"); return filepath.Join(dir, "f") }, []string{"not a directory"}, ErrNoCheckpoint},
		{"no config", func(dir string) string { return dir }, []string{"config.json"}, ErrNoCheckpoint},
		{"bad config", func(dir string) string { write(dir, ConfigFile, `{"a":`); return dir }, []string{"config.json"}, nil},
		{"config array", func(dir string) string { write(dir, ConfigFile, `[]`); return dir }, []string{"config.json"}, nil},
		{"no weights", func(dir string) string { write(dir, ConfigFile, `{}`); return dir }, []string{"has no weights", TorchFile}, ErrNoCheckpoint},
		{"tensorflow only", func(dir string) string {
			write(dir, ConfigFile, `{}`)
			write(dir, "tf_model.h5", "")
			return dir
		}, []string{"tf_model.h5", "not supported"}, ErrNoCheckpoint},
		{"garbage bin", func(dir string) string {
			write(dir, ConfigFile, `{}`)
			write(dir, TorchFile, "not a pickle")
			return dir
		}, []string{TorchFile}, nil},
		{"garbage safetensors", func(dir string) string {
			write(dir, ConfigFile, `{}`)
			write(dir, SafetensorsFile, "xx")
			return dir
		}, []string{SafetensorsFile}, nil},
		{"bin index, missing shard", func(dir string) string {
			write(dir, ConfigFile, `{}`)
			write(dir, TorchIndex, `{"weight_map":{"a":"gone.bin"}}`)
			return dir
		}, []string{"gone.bin", TorchIndex}, nil},
		{"bin index, tensor not in shard", func(dir string) string {
			write(dir, ConfigFile, `{}`)
			b, _ := os.ReadFile("testdata/torch-sharded/pytorch_model-00001-of-00002.bin")
			write(dir, "s.bin", string(b))
			write(dir, TorchIndex, `{"weight_map":{"b.weight":"s.bin"}}`)
			return dir
		}, []string{`"b.weight"`, "does not hold it"}, ErrNoTensor},
		{"bin index, path", func(dir string) string {
			write(dir, ConfigFile, `{}`)
			write(dir, TorchIndex, `{"weight_map":{"a":"../x.bin"}}`)
			return dir
		}, []string{"not a file name"}, nil},
		{"not a state dict", func(dir string) string {
			write(dir, ConfigFile, `{}`)
			b, _ := os.ReadFile("testdata/not-state-dict.bin")
			write(dir, TorchFile, string(b))
			return dir
		}, []string{"not a state dict"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.setup(t.TempDir())
			ck, err := Open(path)
			if err == nil {
				ck.Close()
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
		})
	}
}

func TestMissingTensor(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, NewConfig(), testTensors(), SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.Float32("nope"); !errors.Is(err, ErrNoTensor) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("missing tensor: %v", err)
	}
}

func TestConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), ConfigFile)
	os.WriteFile(path, []byte(`{"hidden_size": 768, "layer_norm_eps": 1e-12, "pad_token_id": null,
		"hidden_act": "gelu", "bad_int": 1.5, "name": 3, "architectures": ["BertModel"], "zz": {"kept": true}}`), 0o644)
	c, err := ReadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Int("hidden_size", 0); v != 768 || err != nil {
		t.Errorf("hidden_size %d %v", v, err)
	}
	if v, err := c.Int("pad_token_id", 1); v != 1 || err != nil { // null: the default, as transformers
		t.Errorf("pad_token_id %d %v", v, err)
	}
	if v, err := c.Int("absent", 7); v != 7 || err != nil {
		t.Errorf("absent %d %v", v, err)
	}
	if v, err := c.Float("layer_norm_eps", 0); v != 1e-12 || err != nil {
		t.Errorf("eps %g %v", v, err)
	}
	if _, err := c.Int("bad_int", 0); err == nil || !strings.Contains(err.Error(), "bad_int") || !strings.Contains(err.Error(), path) {
		t.Errorf("bad int: %v", err)
	}
	if _, err := c.String("name", ""); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("bad string: %v", err)
	}
	if _, err := c.Float("hidden_act", 0); err == nil {
		t.Error("string as number: want error")
	}
	c.Set("torch_dtype", "float32")
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Sorted keys, two-space indent, unknown keys kept (save_pretrained's format).
	s := string(b)
	if !strings.HasPrefix(s, "{\n  \"architectures\": [\n    \"BertModel\"\n  ],") || !strings.Contains(s, `"zz": {
    "kept": true
  }`) || strings.Index(s, "torch_dtype") > strings.Index(s, `"zz"`) {
		t.Errorf("marshal:\n%s", s)
	}
}

func TestCopyTokenizerFiles(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	os.WriteFile(filepath.Join(src, "vocab.txt"), []byte("[PAD]\n"), 0o644)
	os.WriteFile(filepath.Join(src, "tokenizer_config.json"), []byte("{}"), 0o644)
	got, err := CopyTokenizerFiles(src, dst)
	if err != nil || !slices.Equal(got, []string{"tokenizer_config.json", "vocab.txt"}) {
		t.Fatalf("copied %v %v", got, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "vocab.txt")); string(b) != "[PAD]\n" {
		t.Errorf("vocab.txt %q", b)
	}
	if _, err := CopyTokenizerFiles(t.TempDir(), dst); err == nil {
		t.Error("no tokenizer files: want error")
	}
}

func TestWeightsSHA256(t *testing.T) {
	ts := []Tensor{
		{Name: "b.weight", Shape: []int{1, 1}, Data: []float32{3}},
		{Name: "a", Shape: []int{2}, Data: []float32{1, -0.5}},
	}
	// Golden from Python's hashlib over the stream WeightsSHA256 documents:
	// "otclir-weights-sha256-v1\n", then per tensor in name order
	// <Q len(name)> name <Q rank> <Q dims...> <Q count> <f values...>.
	const want = "b2f01d80fa8e5b50f5239ec0ebbaf7fff0fb5039f4a97be5abab2c684a9ffcff"
	if got := WeightsSHA256(ts); got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
	if got := WeightsSHA256([]Tensor{ts[1], ts[0]}); got != want {
		t.Error("hash depends on the order of the tensors")
	}
	changed := []Tensor{ts[0], {Name: "a", Shape: []int{2}, Data: []float32{1, math.Nextafter32(-0.5, 0)}}}
	renamed := []Tensor{ts[0], {Name: "a2", Shape: []int{2}, Data: []float32{1, -0.5}}}
	reshaped := []Tensor{ts[0], {Name: "a", Shape: []int{1, 2}, Data: []float32{1, -0.5}}}
	for _, other := range [][]Tensor{changed, renamed, reshaped} {
		if WeightsSHA256(other) == want {
			t.Errorf("same hash for %v", other)
		}
	}
}
