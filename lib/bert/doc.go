// Package bert runs BERT-family encoders from HuggingFace checkpoints as
// GoMLX graph code: BERT (bert-base-uncased, mBERT), XLM-RoBERTa (the
// backbone of ColBERT-X and PLAID-X) and RoBERTa, with ColBERT's optional
// linear projection.
//
// # Model (graph function Hidden, then Project)
//
// For int32 ids, attention mask and token types [batch, L]:
//
//	x₀ = LN(E_word[ids] + E_type[types] + E_pos[positions])       [batch, L, hidden]
//	positions = 0..L−1                                           (BERT)
//	positions = cumsum(ids ≠ pad)·(ids ≠ pad) + pad              (XLM-R, RoBERTa: first token at pad+1)
//	for each layer (post-LN):
//	  scores = Q Kᵀ / √d_head + (1 − mask)·finfo(float32).min    per head, [batch, heads, L, L]
//	  a      = LN(x + W_o · softmax(scores) V)
//	  x      = LN(a + W₂ GELU(W₁ a))                             GELU with the exact erf
//	projected = normalise(W_linear x_last)                       (ColBERT: linear.weight, no bias)
//
// LN is torch.nn.LayerNorm with config.json's layer_norm_eps. This is the
// eager forward pass of transformers' modeling_bert / modeling_xlm_roberta
// (dropout off); GoMLX's layers.MultiHeadAttention is not used (it scales
// the logits twice and stores weights [in, heads, d_head]). Hidden returns
// every hidden state, embeddings first (output_hidden_states); padding
// positions are computed as HuggingFace computes them (they attend to the
// real tokens), so they match too.
//
// # Weights
//
// Model.Ctx holds one variable per checkpoint tensor, at the scope of its
// unprefixed HuggingFace name: "encoder.layer.0.attention.self.query.weight"
// is variable "weight" in scope /bert/encoder/layer/0/attention/self/query.
// Linear weights are stored transposed, [in, out] (PyTorch stores
// [out, in]), so that every product is x·W without a copy. FromCheckpoint
// maps each tensor by name and shape, with or without the "bert." /
// "roberta." prefix, accepting the original BERT release's LayerNorm
// gamma/beta; a missing tensor, a wrong shape, a non-finite value or an
// unsupported config (hidden_act other than "gelu", relative positions, a
// decoder) is an error naming the file and the tensor or key. Tensors the
// encoder does not use (MLM heads, position_ids buffers) are listed in
// Model.Ignored.
//
// Save writes the model back in the same layout (lib/pretrained.Save);
// WeightsSHA256 is its identity, equal for a checkpoint and its saved copy
// whatever the layout.
//
// # Parity
//
// testdata holds tiny random checkpoints (BERT in F32 safetensors, in
// pytorch_model.bin, in sharded BF16 and in F16; XLM-R; ColBERT) written by
// testdata/generate.py with a hand-written PyTorch reference
// (testdata/hfref.py). Every hidden state and the projection match it within
// 1e-5 (measured: ≤ 2.1e-6), padding included; texts batched with others
// match the same texts run alone.
//
// Computation is float32 on the backend of lib/encoder.NewBackend.
package bert
