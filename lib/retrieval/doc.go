// Package retrieval ranks documents for queries by late interaction (MaxSim):
//
//	score(q, d) = Σ_i max_j q_i · d_j
//
// over the real (non-padding) token vectors of query q and document d, as
// ColBERT and OPTICAL do. Token vectors come from lib/encoder as one flat
// []float32 per text (n_tokens × dim, row-major); vectors are L2-normalised,
// so q_i · d_j is a cosine.
//
// Ranking is exhaustive: every query is scored against every document. The
// result is a TREC run (lib/eval.Run) holding the top `depth` documents of
// each query; ties are left to lib/eval, which orders them like trec_eval
// (docno descending).
//
// Scoring is blocked as float32 matrix products of query tokens by document
// tokens, with the maximum over each document's tokens taken on the product
// (see Index); it equals MaxSim up to float32 summation order (tests: 1e-4
// relative). BenchmarkSearchLarge times 100 queries against 10,000
// documents of 32 tokens at d=128.
//
// # Pooled scoring
//
// A model trained on sentence vectors (the MSE student, lib/distill
// student_loss "mse", which matches mean-pooled token vectors) is scored as
// it was trained: score(q, d) = cos(mean_i q_i, mean_j d_j). MeanPooled
// turns each text's token vectors into its unit-length mean (the zero
// vector for a text without tokens or with a zero mean: score 0), and
// NewPooledIndex indexes those one-vector documents, so that the Index's
// MaxSim of a one-vector query is exactly that cosine (PooledCosine).
package retrieval
