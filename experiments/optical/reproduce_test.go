package optical

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

func TestReproduceRefuses(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "results.db")
	db, err := tracker.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	start := func(exp string, params map[string]string) int64 {
		r, err := db.StartRun(tracker.RunSpec{Experiment: exp, Name: "r", Params: params})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(nil); err != nil {
			t.Fatal(err)
		}
		return r.ID()
	}
	noSettings := start("x", map[string]string{"role": "eval"})
	withSettings := start("x", map[string]string{"role": "eval", "settings": DefaultConfig().Settings(), "system": "random",
		"query_lang": "swh", "doc_lang": "eng"})
	// A shared database may hold an experiment name that escapes the
	// artifacts folder (written by another program, or before names were
	// checked): reproduce refuses it before it becomes a path.
	badName := start("y", map[string]string{"role": "eval", "settings": DefaultConfig().Settings()})
	if _, err := db.SQL().Exec(`UPDATE experiments SET name = '../../../x' WHERE id = (SELECT experiment_id FROM runs WHERE id = ?)`, badName); err != nil {
		t.Fatal(err)
	}
	db.Close()
	base := DefaultConfig()
	base.DBPath, base.Out = dbPath, io.Discard
	notARepo := t.TempDir()
	for _, tc := range []struct {
		id   int64
		want string
	}{
		{noSettings, "no recorded settings"},
		{badName, `experiment (recorded by run ` + itoa(badName) + `) name "../../../x"`},
		{99, "run not found"},
	} {
		_, err := Reproduce(context.Background(), base, tc.id, notARepo)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Reproduce(%d) = %v, want an error containing %q", tc.id, err, tc.want)
		}
	}
	// withSettings (experiment "x" is fine) fails on git: recorded at another
	// commit / from a dirty tree / not in git.
	if _, err := Reproduce(context.Background(), base, withSettings, notARepo); err == nil || !strings.Contains(err.Error(), "run "+itoa(withSettings)+" was") {
		t.Errorf("Reproduce(%d) = %v, want a git refusal", withSettings, err)
	}
	db, err = tracker.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if runs, _ := db.SearchRuns("", "", 0); len(runs) != 3 {
		t.Fatalf("refused reproductions recorded runs: %d runs in the database, want 3", len(runs))
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// TestReproduceEvaluatesTheRecordedCell: reproducing a CLDR run evaluates
// CLDR (it used to evaluate UDHR: MAP 0.654 → 0.381, num_q 393 → 23, and
// exit 0 with a "diff"), with the recorded seed and budget. The random
// system needs no model and ranks deterministically, so the numbers match.
func TestReproduceEvaluatesTheRecordedCell(t *testing.T) {
	ctx := context.Background()
	c := tinyConfig(t)
	lab := openLab(t, c)
	cell := Cell{System: SystemRandom, Collection: CollectionCLDR, QueryLang: "swh", DocLang: "eng", Seed: 5, Budget: 250}
	orig, err := lab.Evaluate(ctx, cell)
	lab.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := tracker.OpenReadOnly(c.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := db.GetRun(orig.RunID)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	base := DefaultConfig()
	base.DBPath, base.ArtifactDir, base.CacheDir, base.Out = c.DBPath, c.ArtifactDir, c.CacheDir, io.Discard
	newID, err := reproduceRun(ctx, base, rr)
	if err != nil {
		t.Fatal(err)
	}
	db, err = tracker.OpenReadOnly(c.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	nr, err := db.GetRun(newID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := record.ParseEvalRun(nr)
	if err != nil {
		t.Fatal(err)
	}
	if got.Collection != CollectionCLDR || got.Seed != 5 || got.Pair() != "swh-eng" || nr.Experiment != "test" {
		t.Fatalf("reproduced run %d: %+v in %s", newID, got, nr.Experiment)
	}
	if nr.ConfigHash != rr.ConfigHash || nr.Final["num_q"] != rr.Final["num_q"] || nr.Final["map"] != rr.Final["map"] {
		t.Fatalf("reproduced run %d: config %s num_q %v map %v, recorded %s %v %v", newID, nr.ConfigHash, nr.Final["num_q"], nr.Final["map"],
			rr.ConfigHash, rr.Final["num_q"], rr.Final["map"])
	}
	if rr.Final["num_q"] < 100 { // CLDR holds out ~390 Swahili concepts; UDHR has 23 queries
		t.Fatalf("num_q %v: not the CLDR collection", rr.Final["num_q"])
	}
}
