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
package retrieval
