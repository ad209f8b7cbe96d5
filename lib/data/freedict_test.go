package data

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/manifest"
)

// fixtureSwh pins testdata/debroot: nine articles of the real
// freedict-swh-eng 2022.04.21-1 (GPL-2+), cut out with their index lines
// re-numbered, and the swh-eng stanza of its copyright file. Digests from
// sha256sum on the fixture files.
var fixtureSwh = freedict("swh", "eng", "2022.04.21-1", "GPL-2+",
	"7910b752f0ace8a5871af59dfc6dcc02bfd129cbaa00617947ab398676638b9d",
	"bb91fdad8571f3cb4306a4229149dcefc88a2758e624e7c994b1247bf7487980",
	"75598af501b14fc4fb7ab57a00ac96d93e64469c6d378e19b6ee7c8790bf3a29")

const fixtureRoot = "testdata/debroot"

func TestParseDictdNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"A", 0, true}, {"B", 1, true}, {"/", 63, true},
		{"B2", 1*64 + 54, true},            // 'B' = 1, '2' = 54 in the base64 alphabet
		{"DX+", 3*4096 + 23*64 + 62, true}, // freedict-swh-eng.index: abiria at 13,822
		{"", 0, false}, {"A=", 0, false}, {"AAAAAAAAA", 0, false},
	} {
		got, err := ParseDictdNumber(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDictdNumber(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestLoadFreeDictFixture(t *testing.T) {
	if err := fixtureSwh.Package.Verify(fixtureRoot, fixtureSwh.Stanza()); err != nil {
		t.Fatal(err)
	}
	es, err := LoadFreeDict(fixtureRoot, fixtureSwh)
	if err != nil {
		t.Fatal(err)
	}
	// The articles as printed by zcat of the fixture (same text as the
	// real package's): two "kwenye" and three "la" articles.
	want := []FreeDictEntry{
		{Headword: "abiria", Gram: "n", POS: "n", Senses: []FreeDictSense{{Translations: []string{"passenger"}}}},
		{Headword: "acha", Gram: "v", POS: "v", Senses: []FreeDictSense{{Translations: []string{"leave"}}, {Translations: []string{"quit", "stop doing sth"}}}},
		{Headword: "jiko", Gram: "n", POS: "n", Senses: []FreeDictSense{{Translations: []string{"kitchen"}}, {Translations: []string{"fireplace"}}}},
		{Headword: "kwenye", Gram: "prep", Senses: []FreeDictSense{{Translations: []string{"in", "at", "on"},
			Definitions: []string{"(this is a form of {enye}, lexicalized in a prepositional/locative", "function)"}}}},
		{Headword: "kwenye", Gram: "cop, poss, agr: 15,17", Senses: []FreeDictSense{{Translations: []string{"having", "with"}}}},
		{Headword: "la", Gram: "v", POS: "v", Senses: []FreeDictSense{{Translations: []string{"eat"}}}},
		{Headword: "la", Gram: "interj", Senses: []FreeDictSense{{Translations: []string{"no"}}}},
		{Headword: "la", Gram: "prt, poss, agr: 5", Senses: []FreeDictSense{{Translations: []string{"of"}}}},
		{Headword: "shauri", Gram: "n", POS: "n", Senses: []FreeDictSense{{Translations: []string{"advice", "counsel"}},
			{Translations: []string{"design", "diagram", "plan", "plane"}}, {Translations: []string{"plan", "project", "scheme"}}}},
	}
	if !reflect.DeepEqual(es, want) {
		t.Errorf("got\n%+v\nwant\n%+v", es, want)
	}
	if got := es[8].Translations(); !reflect.DeepEqual(got, []string{"advice", "counsel", "design", "diagram", "plan", "plane", "project", "scheme"}) {
		t.Errorf("Translations() = %q", got)
	}
}

func TestParseFreeDictArticle(t *testing.T) {
	for _, tc := range []struct {
		body string
		want FreeDictEntry
	}{
		{ // freedict-deu-eng: domain label, item labels, an example, synonyms, see-also
			"PC-Hersteller /pˌeːtsˈeː hˈɛɾʃtɛlɜ/ <masc, n, sg>\n [comp.] computer maker <n>\n      \"PC-Hersteller\"  - computer makers\n   Synonym: {Computer-Hersteller}\n\n",
			FreeDictEntry{Headword: "PC-Hersteller", Gram: "masc, n, sg", POS: "n", Senses: []FreeDictSense{{Translations: []string{"computer maker"}}},
				Examples: []Pair{{Src: "PC-Hersteller", Tgt: "computer makers", Origin: OriginFreeDictExample}}},
		},
		{ // freedict-fin-eng: a Finnish definition after each translation
			"Oinas /ˈoinas/ <pn>\n1. Aries\neläinradan tähdistö pohjoisella tähtitaivaalla\n2. Aries, Ram\najankohtaan 21.3. — 19.4. liittyvä horoskooppimerkki\n",
			FreeDictEntry{Headword: "Oinas", Gram: "pn", POS: "n", Senses: []FreeDictSense{
				{Translations: []string{"Aries"}, Definitions: []string{"eläinradan tähdistö pohjoisella tähtitaivaalla"}},
				{Translations: []string{"Aries", "Ram"}, Definitions: []string{"ajankohtaan 21.3. — 19.4. liittyvä horoskooppimerkki"}}}},
		},
		{ // freedict-spa-eng: no grammar label, numbered senses on one line
			"cinta /θˈinta/\n1. bond, tie\n2. connection, league\n3. ribbon\n",
			FreeDictEntry{Headword: "cinta", Senses: []FreeDictSense{{Translations: []string{"bond", "tie"}},
				{Translations: []string{"connection", "league"}}, {Translations: []string{"ribbon"}}}},
		},
		{ // a headword holding " / " (deu-eng synonym lists name such entries)
			"ein bisschen / ein wenig /aɪn/\na little\n",
			FreeDictEntry{Headword: "ein bisschen / ein wenig", Senses: []FreeDictSense{{Translations: []string{"a little"}}}},
		},
	} {
		got, err := ParseFreeDictArticle(tc.body)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFreeDictArticle(%q) =\n%+v, %v\nwant\n%+v", tc.body, got, err, tc.want)
		}
	}
	if _, err := ParseFreeDictArticle(" /x/ <n>\nfoo\n"); err == nil {
		t.Error("an article without a headword parsed")
	}
}

// copyFixture copies testdata/debroot into a temporary root.
func copyFixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(fixtureRoot, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(fixtureRoot, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestFreeDictErrors(t *testing.T) {
	index := DictdDir + "/freedict-swh-eng.index"
	for _, tc := range []struct {
		name    string
		edit    func(root string)
		index   string // when set, the index's text, pinned
		licence string // when set, the pinned licence
		target  error
		msg     string
	}{
		{name: "missing", edit: func(root string) { os.Remove(filepath.Join(root, index)) }, target: ErrDebianMissing,
			msg: "freedict-swh-eng.index is missing"},
		{name: "modified", edit: func(root string) {
			b, _ := os.ReadFile(filepath.Join(root, index))
			os.WriteFile(filepath.Join(root, index), append(b, "x\tA\tB\n"...), 0o644)
		}, target: ErrModified, msg: "freedict-swh-eng.index has SHA-256"},
		{name: "bad line", index: "abiria\tB\t0\nacha\t1\n", target: ErrMalformed, msg: "freedict-swh-eng.index:2: 2 tab-separated fields"},
		{name: "bad digit", index: "abiria\tB*\t0\n", target: ErrMalformed, msg: "index:1: offset"},
		{name: "past end", index: "abiria\tB\t0\nfar\tBAAA\tB\n", target: ErrMalformed, msg: "index:2: article at 262144+1 ends past"},
		{name: "licence", licence: "MIT", target: ErrModified, msg: `gives licence "GPL-2+" for swh-eng/*`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := copyFixture(t)
			d := fixtureSwh
			d.Package.Files = map[string]string{}
			for k, v := range fixtureSwh.Package.Files {
				d.Package.Files[k] = v
			}
			if tc.edit != nil {
				tc.edit(root)
			}
			if tc.index != "" {
				if err := os.WriteFile(filepath.Join(root, index), []byte(tc.index), 0o644); err != nil {
					t.Fatal(err)
				}
				d.Package.Files[index] = manifest.Sum([]byte(tc.index))
			}
			if tc.licence != "" {
				d.Package.Licence = tc.licence
			}
			err := d.Package.Verify(root, d.Stanza())
			if err == nil {
				_, err = LoadFreeDict(root, d)
			}
			if !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v\nwant %v containing %q", err, tc.target, tc.msg)
			}
		})
	}
}

// realDebian skips t when pkg's files are not installed under "/" (`make
// setup-freedict` installs them), and checks them.
func realDebian(t *testing.T, pkg DebianPackage, stanza string) {
	t.Helper()
	if !pkg.Installed("/") {
		t.Skipf("%s is not installed (make setup-freedict installs it: apt-get install %s)", pkg.Name, pkg)
	}
	if err := pkg.Verify("/", stanza); err != nil {
		t.Fatal(err)
	}
}

func TestRealFreeDict(t *testing.T) {
	for _, tc := range []struct {
		d        FreeDict
		articles int // awk -F'\t' '$1 !~ /^00database/ {print $2}' X.index | sort -u | wc -l
		head     string
		trans    []string // zcat X.dict.dz: the article of head
	}{
		{FreeDictSwhEng, 2658, "abudu", []string{"worship", "revere", "adore"}},
		{FreeDictEngSwh, 1450, "read", []string{"soma"}},
		{FreeDictFraEng, 8505, "coing", []string{"quince"}},
		{FreeDictSpaEng, 4502, "cinta", []string{"bond", "tie", "connection", "league", "ribbon"}},
		{FreeDictFinEng, 38634, "tasoristeys", []string{"grade crossing", "level crossing", "railroad crossing"}},
		{FreeDictDeuEng, 517534, "Semikolon", []string{"semicolon", "semi-colon"}},
	} {
		t.Run(tc.d.Database, func(t *testing.T) {
			if testing.Short() && tc.d.Database == FreeDictDeuEng.Database {
				t.Skip("deu-eng is 100 MB decompressed; run without -short")
			}
			realDebian(t, tc.d.Package, tc.d.Stanza())
			arts, err := ReadDictd(tc.d.Package, "/", tc.d.Database)
			if err != nil {
				t.Fatal(err)
			}
			if len(arts) != tc.articles {
				t.Errorf("%d articles, want %d", len(arts), tc.articles)
			}
			es, err := LoadFreeDict("/", tc.d)
			if err != nil {
				t.Fatal(err)
			}
			// Articles without a translation (cross-references only):
			// none but 47 of deu-eng's.
			if len(es) < tc.articles-50 {
				t.Errorf("%d entries of %d articles", len(es), tc.articles)
			}
			found := false
			for _, e := range es {
				if e.Headword == tc.head && reflect.DeepEqual(e.Translations(), tc.trans) {
					found = true
				}
			}
			if !found {
				t.Errorf("no entry %s -> %q", tc.head, tc.trans)
			}
		})
	}
}
