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
//	               "ot_unbalanced" as "ot" with KL-relaxed marginals of weight
//	                          ot_marginal_tau (lib/ot.UnbalancedSinkhorn, POT's
//	                          sinkhorn_unbalanced): a token without a good match is
//	                          partly left untransported (an OptionalStudentParams key).
//	               "hard"    argmax of P per student token (hard alignment ablation).
//	               "uniform" P = a bᵀ (ε → ∞ ablation).
//	               "mse"     sentence level (Reimers & Gurevych 2020): mean-pooled
//	                          student vs mean-pooled teacher vectors, squared error.
//
// Optionally (ParamMaxSimWeight > 0) an in-batch MaxSim cross-entropy between
// student(f) and teacher(e) is added, as in otclir's reference workload.
//
// Both trainers use GoMLX's train.Loop with Adam; they call an optional
// StepFunc every ParamLogEvery steps (the tracker logs per-step losses
// there) and stop with an error naming the step when the loss is not finite.
package distill
