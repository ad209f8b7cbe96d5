// Package record is the schema of what the optical experiment stores in the
// tracker (results.db): one Go type per kind of run, with Params, which
// writes it as the run's parameters, and a parser, which reads it back.
// Every writer (experiments/optical), every reader (experiments/report, the
// command-line program, the notebooks) and every test fixture goes through
// these types, so a parameter name is written in exactly one place.
//
// Runs:
//
//   - EvalRun: one system evaluated on one collection for one direction
//     (queries in QueryLang, documents in DocLang), with the keys of the
//     models it ranked with and the data seed and bitext budget of its grid
//     cell. Its Params are what tracker.ConfigHash hashes, so an
//     evaluation is found again (and not recomputed) exactly when every
//     field is equal.
//   - TrainRun: the training of a teacher or a student.
//
// Both embed Provenance: the data packages, the split, the configuration
// seed and the full settings string ("key=value;..."), which `otclir runs
// reproduce` re-applies.
//
// The parameter names and formats are those the committed results.db holds
// (tests read it back and write it again, byte for byte): renaming a
// parameter breaks them, as it would break every lookup of the runs
// already recorded.
//
// Systems lists the evaluated systems in table order with what they use
// (the teacher, a student, bitext, ...), which decides the parameters their
// runs record. Collections, Pair and the measures complete the vocabulary
// of result tables.
package record
