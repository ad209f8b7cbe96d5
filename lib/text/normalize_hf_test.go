package text

import (
	"reflect"
	"testing"
)

func TestLowerFull(t *testing.T) {
	tests := []struct{ in, want string }{
		// Rust's char::to_lowercase maps U+0130 to "i\u0307" (SpecialCasing.txt,
		// unconditional); it has no context, so final sigma stays σ (JavaScript's
		// toLowerCase would give ς).
		{"İstanbul", "i\u0307stanbul"},
		{"ΟΔΟΣ", "οδοσ"},
		{"ÀÉÎÕÜ ẞ Ǆ", "àéîõü ß ǆ"},
		{"ＡＢＣ", "ａｂｃ"},
	}
	for _, tc := range tests {
		if got := lowerFull(tc.in); got != tc.want {
			t.Errorf("lowerFull(%+q) = %+q, want %+q", tc.in, got, tc.want)
		}
	}
}

// TestBertNormalizer walks tokenizers' BertNormalizer steps by hand: clean
// text drops NUL, U+FFFD and Cc/Cf/Co except \t\n\r and turns white space
// into ' '; CJK ideographs get spaces around them; strip accents is NFD then
// dropping Mn; lowercase last.
func TestBertNormalizer(t *testing.T) {
	all := bertNormalizer{cleanText: true, chineseChars: true, stripAccents: true, lowercase: true}
	tests := []struct {
		n        bertNormalizer
		in, want string
	}{
		{all, "a\x00b\ufffdc\u200bd\ufeffe\u00adf\ue000g", "abcdefg"}, // ZWSP, BOM, soft hyphen are Cf; U+E000 is Co
		{all, "a\tb\nc\r\u00a0d\u3000e\u2028f", "a b c  d e f"},
		{all, "中文a𠀀b", " 中  文 a 𠀀 b"},             // U+20000 is in extension B
		{all, "ÉCOLE Ångström", "ecole angstrom"}, // NFD + drop Mn, then lowercase
		{all, "मराठी क्ष", "मराठी कष"},            // Devanagari ा ी (Mc) stay, ् virama (Mn) goes
		{bertNormalizer{cleanText: true, chineseChars: true}, "ÉCOLE 中", "ÉCOLE  中 "},
		{bertNormalizer{lowercase: true}, "İ\x00", "i\u0307\x00"}, // no cleaning, no stripping
	}
	for _, tc := range tests {
		if got := tc.n.normalize(tc.in); got != tc.want {
			t.Errorf("%+v.normalize(%+q) = %+q, want %+q", tc.n, tc.in, got, tc.want)
		}
	}
}

func TestBertPreTokenizer(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello, world!", []string{"Hello", ",", "world", "!"}},
		{"  a  b ", []string{"a", "b"}},
		{"$5+x=<y>", []string{"$", "5", "+", "x", "=", "<", "y", ">"}}, // ASCII symbols count as punctuation
		{"ሰው፡ልጅ።", []string{"ሰው", "፡", "ልጅ", "።"}},                     // Ethiopic wordspace and full stop are Po
		{"a😀b €5", []string{"a😀b", "€5"}},                              // So and Sc are not punctuation
		{"", nil},
	}
	for _, tc := range tests {
		if got := (bertPreTokenizer{}).split(tc.in, true, nil); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("split(%+q) = %+q, want %+q", tc.in, got, tc.want)
		}
	}
}

// TestMetaspace follows tokenizers' Metaspace: ' ' becomes "▁", one is
// prepended unless present (always; first: only for the first segment), and
// the text is cut before every "▁" (MergedWithNext).
func TestMetaspace(t *testing.T) {
	always := metaspacePreTokenizer{replacement: spaceSymbol, prepend: prependAlways, splitWords: true}
	first := metaspacePreTokenizer{replacement: spaceSymbol, prepend: prependFirst, splitWords: true}
	tests := []struct {
		m     metaspacePreTokenizer
		in    string
		first bool
		want  []string
	}{
		{always, "Hello world", false, []string{"▁Hello", "▁world"}},
		{always, " a  b ", false, []string{"▁a", "▁", "▁b", "▁"}},
		{always, "▁x", false, []string{"▁x"}},
		{always, "", false, nil},
		{first, "a b", false, []string{"a", "▁b"}},
		{first, "a b", true, []string{"▁a", "▁b"}},
		{metaspacePreTokenizer{replacement: spaceSymbol, prepend: prependNever}, "a b", true, []string{"a▁b"}},
	}
	for _, tc := range tests {
		if got := tc.m.split(tc.in, tc.first, nil); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v.split(%+q, %v) = %+q, want %+q", tc.m, tc.in, tc.first, got, tc.want)
		}
	}
}

// TestAddedTokens replays the extraction tests of tokenizers'
// tokenizer/added_vocabulary.rs (options_use_cases,
// test_single_word_is_correct, test_single_word_is_unicode_correct,
// test_lstrip_unicode_space), all with a Lowercase normaliser.
func TestAddedTokens(t *testing.T) {
	type split struct {
		text string
		id   int32 // -1: text
	}
	tests := []struct {
		name   string
		tokens []addedToken
		in     string
		want   []split
	}{
		{"options_use_cases", []addedToken{
			{ID: 0, Content: "my", LStrip: true, RStrip: true, Normalized: true},
			{ID: 1, Content: "name", Normalized: true},
			{ID: 2, Content: "ony", SingleWord: true, Normalized: true},
			{ID: 3, Content: "[CLS]", Special: true},
			{ID: 4, Content: "[SEP]", Special: true},
		}, "[CLS] My name is Anthony [SEP]",
			[]split{{"[CLS]", 3}, {" my ", 0}, {"name", 1}, {" is anthony ", -1}, {"[SEP]", 4}}},
		{"single_word", []addedToken{{ID: 0, Content: "<mask>", SingleWord: true, Normalized: true}},
			"<mask> My name <mask> A<mask> <mask>ony <mask>",
			[]split{{"<mask>", 0}, {" my name ", -1}, {"<mask>", 0}, {" a<mask> <mask>ony ", -1}, {"<mask>", 0}}},
		{"single_word_unicode", []addedToken{{ID: 0, Content: "<mask>", SingleWord: true, Normalized: true}},
			"<mask>, <mask>- ◌̰<mask>",
			[]split{{"<mask>", 0}, {", ", -1}, {"<mask>", 0}, {"- ◌̰<mask>", -1}}},
		{"lstrip_unicode_space", []addedToken{{ID: 0, Content: "<mask>", LStrip: true, RStrip: true, SingleWord: true, Normalized: true}},
			"Hi <mask> there\t<mask>\t<mask>\u2000",
			[]split{{"hi", -1}, {" <mask> ", 0}, {"there", -1}, {"\t<mask>\t", 0}, {"<mask>\u2000", 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAddedVocab(tc.tokens, lowercaseNormalizer{})
			var got []split
			for _, sg := range a.extract(tc.in, lowercaseNormalizer{}) {
				if sg.tok >= 0 {
					got = append(got, split{sg.text, a.tokens[sg.tok].ID})
				} else {
					got = append(got, split{sg.text, -1})
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("extract(%+q) = %+q, want %+q", tc.in, got, tc.want)
			}
		})
	}
}

func TestByteTrie(t *testing.T) {
	tr := newByteTrie([]string{"ab", "a", "abc", "b", "ab", "é"}, []int32{0, 1, 2, 3, 4, 5})
	type hit struct {
		n int
		v int32
	}
	for _, tc := range []struct {
		in   string
		want []hit
	}{
		{"abcd", []hit{{1, 1}, {2, 0}, {3, 2}}}, // shortest first; repeated "ab" keeps the first value
		{"b", []hit{{1, 3}}},
		{"éa", []hit{{2, 5}}},
		{"x", nil},
		{"", nil},
	} {
		var got []hit
		tr.prefixes(tc.in, func(n int, v int32) { got = append(got, hit{n, v}) })
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("prefixes(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestUnigramViterbi checks the lattice walk on a hand-scored vocabulary.
// Scores (log probabilities): ▁=-1 a=-2 b=-2 ab=-3 ▁ab=-3.5 c=-4; unknown
// = min - 10 = -14. "▁abc": ▁ab+c = -7.5 beats ▁+ab+c = -8 and ▁+a+b+c
// = -9. "▁abxyc": x and y are unknown and fuse into one token.
func TestUnigramViterbi(t *testing.T) {
	pieces := []string{"<unk>", "▁", "a", "b", "ab", "▁ab", "c"}
	scores := []float64{0, -1, -2, -2, -3, -3.5, -4}
	matchable := []bool{false, true, true, true, true, true, true}
	u := newUnigram(pieces, scores, matchable, 0, false)
	for _, tc := range []struct {
		in   string
		want []piece
	}{
		{"▁abc", []piece{{5, "▁ab", false}, {6, "c", false}}},
		{"▁abxyc", []piece{{5, "▁ab", false}, {0, "xy", true}, {6, "c", false}}},
		{"xé", []piece{{0, "xé", true}}},
		{"", nil},
	} {
		if got := u.tokenize(tc.in, nil); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("tokenize(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestWordPiece checks greedy longest-match-first on a hand vocabulary.
func TestWordPiece(t *testing.T) {
	vocab := map[string]int32{"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "##a": 4, "aff": 5, "é": 6, "##é": 7}
	w, err := newWordPiece(vocab, "[UNK]", "##", 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"unaffable", []string{"[UNK]"}}, // 9 characters > 5
		{"unaff", []string{"un", "##aff"}},
		{"affa", []string{"aff", "##a"}},
		{"ééé", []string{"é", "##é", "##é"}},
		{"unx", []string{"[UNK]"}}, // no split for "x": the whole word is unknown
	} {
		var got []string
		for _, p := range w.tokenize(tc.in, nil) {
			got = append(got, p.tok)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSPMNormalizer checks SentencePiece's white-space rules without a
// charsmap (normalizer.cc): leading and trailing white space dropped, runs
// collapsed, a dummy "▁" prepended, ' ' escaped.
func TestSPMNormalizer(t *testing.T) {
	n := &spmNormalizer{addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true}
	for _, tc := range []struct{ in, want string }{
		{"  Hello   world  ", "▁Hello▁world"},
		{"   ", ""},
		{"a\xffb", "▁a\ufffdb"}, // a malformed byte becomes U+FFFD
	} {
		if got := n.normalize(tc.in); got != tc.want {
			t.Errorf("normalize(%+q) = %+q, want %+q", tc.in, got, tc.want)
		}
	}
	keep := &spmNormalizer{}
	if got := keep.normalize(" a  b "); got != " a  b " {
		t.Errorf("without white-space rules: %+q", got)
	}
}
