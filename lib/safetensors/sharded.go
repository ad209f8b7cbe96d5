package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// IndexFile is the conventional name of a sharded checkpoint's index.
const IndexFile = "model.safetensors.index.json"

// SingleFile is the conventional name of an unsharded checkpoint.
const SingleFile = "model.safetensors"

// Index is a sharded checkpoint's index: the shard file of every tensor.
type Index struct {
	Metadata  map[string]any    `json:"metadata"`
	WeightMap map[string]string `json:"weight_map"`
}

// ReadIndex reads and checks an index file: every shard name must be a
// plain file name in the index's folder.
func ReadIndex(path string) (*Index, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("safetensors: %s: no weight_map", path)
	}
	for name, shard := range idx.WeightMap {
		if shard == "" || filepath.Base(shard) != shard || shard == "." || shard == ".." {
			return nil, fmt.Errorf("safetensors: %s: tensor %q: shard %q is not a file name in the index's folder", path, name, shard)
		}
	}
	return &idx, nil
}

// Sharded is an open sharded checkpoint: the union of its shard files.
type Sharded struct {
	index string
	files map[string]*File // by shard file name
	where map[string]*File // by tensor name
	names []string
}

// OpenSharded opens the index at indexPath and every shard it names, and
// checks that each tensor of the weight map is in its shard.
func OpenSharded(indexPath string) (*Sharded, error) {
	idx, err := ReadIndex(indexPath)
	if err != nil {
		return nil, err
	}
	s := &Sharded{index: indexPath, files: map[string]*File{}, where: map[string]*File{}}
	dir := filepath.Dir(indexPath)
	for name, shard := range idx.WeightMap {
		f := s.files[shard]
		if f == nil {
			if f, err = Open(filepath.Join(dir, shard)); err != nil {
				s.Close()
				return nil, fmt.Errorf("%w (named by %s)", err, indexPath)
			}
			s.files[shard] = f
		}
		if _, ok := f.Info(name); !ok {
			s.Close()
			return nil, fmt.Errorf("%w: %q: %s names %s, which does not hold it", ErrNotFound, name, indexPath, f.Path())
		}
		s.where[name] = f
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	return s, nil
}

// Names lists the tensors of the weight map in name order.
func (s *Sharded) Names() []string { return slices.Clone(s.names) }

// Info describes tensor name.
func (s *Sharded) Info(name string) (Info, bool) {
	f, ok := s.where[name]
	if !ok {
		return Info{}, false
	}
	return f.Info(name)
}

// FileOf is the path of the shard holding name ("" if none).
func (s *Sharded) FileOf(name string) string {
	if f, ok := s.where[name]; ok {
		return f.Path()
	}
	return ""
}

// Raw returns a view of the tensor's bytes in its shard (see File.Raw).
func (s *Sharded) Raw(name string) (Info, []byte, error) {
	f, ok := s.where[name]
	if !ok {
		return Info{}, nil, fmt.Errorf("%w: %q in %s", ErrNotFound, name, s.index)
	}
	return f.Raw(name)
}

// Float32 returns a float32 copy of a floating-point tensor.
func (s *Sharded) Float32(name string) ([]float32, Info, error) {
	f, ok := s.where[name]
	if !ok {
		return nil, Info{}, fmt.Errorf("%w: %q in %s", ErrNotFound, name, s.index)
	}
	return f.Float32(name)
}

// Close closes every shard.
func (s *Sharded) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	s.files, s.where = nil, nil
	return errors.Join(errs...)
}

// ShardName is the file name of shard i (0-based) of n, as HuggingFace
// names them: model-00001-of-00003.safetensors.
func ShardName(i, n int) string { return fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, n) }

// WriteSharded writes tensors into dir as shards of at most maxShardBytes
// of data each (a tensor larger than that gets a shard of its own), filled
// in the order given, plus IndexFile. It returns the shard file names. Each
// file is written atomically; the index last.
func WriteSharded(dir string, ts []Tensor, maxShardBytes int64, metadata map[string]string) ([]string, error) {
	if maxShardBytes <= 0 {
		return nil, fmt.Errorf("safetensors: shard size %d must be positive", maxShardBytes)
	}
	var groups [][]Tensor
	var size, total int64
	for _, t := range ts {
		n := int64(len(t.Data))
		if len(groups) == 0 || (size+n > maxShardBytes && size > 0) {
			groups = append(groups, nil)
			size = 0
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], t)
		size += n
		total += n
	}
	if len(groups) == 0 {
		return nil, errors.New("safetensors: no tensors to write")
	}
	idx := Index{Metadata: map[string]any{"total_size": total}, WeightMap: map[string]string{}}
	var names []string
	for i, g := range groups {
		name := ShardName(i, len(groups))
		for _, t := range g {
			if _, dup := idx.WeightMap[t.Name]; dup {
				return nil, fmt.Errorf("safetensors: tensor %q given twice", t.Name)
			}
			idx.WeightMap[t.Name] = name
		}
		if err := WriteFile(filepath.Join(dir, name), g, metadata); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	err = writeAtomic(filepath.Join(dir, IndexFile), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
	return names, err
}

// Reader is what File and Sharded have in common.
type Reader interface {
	Names() []string
	Info(name string) (Info, bool)
	Raw(name string) (Info, []byte, error)
	Float32(name string) ([]float32, Info, error)
	Close() error
}

var (
	_ Reader = (*File)(nil)
	_ Reader = (*Sharded)(nil)
)
