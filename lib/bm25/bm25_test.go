package bm25

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
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/ibm1"
)

// toyDocs is the hand-computed collection. Lengths 3, 5, 2: N = 3,
// avgdl = 10/3. With k1 = 0.9, b = 0.4 the length norm
// K(d) = k1·(1 − b + b·|d|/avgdl) = 0.9·(0.6 + 0.12·|d|) is
// d1: 0.864, d2: 1.08, d3: 0.756.
// df: the 2, cat 2, dog 2, sat 1, and 1, a 1, so
// idf(df=2) = ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln 1.6 = 0.470003629245736 and
// idf(df=1) = ln(1 + 2.5/1.5) = ln(8/3).
var toyDocs = []data.Doc{
	{ID: "d1", Text: "The cat sat."},
	{ID: "d2", Text: "the cat and the dog"},
	{ID: "d3", Text: "a dog"},
}

func toyIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := NewIndex(toyDocs, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// checkRun compares a run with want (in order) to 1e-12.
func checkRun(t *testing.T, name string, got []eval.ScoredDoc, want []eval.ScoredDoc) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %v, want %v", name, got, want)
		return
	}
	for i := range want {
		if got[i].DocNo != want[i].DocNo || math.Abs(got[i].Score-want[i].Score) > 1e-12 {
			t.Errorf("%s: rank %d = %v, want %v", name, i+1, got[i], want[i])
		}
	}
}

// TestBM25ByHand checks scores against the hand computation, with
// score(t,d) = idf·tf·(k1+1)/(tf + K(d)) and the constants of toyDocs:
//
//	"cat dog": d1 cat tf 1: ln1.6·1.9/(1 + 0.864)          = 0.479080952557348
//	           d2 cat, dog tf 1 each: 2·ln1.6·1.9/(1 + 1.08) = 0.858660476506632
//	           d3 dog tf 1: ln1.6·1.9/(1 + 0.756)          = 0.508546068090488
//	"the":     d1 tf 1: ln1.6·1.9/1.864                     = 0.479080952557348
//	           d2 tf 2: ln1.6·2·1.9/(2 + 1.08)              = 0.579874607510972
//	"sat sat": d1: query tf 2 counts twice: 2·ln(8/3)·1.9/1.864
//
// (decimals from python3 math.log.)
func TestBM25ByHand(t *testing.T) {
	ix := toyIndex(t)
	l16, l83 := math.Log(1.6), math.Log(8.0/3)
	run := ix.Search([]data.Query{
		{ID: "q1", Text: "cat dog"}, {ID: "q2", Text: "THE"}, {ID: "q3", Text: "sat, sat"}, {ID: "q4", Text: "zebra"},
	}, 0)
	checkRun(t, "cat dog", run["q1"], []eval.ScoredDoc{
		{DocNo: "d2", Score: 0.858660476506632}, {DocNo: "d3", Score: 0.508546068090488}, {DocNo: "d1", Score: 0.479080952557348},
	})
	checkRun(t, "the", run["q2"], []eval.ScoredDoc{
		{DocNo: "d2", Score: l16 * 3.8 / 3.08}, {DocNo: "d1", Score: l16 * 1.9 / 1.864},
	})
	checkRun(t, "sat sat", run["q3"], []eval.ScoredDoc{{DocNo: "d1", Score: 2 * l83 * 1.9 / 1.864}})
	if docs, ok := run["q4"]; !ok || len(docs) != 0 {
		t.Errorf("no-match query: %v, %v; want an empty entry", docs, ok)
	}
	if got := ix.IDF(2); math.Abs(got-0.47000362924573563) > 1e-15 {
		t.Errorf("IDF(2) = %v, want ln 1.6", got)
	}
	if ix.DF("the") != 2 || ix.DF("sat") != 1 || ix.DF("zebra") != 0 || ix.Len() != 3 {
		t.Errorf("DF/Len wrong: %d %d %d %d", ix.DF("the"), ix.DF("sat"), ix.DF("zebra"), ix.Len())
	}
}

// TestTiesTrecOrder: equal scores are ordered by docno descending, as
// trec_eval's comp_sim_docno does, and the depth cut keeps that order.
func TestTiesTrecOrder(t *testing.T) {
	docs := []data.Doc{{ID: "b", Text: "x y"}, {ID: "c", Text: "x y"}, {ID: "a", Text: "x y"}, {ID: "d", Text: "x x"}}
	ix, err := NewIndex(docs, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	run := ix.Search([]data.Query{{ID: "q", Text: "y"}}, 2)
	var got []string
	for _, d := range run["q"] {
		got = append(got, d.DocNo)
	}
	if strings.Join(got, " ") != "c b" || run["q"][0].Score != run["q"][1].Score {
		t.Errorf("tied run = %v, want c then b with equal scores", run["q"])
	}
}

func TestNewIndexErrors(t *testing.T) {
	p := DefaultParams()
	cases := []struct {
		name   string
		docs   []data.Doc
		params Params
		want   error
	}{
		{"no docs", nil, p, ErrNoDocs},
		{"duplicate", []data.Doc{{ID: "a", Text: "x"}, {ID: "a", Text: "y"}}, p, ErrDuplicateDoc},
		{"empty id", []data.Doc{{ID: "", Text: "x"}}, p, ErrBadParam},
		{"negative k1", toyDocs, Params{K1: -1, B: 0.4}, ErrBadParam},
		{"b > 1", toyDocs, Params{K1: 0.9, B: 1.5}, ErrBadParam},
		{"NaN b", toyDocs, Params{K1: 0.9, B: math.NaN()}, ErrBadParam},
	}
	for _, c := range cases {
		if _, err := NewIndex(c.docs, c.params); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// Zero K1 and empty documents are legal: score = idf for every match.
	ix, err := NewIndex([]data.Doc{{ID: "e", Text: "..."}, {ID: "f", Text: "word"}}, Params{})
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, "k1=0", ix.Search([]data.Query{{ID: "q", Text: "word"}}, 0)["q"],
		[]eval.ScoredDoc{{DocNo: "f", Score: math.Log(1 + 1.5/1.5)}})
}

// mapTranslator is a Translator over a fixed table, sorted by the caller.
type mapTranslator map[string][]ibm1.Translation

func (m mapTranslator) Translations(f string, k int) []ibm1.Translation {
	tr := m[f]
	if k > 0 && k < len(tr) {
		tr = tr[:k]
	}
	return tr
}

// TestPSQOneToOneEqualsBM25: with p = 1 translations, tf_psq = tf and
// df_psq = df, so PSQ equals BM25 on the word-by-word translation exactly.
func TestPSQOneToOneEqualsBM25(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const v = 200
	docs := make([]data.Doc, 300)
	for i := range docs {
		docs[i] = data.Doc{ID: fmt.Sprintf("doc%03d", i), Text: randomText(rng, "e", v, 5+rng.IntN(40))}
	}
	ix, err := NewIndex(docs, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	tr := mapTranslator{}
	for w := 0; w < v; w++ {
		tr[fmt.Sprintf("f%d", w)] = []ibm1.Translation{{Word: fmt.Sprintf("e%d", w), Prob: 1}}
	}
	var foreign, english []data.Query
	for q := 0; q < 50; q++ {
		text := randomText(rng, "f", v, 1+rng.IntN(8))
		foreign = append(foreign, data.Query{ID: fmt.Sprint(q), Text: text})
		english = append(english, data.Query{ID: fmt.Sprint(q), Text: strings.ReplaceAll(text, "f", "e")})
	}
	for _, depth := range []int{0, 10} {
		psq := ix.SearchPSQ(foreign, tr, DefaultPSQOptions(), depth)
		mono := ix.Search(english, depth)
		if !reflect.DeepEqual(psq, mono) {
			t.Errorf("depth %d: PSQ with a one-to-one table differs from BM25 on the translation", depth)
		}
	}
}

// randomText draws n words prefix<0..v-1> from a Zipf law.
func randomText(rng *rand.Rand, prefix string, v, n int) string {
	z := rand.NewZipf(rng, 1.2, 1, uint64(v-1))
	w := make([]string, n)
	for i := range w {
		w[i] = fmt.Sprintf("%s%d", prefix, z.Uint64())
	}
	return strings.Join(w, " ")
}

// TestPSQByHand: "mnyama" translates to cat 0.75 and sat 0.25 after the
// cut-off. On toyDocs (df cat 2, sat 1):
//
//	df_psq = 0.75·2 + 0.25·1 = 1.75
//	idf    = ln(1 + (3 − 1.75 + 0.5)/(1.75 + 0.5)) = ln(16/9) = 0.575364144903562
//	d1: tf_psq = 0.75·1 + 0.25·1 = 1    score = ln(16/9)·1.9/(1 + 0.864)          = 0.586476327959639
//	d2: tf_psq = 0.75·1 + 0.25·0 = 0.75 score = ln(16/9)·0.75·1.9/(0.75 + 1.08)  = 0.448029457097036
//	d3: tf_psq = 0: not retrieved.
//
// Every table and option set below reduces to {cat 0.75, sat 0.25}:
// renormalising after the cumulative cut (0.6 + 0.2 ≥ 0.75), after TopK 2,
// or after MinProb 0.1 drops "a" and "dog" (0.05, 0.1 − ε).
func TestPSQByHand(t *testing.T) {
	ix := toyIndex(t)
	want := []eval.ScoredDoc{{DocNo: "d1", Score: 0.586476327959639}, {DocNo: "d2", Score: 0.448029457097036}}
	wide := []ibm1.Translation{{Word: "cat", Prob: 0.6}, {Word: "sat", Prob: 0.2}, {Word: "dog", Prob: 0.0999}, {Word: "a", Prob: 0.05}, {Word: "the", Prob: 0.0501}}
	cases := []struct {
		name string
		tab  []ibm1.Translation
		opts PSQOptions
	}{
		{"exact", []ibm1.Translation{{Word: "cat", Prob: 0.75}, {Word: "sat", Prob: 0.25}}, PSQOptions{}},
		{"cumulative cut", wide, PSQOptions{CumProb: 0.75}},
		{"top 2", wide, PSQOptions{TopK: 2}},
		{"min prob", append(wide[:2:2], ibm1.Translation{Word: "dog", Prob: 0.0999}, ibm1.Translation{Word: "a", Prob: 0.05}), PSQOptions{MinProb: 0.1}},
		{"defaults, mass outside the index", []ibm1.Translation{{Word: "cat", Prob: 0.6}, {Word: "sat", Prob: 0.2}, {Word: "kitty", Prob: 0.2}}, DefaultPSQOptions()},
	}
	for _, c := range cases {
		tr := mapTranslator{"mnyama": c.tab}
		got := ix.SearchPSQ([]data.Query{{ID: "q", Text: "Mnyama"}}, tr, c.opts, 0)
		if c.name == "defaults, mass outside the index" {
			// kitty keeps its 0.2 but adds nothing: weights cat 0.6, sat 0.2.
			// df = 0.6·2 + 0.2 = 1.4, idf = ln(1 + 2.1/1.9);
			// d1 tf 0.8, d2 tf 0.6.
			idf := math.Log(1 + 2.1/1.9)
			checkRun(t, c.name, got["q"], []eval.ScoredDoc{
				{DocNo: "d1", Score: idf * 0.8 * 1.9 / (0.8 + 0.864)},
				{DocNo: "d2", Score: idf * 0.6 * 1.9 / (0.6 + 1.08)},
			})
			continue
		}
		checkRun(t, c.name, got["q"], want)
	}
}

// TestPSQUntranslatable: a term without translations is kept as itself
// when the documents contain it (names, numbers), else dropped.
func TestPSQUntranslatable(t *testing.T) {
	docs := []data.Doc{{ID: "d1", Text: "adopted in 1948"}, {ID: "d2", Text: "the declaration text"}, {ID: "d3", Text: "rights of all"}}
	ix, err := NewIndex(docs, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	tr := mapTranslator{
		"tamko": {{Word: "declaration", Prob: 1}},
		"haki":  {{Word: "rights", Prob: 0.005}, {Word: "law", Prob: 0.005}}, // all below MinProb 0.01, and "haki" is not in the documents
	}
	run := ix.SearchPSQ([]data.Query{
		{ID: "q1", Text: "tamko 1948"}, {ID: "q2", Text: "haki xyz"},
	}, tr, DefaultPSQOptions(), 0)
	// q1: "1948" (df 1) and "declaration" (df 1) each match one document of
	// length 3 = avgdl: K = 0.9, score = ln(8/3)·1.9/1.9 = ln(8/3) for both;
	// tie: docno descending.
	l83 := math.Log(8.0 / 3)
	checkRun(t, "q1", run["q1"], []eval.ScoredDoc{{DocNo: "d2", Score: l83}, {DocNo: "d1", Score: l83}})
	if len(run["q2"]) != 0 {
		t.Errorf("q2 = %v, want nothing", run["q2"])
	}
}

func TestPSQOptionsValidate(t *testing.T) {
	good := []PSQOptions{DefaultPSQOptions(), {}, {TopK: -1, CumProb: 1}}
	bad := []PSQOptions{{CumProb: 1.5}, {CumProb: math.NaN()}, {MinProb: 1}, {MinProb: -0.1}}
	for _, o := range good {
		if err := o.Validate(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	for _, o := range bad {
		if err := o.Validate(); !errors.Is(err, ErrBadParam) {
			t.Errorf("%+v: err = %v, want ErrBadParam", o, err)
		}
	}
}

func TestReadTranslatedQueries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mt.tsv")
	content := "\uFEFF# MT output\nudhr-a01-p1\tAll human beings are born free.\r\n\nudhr-a02-p1\tEveryone is\tentitled\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTranslatedQueries(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []data.Query{{ID: "udhr-a01-p1", Text: "All human beings are born free."}, {ID: "udhr-a02-p1", Text: "Everyone is entitled"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	cases := []struct{ name, content, want string }{
		{"no tab", "q1 some text\n", ":1: no tab"},
		{"empty qid", "q1\tok\n\tno id\n", ":2: empty qid"},
		{"space in qid", "q 1\ttext\n", ":1: qid \"q 1\""},
		{"empty text", "# c\nq1\t  \n", ":2: empty text"},
		{"duplicate", "q1\ta\nq2\tb\nq1\tc\n", ":3: qid \"q1\" repeated (first at line 1)"},
		{"only comments", "# nothing\n\n", "no queries"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".tsv")
		if err := os.WriteFile(p, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadTranslatedQueries(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %s and %q", c.name, err, p, c.want)
		}
		if c.name == "only comments" && !errors.Is(err, ErrEmpty) || c.name != "only comments" && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v has the wrong sentinel", c.name, err)
		}
	}
	if _, err := ReadTranslatedQueries(filepath.Join(dir, "missing.tsv")); err == nil {
		t.Error("missing file: no error")
	}
}

func ExampleIndex_Search() {
	docs := []data.Doc{
		{ID: "d1", Text: "The cat sat."},
		{ID: "d2", Text: "the cat and the dog"},
		{ID: "d3", Text: "a dog"},
	}
	ix, err := NewIndex(docs, DefaultParams())
	if err != nil {
		panic(err)
	}
	run := ix.Search([]data.Query{{ID: "q", Text: "cat dog"}}, 10)
	for _, d := range run["q"] {
		fmt.Printf("%s %.4f\n", d.DocNo, d.Score)
	}
	// Output:
	// d2 0.8587
	// d3 0.5085
	// d1 0.4791
}

func ExampleIndex_SearchPSQ() {
	docs := []data.Doc{
		{ID: "d1", Text: "The cat sat."},
		{ID: "d2", Text: "the cat and the dog"},
		{ID: "d3", Text: "a dog"},
	}
	ix, err := NewIndex(docs, DefaultParams())
	if err != nil {
		panic(err)
	}
	pairs := []data.Pair{{Src: "paka", Tgt: "cat"}, {Src: "mbwa", Tgt: "dog"}, {Src: "paka na mbwa", Tgt: "cat and dog"}}
	tab, err := ibm1.Train(pairs, 10, ibm1.DefaultOptions())
	if err != nil {
		panic(err)
	}
	for _, tr := range tab.Translations("mbwa", 2) {
		fmt.Printf("p(%s|mbwa) = %.4f\n", tr.Word, tr.Prob)
	}
	// dog alone reaches CumProb 0.95, so the query is "dog" with weight 1:
	// the scores are BM25's for "dog".
	run := ix.SearchPSQ([]data.Query{{ID: "q", Text: "mbwa"}}, tab, DefaultPSQOptions(), 10)
	for _, d := range run["q"] {
		fmt.Printf("%s %.4f\n", d.DocNo, d.Score)
	}
	// Output:
	// p(dog|mbwa) = 0.9814
	// p(and|mbwa) = 0.0183
	// d3 0.5085
	// d2 0.4293
}

// TestConcurrentSearch: an Index serves searches from several goroutines
// (run with -race); each gets the serial result.
func TestConcurrentSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	docs := make([]data.Doc, 200)
	for i := range docs {
		docs[i] = data.Doc{ID: fmt.Sprintf("doc%03d", i), Text: randomText(rng, "e", 100, 20)}
	}
	ix, err := NewIndex(docs, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	tr := mapTranslator{}
	for w := 0; w < 100; w++ {
		tr[fmt.Sprintf("f%d", w)] = []ibm1.Translation{{Word: fmt.Sprintf("e%d", w), Prob: 0.8}, {Word: fmt.Sprintf("e%d", (w+3)%100), Prob: 0.2}}
	}
	queries := make([]data.Query, 30)
	for i := range queries {
		queries[i] = data.Query{ID: fmt.Sprint(i), Text: randomText(rng, "f", 100, 4)}
	}
	want := ix.SearchPSQ(queries, tr, DefaultPSQOptions(), 20)
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			if got := ix.SearchPSQ(queries, tr, DefaultPSQOptions(), 20); !reflect.DeepEqual(got, want) {
				errs <- "concurrent SearchPSQ differs from the serial run"
				return
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
