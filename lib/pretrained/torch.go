package pretrained

import (
	"fmt"
	"sort"

	"github.com/nlpodyssey/gopickle/pytorch"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/otclir/otclir/lib/safetensors"
)

// torchFile is a loaded pytorch_model.bin: its tensors by name.
type torchFile struct {
	path    string
	tensors map[string]*pytorch.Tensor
}

// loadTorch reads a torch.save'd state dict. gopickle only rebuilds tensors
// and storages (it runs no pickled code); it panics on some legacy-format
// corners, which become errors here.
func loadTorch(path string) (tf *torchFile, err error) {
	defer func() {
		if r := recover(); r != nil {
			tf, err = nil, fmt.Errorf("pretrained: %s: unsupported PyTorch file: %v", path, r)
		}
	}()
	obj, err := pytorch.Load(path)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %s: %w", path, err)
	}
	tf = &torchFile{path: path, tensors: map[string]*pytorch.Tensor{}}
	add := func(k, v any) error {
		name, ok := k.(string)
		if !ok {
			return fmt.Errorf("pretrained: %s: state dict key %v is not a string", path, k)
		}
		t, ok := v.(*pytorch.Tensor)
		if !ok {
			return fmt.Errorf("pretrained: %s: entry %q is a %T, not a tensor (not a state dict?)", path, name, v)
		}
		if len(t.Size) != len(t.Stride) {
			return fmt.Errorf("pretrained: %s: tensor %q: %d sizes, %d strides", path, name, len(t.Size), len(t.Stride))
		}
		tf.tensors[name] = t
		return nil
	}
	switch d := obj.(type) {
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			entry := e.Value.(*types.OrderedDictEntry)
			if err := add(entry.Key, entry.Value); err != nil {
				return nil, err
			}
		}
	case *types.Dict:
		for _, entry := range *d {
			if err := add(entry.Key, entry.Value); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("pretrained: %s: top-level object is a %T, not a state dict", path, obj)
	}
	return tf, nil
}

func (tf *torchFile) names() []string {
	out := make([]string, 0, len(tf.tensors))
	for n := range tf.tensors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// storageInfo returns the safetensors dtype and length of a storage.
func storageInfo(s pytorch.StorageInterface) (safetensors.DType, int) {
	switch s := s.(type) {
	case *pytorch.FloatStorage:
		return safetensors.F32, len(s.Data)
	case *pytorch.HalfStorage:
		return safetensors.F16, len(s.Data)
	case *pytorch.BFloat16Storage:
		return safetensors.BF16, len(s.Data)
	case *pytorch.DoubleStorage:
		return safetensors.F64, len(s.Data)
	case *pytorch.LongStorage:
		return safetensors.I64, len(s.Data)
	case *pytorch.IntStorage:
		return safetensors.I32, len(s.Data)
	case *pytorch.ShortStorage:
		return safetensors.I16, len(s.Data)
	case *pytorch.CharStorage:
		return safetensors.I8, len(s.Data)
	case *pytorch.ByteStorage:
		return safetensors.U8, len(s.Data)
	case *pytorch.BoolStorage:
		return safetensors.BOOL, len(s.Data)
	}
	return "", 0
}

func (tf *torchFile) info(name string) (TensorInfo, bool) {
	t, ok := tf.tensors[name]
	if !ok {
		return TensorInfo{}, false
	}
	dt, _ := storageInfo(t.Source)
	return TensorInfo{Name: name, DType: dt, Shape: append([]int{}, t.Size...), File: tf.path}, true
}

// float32 gathers the tensor's elements (any strides, any storage offset)
// in row-major order. Half and bfloat16 storages hold exact float32 values
// (gopickle converts them); double storages are rounded.
func (tf *torchFile) float32(name string) ([]float32, error) {
	t := tf.tensors[name]
	var at func(i int) float32
	switch s := t.Source.(type) {
	case *pytorch.FloatStorage:
		at = func(i int) float32 { return s.Data[i] }
	case *pytorch.HalfStorage:
		at = func(i int) float32 { return s.Data[i] }
	case *pytorch.BFloat16Storage:
		at = func(i int) float32 { return s.Data[i] }
	case *pytorch.DoubleStorage:
		at = func(i int) float32 { return float32(s.Data[i]) }
	default:
		dt, _ := storageInfo(t.Source)
		return nil, fmt.Errorf("pretrained: %s: tensor %q: dtype %s is not a floating-point type", tf.path, name, dt)
	}
	_, length := storageInfo(t.Source)
	n, last := 1, t.StorageOffset
	for i, d := range t.Size {
		if d < 0 || t.Stride[i] < 0 {
			return nil, fmt.Errorf("pretrained: %s: tensor %q: negative size or stride (%v, %v)", tf.path, name, t.Size, t.Stride)
		}
		n *= d
		if d > 0 {
			last += (d - 1) * t.Stride[i]
		}
	}
	out := make([]float32, n)
	if n == 0 {
		return out, nil
	}
	if t.StorageOffset < 0 || last >= length {
		return nil, fmt.Errorf("pretrained: %s: tensor %q: view (offset %d, sizes %v, strides %v) runs past its storage of %d elements",
			tf.path, name, t.StorageOffset, t.Size, t.Stride, length)
	}
	idx := make([]int, len(t.Size))
	off := t.StorageOffset
	for k := range out {
		out[k] = at(off)
		for a := len(idx) - 1; a >= 0; a-- { // odometer over the row-major index
			idx[a]++
			off += t.Stride[a]
			if idx[a] < t.Size[a] {
				break
			}
			off -= idx[a] * t.Stride[a]
			idx[a] = 0
		}
	}
	return out, nil
}
