// Package eval evaluates ranked retrieval runs the way trec_eval 9.0.8 does,
// reads and writes the TREC file formats, and provides paired significance
// tests for comparing two systems query by query.
//
// # Files
//
// A qrels file has one judgement per line, four whitespace-separated
// fields:
//
//	qid iter docno rel
//
// iter is ignored; rel is an integer. rel >= RelevanceLevel (default 1)
// makes a document relevant; 0 is judged non-relevant; a negative rel marks
// a pooled but unjudged document, which trec_eval counts as non-relevant
// and leaves out of every relevance count. A (qid, docno) pair judged twice
// is an error.
//
// A run file has one retrieved document per line:
//
//	qid Q0 docno rank score tag
//
// Fields after tag are ignored. The rank column is ignored: documents are
// ordered by score descending, ties broken by docno in descending strcmp
// (byte) order, exactly as trec_eval's comp_sim_docno. A docno retrieved
// twice for one query is an error (trec_eval: "duplicate docs"). Blank lines
// are skipped. An empty qrels or run file is an error.
//
// # Measures
//
// Names follow trec_eval: map, recip_rank, num_q, num_ret, num_rel,
// num_rel_ret, and the cutoff families P_k, recall_k, map_cut_k and
// ndcg_cut_k. A family may be asked for with trec_eval's syntax "P.5,10"
// or as "P_5"; a bare family name ("P") gives trec_eval's default cutoffs
// 5,10,15,20,30,100,200,500,1000.
//
// One measure is an otclir extension, not part of trec_eval:
// recip_rank_cut_k (MRR@k) is 1/rank of the first relevant document within
// the top k, or 0. It is printed after the trec_eval measures.
//
// Semantics copied from trec_eval 9.0.8's source (form_res_rels.c, m_*.c):
//
//   - Unjudged documents are non-relevant.
//   - map and map_cut divide by every relevant document of the query,
//     retrieved or not; a query with no relevant documents scores 0.
//   - P_k divides by k even when fewer than k documents were retrieved.
//   - recall_k is 0 for a query with no relevant documents.
//   - ndcg_cut_k uses the qrels value as gain (only values > 0 count,
//     whatever RelevanceLevel is) and trec_eval's discount: 1 at rank 1 and
//     log2(rank) at rank >= 2 (so ranks 1 and 2 are both undiscounted; this
//     is what trec_eval computes, although its documentation cites the
//     log2(rank+1) formulation). The ideal ranking holds every judged
//     document with gain > 0, best first, cut at k.
//   - num_ret, num_rel and num_rel_ret are summed over queries, not
//     averaged, and print as integers; num_q is the number of queries
//     averaged over.
//
// # Which queries count
//
// A query is evaluated when it is in both the run and the qrels (a qrels
// query whose documents are all non-relevant is evaluated and scores 0).
// Run queries without qrels are ignored. By default means are over the
// evaluated queries. With Complete (-c) means are over every query of the
// qrels, a query missing from the run counting 0; as in trec_eval 9.0.8
// such queries get no per-query lines, num_q becomes the number of qrels
// queries, and the summed counts (num_rel...) include only evaluated
// queries. If no query is in both files Evaluate fails with ErrNoOverlap.
//
// Aggregates are accumulated in qid strcmp order, as trec_eval does, then
// divided, so the printed values match trec_eval digit for digit.
//
// # Output
//
// Results.WriteTrec prints trec_eval's format: "%-22s\t%s\t%6.4f" per line
// (integers for the num_* counts), per-query lines first when asked (-q),
// then the "all" lines, measures in trec_eval's order.
//
// # Significance
//
// RandomizationTest (paired sign-flip permutation test), PairedTTest,
// BootstrapCI (percentile bootstrap of the mean difference), and the
// Bonferroni and Holm corrections operate on paired per-query scores, as
// PairedScores extracts them from two Results.
package eval
