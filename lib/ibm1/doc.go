// Package ibm1 learns word-translation probabilities t(e | f) — English word
// e given foreign word f — from a sentence-aligned bitext with IBM Model 1
// (Brown, Della Pietra, Della Pietra and Mercer, 1993, "The Mathematics of
// Statistical Machine Translation: Parameter Estimation", Computational
// Linguistics 19(2), section 4.1), trained by expectation maximisation.
//
// # Model
//
// For a pair with foreign words f_0 … f_l (f_0 the NULL word when
// Options.NullWord is set) and English words e_1 … e_m, Model 1 gives
//
//	p(e | f) = ε / (l+1)^m · Π_j Σ_i t(e_j | f_i)
//
// Training starts from the uniform table t(e | f) = 1/|V_E| (V_E the English
// vocabulary) and repeats, for the requested number of iterations:
//
//	E-step: for every pair and every English position j, for every foreign
//	        position i,  c = t(e_j | f_i) / Σ_i' t(e_j | f_i');
//	        count(e_j, f_i) += c;  total(f_i) += c
//	M-step: t(e | f) = count(e, f) / total(f)
//
// Repeated words count once per occurrence, as in the formula. Only pairs
// (e, f) that co-occur in some sentence pair ever get probability mass, so
// the table is stored sparsely. The log-likelihood Σ log p(e | f) (without
// the constant ε) never decreases from one iteration to the next; the tests
// check this.
//
// After the last iteration, entries with t(e | f) < Options.MinProb are
// dropped and each foreign word's remaining probabilities are renormalised
// to sum to 1. Pruning happens only at the end: pruning inside EM would change
// the algorithm. A foreign word whose every entry falls below MinProb (one
// co-occurring with more than 1/MinProb English words, all equally likely)
// leaves the table.
//
// # Tokenisation
//
// By default both sides are split into Terms: lib/text Normalize (NFKC,
// lower case) and PreTokenize (white space and U+1361 ETHIOPIC WORDSPACE
// separate words; every punctuation or symbol rune is a token of its own),
// then tokens made only of punctuation and symbols are dropped. lib/bm25
// indexes English documents with the same Terms, so the English side of the
// table matches index terms. Pairs with no terms on either side are skipped.
//
// The NULL word is NullToken ("<null>"); it cannot collide with a real term
// because PreTokenize splits "<" and ">" off as symbols. Its row is kept in
// the table: Translations(NullToken, k) lists the English words the model
// explains as spontaneously generated (function words, mostly).
//
// # Determinism
//
// Vocabularies are numbered in order of first appearance and every sum runs
// over the pairs in input order, single-threaded, so the same bitext and
// options give bit-identical tables.
//
// # Files
//
// Save writes UTF-8 text: a header line "# otclir ibm1 table v1", then one
// line per entry, "f<TAB>e<TAB>prob", foreign words in byte order and each
// word's translations by descending probability (ties by word); prob is
// written with strconv 'g' and full precision, so Load restores the table
// exactly.
package ibm1
