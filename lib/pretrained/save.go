package pretrained

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"

	"github.com/otclir/otclir/lib/atomicfile"

	"github.com/otclir/otclir/lib/safetensors"
)

// Tensor is a named float32 tensor, row-major.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// SaveOptions chooses the stored element type and sharding.
type SaveOptions struct {
	// DType is safetensors.F32 (default), F16 or BF16.
	DType safetensors.DType
	// MaxShardBytes > 0 splits the weights into shards of at most that
	// much data plus model.safetensors.index.json; 0 writes model.safetensors.
	MaxShardBytes int64
}

var torchDTypes = map[safetensors.DType]string{safetensors.F32: "float32", safetensors.F16: "float16", safetensors.BF16: "bfloat16"}

var shardPattern = regexp.MustCompile(`^model-\d{5}-of-\d{5}\.safetensors$`)

// Save writes cfg and tensors (in the order given, for sharding) to dir in
// HuggingFace layout. cfg's torch_dtype is set from opt.DType; cfg itself is
// not modified. Every file is written atomically.
func Save(dir string, cfg *Config, tensors []Tensor, opt SaveOptions) error {
	if opt.DType == "" {
		opt.DType = safetensors.F32
	}
	torchDType, ok := torchDTypes[opt.DType]
	if !ok {
		return fmt.Errorf("pretrained: cannot save weights as %q (want F32, F16 or BF16)", opt.DType)
	}
	if len(tensors) == 0 {
		return fmt.Errorf("pretrained: saving %s: no tensors", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("pretrained: %w", err)
	}
	sharded := opt.MaxShardBytes > 0
	if err := checkLayout(dir, sharded); err != nil {
		return err
	}
	st := make([]safetensors.Tensor, len(tensors))
	for i, t := range tensors {
		var err error
		if st[i], err = safetensors.FromFloat32(t.Name, opt.DType, t.Shape, t.Data); err != nil {
			return fmt.Errorf("pretrained: saving %s: %w", dir, err)
		}
	}
	c := cfg.Clone()
	if err := c.Set("torch_dtype", torchDType); err != nil {
		return err
	}
	b, err := c.Marshal()
	if err != nil {
		return err
	}
	// transformers refuses safetensors files whose metadata lacks format=pt.
	meta := map[string]string{"format": "pt"}
	if sharded {
		names, err := safetensors.WriteSharded(dir, st, opt.MaxShardBytes, meta)
		if err != nil {
			return fmt.Errorf("pretrained: %w", err)
		}
		if err := removeStaleShards(dir, names); err != nil {
			return err
		}
	} else if err := safetensors.WriteFile(filepath.Join(dir, SafetensorsFile), st, meta); err != nil {
		return fmt.Errorf("pretrained: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, ConfigFile), b)
}

// checkLayout refuses a directory holding weights of another layout than the
// one about to be written.
func checkLayout(dir string, sharded bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pretrained: %w", err)
	}
	var other []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case n == TorchFile || n == TorchIndex || (len(n) > 14 && n[:14] == "pytorch_model-"):
			other = append(other, n)
		case n == SafetensorsFile && sharded:
			other = append(other, n)
		case (n == SafetensorsIndex || shardPattern.MatchString(n)) && !sharded:
			other = append(other, n)
		}
	}
	if len(other) > 0 {
		return fmt.Errorf("pretrained: saving into %s: it holds weights of another layout (%v); use an empty directory", dir, other)
	}
	return nil
}

func removeStaleShards(dir string, keep []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pretrained: %w", err)
	}
	for _, e := range entries {
		if n := e.Name(); shardPattern.MatchString(n) && !slices.Contains(keep, n) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("pretrained: removing stale shard: %w", err)
			}
		}
	}
	return nil
}

// writeFileAtomic writes data to path atomically (lib/atomicfile).
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("pretrained: writing %s: %w", path, err)
	}
	return nil
}

// TokenizerFiles are the tokenizer files of HuggingFace checkpoints that
// CopyTokenizerFiles copies.
var TokenizerFiles = []string{
	"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
	"vocab.txt", "sentencepiece.bpe.model", "spiece.model", "vocab.json", "merges.txt",
}

// CopyTokenizerFiles copies the TokenizerFiles present in src to dst and
// returns their names; it is an error if src has none.
func CopyTokenizerFiles(src, dst string) ([]string, error) {
	var copied []string
	for _, n := range TokenizerFiles {
		b, err := os.ReadFile(filepath.Join(src, n))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pretrained: %w", err)
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return nil, fmt.Errorf("pretrained: %w", err)
		}
		if err := writeFileAtomic(filepath.Join(dst, n), b); err != nil {
			return nil, err
		}
		copied = append(copied, n)
	}
	if len(copied) == 0 {
		return nil, fmt.Errorf("pretrained: %s has no tokenizer files (%v)", src, TokenizerFiles)
	}
	return copied, nil
}

// weightsHashVersion starts the hashed stream, so that a future change of
// the encoding cannot collide with this one.
const weightsHashVersion = "otclir-weights-sha256-v1\n"

// WeightsSHA256 is the hex SHA-256 identity of a set of weights: over the
// tensors sorted by name, each as its name's length (uint64) and bytes, its
// rank and dimensions, its number of values (uint64 each), then its float32
// values (IEEE bits), all little-endian, after a version line. The order the tensors are given
// in does not matter; names, shapes and every bit of every value do.
func WeightsSHA256(tensors []Tensor) string {
	sorted := slices.Clone(tensors)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := sha256.New()
	io.WriteString(h, weightsHashVersion)
	var u [8]byte
	putInt := func(v int) {
		binary.LittleEndian.PutUint64(u[:], uint64(v))
		h.Write(u[:])
	}
	buf := make([]byte, 0, 1<<16)
	for _, t := range sorted {
		putInt(len(t.Name))
		io.WriteString(h, t.Name)
		putInt(len(t.Shape))
		for _, d := range t.Shape {
			putInt(d)
		}
		putInt(len(t.Data))
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
		}
		h.Write(buf)
		buf = buf[:0]
	}
	return hex.EncodeToString(h.Sum(nil))
}
