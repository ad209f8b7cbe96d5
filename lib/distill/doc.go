// Package distill trains otclir's two encoders, and pretrains the shared
// encoder they start from.
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
//	               "ot_unbalanced" as "ot" with KL-relaxed marginals of weight
//	                          ot_marginal_tau (lib/ot.UnbalancedSinkhorn, POT's
//	                          sinkhorn_unbalanced): a token without a good match is
//	                          partly left untransported (an OptionalStudentParams key).
//	               "hard"    argmax of P per student token (hard alignment ablation).
//	               "uniform" P = a bᵀ (ε → ∞ ablation).
//	               "mse"     sentence level (Reimers & Gurevych 2020): mean-pooled
//	                          student vs mean-pooled teacher vectors, squared error.
//	               "none"    no token-alignment loss: the in-batch MaxSim term
//	                          (student_maxsim_weight, which must be > 0) alone; the
//	                          ablation that says what the OT plan adds to it.
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
// Pretraining (Pretrain): before the teacher, the shared encoder can be
// pretrained on multilingual text, as mBERT/XLM-R are in the paper's
// pipeline:
//
//	ctx := encoder.NewContext(tok, encoderParams, seed)
//	for k, v := range distill.DefaultPretrainParams { ctx.SetParam(k, v) }
//	m, err := distill.Pretrain(backend, ctx, tok, mono, bitext, distill.Options{CheckpointDir: dir})
//	tctx, err := m.CloneForTraining() // the encoder only: no MLM head, optimizer state or step
//	for k, v := range distill.DefaultTeacherParams { tctx.SetParam(k, v) }
//	teacher, err := distill.TrainTeacher(backend, tctx, tok, teacherPairs, opt)
//
// mono are monolingual texts of any language (MLM, Devlin et al. 2019):
// each is tokenized to pretrain_len subwords, and max(1, round(0.15·n)) of
// its n subwords (mlm_mask_prob) are chosen uniformly; each chosen one
// becomes MaskID (80 %), a random subword (10 %) or stays (10 %), and the
// loss is the cross-entropy of the original subwords at the chosen
// positions. bitext pairs give TLM sequences (Conneau & Lample 2019): the
// foreign side (≤ pretrain_len/2 subwords) followed by the English side,
// masked alike on both, so a masked word can be read from its translation;
// tlm_fraction of each batch is bitext. The head (MaskedLMLoss) is BERT's
// transform (dense, GELU, LayerNorm) on lib/encoder.EncodeHidden's hidden
// states, with the output layer tied to the token embeddings plus a bias;
// it lives under MLMScope, outside the encoder's scope, so saved encoders,
// their layout and their artifact keys are those of an encoder built
// without it, and the encoder's initial values do not depend on it.
// MaskID is UNK: the lab's vocabulary has no [MASK] (adding one would change
// every tokenizer). PretrainLoss scores held-out text (model selection).
// Checkpoints and resume (Options) replay the batch order and the masks
// exactly (each batch's masks come from a generator seeded by the data seed
// and the batch number). Early stopping on a dev split: Options.Select with
// Score −PretrainLoss(m.Backend, m.Ctx, m.Tokenizer, devMono, devBitext,
// seed) (the MLM head is selected with the encoder); or call Pretrain
// again on a fresh context with a larger train_steps and the same
// CheckpointDir (it resumes where the last call ended) and compare
// PretrainLoss between calls.
//
// Model selection (Options.Select): every Selection.Every steps and at the
// last step, Selection.Score scores the current weights on a dev set (the
// lab: MAP on a dev collection), and the trainer returns the weights of the
// best-scoring step (strictly higher than every earlier score; the first of
// equal ones) instead of the last. Only the weights (variables under
// /encoder, /bert, /mlm_head) are selected; the optimizer state and global
// step stay the last step's.
// Selection.Patience > 0 ends training after that many evaluations in a row
// without improvement. The returned model's context records
// ParamSelectedStep (selected_step), ParamSelectedScore (selected_score)
// and ParamStoppedStep (stopped_step, the step training ended at);
// ParamSteps (train_steps) keeps its configured value, so steps trained by
// an early-stopped run are stopped_step minus the step it resumed from,
// not train_steps minus it. With CheckpointDir the best weights and their
// step and score are kept in CheckpointDir/best (an atomic folder with a
// manifest, like the step checkpoints, written before the checkpoint of the
// same step): a resumed run starts from its best so far and counts the
// evaluations made since it towards Patience, and a run that had stopped
// early resumes at its stop step and returns at once. Fresh discards it.
//
// Both trainers use GoMLX's train.Loop with Adam; they call an optional
// StepFunc every ParamLogEvery steps (the tracker logs per-step losses
// there) and stop with an error naming the step when the loss is not finite.
package distill
