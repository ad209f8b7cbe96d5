// Package ot builds entropic optimal transport (Sinkhorn) between sets of
// token vectors as GoMLX graph functions: batched, masked and computed in
// the log domain.
//
// # Shapes
//
// Costs and plans are shaped [batch, nQuery, nDoc]: entry (b, i, j) relates
// query token i to document token j of problem b. Masks are [batch, nQuery]
// and [batch, nDoc], of dtype Bool or a float dtype holding 0/1 (non-zero is
// a real token, zero is padding).
//
// # Formula
//
// For one problem with cost C, real query tokens I and real document tokens
// J, the marginals are uniform over real tokens, a_i = 1/|I| for i in I and
// b_j = 1/|J| for j in J (0 on padding), and Sinkhorn approximates
//
//	P* = argmin_{P ≥ 0, P1 = a, Pᵀ1 = b} <P, C> − ε H(P),   H(P) = −Σ P_ij (log P_ij − 1).
//
// Writing u = f/ε and v = g/ε for the dual potentials and K_ij = −C_ij/ε,
// each iteration updates
//
//	u_i = log a_i − LSE_{j∈J}(K_ij + v_j)     (rows: P1 = a exactly)
//	v_j = log b_j − LSE_{i∈I}(K_ij + u_i)     (columns: Pᵀ1 = b exactly)
//
// starting from u = v = 0, and the plan is P_ij = exp(K_ij + u_i + v_j) on
// real pairs. After the last (column) update the column marginals are exact
// and the row marginals converge as iterations grow. Loss is the transport
// cost <P, C>_F per problem; Distance is Loss of the Sinkhorn plan.
//
// One Exp pass per iteration: the row LSE is computed stably as
// P̂ = exp(K + v − rowmax), r̂ = P̂1, u = log a − rowmax − log r̂, and the
// column LSE is read from the same P̂ (the plan with the new u is
// P̂_ij·a_i/r̂_i, so v ← v + log b − log(P̂ᵀ(a/r̂))) instead of a second
// max/Exp pass, with both sums as DotGenerals. This is the same iterate as two
// full log-sum-exps (the tests compare it with one) as long as no column sum
// underflows, which needs (max C − min C)/ε below the dtype's exponent range
// (~87 in float32, ~708 in float64; cosine costs span ≤ 2, so ε ≥ 0.023 in
// float32 is always safe). Past that, a column far from every row's best
// match moves by at most ~87 nats per iteration (the sum is floored at the
// smallest normal number): values stay finite and the column catches up over
// more iterations. It makes Sinkhorn ~1.6× faster on simplego.
//
// # Unbalanced transport (KL-relaxed marginals)
//
// UnbalancedSinkhorn relaxes both marginal constraints to KL penalties of
// weight τ (ParamMarginalTau), with POT's semantics (ot.sinkhorn_unbalanced,
// method "sinkhorn", reg = ε, reg_m = τ):
//
//	P* = argmin_{P ≥ 0} <P, C> + ε Σ P_ij log P_ij + τ KL(P1 | a) + τ KL(Pᵀ1 | b).
//
// POT 0.8.2 iterates u = (a ⊘ Kv)^fi, v = (b ⊘ Kᵀu)^fi with fi = τ/(τ+ε),
// from v = 1/|J|; here the same iterates are taken in the log domain,
//
//	u_i = fi·(log a_i − LSE_{j∈J}(K_ij + v_j)),   v_j = fi·(log b_j − LSE_{i∈I}(K_ij + u_i)),
//
// from v = log b = −log|J|, each LSE a full stable one (the one-Exp-pass
// shortcut of Sinkhorn relies on the row update making the rows exact, which
// fi < 1 breaks). The plan may carry less (or more) mass than 1: a token with
// no good match is left partly untransported instead of being forced onto
// one. τ → ∞ gives fi → 1 and Sinkhorn's plan (τ = +Inf is accepted and is
// exactly the balanced iteration); τ → 0 gives fi → 0, u = v = 0 and
// P = exp(−C/ε) on real pairs, which ignores the marginals. UnbalancedDistance is <P, C>_F (POT's
// sinkhorn_unbalanced2). The tests compare plans and losses with POT 0.8.2
// (Debian's python3-pot) on padded batches: testdata/unbalanced_pot.json,
// written by testdata/gen_unbalanced.py. CheckUnbalanced validates the
// settings for callers that return errors.
//
// # Masks
//
// Padded pairs (i or j padding) take the logit −1e9 inside the LSE, so they
// add exactly nothing, and the plan sets them to exactly 0 (the exponent is
// replaced before Exp, so neither the value nor the gradient can be
// 0·∞ = NaN). Potentials of padded tokens are held at 0. A problem with no
// real token on a side gets an all-zero plan.
//
// # Why log domain
//
// The textbook scaling iteration multiplies by K = exp(−C/ε), which
// underflows in float32 once C/ε exceeds ~87 (ε = 1e-3 with cosine costs in
// [0, 2] gives exponents down to −2000) and then divides 0 by 0. The
// log-domain updates use a stable log-sum-exp (the row maximum, under
// StopGradient, is subtracted before Exp; GoMLX v0.26.0 has no LogSumExp),
// so the loss stays finite for small ε (tested at ε = 1e-3 in float32).
//
// # Gradients
//
// Distance with differentiatePlan=false puts the plan under StopGradient:
// by the envelope theorem the gradient of the optimal transport value with
// respect to C is P*, so d loss/dC = P and no gradient flows through the
// iterations (the training default; cheaper and stable). With true, the
// gradient goes through the unrolled iterations. Nothing here uses
// graph.Slice, whose gradient needs Pad, which the simplego backend lacks.
//
// Hyperparameter keys ParamEpsilon, ParamIterations and ParamMarginalTau are
// read by the callers (lib/distill) with context.GetParamOr and the defaults.
// Graph functions panic on bad input, as GoMLX does.
package ot
