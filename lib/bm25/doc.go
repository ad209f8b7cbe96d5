// Package bm25 ranks English documents with Okapi BM25 (Robertson, Walker,
// Jones, Hancock-Beaulieu and Gatford, 1994, "Okapi at TREC-3"; Robertson and
// Zaragoza, 2009, "The Probabilistic Relevance Framework: BM25 and Beyond"),
// for three kinds of query:
//
//   - Search: English queries (the English→English reference, or a user's
//     machine-translated queries read with ReadTranslatedQueries);
//   - SearchPSQ: foreign queries through probabilistic structured queries
//     (Darwish and Oard, 2003, "Probabilistic Structured Query Methods",
//     SIGIR 2003) with word-translation probabilities from lib/ibm1.
//
// # Scoring
//
// For a query term t and document d of length |d| (terms), with N documents,
// average length avgdl and df(t) documents containing t:
//
//	idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
//	score(t, d) = idf(t) · tf(t,d)·(k1 + 1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
//	score(q, d) = Σ_{t in q} score(t, d)
//
// The idf is Lucene's and Anserini's (always positive). The (k1 + 1) factor
// is Robertson's; Lucene 8 and later drop it, which scales every score by the
// same constant and leaves rankings unchanged. Document lengths are exact
// (Lucene stores them lossily in one byte). A term repeated in the query
// counts once per occurrence, as separate Lucene clauses do. Defaults are
// Anserini's: k1 = 0.9, b = 0.4 (DefaultParams).
//
// # Probabilistic structured queries
//
// Each foreign query term f becomes the weighted set of English terms
// {e : p(e|f)}: the TopK most probable translations with p ≥ MinProb, cut
// after the cumulative probability reaches CumProb (the translation that
// crosses it is kept), then renormalised to sum to 1. Its term frequency and
// document frequency are the probability-weighted sums
//
//	tf_psq(f, d) = Σ_e p(e|f) · tf(e, d)
//	df_psq(f)    = Σ_e p(e|f) · df(e)
//
// and score(f, d) is the BM25 formula above with tf_psq and df_psq (Darwish
// and Oard's PSQ; the same weighting as Pirkola's structured queries when
// all p are equal). Defaults (DefaultPSQOptions): TopK 10, CumProb 0.95,
// MinProb 0.01.
//
// A term with no translation left (unknown to the table, or every
// translation below MinProb) is kept as itself with weight 1 when it occurs
// in the English documents, and dropped otherwise. Names, numbers and
// borrowings ("1948", "un", "hiv") then still match, which is what a
// monolingual English system would do with them; a term the table does know
// is never kept as itself unless the table translates it to itself.
//
// With a one-to-one table (each term translated to one word with p = 1),
// tf_psq = tf and df_psq = df, so SearchPSQ returns exactly the scores of
// Search on the word-by-word translated query; the tests check this.
//
// # Terms and ranking
//
// Documents and queries are split with Params.Tokenize, by default
// lib/ibm1.Terms (NFKC, lower case, lib/text pre-tokenisation, punctuation
// tokens dropped), the same terms lib/ibm1 trains on. Ranking is exhaustive
// over an inverted index. A run holds, per query, the documents matching at
// least one query term, best first, cut at depth (depth ≤ 0: all), ordered
// as trec_eval orders them: score descending, ties by docno descending
// (byte order), so the cut at depth keeps the documents trec_eval would
// rank first. Every query gets an entry, empty when nothing matches.
//
// # Translated query files
//
// ReadTranslatedQueries reads "qid<TAB>English text" lines (UTF-8; a BOM is
// skipped; blank lines and lines starting with "#" are ignored; text after
// the first tab is the query, further tabs count as white space). A missing
// tab, empty qid or text, or a repeated qid is an error naming file:line.
package bm25
