package data

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Tag is a parsed language tag: the BCP 47 forms people type ("zu",
// "zu-ZA", "pt-BR", "sr-Latn") and the locale names of CLDR ("ha-NE",
// "zh-Hant-HK"), with "_" accepted for "-" ("pt_BR"). Lang is lower case,
// Script title case ("Latn"), Region upper case ("BR", or three digits
// "419"); every other subtag (UDHR's "1996", "monoton", "akuapem") is a
// variant, lower case.
type Tag struct {
	Lang, Script, Region string
	Variants             []string
}

// ParseTag parses s. The first subtag must be 2 or 3 letters (ISO 639-1 or
// 639-3) or "und"; the script is the first 4-letter subtag after it, the
// region the first 2-letter or 3-digit one.
func ParseTag(s string) (Tag, error) {
	parts := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return Tag{}, fmt.Errorf("data: empty language tag %q", s)
	}
	var t Tag
	t.Lang = strings.ToLower(parts[0])
	if !isAlpha(t.Lang) || len(t.Lang) < 2 || len(t.Lang) > 3 {
		return Tag{}, fmt.Errorf("data: language tag %q: the language subtag %q is not 2 or 3 letters", s, parts[0])
	}
	for _, p := range parts[1:] {
		switch {
		case t.Script == "" && t.Region == "" && len(t.Variants) == 0 && len(p) == 4 && isAlpha(p):
			t.Script = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		case t.Region == "" && len(t.Variants) == 0 && ((len(p) == 2 && isAlpha(p)) || (len(p) == 3 && isDigits(p))):
			t.Region = strings.ToUpper(p)
		case isAlnum(p) && len(p) >= 1 && len(p) <= 8:
			t.Variants = append(t.Variants, strings.ToLower(p))
		default:
			return Tag{}, fmt.Errorf("data: language tag %q: bad subtag %q", s, p)
		}
	}
	return t, nil
}

// String is the tag in BCP 47 form, "sr-Latn-RS".
func (t Tag) String() string {
	parts := []string{t.Lang}
	for _, p := range []string{t.Script, t.Region} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(append(parts, t.Variants...), "-")
}

func isAlpha(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// cldrCore is the part of cldr-core's supplemental data the language
// resolution uses: language aliases (ISO 639-3 and macrolanguage codes to
// CLDR's: "zul" → "zu", "swh" → "sw", "tl" → "fil"), likely subtags ("ha"
// → "ha-Latn-NG") and the parents of locales that do not simply drop
// their last subtag ("es-MX" → "es-419").
type cldrCore struct {
	alias   map[string]string // language subtag -> replacement tag
	likely  map[string]string // "lang", "lang-Script", "lang-RR", "und-Script" -> full tag
	parents map[string]string // locale -> parent locale
}

// loadCLDRCore reads supplemental/aliases.json, likelySubtags.json and
// parentLocales.json under the cldr-core package root.
func loadCLDRCore(root string) (*cldrCore, error) {
	c := &cldrCore{alias: map[string]string{}, likely: map[string]string{}, parents: map[string]string{}}
	read := func(rel string, v any) error {
		b, err := readServed(root, rel)
		if err != nil {
			return fmt.Errorf("data: cldr-core: %w", err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%w: %s/%s: %v", ErrMalformed, root, rel, err)
		}
		return nil
	}
	var aliases struct {
		Supplemental struct {
			Metadata struct {
				Alias struct {
					LanguageAlias map[string]struct {
						Replacement string `json:"_replacement"`
					} `json:"languageAlias"`
				} `json:"alias"`
			} `json:"metadata"`
		} `json:"supplemental"`
	}
	if err := read("supplemental/aliases.json", &aliases); err != nil {
		return nil, err
	}
	for k, v := range aliases.Supplemental.Metadata.Alias.LanguageAlias {
		if !strings.ContainsAny(k, "_-") && v.Replacement != "" { // "und_aaland"-style keys are not language subtags
			c.alias[k] = v.Replacement
		}
	}
	var likely struct {
		Supplemental struct {
			LikelySubtags map[string]string `json:"likelySubtags"`
		} `json:"supplemental"`
	}
	if err := read("supplemental/likelySubtags.json", &likely); err != nil {
		return nil, err
	}
	c.likely = likely.Supplemental.LikelySubtags
	var parents struct {
		Supplemental struct {
			ParentLocales struct {
				ParentLocale map[string]string `json:"parentLocale"`
			} `json:"parentLocales"`
		} `json:"supplemental"`
	}
	if err := read("supplemental/parentLocales.json", &parents); err != nil {
		return nil, err
	}
	c.parents = parents.Supplemental.ParentLocales.ParentLocale
	if len(c.alias) == 0 || len(c.likely) == 0 {
		return nil, fmt.Errorf("%w: %s: no language aliases or likely subtags", ErrMalformed, root)
	}
	return c, nil
}

// canonical replaces the language subtag by CLDR's (following alias
// chains); a script or region the replacement carries fills one t lacks
// ("sh" → "sr-Latn", "cnr" → "sr-ME").
func (c *cldrCore) canonical(t Tag) Tag {
	for i := 0; i < 8; i++ {
		repl, ok := c.alias[t.Lang]
		if !ok {
			break
		}
		r, err := ParseTag(strings.Fields(repl)[0])
		if err != nil || r.Lang == t.Lang {
			break
		}
		t.Lang = r.Lang
		if t.Script == "" {
			t.Script = r.Script
		}
		if t.Region == "" {
			t.Region = r.Region
		}
	}
	return t
}

// maximize fills the script and region of a canonical tag from the likely
// subtags (UTS #35's lookup order: lang-Script-RR, lang-RR, lang-Script,
// lang); a tag with no entry is returned as it is.
func (c *cldrCore) maximize(t Tag) Tag {
	keys := []string{}
	if t.Script != "" && t.Region != "" {
		keys = append(keys, t.Lang+"-"+t.Script+"-"+t.Region)
	}
	if t.Region != "" {
		keys = append(keys, t.Lang+"-"+t.Region)
	}
	if t.Script != "" {
		keys = append(keys, t.Lang+"-"+t.Script)
	}
	keys = append(keys, t.Lang)
	for _, k := range keys {
		full, ok := c.likely[k]
		if !ok {
			continue
		}
		m, err := ParseTag(full)
		if err != nil {
			continue
		}
		if t.Script == "" {
			t.Script = m.Script
		}
		if t.Region == "" {
			t.Region = m.Region
		}
		return t
	}
	return t
}

// parent is the locale CLDR inherits locale's data from: parentLocales, else
// locale without its last subtag; "" at the root.
func (c *cldrCore) parent(locale string) string {
	if p, ok := c.parents[locale]; ok {
		if p == "root" || p == "und" {
			return ""
		}
		return p
	}
	if i := strings.LastIndexAny(locale, "-_"); i > 0 {
		return locale[:i]
	}
	return ""
}
