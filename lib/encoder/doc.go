// Package encoder is otclir's late-interaction text encoder: a small
// transformer that maps a sequence of subword ids to one L2-normalised vector
// per token, the representation that MaxSim scoring (lib/retrieval) and OT
// distillation (lib/distill) work on.
//
// Model (graph function Encode):
//
//	x  = E_tok[ids] + E_pos[0..L)                      [batch, L, dim]
//	repeat encoder_layers times (post-LN, as in BERT):
//	  x = LN(x + MHA(x, x, x; keys masked where ids == PAD))
//	  x = LN(x + W2 GELU(W1 x))
//	y  = normalise(W_proj x)                           [batch, L, output_dim]
//	y  = 0 on padding positions
//
// Shapes follow GoMLX: token ids are int32 [batch, L] with text.PadID (0) as
// padding; the mask is Bool [batch, L], true on real tokens.
//
// Hyperparameters are context parameters (GoMLX style): each Param* constant
// is read with context.GetParamOr where it is used; DefaultParams lists the
// defaults. The vocabulary size is not a hyperparameter: it comes from the
// tokenizer the model is built with.
//
// Model (a tokenizer plus a GoMLX context saved as a checkpoint directory)
// is the host-side handle used to encode texts, save and load encoders.
//
// # Checkpoint models
//
// A Model may instead be backed by a HuggingFace checkpoint directory
// (LoadCheckpoint: BERT, XLM-R, RoBERTa or ColBERT through lib/bert, its
// tokenizer through lib/text.Pretrained). Its graph function (Vectors) is
// bert.Hidden's last layer, then ColBERT's projection (bert.Project) when
// the checkpoint has one, else L2 normalisation; positions outside the
// vector mask are zero. ColBERT's input conventions are options
// (Conventions, defaulting to what the checkpoint implies): [Q]/[D] marker
// tokens after [CLS], queries padded with [MASK] to the query length (not
// attended to, but vectors), punctuation dropped from document vectors.
// WithProjection adds a projection of the teacher's dimension to a student
// initialised from a checkpoint that has none (or another). Save writes a
// checkpoint model in HuggingFace layout (config.json, weights, tokenizer
// files, ConventionsFile, a manifest); Load recognises that layout by its
// config.json. WeightsSHA256 is a model's identity (lib/bert's for a
// checkpoint model).
//
// NewBackend picks the GoMLX backend (GOMLX_BACKEND, default
// DefaultBackendConfig); it installs no patch (see internal/gomlxpatch).
// GoMLX's XLA backend is linked only with -tags xla (XLABuildTag), takes its
// PJRT plugin only by absolute path, and never auto-installs one.
package encoder
