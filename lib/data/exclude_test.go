package data

import (
	"errors"
	"reflect"
	"testing"
)

func TestExclusion(t *testing.T) {
	x := NewExclusion()
	// A WordNet gloss (data.adj, "able") and a FreeDict headword (swh-eng
	// "abiria"): the first leaks by occurring inside a text, the second
	// only by equalling one.
	x.Add("gloss", "having the necessary means or skill or know-how or authority to do something")
	x.Add("word", "abiria")
	x.Add("again", "Abiria.") // the same words: held once
	if x.Len() != 2 {
		t.Fatalf("Len = %d, want 2", x.Len())
	}
	pairs := []Pair{
		{Src: "able", Tgt: "(usually followed by `to') having the necessary means or skill or know-how or authority to do something", Origin: "wordnet"},
		{Src: "abiria", Tgt: "passenger", Origin: "freedict"},
		{Src: "abiria wengi", Tgt: "many passengers", Origin: "freedict"},
		{Src: "skill", Tgt: "an ability that has been acquired by training", Origin: "wordnet"},
	}
	kept, dropped := x.FilterPairs(pairs)
	if dropped != 2 || !reflect.DeepEqual(kept, pairs[2:]) {
		t.Errorf("FilterPairs kept %+v, dropped %d", kept, dropped)
	}
	if err := x.Check(pairs); !errors.Is(err, ErrLeak) {
		t.Errorf("Check(all) = %v, want ErrLeak", err)
	}
	if err := x.Check(kept); err != nil {
		t.Errorf("Check(kept) = %v", err)
	}
	texts := []string{"Abiria!", "abiria wengi", "x having the necessary means or skill or know-how or authority to do something y"}
	if kt, n := x.FilterTexts(texts); n != 2 || !reflect.DeepEqual(kt, texts[1:2]) {
		t.Errorf("FilterTexts = %q, %d", kt, n)
	}
	if err := CheckTextsNoLeak(texts[1:2], x.Texts()); err != nil {
		t.Error(err)
	}
	// Segmented text (WordSepNone): a 5-character query inside a text
	// leaks at MinLeakWords but not at MinLeakChars.
	seg := []string{Segment("世界人权宣言第一条", WordSepNone)}
	q := []Query{{ID: "q", Text: Segment("人权宣言第", WordSepNone)}}
	if err := CheckTextsNoLeak(seg, q); !errors.Is(err, ErrLeak) {
		t.Errorf("CheckTextsNoLeak = %v, want ErrLeak", err)
	}
	if err := CheckTextsNoLeakMin(seg, q, MinLeakUnits(WordSepNone)); err != nil {
		t.Errorf("CheckTextsNoLeakMin = %v", err)
	}
}
