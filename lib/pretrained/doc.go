// Package pretrained reads and writes HuggingFace checkpoint directories
// from local disk: config.json, the weights, and the tokenizer files beside
// them. Nothing is downloaded; a directory is a path.
//
// # Layout
//
// A checkpoint directory holds config.json and its weights in one of four
// forms, looked for in this order (transformers' own): model.safetensors;
// model.safetensors.index.json with its shards; pytorch_model.bin (a
// torch.save of the state dict, zip or legacy format, read with
// github.com/nlpodyssey/gopickle without running any pickled code);
// pytorch_model.bin.index.json with its shards. Safetensors files are
// memory-mapped (lib/safetensors); PyTorch files are read whole.
//
// Config is config.json as a JSON object: typed getters with defaults
// (Int, Float, String), so that an architecture package (lib/bert) applies
// its model class's defaults for absent keys, as transformers does; Write
// keeps every key, sorted, as save_pretrained writes them.
//
// Checkpoint gives every tensor by its name in the file (prefix included:
// "bert.embeddings.word_embeddings.weight"), its element type and shape,
// and its values as float32 (F32, F16, BF16, F64; strided and offset
// PyTorch views are gathered). Mapping names onto a model is the model
// package's job.
//
// Save writes a directory in the same layout: config.json (torch_dtype set
// from the weights' type) and model.safetensors, or shards of at most
// SaveOptions.MaxShardBytes plus their index; every file atomically. It
// refuses to write beside weights of another layout, which a loader would
// otherwise prefer or mix up. CopyTokenizerFiles copies the tokenizer files
// of a source checkpoint.
//
// WeightsSHA256 is a model's identity for cache keys and the tracker: a
// SHA-256 over the tensors in name order (name, shape, float32 values),
// independent of the file layout, sharding and storage type a checkpoint
// came in, as long as the values are equal.
//
// Errors name the directory or file, and the tensor or config key at fault.
package pretrained
