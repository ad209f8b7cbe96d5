package data

import (
	"math"
	"reflect"
	"testing"
)

func TestParseGCIDEArticle(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []GCIDEDefinition
	}{
		{"unnumbered, citation", // gcide.dict.dz, article "Exculpable"
			"Exculpable \\Ex*cul\"pa*ble\\\n   Capable of being exculpated; deserving exculpation. --Sir G.\n   Buck.\n   [1913 Webster]\n",
			[]GCIDEDefinition{{Headword: "Exculpable", Text: "Capable of being exculpated; deserving exculpation."}}},
		{"etymology over two lines, senses, label, quotation", // article "Reduplicate", and a quotation of "Click"
			"Reduplicate \\Re*du\"pli*cate\\ (r?*d?\"pl?*k?t), a. [Pref. re- +\n   duplicate: cf. L. reduplicatus. Cf. {Redouble}.]\n   1. Double; doubled; reduplicative; repeated.\n      [1913 Webster]\n\n   2. (Bot.) Valvate with the margins curved outwardly; -- said\n      of the ?stivation of certain flowers.\n      [1913 Webster]\n\n         The varnished clock that clicked behind the door.\n                                                  --Goldsmith.\n   [1913 Webster]\n",
			[]GCIDEDefinition{{Headword: "Reduplicate", Text: "Double; doubled; reduplicative; repeated."},
				{Headword: "Reduplicate", Text: "Valvate with the margins curved outwardly"}}},
		{"phrases, notes, obsolete label", // parts of article "Apple"
			"Apple \\Ap\"ple\\ ([a^]p\"p'l), n. [OE. appel]\n   4. Anything round like an apple; as, an apple of gold.\n      [1913 Webster]\n\n   Note: Apple is used either adjectively or in combination.\n         [1913 Webster]\n\n   {Apple of the eye}, the pupil.\n\n   {Apple of love}, or {Love apple}, the tomato ({Lycopersicum\n      esculentum}).\n\n   {Apple sauce}, stewed apples. [U. S.]\n\n   {Apple tree}, a tree which naturally bears apples. See\n      {Apple, 2.}\n",
			[]GCIDEDefinition{{Headword: "Apple", Text: "Anything round like an apple; as, an apple of gold."},
				{Headword: "Apple", Phrase: "Apple of the eye", Text: "the pupil."},
				{Headword: "Apple", Phrase: "Apple of love", Text: "the tomato (Lycopersicum esculentum)."},
				{Headword: "Apple", Phrase: "Apple sauce", Text: "stewed apples."},
				{Headword: "Apple", Phrase: "Apple tree", Text: "a tree which naturally bears apples. See Apple, 2."}}},
		{"WordNet senses dropped", // article "cilantro": each sense tagged [WordNet 1.5] in its Syn paragraph
			"cilantro \\cilantro\\ n.\n   1. an Old World herb ({Coriandrum sativum}) with aromatic\n      parsleylike leaves and seed.\n\n   Syn: coriander, coriander plant.\n        [WordNet 1.5]\n",
			nil},
	} {
		got := ParseGCIDEArticle(tc.body)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestInDevStable(t *testing.T) {
	// The side of an item depends only on seed and key.
	n := 0
	for i := 0; i < 10000; i++ {
		k := string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		if InDev(k, 3, 0.1) != InDev(k, 3, 0.1) {
			t.Fatal("InDev is not deterministic")
		}
		if InDev(k, 3, 0.1) {
			n++
		}
	}
	if n < 900 || n > 1100 { // binomial(10000, 0.1): mean 1000, sd 30
		t.Errorf("%d of 10000 keys in dev at fraction 0.1", n)
	}
}

func TestRealGCIDE(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 40 MB of GCIDE; run without -short")
	}
	realDebian(t, GCIDEPackage, "")
	defs, err := LoadGCIDE("/")
	if err != nil {
		t.Fatal(err)
	}
	// 126,236 articles (distinct offsets of gcide.index); the parser keeps
	// 173,456 definitions, 21,603 of them of phrases (counted when this
	// test was written; a parser change that moves them is visible here).
	if len(defs) != 173456 {
		t.Errorf("%d definitions, want 173456", len(defs))
	}
	train, dev, err := EnglishPairs(defs, 1, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d definitions: %d train pairs, %d dev pairs", len(defs), len(train), len(dev))
	if len(train)+len(dev) > len(defs) || len(train)+len(dev) < len(defs)*99/100 || len(dev) < len(defs)/100 || len(dev) > len(defs)*3/100 {
		t.Errorf("split %d/%d of %d", len(train), len(dev), len(defs))
	}
	c, err := EnglishDevCollection(defs, 1, 0.02, 500, 10)
	if err != nil {
		t.Fatal(err)
	}
	checkCollection(t, c)
	for _, f := range []float64{0, 1, -0.5, math.NaN()} {
		if _, _, err := EnglishPairs(defs, 1, f); err == nil {
			t.Errorf("EnglishPairs accepted dev fraction %v", f)
		}
	}
	if len(c.Queries) != 500 {
		t.Errorf("%d queries", len(c.Queries))
	}
	selfRetrieval := 0
	for _, q := range c.Queries {
		for d := range c.Qrels[q.ID] {
			for _, doc := range c.Docs {
				if doc.ID == d && itemKey(doc.Text) == itemKey(q.Text) {
					selfRetrieval++
				}
			}
		}
	}
	if selfRetrieval > 0 {
		t.Errorf("%d relevant documents are their query's text", selfRetrieval)
	}
	// No dev query or document is a training text.
	var docs []Query
	for _, d := range c.Docs {
		docs = append(docs, Query{ID: d.ID, Text: d.Text})
	}
	if err := CheckNoLeak(train, append(c.Queries, docs...)); err != nil {
		t.Error(err)
	}
}
