// Package apertium runs the Apertium rule-based machine translation engine
// (https://apertium.org, GPL-2+) offline, as a subprocess, to translate
// queries for a translation baseline.
//
// # Engine
//
// Debian bookworm ships the engine (package apertium, 3.8.3) and the
// Spanish–English pair (apertium-en-es 0.8.1, a transitional package for
// apertium-eng-spa, which holds the data); `make setup-apertium` installs
// both. The pair's translation directions are Apertium "modes", listed by
// `apertium -l`: spa-eng (Spanish → English) and eng-spa.
//
// Translate runs
//
//	apertium -u -f line <mode>
//
// with every text on its own line of standard input (white space inside a
// text, line breaks included, collapsed to single spaces) and reads one
// line of output per text. The "line" format translates each line on its
// own, so one text cannot change another's translation. -u drops the '*'
// that Apertium puts before a word it does not know: the word is kept, as
// written, as a 1-best translation keeps a word its table lacks; the
// remaining marks ('@' for a lemma without a translation, '#' for a form
// the generator lacks) stay, and a BM25 tokenizer drops them as symbols.
//
// # Versions
//
// Version reports the engine's version (`apertium -V`: "Apertium 3.8.3")
// and, where dpkg-query exists, the Debian version of the package that
// holds the pair's data, so that a run records which translations it
// ranked.
//
// # Errors
//
// A missing engine or mode is ErrNotInstalled, with the Debian package to
// install; a failing subprocess returns its standard error.
package apertium
