// Package distill trains otclir's two encoders.
//
// Teacher (TrainTeacher): an English lib/encoder model trained on English
// query→document pairs with in-batch negatives. For a batch of B pairs,
// s(a,b) = MaxSim(q_a, d_b) / |q_a| (the mean over the query's real tokens of
// the best-matching document token, so the temperature does not depend on
// query length) and the loss is the cross-entropy of softmax_b(s(a,b)/τ)
// against b = a.
//
// Student (TrainStudent): a copy of the teacher (same tokenizer, which covers
// every language in use) trained on bitext only. For a pair (foreign f,
// English e) the frozen teacher's token vectors of e are computed once, and
// the student is trained so that its token vectors of f are close to them:
//
//	student_loss = "ot"      (OPTICAL): C_ij = 1 − cos(s_i, t_j) over real tokens,
//	                          P = entropic OT plan (lib/ot, log-domain Sinkhorn,
//	                          uniform marginals), loss = ⟨P, C⟩_F with P held fixed
//	                          in the backward pass (envelope theorem).
//	               "hard"    argmax of P per student token (hard alignment ablation).
//	               "uniform" P = a bᵀ (ε → ∞ ablation).
//	               "mse"     sentence level (Reimers & Gurevych 2020): mean-pooled
//	                          student vs mean-pooled teacher vectors, squared error.
//
// TrainStudentFrom initialises the student from another model instead,
// typically a multilingual HuggingFace checkpoint (encoder.LoadCheckpoint:
// mBERT, XLM-R) with its own tokenizer; the teacher may be a checkpoint too
// (a frozen ColBERT). The vocabularies may differ: the bitext is tokenized
// once per side, and the OT cost is between token vectors, so the loss is
// unchanged. A student whose vectors lack the teacher's dimension gets a new
// linear projection to it. Fine-tuning options (FineTuneParams, absent by
// default so earlier runs are unchanged): learning-rate warmup with
// constant, linear or cosine decay (transformers' schedules), gradient
// clipping by global norm, freezing the embeddings or the lowest layers.
//
// Optionally (ParamMaxSimWeight > 0) an in-batch MaxSim cross-entropy between
// student(f) and teacher(e) is added, as in otclir's reference workload.
//
// Both trainers use GoMLX's train.Loop with Adam; they call an optional
// StepFunc every ParamLogEvery steps (the tracker logs per-step losses
// there) and stop with an error naming the step when the loss is not finite.
package distill
