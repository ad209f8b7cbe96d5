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
// NewBackend picks the GoMLX backend (GOMLX_BACKEND, default
// DefaultBackendConfig); it installs no patch (see internal/gomlxpatch).
// GoMLX's XLA backend is linked only with -tags xla (XLABuildTag), takes its
// PJRT plugin only by absolute path, and never auto-installs one.
package encoder
