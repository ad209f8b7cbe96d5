package data

import (
	"fmt"
	"regexp"
	"strings"
)

// FreeDict is one pinned FreeDict dictionary of Debian: its package, its
// dictd database name and its source and target languages (ISO 639-3).
type FreeDict struct {
	Package  DebianPackage
	Database string // e.g. "freedict-swh-eng"
	From, To string // ISO 639-3 codes of headwords and translations
}

// Stanza is the DEP-5 "Files:" pattern of the dictionary in its copyright
// file ("swh-eng/*").
func (d FreeDict) Stanza() string { return strings.TrimPrefix(d.Database, "freedict-") + "/*" }

// Installed reports whether the dictionary's files are under root.
func (d FreeDict) Installed(root string) bool { return d.Package.Installed(root) }

func freedict(from, to, version, licence, index, dict, copyright string) FreeDict {
	name := "freedict-" + from + "-" + to
	return FreeDict{
		Package: DebianPackage{Name: "dict-" + name, Version: version, Licence: licence, Copyright: copyright,
			Files: map[string]string{DictdDir + "/" + name + ".index": index, DictdDir + "/" + name + ".dict.dz": dict}},
		Database: name, From: from, To: to,
	}
}

// freedictCopyright is the SHA-256 of the copyright file of the packages
// built from Debian's freedict 2022.04.21-1 source (one file for all).
const freedictCopyright = "410efe9990f843c76ce7c262d38f6d65caa19ed2a5a659e51854e476620497d4"

// The pinned FreeDict dictionaries (Debian bookworm). Digests recorded with
// sha256sum on the installed packages on 2026-12-02; licences are those
// of each dictionary's "Files:" stanza in its copyright file.
var (
	FreeDictSwhEng = freedict("swh", "eng", "2022.04.21-1", "GPL-2+",
		"5e7af092fab17736e19dc29e458a5f18f09cce4078c500527e49f32b915fca17",
		"cd8b66898f5a6904f43140e097bd4d3af0dccd05f5769bde5f149a827aed1133", freedictCopyright)
	FreeDictEngSwh = freedict("eng", "swh", "2022.04.21-1", "GPL-2+",
		"0d84047a51c9b4c3225ac5bde0c0f069b96cc7f8639b35914ce2249ca0a2c2ca",
		"10056beceb9fc2fe32d12eaa7624e93dba033b1fa4de9739d18cd0c03843524a", freedictCopyright)
	FreeDictDeuEng = freedict("deu", "eng", "2022.04.21-1", "GPL-3+",
		"0e8ccd3bc0f8848cb67ee01b97968092c1037ee92dee7f8d1e878de49e75cbbd",
		"7eff8dad06ac1227e5e251f5439cabb095cd16d05c1e2af5f330e98dec433616", freedictCopyright)
	FreeDictFraEng = freedict("fra", "eng", "2022.04.21-1", "GPL-2+",
		"1e592f4caa40294377e8ee4bf5e4dc18c730fe79addf4f039eec2eec265540c5",
		"03fdb4912187359faf0f0801b15510937a4d5f2ea9000dbd4968d921947a1175", freedictCopyright)
	FreeDictSpaEng = freedict("spa", "eng", "2022.04.21-1", "GPL-2+",
		"e874c04f3912812b7e128c9fdd6b10b96ffe6624b09bc4353f9cfa761208c90d",
		"c62e089dc5797e337457cdc22abd0d510df18901a32e84b0d173da6bc6ef66da", freedictCopyright)
	// FreeDictFinEng is built from Debian's freedict-wikdict source
	// (Wiktionary via WikDict); its articles add a Finnish definition
	// after each English translation.
	FreeDictFinEng = freedict("fin", "eng", "2022.12.07-2", "CC-BY-SA-3.0",
		"939a5f1d98c8009ad72286f58227edaf4e2003cc779c86c205d803634d94eba8",
		"faf1978d582115eaa8c150988614997d058640010c45e07eaaac9d3b5ebc941f",
		"30b381abeb0d669257c25ea1d93c5811d7c5868735c380c84bde1ee1da7bb79a")
)

// FreeDicts are the pinned dictionaries, foreign → English first.
func FreeDicts() []FreeDict {
	return []FreeDict{FreeDictSwhEng, FreeDictDeuEng, FreeDictFraEng, FreeDictSpaEng, FreeDictFinEng, FreeDictEngSwh}
}

// FreeDictToEnglish is the pinned lang → English dictionary, if any.
func FreeDictToEnglish(lang string) (FreeDict, bool) {
	for _, d := range FreeDicts() {
		if d.From == ISOOf(lang) && d.To == "eng" {
			return d, true
		}
	}
	return FreeDict{}, false
}

// FreeDictEntry is one FreeDict article.
type FreeDictEntry struct {
	Headword string // as the article writes it ("Billiglohnländer")
	Gram     string // the headword's grammar label, e.g. "n, masc" ("" when none)
	POS      string // WordNet part of speech of Gram: n, v, a, r or ""
	Senses   []FreeDictSense
	// Examples are example sentences in the headword's language with their
	// translation (Src foreign, Tgt the other language, Origin
	// OriginFreeDictExample).
	Examples []Pair
}

// FreeDictSense is one numbered sense (or the only one) of an article.
type FreeDictSense struct {
	Translations []string // in the dictionary's target language
	// Definitions are further lines of the sense, in the headword's
	// language (FreeDictFinEng's Finnish definitions).
	Definitions []string
}

// Translations are the translations of every sense, in order, without
// repeats.
func (e FreeDictEntry) Translations() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range e.Senses {
		for _, t := range s.Translations {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// Pair origins of FreeDict.
const (
	OriginFreeDict        = "freedict"
	OriginFreeDictExample = "freedict-example"
)

// LoadFreeDict reads and parses a pinned dictionary under root (the system
// root, "/"): ReadDictd, then ParseFreeDictArticle for every article.
// Articles with no translation (only cross-references) are skipped. An
// article that cannot be parsed is ErrMalformed naming the file and the
// article's headword.
func LoadFreeDict(root string, d FreeDict) ([]FreeDictEntry, error) {
	arts, err := ReadDictd(d.Package, root, d.Database)
	if err != nil {
		return nil, err
	}
	out := make([]FreeDictEntry, 0, len(arts))
	for _, a := range arts {
		e, err := ParseFreeDictArticle(a.Body)
		if err != nil {
			return nil, fmt.Errorf("%w: %s/%s/%s.dict.dz at byte %d (index headword %q): %v",
				ErrMalformed, root, DictdDir, d.Database, a.Offset, a.Headword, err)
		}
		if len(e.Translations()) > 0 {
			out = append(out, e)
		}
	}
	return out, nil
}

var (
	// A trailing grammar label of a translation: "computer maker <n>".
	freedictGram  = regexp.MustCompile(`\s*<[^<>]*>\s*$`)
	freedictSense = regexp.MustCompile(`^(\d+)\.\s*(.*)$`)
	// An indented example: `"Ich denke …"  - I am thinking …`.
	freedictExample = regexp.MustCompile(`^\s+"(.+)"\s+- (.+)$`)
	freedictLabel   = regexp.MustCompile(`^\[[^\]]*\]\s*`)
)

// ParseFreeDictArticle parses one article as FreeDict's TEI-to-dictd
// conversion writes it:
//
//	Headword /pron/ <gram>
//	1. translation, translation <gram>
//	definition in the headword's language
//	   Synonym: {…}
//	      "example"  - translation
//	 see: {…}
//
// The first line is the headword; a line "N. …" starts sense N (its text,
// or the next line when it has none, is the translation line); in each
// sense the first unindented line is the translation line and later ones
// are definitions; "; …" lines continue the translation line (swh-eng); a
// leading "[domain] " label is dropped; indented lines are synonyms,
// notes, examples (kept in Examples) and cross-references (dropped).
// Translation lines are split at ", " and "; " outside brackets, each
// item without its trailing "<gram>" label.
func ParseFreeDictArticle(body string) (FreeDictEntry, error) {
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	head, gram := splitFreeDictHead(lines[0])
	if head == "" {
		return FreeDictEntry{}, fmt.Errorf("no headword in first line %q", lines[0])
	}
	e := FreeDictEntry{Headword: head, Gram: gram, POS: WordNetPOS(gram)}
	var cur *FreeDictSense
	open := func() {
		e.Senses = append(e.Senses, FreeDictSense{})
		cur = &e.Senses[len(e.Senses)-1]
	}
	for _, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "\t") {
			if x := freedictExample.FindStringSubmatch(line); x != nil {
				e.Examples = append(e.Examples, Pair{Src: strings.TrimSpace(x[1]), Tgt: strings.TrimSpace(x[2]), Origin: OriginFreeDictExample})
			}
			continue
		}
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "see:") {
			continue
		}
		if s := freedictSense.FindStringSubmatch(t); s != nil {
			open()
			if s[2] != "" {
				cur.Translations = splitTranslations(s[2])
			}
			continue
		}
		if cur == nil {
			open()
		}
		switch {
		case strings.HasPrefix(t, ";") && len(cur.Translations) > 0:
			cur.Translations = append(cur.Translations, splitTranslations(strings.TrimPrefix(t, ";"))...)
		case len(cur.Translations) == 0:
			cur.Translations = splitTranslations(t)
		default:
			cur.Definitions = append(cur.Definitions, t)
		}
	}
	return e, nil
}

// splitFreeDictHead splits an article's first line "Headword /pron/ <gram>
// more" into the headword and the grammar label; pronunciation, label and
// what follows ("(pl: {maabiria})") are optional. The pronunciation is the
// last " /…/" before the label, so a headword may itself hold " / ".
func splitFreeDictHead(line string) (head, gram string) {
	rest := ""
	head = line
	if i := strings.Index(line, " <"); i >= 0 {
		head, rest = line[:i], line[i+2:]
		if j := strings.IndexByte(rest, '>'); j >= 0 {
			gram = strings.TrimSpace(rest[:j])
		}
	}
	if strings.HasSuffix(head, "/") {
		if i := strings.LastIndex(head[:len(head)-1], " /"); i >= 0 {
			head = head[:i]
		}
	}
	return strings.TrimSpace(head), gram
}

// splitTranslations splits a translation line at ", " and "; " outside
// brackets, dropping a leading "[domain]" label and each item's trailing
// "<gram>" label.
func splitTranslations(s string) []string {
	s = freedictLabel.ReplaceAllString(strings.TrimSpace(s), "")
	var out []string
	depth, start := 0, 0
	emit := func(part string) {
		part = strings.TrimSpace(freedictGram.ReplaceAllString(part, ""))
		part = strings.TrimSpace(freedictLabel.ReplaceAllString(part, ""))
		if part != "" {
			out = append(out, part)
		}
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{', '<':
			depth++
		case ')', ']', '}', '>':
			if depth > 0 {
				depth--
			}
		case ',', ';':
			if depth == 0 && (i+1 == len(s) || s[i+1] == ' ') {
				emit(s[start:i])
				start = i + 1
			}
		}
	}
	emit(s[start:])
	return out
}

// WordNetPOS maps a FreeDict grammar label ("n, masc", "v, intr", "adj",
// "pn", "pl", "vt") to a WordNet part of speech: n (nouns, proper nouns,
// plurals), v, a (adjectives; WordNet's satellites "s" match it) or r
// (adverbs); "" when the label names none of them.
func WordNetPOS(gram string) string {
	for _, f := range strings.FieldsFunc(gram, func(r rune) bool { return r == ',' || r == ' ' }) {
		switch f {
		case "n", "pn", "pl", "nm", "nf":
			return "n"
		case "v", "vt", "vi", "vr":
			return "v"
		case "adj", "a":
			return "a"
		case "adv":
			return "r"
		}
	}
	return ""
}
