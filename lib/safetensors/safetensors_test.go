package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// golden is testdata/dtypes.json, written by lib/bert/testdata/generate.py
// with PyTorch 1.13: float32 values and their bits after .half() and
// .bfloat16().
type golden struct {
	F32Bits  []uint32 `json:"f32_bits"`
	F16Bits  []uint16 `json:"f16_bits"`
	BF16Bits []uint16 `json:"bf16_bits"`
}

func readGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/dtypes.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestEncodeMatchesPyTorch(t *testing.T) {
	g := readGolden(t)
	for i, bits := range g.F32Bits {
		f := math.Float32frombits(bits)
		if got := Float32ToF16(f); got != g.F16Bits[i] {
			t.Errorf("Float32ToF16(%g) = %#04x, PyTorch %#04x", f, got, g.F16Bits[i])
		}
		if got := Float32ToBF16(f); got != g.BF16Bits[i] {
			t.Errorf("Float32ToBF16(%g) = %#04x, PyTorch %#04x", f, got, g.BF16Bits[i])
		}
	}
}

func TestF16Exhaustive(t *testing.T) {
	// Every half value converts to float32 and back to the same bits (NaNs
	// to the quiet NaN); spot values from the IEEE 754 binary16 table.
	for h := 0; h < 1<<16; h++ {
		f := F16ToFloat32(uint16(h))
		back := Float32ToF16(f)
		if math.IsNaN(float64(f)) {
			if back&0x7fff != 0x7e00 {
				t.Fatalf("NaN %#04x -> %#04x, want quiet NaN", h, back)
			}
			continue
		}
		if back != uint16(h) {
			t.Fatalf("%#04x -> %g -> %#04x", h, f, back)
		}
	}
	for _, c := range []struct {
		h    uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08}, {0x0400, 6.103515625e-05},
		{0x3555, 0.333251953125}, {0x7c00, float32(math.Inf(1))}, {0x8000, float32(math.Copysign(0, -1))},
	} {
		if got := F16ToFloat32(c.h); got != c.want || math.Signbit(float64(got)) != math.Signbit(float64(c.want)) {
			t.Errorf("F16ToFloat32(%#04x) = %g, want %g", c.h, got, c.want)
		}
	}
}

func TestReadPyTorchFile(t *testing.T) {
	g := readGolden(t)
	f, err := Open("testdata/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantNames := []string{"bf16", "empty", "f16", "f32", "f64", "i32", "i64", "matrix", "nan", "scalar"}
	if got := f.Names(); !slices.Equal(got, wantNames) {
		t.Fatalf("names %v, want %v", got, wantNames)
	}
	if md := f.Metadata(); md["format"] != "pt" || md["note"] != "golden" {
		t.Fatalf("metadata %v", md)
	}
	f32, info, err := f.Float32("f32")
	if err != nil {
		t.Fatal(err)
	}
	if info.DType != F32 || !slices.Equal(info.Shape, []int{len(g.F32Bits)}) {
		t.Fatalf("f32 info %+v", info)
	}
	f16, _, err := f.Float32("f16")
	if err != nil {
		t.Fatal(err)
	}
	bf16, _, err := f.Float32("bf16")
	if err != nil {
		t.Fatal(err)
	}
	for i, bits := range g.F32Bits {
		if math.Float32bits(f32[i]) != bits {
			t.Errorf("f32[%d] = %g, want bits %#08x", i, f32[i], bits)
		}
		if want := F16ToFloat32(g.F16Bits[i]); f16[i] != want {
			t.Errorf("f16[%d] = %g, want %g", i, f16[i], want)
		}
		if want := math.Float32frombits(uint32(g.BF16Bits[i]) << 16); bf16[i] != want {
			t.Errorf("bf16[%d] = %g, want %g", i, bf16[i], want)
		}
	}
	f64, _, err := f.Float32("f64")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f64, f32[:4]) { // f64 = f32[:4].double(): exact both ways
		t.Errorf("f64 %v, want %v", f64, f32[:4])
	}
	m, info, err := f.Float32("matrix")
	if err != nil || !slices.Equal(m, []float32{0, 1, 2, 3, 4, 5}) || !slices.Equal(info.Shape, []int{2, 3}) {
		t.Errorf("matrix %v %+v %v", m, info, err)
	}
	s, info, err := f.Float32("scalar")
	if err != nil || len(s) != 1 || s[0] != 4 || len(info.Shape) != 0 {
		t.Errorf("scalar %v %+v %v", s, info, err)
	}
	e, info, err := f.Float32("empty")
	if err != nil || len(e) != 0 || !slices.Equal(info.Shape, []int{0, 3}) {
		t.Errorf("empty %v %+v %v", e, info, err)
	}
	n, _, err := f.Float32("nan")
	if err != nil || !math.IsNaN(float64(n[0])) {
		t.Errorf("nan %v %v", n, err)
	}
	info, raw, err := f.Raw("i64")
	if err != nil || info.DType != I64 || len(raw) != 5*8 || int64(binary.LittleEndian.Uint64(raw)) != -2 {
		t.Errorf("i64 %+v %v %v", info, raw, err)
	}
	if _, _, err := f.Float32("i64"); err == nil || !strings.Contains(err.Error(), `"i64"`) {
		t.Errorf("Float32 of I64: %v, want an error naming the tensor", err)
	}
	if _, _, err := f.Float32("missing"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "dtypes.safetensors") {
		t.Errorf("missing tensor: %v", err)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	values := []float32{0, 1, -1.5, 3.14159, 1e-3, -65504, 1e-7}
	cases := []struct {
		dt  DType
		tol float64 // relative rounding of the type: 2^-24, 2^-11, 2^-8
	}{{F32, 0}, {F16, 1.0 / 2048}, {BF16, 1.0 / 256}}
	for _, c := range cases {
		t.Run(string(c.dt), func(t *testing.T) {
			a, err := FromFloat32("layer.weight", c.dt, []int{7}, values)
			if err != nil {
				t.Fatal(err)
			}
			b, err := FromFloat32("a.scalar", c.dt, nil, []float32{2})
			if err != nil {
				t.Fatal(err)
			}
			empty, err := FromFloat32("z.empty", c.dt, []int{2, 0}, nil)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := WriteFile(path, []Tensor{a, b, empty}, map[string]string{"format": "pt"}); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			if n := binary.LittleEndian.Uint64(raw); n%8 != 0 {
				t.Errorf("header length %d not a multiple of 8", n)
			}
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.Names(); !slices.Equal(got, []string{"a.scalar", "layer.weight", "z.empty"}) {
				t.Fatalf("names %v", got)
			}
			got, info, err := f.Float32("layer.weight")
			if err != nil {
				t.Fatal(err)
			}
			if info.DType != c.dt {
				t.Fatalf("dtype %s", info.DType)
			}
			for i, v := range values {
				if d := math.Abs(float64(got[i] - v)); d > c.tol*math.Abs(float64(v))+1e-7 {
					t.Errorf("value %d: %g, wrote %g", i, got[i], v)
				}
			}
			if s, info, _ := f.Float32("a.scalar"); len(s) != 1 || s[0] != 2 || len(info.Shape) != 0 {
				t.Errorf("scalar %v %+v", s, info)
			}
		})
	}
}

// file builds a safetensors file from a header string and a data length.
func file(header string, data int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, data))
	return b.Bytes()
}

func TestMalformed(t *testing.T) {
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, MaxHeaderSize+1)
	cases := []struct {
		name, want string
		content    []byte
	}{
		{"empty file", "shorter than the 8-byte header length", nil},
		{"header past end", "runs past the end", file(`{}`, 0)[:9]},
		{"header too large", "exceeds", huge},
		{"not JSON", "header JSON", file(`{"a":`, 0)},
		{"not an object", "not a JSON object", file(`[1]`, 0)},
		{"unknown dtype", `unknown dtype "F8"`, file(`{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, 1)},
		{"no shape", "no shape", file(`{"a":{"dtype":"F32","data_offsets":[0,0]}}`, 0)},
		{"negative dim", "negative dimension", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0)},
		{"out of bounds", "outside the 4-byte data buffer", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4)},
		{"size mismatch", "needs 8 bytes", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4)},
		{"overlap", "overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8)},
		{"hole", "hole", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8)},
		{"trailing data", "after the last tensor", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 8)},
		{"bad metadata", "__metadata__", file(`{"__metadata__":{"a":1}}`, 0)},
		{"unknown field", `unknown field "offsets"`, file(`{"a":{"dtype":"F32","shape":[1],"offsets":[0,4]}}`, 4)},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, c.content, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err == nil {
				f.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q, want it to name %s and contain %q", err, path, c.want)
			}
		})
	}
	if _, err := Open(filepath.Join(dir, "absent.safetensors")); err == nil || !strings.Contains(err.Error(), "absent.safetensors") {
		t.Errorf("absent file: %v", err)
	}
}

func TestWriteRejects(t *testing.T) {
	ok, _ := FromFloat32("a", F32, []int{1}, []float32{1})
	cases := []struct {
		name string
		ts   []Tensor
		want string
	}{
		{"duplicate", []Tensor{ok, ok}, "given twice"},
		{"empty name", []Tensor{{Name: "", DType: F32, Shape: []int{0}}}, "invalid tensor name"},
		{"metadata name", []Tensor{{Name: "__metadata__", DType: F32, Shape: []int{0}}}, "invalid tensor name"},
		{"short data", []Tensor{{Name: "b", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}, "needs 8 bytes"},
		{"bad dtype", []Tensor{{Name: "b", DType: "X", Shape: []int{0}}}, "unknown dtype"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := WriteFile(filepath.Join(t.TempDir(), "x.safetensors"), c.ts, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	if _, err := FromFloat32("a", F32, []int{2}, []float32{1}); err == nil {
		t.Error("FromFloat32 with a short slice: want error")
	}
	if _, err := EncodeFloat32(I64, nil); err == nil {
		t.Error("EncodeFloat32(I64): want error")
	}
}

func TestSharded(t *testing.T) {
	dir := t.TempDir()
	var ts []Tensor
	for i := range 5 {
		v := make([]float32, 10)
		for j := range v {
			v[j] = float32(i*10 + j)
		}
		tt, _ := FromFloat32(fmt.Sprintf("t%d", i), F32, []int{2, 5}, v)
		ts = append(ts, tt)
	}
	// 40 bytes per tensor, at most 100 bytes per shard: 2 + 2 + 1 tensors.
	names, err := WriteSharded(dir, ts, 100, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{ShardName(0, 3), ShardName(1, 3), ShardName(2, 3)}; !slices.Equal(names, want) {
		t.Fatalf("shards %v, want %v", names, want)
	}
	s, err := OpenSharded(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Names(); !slices.Equal(got, []string{"t0", "t1", "t2", "t3", "t4"}) {
		t.Fatalf("names %v", got)
	}
	v, _, err := s.Float32("t3")
	if err != nil || v[9] != 39 {
		t.Fatalf("t3 %v %v", v, err)
	}
	if got := s.FileOf("t4"); filepath.Base(got) != "model-00003-of-00003.safetensors" {
		t.Fatalf("t4 in %s", got)
	}
	s.Close()

	idx, err := ReadIndex(filepath.Join(dir, IndexFile))
	if err != nil || idx.Metadata["total_size"] != float64(200) {
		t.Fatalf("index %+v %v", idx, err)
	}
	bad := func(weightMap string) string {
		p := filepath.Join(dir, "bad.index.json")
		os.WriteFile(p, []byte(`{"metadata":{},"weight_map":`+weightMap+`}`), 0o644)
		_, err := OpenSharded(p)
		if err == nil {
			t.Fatalf("weight map %s: no error", weightMap)
		}
		return err.Error()
	}
	if e := bad(`{"t0":"model-00002-of-00003.safetensors"}`); !strings.Contains(e, "does not hold it") {
		t.Errorf("tensor in the wrong shard: %s", e)
	}
	if e := bad(`{"t0":"gone.safetensors"}`); !strings.Contains(e, "gone.safetensors") {
		t.Errorf("missing shard: %s", e)
	}
	if e := bad(`{"t0":"../x.safetensors"}`); !strings.Contains(e, "not a file name") {
		t.Errorf("path in shard name: %s", e)
	}
	if e := bad(`{}`); !strings.Contains(e, "no weight_map") {
		t.Errorf("empty map: %s", e)
	}
}

func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	w, _ := FromFloat32("linear.weight", BF16, []int{2, 2}, []float32{1, 0.1, -3, 1e-3})
	if err := WriteFile(path, []Tensor{w}, map[string]string{"format": "pt"}); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := Open(path)
	defer f.Close()
	v, info, _ := f.Float32("linear.weight") // PyTorch: [1, 0.10009765625, -3, 0.00099945068359375]
	fmt.Println(info.DType, info.Shape, v)
	// Output: BF16 [2 2] [1 0.100097656 -3 0.0009994507]
}
