package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// DType is a safetensors element type, spelled as in the header ("F32").
type DType string

// The element types this package knows. Only F32, F16, BF16 and F64 convert
// to float32; the others can be read raw.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U8   DType = "U8"
	BOOL DType = "BOOL"
)

var dtypeSizes = map[DType]int{F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1}

// Size is the number of bytes of one element, 0 for an unknown type.
func (d DType) Size() int { return dtypeSizes[d] }

// IsFloat reports whether Float32 can convert tensors of this type.
func (d DType) IsFloat() bool { return d == F64 || d == F32 || d == F16 || d == BF16 }

// MaxHeaderSize is the largest header accepted (the reference
// implementation's limit, 100 MB).
const MaxHeaderSize = 100_000_000

// ErrNotFound is returned (wrapped, naming the tensor and file) for a tensor
// the file does not hold.
var ErrNotFound = errors.New("safetensors: tensor not found")

// Info describes one tensor of a file.
type Info struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are the byte offsets of the tensor in the data buffer.
	Begin, End int64
}

// NumElements is the product of the shape (1 for a scalar).
func (i Info) NumElements() int {
	n := 1
	for _, d := range i.Shape {
		n *= d
	}
	return n
}

// File is an open (memory-mapped) safetensors file.
type File struct {
	path     string
	mapped   []byte // whole file
	data     []byte // data buffer, after the header
	infos    map[string]Info
	names    []string
	metadata map[string]string
	unmap    func() error
}

type headerEntry struct {
	DType       DType    `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Open memory-maps path and validates its header.
func Open(path string) (*File, error) {
	mapped, unmap, err := mapFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f := &File{path: path, mapped: mapped, unmap: unmap}
	if err := f.parse(); err != nil {
		_ = unmap()
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return f, nil
}

func (f *File) parse() error {
	if len(f.mapped) < 8 {
		return fmt.Errorf("file of %d bytes is shorter than the 8-byte header length", len(f.mapped))
	}
	n := binary.LittleEndian.Uint64(f.mapped[:8])
	if n > MaxHeaderSize {
		return fmt.Errorf("header length %d exceeds %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(f.mapped)-8) {
		return fmt.Errorf("header length %d runs past the end of the file (%d bytes)", n, len(f.mapped))
	}
	header := f.mapped[8 : 8+n]
	f.data = f.mapped[8+n:]
	if len(bytes.TrimSpace(header)) == 0 || bytes.TrimLeft(header, " ")[0] != '{' {
		return errors.New("header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(header))
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("header JSON: %w", err)
	}
	f.infos = make(map[string]Info, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.metadata); err != nil {
				return fmt.Errorf("__metadata__ must map strings to strings: %w", err)
			}
			continue
		}
		var e headerEntry
		d := json.NewDecoder(bytes.NewReader(msg))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		info, err := checkEntry(name, e, int64(len(f.data)))
		if err != nil {
			return err
		}
		f.infos[name] = info
		f.names = append(f.names, name)
	}
	sort.Strings(f.names)
	return checkTiling(f.infos, int64(len(f.data)))
}

func checkEntry(name string, e headerEntry, dataLen int64) (Info, error) {
	size := e.DType.Size()
	if size == 0 {
		return Info{}, fmt.Errorf("tensor %q: unknown dtype %q", name, e.DType)
	}
	if e.Shape == nil {
		return Info{}, fmt.Errorf("tensor %q: no shape", name)
	}
	n := int64(size)
	for _, d := range e.Shape {
		if d < 0 {
			return Info{}, fmt.Errorf("tensor %q: negative dimension in shape %v", name, e.Shape)
		}
		if d > 0 && n > math.MaxInt64/int64(d) {
			return Info{}, fmt.Errorf("tensor %q: shape %v overflows", name, e.Shape)
		}
		n *= int64(d)
	}
	b, end := e.DataOffsets[0], e.DataOffsets[1]
	if b < 0 || end < b || end > dataLen {
		return Info{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] outside the %d-byte data buffer", name, b, end, dataLen)
	}
	if end-b != n {
		return Info{}, fmt.Errorf("tensor %q: %s %v needs %d bytes, data_offsets [%d, %d] hold %d", name, e.DType, e.Shape, n, b, end, end-b)
	}
	return Info{Name: name, DType: e.DType, Shape: slices.Clone(e.Shape), Begin: b, End: end}, nil
}

// checkTiling verifies that the tensors cover the data buffer exactly, as
// the format requires (no overlap, no hole).
func checkTiling(infos map[string]Info, dataLen int64) error {
	list := make([]Info, 0, len(infos))
	for _, in := range infos {
		list = append(list, in)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Begin != list[j].Begin {
			return list[i].Begin < list[j].Begin
		}
		return list[i].End < list[j].End
	})
	var at int64
	for _, in := range list {
		if in.Begin == in.End && in.Begin <= at {
			continue // empty tensor
		}
		if in.Begin < at {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap the previous tensor (ends at %d)", in.Name, in.Begin, in.End, at)
		}
		if in.Begin > at {
			return fmt.Errorf("tensor %q: hole in the data buffer before offset %d (previous tensor ends at %d)", in.Name, in.Begin, at)
		}
		at = in.End
	}
	if at != dataLen {
		return fmt.Errorf("data buffer has %d bytes after the last tensor (ends at %d of %d)", dataLen-at, at, dataLen)
	}
	return nil
}

// Path is the file's path as given to Open.
func (f *File) Path() string { return f.path }

// Names lists the tensors in name order.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Metadata is the header's "__metadata__" map (nil when absent).
func (f *File) Metadata() map[string]string { return f.metadata }

// Info describes tensor name.
func (f *File) Info(name string) (Info, bool) {
	in, ok := f.infos[name]
	return in, ok
}

// Raw returns the tensor's bytes: a view of the mapped file, valid until
// Close; do not modify it.
func (f *File) Raw(name string) (Info, []byte, error) {
	in, ok := f.infos[name]
	if !ok {
		return Info{}, nil, fmt.Errorf("%w: %q in %s", ErrNotFound, name, f.path)
	}
	return in, f.data[in.Begin:in.End:in.End], nil
}

// Float32 returns a new float32 copy of a floating-point tensor.
func (f *File) Float32(name string) ([]float32, Info, error) {
	in, raw, err := f.Raw(name)
	if err != nil {
		return nil, Info{}, err
	}
	out := make([]float32, in.NumElements())
	if err := DecodeFloat32(in.DType, raw, out); err != nil {
		return nil, Info{}, fmt.Errorf("safetensors: %s: tensor %q: %w", f.path, name, err)
	}
	return out, in, nil
}

// Close unmaps the file. Views returned by Raw become invalid.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.mapped, f.data = nil, nil, nil
	if err != nil {
		return fmt.Errorf("safetensors: closing %s: %w", f.path, err)
	}
	return nil
}

// DecodeFloat32 converts raw little-endian elements of type dt into dst,
// which must hold exactly len(raw)/dt.Size() values.
func DecodeFloat32(dt DType, raw []byte, dst []float32) error {
	if !dt.IsFloat() {
		return fmt.Errorf("dtype %s is not a floating-point type", dt)
	}
	if len(raw) != len(dst)*dt.Size() {
		return fmt.Errorf("%d bytes of %s for %d values", len(raw), dt, len(dst))
	}
	switch dt {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = F16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	}
	return nil
}

// EncodeFloat32 converts src to little-endian F32, F16 or BF16 bytes
// (round-to-nearest-even, as PyTorch).
func EncodeFloat32(dt DType, src []float32) ([]byte, error) {
	switch dt {
	case F32:
		out := make([]byte, 4*len(src))
		for i, v := range src {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
		}
		return out, nil
	case F16:
		out := make([]byte, 2*len(src))
		for i, v := range src {
			binary.LittleEndian.PutUint16(out[2*i:], Float32ToF16(v))
		}
		return out, nil
	case BF16:
		out := make([]byte, 2*len(src))
		for i, v := range src {
			binary.LittleEndian.PutUint16(out[2*i:], Float32ToBF16(v))
		}
		return out, nil
	}
	return nil, fmt.Errorf("safetensors: cannot encode float32 as %q (want F32, F16 or BF16)", dt)
}
