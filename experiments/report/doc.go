// Package report reads the optical experiment's results from the tracker
// (results.db) and presents them: the result list of an experiment, paper
// tables (systems × language pairs, mean ± std over seeds, paired
// randomization tests against a baseline, Bonferroni-corrected) in
// Markdown, LaTeX and CSV, and the standard charts (offline HTML); for a
// language sweep, each language's result next to its resource class and
// measured bitext and tokenizer coverage, with rank-correlation tests
// (languages.go, rankcorr.go).
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
