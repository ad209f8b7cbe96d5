// Package report reads the optical experiment's results from the tracker
// (results.db) and presents them: the result list of an experiment, paper
// tables (systems × language pairs, mean ± std over seeds, paired
// randomization tests against a baseline, Holm-corrected) in Markdown,
// LaTeX and CSV, and the standard charts (offline HTML); for a language
// sweep, each language's result next to its resource class and measured
// bitext and tokenizer coverage, with rank-correlation tests
// (languages.go, rankcorr.go).
//
// Statistics (significance.go, signflip.go). BuildSignificance tests the
// system under test (ot) against every other system of a table except
// References (random, teacher, bm25): a paired sign-flip randomization
// test per pair on the queries both evaluated, on per-query values
// averaged over each system's seeds (the test is conditional on the
// trained models; seed variance is the table's ± std). On UDHR the unit is
// the article: a query id "udhr-a07-p1" (lib/data.UDHRDocID) names its
// article, and an article's paragraphs flip sign together (ClusterAuto);
// the per-query p is kept beside it. Every comparison of a table (pairs ×
// baselines) is one family, corrected with Holm (1979) or Bonferroni.
// A resource level's average (the table's "avg low") is tested with two
// units: languages (each language's mean difference flips) and queries
// pooled over languages (a query, on UDHR an article, flips in every
// language at once, since its translations are one text); each
// (level, unit) is a family over the baselines. Up to AlwaysExactUnits
// units p is exact (all 2^k sign assignments), past that Monte-Carlo with
// a fixed seed.
//
// Replicates (Cell). A cell's replicates are its newest runs per
// (provenance seed, data seed). Where a seed is the whole pipeline's
// (record.PipelineV2: tokenizer, pretraining, teacher, students and split
// per seed) deterministic systems have one replicate per seed too, and the
// seeds' query sets differ (UDHR's two folds hold out complementary
// articles; CLDR splits vary): a cell's mean is over its replicates' own
// measures, a query's value is the mean over the replicates that evaluated
// it, and tests run on the union of queries both systems have (UDHR's 30
// articles by Monte-Carlo). Old experiments (one provenance seed) read as
// before. A collection the package does not describe gets the generic
// caption; "words" (foreign word queries, English WordNet glosses) its own.
//
// It only reads: every function takes a *tracker.DB, which readers open
// with tracker.OpenReadOnly, and it imports no trainer (no lib/encoder,
// lib/distill or experiments/optical), so a table never builds a model.
// Runs are read back through experiments/record's parsers; of several
// finished runs of one configuration the newest counts
// (tracker.DB.LatestFinished). Systems are ordered as record.Systems,
// languages as lib/data's table (low resource first).
//
// Files (charts) are written atomically (lib/atomicfile) under names that
// pass tracker.ValidateName, which also guards names read back from a
// database.
package report
