package ibm1

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/data"
)

// houseBook is the toy corpus of Koehn, "Statistical Machine Translation"
// (2010), section 4.2.3 (IBM Model 1 EM example), with German as the foreign
// side.
var houseBook = []data.Pair{
	{Src: "das Haus", Tgt: "the house"},
	{Src: "das Buch", Tgt: "the book"},
	{Src: "ein Buch", Tgt: "a book"},
}

// TestHouseBookByHand checks two EM iterations against a hand derivation
// (no NULL word, no pruning).
//
// English vocabulary {the, house, book, a}: t0(e|f) = 1/4 for all pairs.
//
// Iteration 1, E-step: in every pair each English word has two equally
// likely foreign sources, so every co-occurrence gets count 1/2:
//
//	das:  the 1/2+1/2 = 1, house 1/2, book 1/2     total 2
//	haus: the 1/2, house 1/2                       total 1
//	buch: the 1/2, book 1/2+1/2 = 1, a 1/2         total 2
//	ein:  a 1/2, book 1/2                          total 1
//
// M-step: t(the|das) = 1/2, t(house|das) = t(book|das) = 1/4;
// t(the|haus) = t(house|haus) = 1/2; t(book|buch) = 1/2,
// t(the|buch) = t(a|buch) = 1/4; t(a|ein) = t(book|ein) = 1/2.
//
// Iteration 2, E-step (c = t(e|f) / Σ_f' t(e|f')):
//
//	das haus / the house: the: 1/2 / (1/2+1/2) -> das 1/2, haus 1/2
//	                      house: das 1/4 / 3/4 = 1/3, haus 1/2 / 3/4 = 2/3
//	das buch / the book:  the: das 1/2 / 3/4 = 2/3, buch 1/3
//	                      book: das 1/4 / 3/4 = 1/3, buch 2/3
//	ein buch / a book:    a: ein 1/2 / 3/4 = 2/3, buch 1/3
//	                      book: ein 1/2 / 1 = 1/2, buch 1/2
//
// Counts: das: the 1/2+2/3 = 7/6, house 1/3, book 1/3 (total 11/6);
// haus: the 1/2, house 2/3 (7/6); buch: the 1/3, book 2/3+1/2 = 7/6, a 1/3
// (11/6); ein: a 2/3, book 1/2 (7/6).
//
// M-step: t(the|das) = 7/11, t(house|das) = t(book|das) = 2/11;
// t(the|haus) = 3/7, t(house|haus) = 4/7; t(book|buch) = 7/11,
// t(the|buch) = t(a|buch) = 2/11; t(a|ein) = 4/7, t(book|ein) = 3/7.
func TestHouseBookByHand(t *testing.T) {
	opts := Options{MinProb: -1}
	cases := []struct {
		iterations int
		e, f       string
		want       float64
	}{
		{1, "the", "das", 1.0 / 2}, {1, "house", "das", 1.0 / 4}, {1, "book", "das", 1.0 / 4},
		{1, "the", "haus", 1.0 / 2}, {1, "house", "haus", 1.0 / 2},
		{1, "the", "buch", 1.0 / 4}, {1, "book", "buch", 1.0 / 2}, {1, "a", "buch", 1.0 / 4},
		{1, "a", "ein", 1.0 / 2}, {1, "book", "ein", 1.0 / 2},
		{1, "a", "das", 0}, // never co-occur
		{2, "the", "das", 7.0 / 11}, {2, "house", "das", 2.0 / 11}, {2, "book", "das", 2.0 / 11},
		{2, "the", "haus", 3.0 / 7}, {2, "house", "haus", 4.0 / 7},
		{2, "the", "buch", 2.0 / 11}, {2, "book", "buch", 7.0 / 11}, {2, "a", "buch", 2.0 / 11},
		{2, "a", "ein", 4.0 / 7}, {2, "book", "ein", 3.0 / 7},
	}
	tables := map[int]*Table{}
	for _, c := range cases {
		tab, ok := tables[c.iterations]
		if !ok {
			var err error
			if tab, err = Train(houseBook, c.iterations, opts); err != nil {
				t.Fatal(err)
			}
			tables[c.iterations] = tab
		}
		if got := tab.Prob(c.e, c.f); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("iteration %d: t(%s|%s) = %.15f, want %.15f", c.iterations, c.e, c.f, got, c.want)
		}
	}
}

// TestHouseBookConverges: with more iterations the pigeonhole effect makes
// t(the|das), t(house|haus), t(book|buch) and t(a|ein) dominate (Koehn 2010,
// table 4.3: they approach 1).
func TestHouseBookConverges(t *testing.T) {
	for _, null := range []bool{false, true} {
		tab, err := Train(houseBook, 20, Options{NullWord: null, MinProb: -1})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]string{{"das", "the"}, {"haus", "house"}, {"buch", "book"}, {"ein", "a"}} {
			tr := tab.Translations(c[0], 1)
			if len(tr) != 1 || tr[0].Word != c[1] || tr[0].Prob < 0.5 {
				t.Errorf("null=%v: top translation of %s = %v, want %s with prob > 0.5", null, c[0], tr, c[1])
			}
		}
	}
}

// synthetic generates n pairs from a hidden one-to-one dictionary f<i> <->
// e<i> over a Zipf-like vocabulary of v words: each English sentence is the
// word-by-word translation, shuffled, plus one noise word.
func synthetic(n, v int, seed uint64) []data.Pair {
	rng := rand.New(rand.NewPCG(seed, 1))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(v-1))
	pairs := make([]data.Pair, n)
	for p := range pairs {
		l := 5 + rng.IntN(15)
		fs, es := make([]string, l), make([]string, l, l+1)
		for i := range fs {
			w := zipf.Uint64()
			fs[i] = fmt.Sprintf("f%d", w)
			es[i] = fmt.Sprintf("e%d", w)
		}
		rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		es = append(es, fmt.Sprintf("e%d", zipf.Uint64()))
		pairs[p] = data.Pair{Src: strings.Join(fs, " "), Tgt: strings.Join(es, " ")}
	}
	return pairs
}

func TestSyntheticDictionaryRecovered(t *testing.T) {
	tab, err := Train(synthetic(1000, 300, 7), 10, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// The 50 most frequent foreign words each occur hundreds of times; EM must
	// put the hidden translation first.
	for w := 0; w < 50; w++ {
		f, e := fmt.Sprintf("f%d", w), fmt.Sprintf("e%d", w)
		if tr := tab.Translations(f, 1); len(tr) == 0 || tr[0].Word != e {
			t.Errorf("top translation of %s = %v, want %s", f, tr, e)
		}
	}
}

func TestProbabilitiesSumToOne(t *testing.T) {
	for _, opts := range []Options{DefaultOptions(), {MinProb: -1}, {NullWord: true, MinProb: 0.05}} {
		tab, err := Train(synthetic(300, 200, 3), 5, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range tab.Sources() {
			sum := 0.0
			tr := tab.Translations(f, 0)
			for i, x := range tr {
				sum += x.Prob
				if opts.MinProb > 0 && x.Prob < opts.MinProb-1e-12 {
					// renormalisation only raises probabilities
					t.Errorf("%+v: t(%s|%s) = %g below MinProb", opts, x.Word, f, x.Prob)
				}
				if i > 0 && (tr[i-1].Prob < x.Prob || tr[i-1].Prob == x.Prob && tr[i-1].Word > x.Word) {
					t.Errorf("%+v: translations of %s not sorted at %d: %v", opts, f, i, tr[i-1:i+1])
				}
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("%+v: Σ_e t(e|%s) = %.12f, want 1", opts, f, sum)
			}
		}
		if opts.NullWord && tab.Translations(NullToken, 1) == nil {
			t.Errorf("%+v: NULL row missing", opts)
		}
		if !opts.NullWord && tab.Translations(NullToken, 1) != nil {
			t.Errorf("%+v: NULL row present without NullWord", opts)
		}
	}
}

// TestLogLikelihoodIncreases: EM never decreases the likelihood (Dempster,
// Laird and Rubin 1977); Model 1's is concave, so it rises until converged.
func TestLogLikelihoodIncreases(t *testing.T) {
	for _, pairs := range [][]data.Pair{houseBook, synthetic(200, 100, 5)} {
		_, ll, err := train(pairs, 8, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(ll); i++ {
			if ll[i] < ll[i-1]-1e-9*math.Abs(ll[i-1]) {
				t.Errorf("log-likelihood fell at iteration %d: %v", i, ll)
			}
		}
		if ll[len(ll)-1] <= ll[0] {
			t.Errorf("log-likelihood did not rise: %v", ll)
		}
	}
}

func TestDeterministic(t *testing.T) {
	pairs := synthetic(300, 150, 11)
	a, err := Train(pairs, 5, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(pairs, 5, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.sorted, b.sorted) {
		t.Error("two trainings on the same bitext differ")
	}
}

func TestTranslationsK(t *testing.T) {
	tab, err := Train(houseBook, 2, Options{MinProb: -1})
	if err != nil {
		t.Fatal(err)
	}
	// From TestHouseBookByHand, iteration 2: buch -> book 7/11, then a and the
	// tied at 2/11, ordered by word.
	want := []Translation{{"book", 7.0 / 11}, {"a", 2.0 / 11}, {"the", 2.0 / 11}}
	got := tab.Translations("buch", 0)
	if len(got) != 3 {
		t.Fatalf("Translations(buch, 0) = %v", got)
	}
	for i := range want {
		if got[i].Word != want[i].Word || math.Abs(got[i].Prob-want[i].Prob) > 1e-12 {
			t.Errorf("Translations(buch)[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if got := tab.Translations("buch", 2); len(got) != 2 || got[1].Word != "a" {
		t.Errorf("Translations(buch, 2) = %v", got)
	}
	got[0].Prob = 99 // a copy: the table must not change
	if tab.Prob("book", "buch") == 99 {
		t.Error("Translations returned the table's own slice")
	}
	if tr := tab.Translations("unbekannt", 5); tr != nil {
		t.Errorf("unknown word: %v", tr)
	}
}

func TestTrainErrors(t *testing.T) {
	cases := []struct {
		name  string
		pairs []data.Pair
		iters int
		opts  Options
		want  error
	}{
		{"nil bitext", nil, 5, DefaultOptions(), ErrEmptyBitext},
		{"only punctuation", []data.Pair{{Src: "...", Tgt: "!"}, {Src: "", Tgt: "the"}}, 5, DefaultOptions(), ErrEmptyBitext},
		{"zero iterations", houseBook, 0, DefaultOptions(), ErrBadOption},
		{"MinProb 1", houseBook, 1, Options{MinProb: 1}, ErrBadOption},
		{"MinProb NaN", houseBook, 1, Options{MinProb: math.NaN()}, ErrBadOption},
	}
	for _, c := range cases {
		if _, err := Train(c.pairs, c.iters, c.opts); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestTerms(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Kila mtu ana haki, (a) ya uhuru.", "kila mtu ana haki a ya uhuru"},
		{"ሰው፡ልጅ።", "ሰው ልጅ"}, // U+1361 separates, U+1362 is punctuation
		{"1948 — «Ｄｅｃｌａｒａｔｉｏｎ»", "1948 declaration"},
		{"?!", ""},
	}
	for _, c := range cases {
		if got := strings.Join(Terms(c.in), " "); got != c.want {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	tab, err := Train(synthetic(200, 100, 13), 4, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "t.tsv")
	if err := tab.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tab.sorted, back.sorted) || !reflect.DeepEqual(tab.probs, back.probs) {
		t.Error("Load(Save(t)) differs from t")
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"empty", "", "empty file"},
		{"no header", "das\tthe\t0.5\n", ":1: header"},
		{"two fields", fileHeader + "\ndas\tthe\n", ":2: want"},
		{"bad prob", fileHeader + "\ndas\tthe\t0.5\ndas\thouse\tx\n", ":3: probability"},
		{"zero prob", fileHeader + "\ndas\tthe\t0\n", ":2: probability"},
		{"duplicate", fileHeader + "\ndas\tthe\t0.5\ndas\tthe\t0.5\n", ":3: duplicate"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "t.tsv")
		if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrMalformed naming %s and %q", c.name, err, path, c.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file: no error")
	}
}

func ExampleTrain() {
	pairs := []data.Pair{
		{Src: "das Haus", Tgt: "the house"},
		{Src: "das Buch", Tgt: "the book"},
		{Src: "ein Buch", Tgt: "a book"},
	}
	tab, err := Train(pairs, 2, Options{MinProb: -1})
	if err != nil {
		panic(err)
	}
	// Words are terms, lower-cased by Terms.
	for _, tr := range tab.Translations("buch", 0) {
		fmt.Printf("t(%s|buch) = %.4f\n", tr.Word, tr.Prob)
	}
	// Output:
	// t(book|buch) = 0.6364
	// t(a|buch) = 0.1818
	// t(the|buch) = 0.1818
}

// BenchmarkTrain times 10 EM iterations on 3,000 synthetic pairs of 5..19
// foreign words (Zipf vocabulary of 5,000), NULL word on.
func BenchmarkTrain(b *testing.B) {
	pairs := synthetic(3000, 5000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Train(pairs, 10, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBest: the 1-best translations of the house/book corpus after two
// iterations are the maxima of TestHouseBookByHand's derivation:
// t(the|das) = 7/11, t(house|haus) = 4/7, t(book|buch) = 7/11,
// t(a|ein) = 4/7.
func TestBest(t *testing.T) {
	tab, err := Train(houseBook, 2, Options{MinProb: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f, e string
		p    float64
	}{
		{"das", "the", 7.0 / 11}, {"haus", "house", 4.0 / 7}, {"buch", "book", 7.0 / 11}, {"ein", "a", 4.0 / 7},
	} {
		got, ok := tab.Best(tc.f)
		if !ok || got.Word != tc.e || math.Abs(got.Prob-tc.p) > 1e-12 {
			t.Errorf("Best(%q) = %+v, %v; want %s %.6f", tc.f, got, ok, tc.e, tc.p)
		}
	}
	if got, ok := tab.Best("auto"); ok {
		t.Errorf("Best of an unknown word = %+v, want ok false", got)
	}
	for _, tc := range []struct {
		in, want       string
		terms, unknown int
	}{
		{"Das Haus, ein Buch!", "the house a book", 4, 0}, // Terms lower-cases and drops punctuation
		{"das Auto", "the auto", 2, 1},                    // unknown words are kept
		{"", "", 0, 0},
	} {
		got, n, unk := tab.TranslateBest(tc.in)
		if got != tc.want || n != tc.terms || unk != tc.unknown {
			t.Errorf("TranslateBest(%q) = %q, %d terms, %d unknown; want %q, %d, %d", tc.in, got, n, unk, tc.want, tc.terms, tc.unknown)
		}
	}
}

// ExampleTable_TranslateBest: the 1-best translation of each word, unknown
// words kept (the table of TestBest: two EM iterations on the house/book
// corpus).
func ExampleTable_TranslateBest() {
	tab, _ := Train([]data.Pair{
		{Src: "das Haus", Tgt: "the house"},
		{Src: "das Buch", Tgt: "the book"},
		{Src: "ein Buch", Tgt: "a book"},
	}, 2, Options{MinProb: -1})
	text, terms, unknown := tab.TranslateBest("Ein Haus, das Auto.")
	fmt.Printf("%q: %d terms, %d unknown\n", text, terms, unknown)
	// Output: "a house the auto": 4 terms, 1 unknown
}
