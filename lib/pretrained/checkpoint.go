package pretrained

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/otclir/otclir/lib/safetensors"
)

// Weight file names, in the order Open looks for them.
const (
	SafetensorsFile  = safetensors.SingleFile // model.safetensors
	SafetensorsIndex = safetensors.IndexFile  // model.safetensors.index.json
	TorchFile        = "pytorch_model.bin"
	TorchIndex       = "pytorch_model.bin.index.json"
)

// Format is the weight layout of a checkpoint.
type Format string

// The layouts Open reads.
const (
	FormatSafetensors        Format = "safetensors"
	FormatSafetensorsSharded Format = "safetensors-sharded"
	FormatTorch              Format = "pytorch"
	FormatTorchSharded       Format = "pytorch-sharded"
)

// ErrNoCheckpoint is returned (wrapped, naming the directory) when a
// directory lacks config.json or weights.
var ErrNoCheckpoint = errors.New("pretrained: not a HuggingFace checkpoint directory")

// ErrNoTensor is returned (wrapped, naming the tensor and directory) for a
// tensor the checkpoint does not hold.
var ErrNoTensor = errors.New("pretrained: tensor not found")

// TensorInfo describes one tensor of a checkpoint.
type TensorInfo struct {
	Name  string
	DType safetensors.DType
	Shape []int
	// File is the weight file holding the tensor.
	File string
}

// NumElements is the product of the shape.
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Checkpoint is an open checkpoint directory.
type Checkpoint struct {
	Dir    string
	Config *Config
	Format Format
	// Files are the weight files, in the directory.
	Files []string

	st    safetensors.Reader    // safetensors formats
	torch map[string]*torchFile // PyTorch formats: file of each tensor
	names []string
}

// Open reads dir's config.json and opens its weights (see the package doc
// for the order of preference).
func Open(dir string) (*Checkpoint, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNoCheckpoint, dir)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(cfgPath); err != nil {
		return nil, fmt.Errorf("%w: %s has no %s", ErrNoCheckpoint, dir, ConfigFile)
	}
	cfg, err := ReadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{Dir: dir, Config: cfg}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	switch {
	case exists(SafetensorsFile):
		f, err := safetensors.Open(filepath.Join(dir, SafetensorsFile))
		if err != nil {
			return nil, err
		}
		c.Format, c.st, c.Files = FormatSafetensors, f, []string{SafetensorsFile}
		c.names = f.Names()
	case exists(SafetensorsIndex):
		s, err := safetensors.OpenSharded(filepath.Join(dir, SafetensorsIndex))
		if err != nil {
			return nil, err
		}
		c.Format, c.st = FormatSafetensorsSharded, s
		c.names = s.Names()
		c.Files = filesOf(c.names, func(n string) string { return filepath.Base(s.FileOf(n)) })
	case exists(TorchFile):
		tf, err := loadTorch(filepath.Join(dir, TorchFile))
		if err != nil {
			return nil, err
		}
		c.Format, c.Files = FormatTorch, []string{TorchFile}
		c.torch = map[string]*torchFile{}
		for _, n := range tf.names() {
			c.torch[n] = tf
		}
		c.names = tf.names()
	case exists(TorchIndex):
		if err := c.openTorchShards(filepath.Join(dir, TorchIndex)); err != nil {
			return nil, err
		}
	default:
		other := ""
		for _, n := range []string{"tf_model.h5", "flax_model.msgpack", "model.ckpt.index"} {
			if exists(n) {
				other = fmt.Sprintf(" (%s: TensorFlow and Flax weights are not supported)", n)
			}
		}
		return nil, fmt.Errorf("%w: %s has no weights: none of %s, %s, %s, %s%s",
			ErrNoCheckpoint, dir, SafetensorsFile, SafetensorsIndex, TorchFile, TorchIndex, other)
	}
	return c, nil
}

func filesOf(names []string, file func(string) string) []string {
	var out []string
	for _, n := range names {
		if f := file(n); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

func (c *Checkpoint) openTorchShards(indexPath string) error {
	b, err := os.ReadFile(indexPath)
	if err != nil {
		return fmt.Errorf("pretrained: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return fmt.Errorf("pretrained: %s: %w", indexPath, err)
	}
	if len(idx.WeightMap) == 0 {
		return fmt.Errorf("pretrained: %s: no weight_map", indexPath)
	}
	c.Format, c.torch = FormatTorchSharded, map[string]*torchFile{}
	loaded := map[string]*torchFile{}
	for name, shard := range idx.WeightMap {
		if shard == "" || filepath.Base(shard) != shard || shard == ".." {
			return fmt.Errorf("pretrained: %s: tensor %q: shard %q is not a file name in the index's folder", indexPath, name, shard)
		}
		tf := loaded[shard]
		if tf == nil {
			if tf, err = loadTorch(filepath.Join(c.Dir, shard)); err != nil {
				return fmt.Errorf("%w (named by %s)", err, indexPath)
			}
			loaded[shard] = tf
		}
		if _, ok := tf.tensors[name]; !ok {
			return fmt.Errorf("%w: %q: %s names %s, which does not hold it", ErrNoTensor, name, indexPath, tf.path)
		}
		c.torch[name] = tf
		c.names = append(c.names, name)
	}
	sort.Strings(c.names)
	c.Files = filesOf(c.names, func(n string) string { return filepath.Base(c.torch[n].path) })
	return nil
}

// Names lists the checkpoint's tensors in name order.
func (c *Checkpoint) Names() []string { return slices.Clone(c.names) }

// Info describes tensor name.
func (c *Checkpoint) Info(name string) (TensorInfo, bool) {
	if c.st != nil {
		in, ok := c.st.Info(name)
		if !ok {
			return TensorInfo{}, false
		}
		file := filepath.Join(c.Dir, SafetensorsFile)
		if s, ok := c.st.(*safetensors.Sharded); ok {
			file = s.FileOf(name)
		}
		return TensorInfo{Name: name, DType: in.DType, Shape: in.Shape, File: file}, true
	}
	if tf, ok := c.torch[name]; ok {
		return tf.info(name)
	}
	return TensorInfo{}, false
}

// Float32 returns a new float32 copy of a floating-point tensor, row-major.
func (c *Checkpoint) Float32(name string) ([]float32, TensorInfo, error) {
	info, ok := c.Info(name)
	if !ok {
		return nil, TensorInfo{}, fmt.Errorf("%w: %q in %s", ErrNoTensor, name, c.Dir)
	}
	if c.st != nil {
		v, _, err := c.st.Float32(name)
		return v, info, err
	}
	v, err := c.torch[name].float32(name)
	return v, info, err
}

// Close releases the weight files (unmaps safetensors files).
func (c *Checkpoint) Close() error {
	if c.st != nil {
		err := c.st.Close()
		c.st = nil
		return err
	}
	c.torch = nil
	return nil
}
