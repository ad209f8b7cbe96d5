// Package eval evaluates ranked retrieval runs as trec_eval 9.0.8 does,
// reads and writes the TREC file formats, and provides paired significance
// tests for comparing two systems query by query.
//
// "otclir eval" (RunCLI) is a drop-in for trec_eval 9.0.8 with the qrels
// and trec_results formats: where trec_eval succeeds, its standard output
// is byte-identical to trec_eval's (testdata/trec_eval holds trec_eval's
// own outputs for 20 cases and 9 option sets, checked by
// TestTrecEvalGolden). Where trec_eval crashes or guesses, otclir returns
// an error naming the file and line instead: a NUL byte (C stops reading
// there), a relevance, score or option value that is not a number (atol
// and atof read a prefix, or 0), a docno judged or retrieved twice for one
// query (trec_eval stops on it only when it evaluates that query), a
// relevance value above 16777215 (trec_eval allocates a counter per
// value). otclir also refuses what it does not implement: the prefs and
// qrels_jg formats and their measures, z-scores (-Z), debug output (-D);
// its -h text is its own.
//
// # Files
//
// A qrels file has one judgement per line, four fields:
//
//	qid iter docno rel
//
// iter is ignored; rel is an integer. rel >= the relevance level (-l,
// default 1) makes a document relevant; 0 is judged non-relevant; a
// negative rel marks a pooled but unjudged document (trec_eval's
// RELVALUE_UNJUDGED), which most measures count as non-relevant and no
// relevance count includes. A (qid, docno) pair judged twice is an error
// (trec_eval stops with "duplicate docs" when it evaluates that query).
//
// A run file has one retrieved document per line:
//
//	qid Q0 docno rank score tag
//
// Fields after tag are ignored. The rank column is ignored: documents are
// ordered by score descending, ties broken by docno in descending strcmp
// (byte) order, exactly as trec_eval's comp_sim_docno. trec_eval stores
// scores as C float, so scores are compared after rounding to float32:
// 0.30000000000000004 and 0.3 tie. runid prints the tag of the last line.
// A docno retrieved twice for one query is an error (trec_eval:
// "duplicate docs").
//
// Fields are separated by the bytes C's isspace accepts in the "C"
// locale (space, \t, \n, \v, \f, \r) and no others, so a docno may hold
// U+00A0 or any other byte but NUL. Blank lines are skipped, as are comment
// lines: in a run, a line whose first non-blank byte is '#'; in qrels, a
// line starting with '#'. An empty qrels or run file is an error.
//
// # Measures
//
// Every measure of trec_eval's -m all_trec is computed as its m_*.c
// source does, printed in trec_eval's order: runid num_q num_ret num_rel
// num_rel_ret map gm_map Rprec bpref recip_rank iprec_at_recall P
// relstring recall infAP gm_bpref Rprec_mult utility 11pt_avg binG G ndcg
// ndcg_rel Rndcg ndcg_cut map_cut relative_P success set_P set_relative_P
// set_recall set_map set_F num_nonrel_judged_ret, then yaap. The nicknames
// official (the default), all_trec and set select trec_eval's sets.
// Measures of trec_eval's prefs and qrels_jg formats (prefs_*, map_avgjg,
// P_avgjg, Rprec_mult_avgjg) are refused: otclir reads neither format.
//
// Parameters follow trec_eval's "measure.params" syntax and defaults:
// cutoffs (P, recall, ndcg_cut, map_cut, relative_P, success; default
// 5,10,15,20,30,100,200,500,1000, success 1,5,10), recall fractions
// (iprec_at_recall, default 0,.1,...,1; Rprec_mult, default .2,.4,...,2),
// values (utility.1,-1,0,0; set_F.1; 11pt_avg.0,.1,...,1; relstring.10)
// and level=gain pairs (ndcg, ndcg_rel, Rndcg, G; by default the gain of
// level v is v). As in trec_eval the first parameter list given for a
// measure is used ("-m P.5 -m P.10" gives P_5 only), a measure that takes
// no parameters ignores them ("map.5" is map), and a measure with
// parameters other than cutoffs prints as "name_params" (utility_2,-1,0,0).
//
// Two more spellings are accepted, in the CLI and in Options.Measures;
// output keeps trec_eval's names:
//
//   - otclir's printed names: P_5, ndcg_cut_10, iprec_at_recall_0.50.
//     These add to the cutoffs of a family rather than replace them.
//   - ir_measures and ranx names: AP, AP@100, nDCG, nDCG@10, P@5, R@100,
//     RR, RR@10, Rprec, Bpref, infAP, NumQ, NumRet, NumRel, NumRelRet,
//     Success@k, SetP, SetR, SetF, SetAP, SetRelP, IPrec@0.5, and ranx's
//     map@k, mrr, mrr@k, ndcg@k, precision@k, recall@k, r-precision,
//     hit_rate@k (case-insensitive). A relevance level per measure,
//     P(rel=2)@5, computes that measure at level 2 and prints it as P_5;
//     asking for one printed name at two levels is an error.
//
// One measure is an otclir extension, not part of trec_eval:
// recip_rank_cut_k (RR@k, MRR@10 averaged) is 1/rank of the first relevant
// document within the top k, or 0. It is printed after the trec_eval
// measures.
//
// Semantics worth knowing, all trec_eval's:
//
//   - map, Rprec, recall and the like divide by every relevant document of
//     the query, retrieved or not; P_k divides by k even when fewer than k
//     documents were retrieved.
//   - The ndcg family uses the qrels value as gain and divides the gain at
//     0-based rank i by log2(i+2), in the run and in the ideal ranking
//     alike; the ideal ranking holds every judged document with a positive
//     gain, best first, and ignores -l.
//   - iprec_at_recall, 11pt_avg and Rprec_mult turn a fraction f of num_rel
//     into a document count as (long) (f * num_rel + 0.9).
//   - gm_map and gm_bpref average log(max(value, 0.00001)) and print the
//     exponential of the mean; they have no per-query lines.
//   - num_ret, num_rel, num_rel_ret and num_nonrel_judged_ret are summed
//     over queries, not averaged, and print as integers; num_q is the number
//     of queries averaged over.
//   - A value C prints as nan or inf (say iprec_at_recall with -M 0) prints
//     as glibc's printf does ("  -nan").
//
// # Which queries count
//
// A query is evaluated when it is in both the run and the qrels (a qrels
// query whose documents are all non-relevant is evaluated and scores 0).
// Run queries without qrels are ignored. Means are over the evaluated
// queries, in qid strcmp order, summed then divided, so the printed
// values match trec_eval digit for digit. With Complete (-c) means are over
// every query of the qrels, a query missing from the run counting 0 (and
// log(0.00001) in gm_map and gm_bpref); as in trec_eval 9.0.8 such queries
// get no per-query lines, num_q becomes the number of qrels queries, and
// num_rel's "all" value counts every judgement > 0 of every qrels query,
// whatever -l says (te_calc_avg_num_rel). If no query is in both files
// Evaluate fails with ErrNoOverlap.
//
// MaxRetrieved (-M) keeps the top N documents of each query; JudgedOnly
// (-J) then drops every document without a judgement >= 0;
// NumDocsInColl (-N) is the collection size utility's fourth coefficient
// needs.
//
// # Output
//
// Results.WriteTrec prints trec_eval's format: "%-22s\t%s\t%6.4f" per line
// ("%ld" for the summed counts, '%s' for relstring), per-query lines first
// when asked (-q), then the "all" lines (unless -n), measures in
// trec_eval's order.
//
// # Significance
//
// RandomizationTest (paired sign-flip permutation test), PairedTTest,
// BootstrapCI (percentile bootstrap of the mean difference), and the
// Bonferroni and Holm corrections operate on paired per-query scores, as
// PairedScores extracts them from two Results.
package eval
