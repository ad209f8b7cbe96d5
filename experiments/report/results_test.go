package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

// TestLoadResultsNewestAndOrdered: of two runs of one configuration the
// newest counts; results come by collection (UDHR first), English→English
// last, systems in record.Systems order (one order for every reader).
func TestLoadResultsNewestAndOrdered(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	add := func(system, coll, q, d string, v float64) {
		e := fixture(system, q, 1)
		e.Collection, e.DocLang = coll, d
		if q == "eng" && d == "eng" {
			e.Resource = "eng"
		}
		writeEval(t, db, "exp", e.Params(), constant(4, v))
	}
	add("random", "udhr", "eng", "eng", 0.1)
	add("teacher", "udhr", "eng", "eng", 0.7)
	add("random", "cldr", "swh", "eng", 0.01)
	add("zero-shot", "udhr", "swh", "eng", 0.2)
	add("ot", "udhr", "swh", "eng", 0.3)
	add("ot", "udhr", "swh", "eng", 0.35) // newer: replaces 0.3
	res, err := LoadResults(db, "exp", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, r.Run.Collection+":"+r.System()+":"+r.Pair())
	}
	want := "udhr:ot:swh-eng udhr:zero-shot:swh-eng udhr:teacher:eng-eng udhr:random:eng-eng cldr:random:swh-eng"
	if strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
	if res[0].Metrics["map"] != 0.35 {
		t.Fatalf("ot swh-eng MAP %v, want the newest run's 0.35", res[0].Metrics["map"])
	}
	udhr, err := LoadResults(db, "exp", "udhr")
	if err != nil || len(udhr) != 4 {
		t.Fatalf("udhr only: %d results, %v", len(udhr), err)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, udhr); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[1], "swh-eng  ot ") {
		t.Fatalf("list:\n%s", out.String())
	}
	if c := Collections(res); strings.Join(c, ",") != "udhr,cldr" {
		t.Fatalf("collections %v", c)
	}
}

// TestChartNamesFromTheDatabase: a collection name read back from a
// (shared) database becomes a chart file name only if it passes
// tracker.ValidateName; the experiment name is checked too.
func TestChartNamesFromTheDatabase(t *testing.T) {
	db, err := tracker.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := fixture(record.SystemPSQ, "swh", 0)
	e.Collection = "../../escape"
	writeEval(t, db, "exp", e.Params(), constant(4, 0.5))
	dir := t.TempDir()
	if _, err := WriteStandardCharts(db, "exp", dir); err == nil || !strings.Contains(err.Error(), `name "../../escape"`) {
		t.Fatalf("WriteStandardCharts = %v, want the collection name refused", err)
	}
	if _, err := WriteStandardCharts(db, "../exp", dir); err == nil || !strings.Contains(err.Error(), "experiment") {
		t.Fatalf("WriteStandardCharts(../exp) = %v, want the experiment name refused", err)
	}
	if _, err := ChartsDir("artifacts", "a/b"); err == nil {
		t.Fatal("ChartsDir(a/b): want an error")
	}
}

// TestWriteTableMissingMeasure: a run without a measure (the committed runs
// whose nDCG@10 was removed, issue 11) prints "—", never 0.0000.
func TestWriteTableMissingMeasure(t *testing.T) {
	r := &record.Result{Run: fixture("ot", "swh", 1), RunID: 7,
		Metrics: map[string]float64{"map": 0.25, "recip_rank_cut_10": 0.5, "recall_100": 1, "num_q": 23}}
	var b strings.Builder
	if err := WriteTable(&b, []*record.Result{r}); err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(strings.Split(b.String(), "\n")[1])
	want := []string{"swh-eng", "ot", "0.2500", "—", "0.5000", "1.0000", "23", "7"}
	if strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("row %q, want %q", fields, want)
	}
}
