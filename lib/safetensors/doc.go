// Package safetensors reads and writes the safetensors tensor file format
// (HuggingFace), the weight format of otclir's pretrained checkpoints.
//
// # Format
//
// A file is an 8-byte little-endian unsigned header length N, N bytes of
// UTF-8 JSON, then the data buffer. The JSON object maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
// data buffer, row-major little-endian data) and may hold "__metadata__", a
// string-to-string map. Tensors must tile the data buffer exactly: in bounds,
// no overlap, no hole. A sharded checkpoint is several files plus an index
// (model.safetensors.index.json) whose "weight_map" names the file of every
// tensor.
//
// # Conventions
//
// Open memory-maps a file (read-only; on systems without mmap it reads the
// file) and validates the whole header before returning; Raw returns a view
// of the mapped bytes that is valid until Close. Float32 converts F32, F16,
// BF16 and F64 tensors to a new []float32 (F16 and BF16 exactly; F64 rounded).
// EncodeFloat32 converts float32 values to F32, F16 or BF16 bytes with
// round-to-nearest-even, bit-identical to PyTorch's .to(torch.float16) and
// .to(torch.bfloat16) (testdata/dtypes.json, written by PyTorch).
//
// Writers (WriteFile, WriteSharded) write tensors in name order with the
// header padded with spaces to a multiple of 8 bytes (so every tensor is
// 8-byte aligned, as the reference implementation does), each file through a
// temporary file in the same folder, fsync and rename.
//
// Errors name the file and, where one is at fault, the tensor.
package safetensors
