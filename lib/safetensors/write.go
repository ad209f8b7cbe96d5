package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/otclir/otclir/lib/atomicfile"
)

// Tensor is a tensor to write: raw little-endian row-major data of the given
// type and shape.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// FromFloat32 encodes float32 values as a Tensor of type dt (F32, F16 or BF16).
func FromFloat32(name string, dt DType, shape []int, values []float32) (Tensor, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(values) {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: shape %v holds %d values, got %d", name, shape, n, len(values))
	}
	data, err := EncodeFloat32(dt, values)
	if err != nil {
		return Tensor{}, err
	}
	return Tensor{Name: name, DType: dt, Shape: slices.Clone(shape), Data: data}, nil
}

// header builds the padded JSON header for tensors in name order.
func header(ts []Tensor, metadata map[string]string) ([]byte, []Tensor, error) {
	sorted := slices.Clone(ts)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	entries := make(map[string]any, len(ts)+1)
	var off int64
	for i, t := range sorted {
		if t.Name == "" || t.Name == "__metadata__" {
			return nil, nil, fmt.Errorf("invalid tensor name %q", t.Name)
		}
		if i > 0 && sorted[i-1].Name == t.Name {
			return nil, nil, fmt.Errorf("tensor %q given twice", t.Name)
		}
		if t.DType.Size() == 0 {
			return nil, nil, fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
		}
		n := int64(t.DType.Size())
		for _, d := range t.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			n *= int64(d)
		}
		if n != int64(len(t.Data)) {
			return nil, nil, fmt.Errorf("tensor %q: %s %v needs %d bytes, got %d", t.Name, t.DType, t.Shape, n, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		entries[t.Name] = headerEntry{DType: t.DType, Shape: shape, DataOffsets: [2]int64{off, off + n}}
		off += n
	}
	if len(metadata) > 0 {
		entries["__metadata__"] = metadata
	}
	h, err := json.Marshal(entries) // map keys in sorted order: deterministic
	if err != nil {
		return nil, nil, err
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	return h, sorted, nil
}

// Write writes tensors (in name order) and metadata in safetensors format.
func Write(w io.Writer, ts []Tensor, metadata map[string]string) error {
	h, sorted, err := header(ts, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(h)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	for _, t := range sorted {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes a safetensors file atomically: a temporary file in the
// same folder, fsync, rename.
func WriteFile(path string, ts []Tensor, metadata map[string]string) error {
	return writeAtomic(path, func(w io.Writer) error { return Write(w, ts, metadata) })
}

// writeAtomic writes path atomically (lib/atomicfile: a temporary file in
// the same folder, fsync, rename, folder fsync) through a buffer.
func writeAtomic(path string, write func(io.Writer) error) error {
	err := atomicfile.WriteWith(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	return nil
}
