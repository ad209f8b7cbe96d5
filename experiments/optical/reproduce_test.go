package optical

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/otclir/otclir/tracker"
)

func TestReproduceRefuses(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "results.db")
	db, err := tracker.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	start := func(params map[string]string) int64 {
		r, err := db.StartRun(tracker.RunSpec{Experiment: "x", Name: "r", Params: params})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(nil); err != nil {
			t.Fatal(err)
		}
		return r.ID()
	}
	noSettings := start(map[string]string{"role": "eval"})
	withSettings := start(map[string]string{"role": "eval", "settings": DefaultConfig().Settings(), "system": "random",
		"query_lang": "swh", "doc_lang": "eng"})
	db.Close()
	base := DefaultConfig()
	base.DBPath, base.Out = dbPath, io.Discard
	notARepo := t.TempDir()
	for _, tc := range []struct {
		id   int64
		want string
	}{
		{noSettings, "no recorded settings"},
		{withSettings, "run " + itoa(withSettings) + " was"}, // recorded at another commit / from a dirty tree / not in git
		{99, "run not found"},
	} {
		_, err := Reproduce(context.Background(), base, tc.id, notARepo)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Reproduce(%d) = %v, want an error containing %q", tc.id, err, tc.want)
		}
	}
	db, err = tracker.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if runs, _ := db.SearchRuns("", "", 0); len(runs) != 2 {
		t.Fatalf("refused reproductions recorded runs: %d runs in the database, want 2", len(runs))
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
