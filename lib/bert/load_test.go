package bert

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/otclir/otclir/lib/pretrained"
	"github.com/otclir/otclir/lib/safetensors"
)

func TestReducedPrecisionAgainstFloat32(t *testing.T) {
	// The BF16 and F16 fixtures hold tiny-bert's weights rounded by PyTorch.
	// Their outputs equal their own float32 reference within 1e-5
	// (TestParityAllHiddenStates); against the unrounded model they differ by
	// the weights' rounding (unit roundoff u = 2^-8 for BF16, 2^-11 for F16)
	// propagated through the layers: bounded here by 4u·(k+1)·max|h| at
	// hidden state k, 3–4× above what was measured (BF16 0.011, 0.019, 0.037;
	// F16 0.0013, 0.0028, 0.0035 for k = 0, 1, 2).
	ref := loadReference(t, filepath.Join("testdata", "tiny-bert"))
	for _, c := range []struct {
		dir string
		u   float64
	}{{"tiny-bert-sharded-bf16", 1.0 / 256}, {"tiny-bert-f16", 1.0 / 2048}} {
		t.Run(c.dir, func(t *testing.T) {
			m, err := Load(backend(t), filepath.Join("testdata", c.dir))
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Forward(ref.input(t), true)
			if err != nil {
				t.Fatal(err)
			}
			for k, h := range out.Hidden {
				want, _ := ref.floats(t, fmt.Sprintf("hidden.%d", k))
				var peak float64
				for _, v := range want {
					peak = max(peak, math.Abs(float64(v)))
				}
				bound := 4 * c.u * float64(k+1) * peak
				if d := maxAbsDiff(h, want); d > bound {
					t.Errorf("hidden.%d: %g from the float32 model, bound %g", k, d, bound)
				}
			}
		})
	}
}

func TestIdentityAcrossLayouts(t *testing.T) {
	// tiny-bert (prefixed safetensors, with MLM head) and tiny-bert-bin
	// (unprefixed pytorch_model.bin, LayerNorm gamma/beta) hold the same
	// weights: same identity. BF16 rounding changes it.
	hash := func(dir string) string {
		m, err := Load(backend(t), filepath.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		h, err := m.WeightsSHA256()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, b, c := hash("tiny-bert"), hash("tiny-bert-bin"), hash("tiny-bert-sharded-bf16")
	if a != b {
		t.Errorf("same weights, different identity: %s vs %s", a, b)
	}
	if a == c {
		t.Error("BF16-rounded weights have the float32 model's identity")
	}
}

func TestIgnoredTensors(t *testing.T) {
	m, err := Load(backend(t), filepath.Join("testdata", "tiny-bert"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bert.embeddings.position_ids", "cls.predictions.bias", "cls.predictions.transform.LayerNorm.bias",
		"cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.dense.bias", "cls.predictions.transform.dense.weight"}
	if !slices.Equal(m.Ignored, want) {
		t.Errorf("ignored %v, want %v", m.Ignored, want)
	}
	if m.Config.Arch != BERT || m.Config.LayerNormEps != 1e-12 || m.Config.ProjectionDim != 0 || !m.hasPooler {
		t.Errorf("config %+v pooler %v", m.Config, m.hasPooler)
	}
	x, err := Load(backend(t), filepath.Join("testdata", "tiny-xlmr"))
	if err != nil {
		t.Fatal(err)
	}
	if x.Config.Arch != XLMRoBERTa || x.Config.PadID != 1 || x.Config.LayerNormEps != 1e-5 || x.Config.MaxLength() != 40 || len(x.Ignored) != 0 {
		t.Errorf("xlm-r config %+v ignored %v", x.Config, x.Ignored)
	}
	c, err := Load(backend(t), filepath.Join("testdata", "tiny-colbert"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.ProjectionDim != 8 || c.Config.ProjectionBias || c.hasPooler {
		t.Errorf("colbert config %+v pooler %v", c.Config, c.hasPooler)
	}
}

// rewrite copies the tiny-bert fixture into a temporary directory, with
// its tensors and config.json passed through edit functions.
func rewrite(t *testing.T, editTensors func([]pretrained.Tensor) []pretrained.Tensor, editConfig func(*pretrained.Config)) string {
	t.Helper()
	ck, err := pretrained.Open(filepath.Join("testdata", "tiny-bert"))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	var ts []pretrained.Tensor
	for _, n := range ck.Names() {
		info, _ := ck.Info(n)
		if !info.DType.IsFloat() {
			continue
		}
		v, _, err := ck.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, pretrained.Tensor{Name: n, Shape: info.Shape, Data: v})
	}
	cfg := ck.Config.Clone()
	if editTensors != nil {
		ts = editTensors(ts)
	}
	if editConfig != nil {
		editConfig(cfg)
	}
	dir := t.TempDir()
	if err := pretrained.Save(dir, cfg, ts, pretrained.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadErrors(t *testing.T) {
	drop := func(name string) func([]pretrained.Tensor) []pretrained.Tensor {
		return func(ts []pretrained.Tensor) []pretrained.Tensor {
			return slices.DeleteFunc(ts, func(x pretrained.Tensor) bool { return x.Name == name })
		}
	}
	set := func(key string, v any) func(*pretrained.Config) {
		return func(c *pretrained.Config) { c.Set(key, v) }
	}
	cases := []struct {
		name    string
		tensors func([]pretrained.Tensor) []pretrained.Tensor
		config  func(*pretrained.Config)
		want    []string
		is      error
	}{
		{"missing tensor", drop("bert.encoder.layer.1.output.dense.weight"), nil,
			[]string{"bert.encoder.layer.1.output.dense.weight", "[16 32]"}, ErrMissingTensor},
		{"pooler half", drop("bert.pooler.dense.weight"), nil, []string{"pooler.dense.weight"}, ErrMissingTensor},
		{"wrong shape", func(ts []pretrained.Tensor) []pretrained.Tensor {
			for i := range ts {
				if ts[i].Name == "bert.encoder.layer.0.intermediate.dense.weight" {
					ts[i].Shape = []int{16, 32}
				}
			}
			return ts
		}, nil, []string{"bert.encoder.layer.0.intermediate.dense.weight", "[16 32]", "want [32 16]", "model.safetensors"}, nil},
		{"bad projection", func(ts []pretrained.Tensor) []pretrained.Tensor {
			return append(ts, pretrained.Tensor{Name: "linear.weight", Shape: []int{8, 5}, Data: make([]float32, 40)})
		}, nil, []string{"linear.weight", "[8 5]"}, nil},
		{"NaN weight", func(ts []pretrained.Tensor) []pretrained.Tensor {
			for i := range ts {
				if ts[i].Name == "bert.embeddings.LayerNorm.bias" {
					ts[i].Data[3] = float32(math.NaN())
				}
			}
			return ts
		}, nil, []string{"bert.embeddings.LayerNorm.bias", "NaN"}, nil},
		{"unknown architecture", nil, set("model_type", "gpt2"), []string{`"gpt2"`, "config.json"}, nil},
		{"no model_type", nil, func(c *pretrained.Config) { c.Delete("model_type") }, []string{"model_type"}, nil},
		{"activation", nil, set("hidden_act", "gelu_new"), []string{"hidden_act", "gelu_new", "config.json"}, nil},
		{"relative positions", nil, set("position_embedding_type", "relative_key"), []string{"position_embedding_type"}, nil},
		{"decoder", nil, set("is_decoder", true), []string{"is_decoder"}, nil},
		{"heads", nil, set("num_attention_heads", 5), []string{"num_attention_heads 5", "config.json"}, nil},
		{"eps", nil, set("layer_norm_eps", -1), []string{"layer_norm_eps"}, nil},
		{"type error", nil, set("hidden_size", "16"), []string{"hidden_size", "integer"}, nil},
		{"layers beyond the file", nil, set("num_hidden_layers", 3), []string{"bert.encoder.layer.2."}, ErrMissingTensor},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := rewrite(t, c.tensors, c.config)
			_, err := Load(backend(t), dir)
			if err == nil {
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
	if _, err := Load(backend(t), filepath.Join(t.TempDir(), "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("absent directory: %v", err)
	}
}

func TestForwardRejectsBadInput(t *testing.T) {
	m, err := Load(backend(t), filepath.Join("testdata", "tiny-bert"))
	if err != nil {
		t.Fatal(err)
	}
	v := int32(m.Config.VocabSize)
	cases := []struct {
		name string
		in   Input
		want string
	}{
		{"empty", Input{}, "empty batch"},
		{"too long", Input{Batch: 1, Length: 41, IDs: make([]int32, 41)}, "exceeds the 40 positions"},
		{"short ids", Input{Batch: 2, Length: 2, IDs: make([]int32, 3)}, "needs 4 ids"},
		{"id", Input{Batch: 1, Length: 2, IDs: []int32{3, v}}, fmt.Sprintf("token id %d (row 0, position 1)", v)},
		{"negative id", Input{Batch: 1, Length: 1, IDs: []int32{-1}}, "token id -1"},
		{"mask", Input{Batch: 1, Length: 1, IDs: []int32{3}, Mask: []int32{2}}, "attention mask value 2"},
		{"type", Input{Batch: 1, Length: 1, IDs: []int32{3}, TokenTypes: []int32{2}}, "token type 2"},
	}
	for _, c := range cases {
		if _, err := m.Forward(c.in, false); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := m.EncodeSequences([][]int32{{3}, {}}, 2); err == nil || !strings.Contains(err.Error(), "sequence 1 is empty") {
		t.Errorf("empty sequence: %v", err)
	}
	if _, err := m.EncodeSequences([][]int32{{3}}, 0); err == nil {
		t.Error("batch size 0: want error")
	}
}

// perturb adds a deterministic offset to every weight: a stand-in for
// fine-tuning, so that a saved model is not the fixture it came from.
func perturb(t *testing.T, m *Model) {
	t.Helper()
	k := 0
	for v := range m.Ctx.IterVariables() {
		val := v.MustValue()
		flat := tensors.MustCopyFlatData[float32](val)
		for i := range flat {
			flat[i] += 0.01 * float32(math.Sin(float64(k*7+i)))
		}
		v.MustSetValue(tensors.FromFlatDataAndDimensions(flat, val.Shape().Dimensions...))
		k++
	}
	m.mu.Lock()
	m.execs = nil // graphs hold no values, but rebuild to be safe
	m.mu.Unlock()
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, fx := range []string{"tiny-bert", "tiny-xlmr", "tiny-colbert"} {
		for _, opt := range []pretrained.SaveOptions{{}, {DType: safetensors.BF16, MaxShardBytes: 4096}} {
			t.Run(fmt.Sprintf("%s/%s/shard=%d", fx, opt.DType, opt.MaxShardBytes), func(t *testing.T) {
				m, err := Load(backend(t), filepath.Join("testdata", fx))
				if err != nil {
					t.Fatal(err)
				}
				perturb(t, m)
				dir := t.TempDir()
				if err := m.Save(dir, opt); err != nil {
					t.Fatal(err)
				}
				back, err := Load(backend(t), dir)
				if err != nil {
					t.Fatal(err)
				}
				if back.Config != m.Config || len(back.Ignored) != 0 {
					t.Fatalf("config %+v, want %+v; ignored %v", back.Config, m.Config, back.Ignored)
				}
				h1, _ := m.WeightsSHA256()
				h2, _ := back.WeightsSHA256()
				if (h1 == h2) != (opt.DType == "") {
					t.Errorf("identity after save: %s vs %s (dtype %q)", h1, h2, opt.DType)
				}
				in := loadReference(t, filepath.Join("testdata", fx)).input(t)
				a, err := m.Forward(in, true)
				if err != nil {
					t.Fatal(err)
				}
				b, err := back.Forward(in, true)
				if err != nil {
					t.Fatal(err)
				}
				bound := 0.0 // float32: bit-identical weights, same graph
				if opt.DType != "" {
					bound = 0.2 // BF16 rounding, as TestReducedPrecisionAgainstFloat32
				}
				for k := range a.Hidden {
					if d := maxAbsDiff(a.Hidden[k], b.Hidden[k]); d > bound {
						t.Errorf("hidden.%d after save/load differs by %g", k, d)
					}
				}
			})
		}
	}
}

func TestSavedModelMatchesPyTorch(t *testing.T) {
	// A fine-tuned (perturbed) model saved by Save, loaded back by the
	// PyTorch reference (testdata/hfref.py: its own safetensors reader and
	// forward pass), gives the Go model's outputs.
	py := "/usr/bin/python3"
	// find_spec looks for the module without importing it (seconds saved).
	if err := exec.Command(py, "-c", "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is None)").Run(); err != nil {
		t.Skip("python3-torch is not installed (apt-get install -y python3-torch): cannot run the PyTorch reference")
	}
	type job struct {
		fx, dir, in, out string
		got              *Output
	}
	var jobs []*job
	var args []string
	for _, fx := range []string{"tiny-bert", "tiny-xlmr", "tiny-colbert"} {
		m, err := Load(backend(t), filepath.Join("testdata", fx))
		if err != nil {
			t.Fatal(err)
		}
		perturb(t, m)
		j := &job{fx: fx, dir: t.TempDir(), in: filepath.Join(t.TempDir(), "in.safetensors"), out: filepath.Join(t.TempDir(), "out.safetensors")}
		if err := m.Save(j.dir, pretrained.SaveOptions{MaxShardBytes: 8192}); err != nil {
			t.Fatal(err)
		}
		in := loadReference(t, filepath.Join("testdata", fx)).input(t)
		var ts []safetensors.Tensor
		for name, v := range map[string][]int32{"ids": in.IDs, "attention_mask": in.Mask, "token_type_ids": in.TokenTypes} {
			raw := make([]byte, 4*len(v))
			for i, x := range v {
				binary.LittleEndian.PutUint32(raw[4*i:], uint32(x))
			}
			ts = append(ts, safetensors.Tensor{Name: name, DType: safetensors.I32, Shape: []int{in.Batch, in.Length}, Data: raw})
		}
		if err := safetensors.WriteFile(j.in, ts, nil); err != nil {
			t.Fatal(err)
		}
		if j.got, err = m.Forward(in, true); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
		args = append(args, j.dir, j.in, j.out)
	}
	cmd := exec.Command(py, append([]string{"testdata/hfref.py", "forward"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hfref.py: %v\n%s", err, out)
	}
	for _, j := range jobs {
		want, err := safetensors.Open(j.out)
		if err != nil {
			t.Fatal(err)
		}
		defer want.Close()
		for k, h := range j.got.Hidden {
			w, _, err := want.Float32(fmt.Sprintf("hidden.%d", k))
			if err != nil {
				t.Fatal(err)
			}
			d := maxAbsDiff(h, w)
			t.Logf("%s hidden.%d: max |Go − PyTorch| = %.2e", j.fx, k, d)
			if d > tol {
				t.Errorf("%s hidden.%d: saved model in PyTorch differs by %g", j.fx, k, d)
			}
		}
		if j.got.Projected != nil {
			w, _, err := want.Float32("projected")
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(j.got.Projected, w); d > tol {
				t.Errorf("%s projected: saved model in PyTorch differs by %g", j.fx, d)
			}
		}
	}
}

func TestNewRandomModel(t *testing.T) {
	cfg := Config{Arch: XLMRoBERTa, VocabSize: 50, Hidden: 8, Layers: 1, Heads: 2, FFN: 16, MaxPositions: 20,
		TypeVocabSize: 1, LayerNormEps: 1e-5, PadID: 1, ProjectionDim: 4}
	m, err := New(backend(t), cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Forward(Input{Batch: 1, Length: 3, IDs: []int32{0, 5, 2}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 3 { // projected vectors are unit length
		var s float64
		for _, v := range out.Projected[j*4 : (j+1)*4] {
			s += float64(v) * float64(v)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("token %d: squared norm %g", j, s)
		}
	}
	dir := t.TempDir()
	if err := m.Save(dir, pretrained.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	pc, _ := pretrained.ReadConfig(filepath.Join(dir, pretrained.ConfigFile))
	if a, _ := pc.Strings("architectures"); !slices.Equal(a, []string{"HF_ColBERT"}) {
		t.Errorf("architectures %v", a)
	}
	back, err := Load(backend(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Config != cfg {
		t.Errorf("config %+v, want %+v", back.Config, cfg)
	}
	h1, _ := m.WeightsSHA256()
	h2, _ := back.WeightsSHA256()
	if h1 != h2 {
		t.Errorf("identity changed by save/load")
	}
	bad := cfg
	bad.Heads = 3
	if _, err := New(backend(t), bad, 1); err == nil {
		t.Error("hidden 8 with 3 heads: want error")
	}
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Error(err)
	}
}
