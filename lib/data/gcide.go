package data

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"regexp"
	"sort"
	"strings"
)

// GCIDEPackage pins Debian's dict-gcide (GCIDE 0.48.5, the GNU
// Collaborative International Dictionary of English: Webster's Revised
// Unabridged Dictionary of 1913 with later additions), GPL-2+ as its
// copyright file states (not machine-readable, so the licence is pinned
// with the file's digest). Digests recorded with sha256sum on the installed
// package on 2026-12-02.
var GCIDEPackage = DebianPackage{Name: "dict-gcide", Version: "0.48.5+nmu2", Licence: "GPL-2+",
	Files: map[string]string{
		DictdDir + "/gcide.index":   "e78de035e075f16dd686dd87a4dbf5b4525130d0550968a02d929f5ddf63a6a1",
		DictdDir + "/gcide.dict.dz": "3e6b2cdcbc1b3664c2f1466e3c8e44012e815c4c67fa83fa61f39777cd6e8517",
	},
	Copyright: "1d68b7acd5dc93e6c143f7e5657d14a036f63851561d7025357c90414487c929"}

// GCIDEDefinition is one definition of a GCIDE article: of its headword,
// or of a phrase the article defines ("{Apple sauce}, stewed apples."), with
// Phrase set to the phrase.
type GCIDEDefinition struct {
	Headword string // the article's headword, e.g. "Apple"
	Phrase   string // the defined phrase ("Apple sauce"), "" for the headword itself
	Text     string // the definition, citations and usage labels removed
}

// Term is what the definition defines: Phrase, else Headword.
func (d GCIDEDefinition) Term() string {
	if d.Phrase != "" {
		return d.Phrase
	}
	return d.Headword
}

// OriginGCIDE is the Origin of GCIDE pairs.
const OriginGCIDE = "gcide"

// LoadGCIDE reads the pinned GCIDE under root ("/") and returns the
// definitions of every article (ParseGCIDEArticle), in article order.
func LoadGCIDE(root string) ([]GCIDEDefinition, error) {
	arts, err := ReadDictd(GCIDEPackage, root, "gcide")
	if err != nil {
		return nil, err
	}
	var out []GCIDEDefinition
	for _, a := range arts {
		out = append(out, ParseGCIDEArticle(a.Body)...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s/%s/gcide.dict.dz has no definitions", ErrMalformed, root, DictdDir)
	}
	return out, nil
}

var (
	gcideNumber = regexp.MustCompile(`^\d+\.\s+`)
	gcideLabels = regexp.MustCompile(`^(\((?:[^()]|\([^()]*\))*\)\.?,?\s*)+`)
	gcideNotes  = regexp.MustCompile(`\s*\[[^\[\]]*\]`)
	gcideSpace  = regexp.MustCompile(`\s+`)
	gcideTag    = regexp.MustCompile(`^\s*\[[^\[\]]*\]\s*$`)
	gcidePhrase = regexp.MustCompile(`^\{([^{}]+)\}(.*)$`)
)

// ParseGCIDEArticle extracts the definitions of one GCIDE article as
// dict-gcide renders it: a header (headword, pronunciation in
// backslashes, part of speech, etymology in brackets, which may run over
// several lines), then paragraphs separated by blank lines, each closed by
// a source tag ("[1913 Webster]", "[PJC]"). A paragraph indented by three
// spaces is a definition ("1. …", "(a) …", or the unnumbered first one
// right after the header) or defines a phrase ("{Apple of the eye}, the
// pupil."); deeper indented paragraphs are quotations, and "Note:" and
// "Syn." paragraphs are dropped. So are paragraphs tagged from WordNet
// ("[WordNet 1.5]"): otclir's WordNet is its own source. Each definition
// is cut at its first " --" (citations, "-- called also", run-on
// derivatives), loses bracketed notes ("[Obs.]"), leading field labels
// ("(Zool.)"), braces and sense numbers; definitions of fewer than two
// words and cross-references ("See {Blight}.") are dropped.
func ParseGCIDEArticle(body string) []GCIDEDefinition {
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	head := lines[0]
	if i := strings.Index(head, " \\"); i >= 0 {
		head = head[:i]
	} else if i := strings.Index(head, ", "); i >= 0 {
		head = head[:i]
	}
	head = strings.TrimSpace(head)
	if head == "" {
		return nil
	}
	// The header runs while a bracket it opened is open, and over lines
	// that open with a bracket right after it ("   [From the South
	// American name.]").
	depth, i := 0, 0
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if i > 0 && depth == 0 && !(strings.HasPrefix(t, "[") && !gcideTag.MatchString(lines[i])) {
			break
		}
		for _, r := range t {
			switch r {
			case '[':
				depth++
			case ']':
				if depth > 0 {
					depth--
				}
			}
		}
	}
	// Paragraphs, each with its source tag; a definition without one
	// takes that of the "Syn:" or "Note:" paragraph right after it (how
	// the WordNet 1.5 senses are tagged).
	type paragraph struct {
		lines  []string
		tag    string
		indent int
	}
	var paras []paragraph
	var cur []string
	end := func() {
		if len(cur) == 0 {
			return
		}
		p := paragraph{indent: len(cur[0]) - len(strings.TrimLeft(cur[0], " "))}
		for _, l := range cur {
			if gcideTag.MatchString(l) {
				p.tag += strings.TrimSpace(l)
			} else {
				p.lines = append(p.lines, strings.TrimSpace(l))
			}
		}
		paras = append(paras, p)
		cur = nil
	}
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			end()
			continue
		}
		cur = append(cur, lines[i])
	}
	end()
	var out []GCIDEDefinition
	for k, p := range paras {
		tag := p.tag
		if tag == "" && k+1 < len(paras) && len(paras[k+1].lines) > 0 {
			if n := paras[k+1].lines[0]; strings.HasPrefix(n, "Syn") || strings.HasPrefix(n, "Note:") {
				tag = paras[k+1].tag
			}
		}
		if strings.Contains(tag, "WordNet") || p.indent > 3 || len(p.lines) == 0 {
			continue // from WordNet, or a quotation
		}
		if d, ok := gcideDefinition(head, strings.Join(p.lines, " ")); ok {
			out = append(out, d)
		}
	}
	return out
}

// gcideDefinition cleans one definition paragraph t of the article of head.
func gcideDefinition(head, t string) (GCIDEDefinition, bool) {
	if strings.HasPrefix(t, "Note:") || strings.HasPrefix(t, "Syn") {
		return GCIDEDefinition{}, false
	}
	d := GCIDEDefinition{Headword: head}
	if m := gcidePhrase.FindStringSubmatch(t); m != nil {
		d.Phrase, t = strings.TrimSpace(m[1]), m[2]
		t = strings.TrimLeft(t, " ,.;:")
		t = strings.TrimLeft(gcideLabels.ReplaceAllString(t, ""), " ,.;:")
		if strings.HasPrefix(t, "or {") { // "{Apple of love}, or {Love apple}, the tomato"
			if j := strings.Index(t, "}"); j >= 0 {
				t = strings.TrimLeft(t[j+1:], " ,.;:")
			}
		}
	}
	t = gcideNumber.ReplaceAllString(t, "")
	if j := strings.Index(t, " --"); j >= 0 {
		t = t[:j]
	}
	if strings.HasPrefix(t, "--") {
		return GCIDEDefinition{}, false
	}
	t = gcideNotes.ReplaceAllString(t, "")
	t = gcideLabels.ReplaceAllString(strings.TrimSpace(t), "")
	t = strings.NewReplacer("{", "", "}", "").Replace(t)
	t = strings.TrimSpace(gcideSpace.ReplaceAllString(t, " "))
	t = strings.TrimRight(t, " ;,:")
	if len(strings.Fields(t)) < 2 || strings.HasPrefix(t, "See ") || strings.HasPrefix(t, "Same as") {
		return GCIDEDefinition{}, false
	}
	d.Text = t
	return d, true
}

// itemKey is the split key of a term: its normalized words.
func itemKey(s string) string { return strings.Join(leakWords(s), " ") }

// InDev reports whether the item key falls in the dev (or test) part of
// a split with seed and fraction: a hash of seed and key, so an item's
// side depends on nothing else (adding items moves none).
func InDev(key string, seed int64, fraction float64) bool {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(key))
	return float64(mix64(h.Sum64())>>11)/float64(1<<53) < fraction
}

// mix64 is SplitMix64's finalizer: FNV's high bits alone are biased for
// short keys.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// EnglishPairs are the English query → document pairs of GCIDE for the
// teacher: a term (headword or phrase) → its definition, Origin "gcide",
// split by term (InDev of its normalized words with seed and devFraction),
// so all definitions of one term fall on one side. Train pairs that hold
// a text of the dev side (EnglishDevExclusion: GCIDE repeats phrases and
// definitions across articles, "And so forth" under both "And" and
// "Forth") are dropped, so CheckNoLeak of train against the dev texts
// holds.
func EnglishPairs(defs []GCIDEDefinition, seed int64, devFraction float64) (train, dev []Pair, err error) {
	if err := checkFraction(devFraction); err != nil {
		return nil, nil, err
	}
	for _, d := range defs {
		p := Pair{Src: d.Term(), Tgt: d.Text, Origin: OriginGCIDE}
		if InDev(itemKey(d.Term()), seed, devFraction) {
			dev = append(dev, p)
		} else {
			train = append(train, p)
		}
	}
	x := NewExclusion()
	for i, p := range dev {
		x.Add(fmt.Sprintf("gcide-dev-%d", i), p.Src)
		x.Add(fmt.Sprintf("gcide-dev-%d", i), p.Tgt)
	}
	train, _ = x.FilterPairs(train)
	return train, dev, nil
}

// checkFraction refuses a dev fraction outside (0, 1), NaN included.
func checkFraction(f float64) error {
	if !(f > 0 && f < 1) {
		return fmt.Errorf("data: dev fraction %v, want in (0, 1)", f)
	}
	return nil
}

// EnglishDevCollection is an English retrieval task that is not
// self-retrieval: queries are dev terms (EnglishPairs' dev side: a word
// or phrase, qid "gcide-q<n>"), documents are all definitions of the dev
// terms (docno "gcide-d<n>"), and the relevant
// documents of a term are its own definitions (rel 1). A query's words
// are rarely in its definitions (a dictionary defines a word by others),
// so lexical matching alone does badly. At most maxQueries terms (<= 0:
// all), chosen by a seeded shuffle of the sorted terms; terms defined more
// than maxRelevant times (<= 0: no limit) are left out ("set", "run").
func EnglishDevCollection(defs []GCIDEDefinition, seed int64, devFraction float64, maxQueries, maxRelevant int) (Collection, error) {
	if err := checkFraction(devFraction); err != nil {
		return Collection{}, err
	}
	c := Collection{Name: "gcide-dev", QueryLang: "eng", DocLang: "eng", Qrels: Qrels{}}
	byTerm := map[string][]string{}
	terms := map[string]string{} // key -> term as written (first seen)
	for _, d := range defs {
		if !InDev(itemKey(d.Term()), seed, devFraction) {
			continue
		}
		id := fmt.Sprintf("gcide-d%d", len(c.Docs)+1)
		c.Docs = append(c.Docs, Doc{ID: id, Text: d.Text})
		k := itemKey(d.Term())
		if k == "" {
			continue
		}
		if _, ok := terms[k]; !ok {
			terms[k] = d.Term()
		}
		byTerm[k] = append(byTerm[k], id)
	}
	keys := make([]string, 0, len(byTerm))
	for k, ids := range byTerm {
		if maxRelevant <= 0 || len(ids) <= maxRelevant {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	newRand(seed).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	if maxQueries > 0 && len(keys) > maxQueries {
		keys = keys[:maxQueries]
	}
	sort.Strings(keys)
	for i, k := range keys {
		qid := fmt.Sprintf("gcide-q%d", i+1)
		c.Queries = append(c.Queries, Query{ID: qid, Text: terms[k]})
		rel := map[string]int{}
		for _, id := range byTerm[k] {
			rel[id] = 1
		}
		c.Qrels[qid] = rel
	}
	if len(c.Queries) == 0 {
		return Collection{}, fmt.Errorf("data: gcide dev collection: no dev term among %d definitions (dev fraction %v)", len(defs), devFraction)
	}
	return c, nil
}
