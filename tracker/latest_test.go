package tracker

import (
	"errors"
	"strings"
	"testing"
)

func TestLatestFinished(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		// Three finished runs of key a (the last one newest), one of key b, one
		// FAILED run of key b started last, and a run outside the filter.
		var ids []int64
		for _, tc := range []struct {
			exp, key string
			fail     bool
		}{{"x", "a", false}, {"x", "b", false}, {"x", "a", false}, {"x", "a", false}, {"x", "b", true}, {"y", "a", false}} {
			r := startRun(t, db, RunSpec{Experiment: tc.exp, Name: tc.key, Params: map[string]string{"k": tc.key}})
			var err error
			if tc.fail {
				err = errors.New("boom")
			}
			if ferr := r.Finish(err); ferr != nil {
				t.Fatal(ferr)
			}
			ids = append(ids, r.ID())
		}
		got, err := db.LatestFinished(`experiment = "x"`, func(r *RunRecord) (string, bool) { return r.Params["k"], true })
		must(t, err)
		var names []string
		for _, r := range got {
			names = append(names, r.Name)
		}
		// Newest first: a's newest is run 4 (ids[3]); b's only finished run is ids[1].
		if len(got) != 2 || got[0].ID != ids[3] || got[1].ID != ids[1] {
			t.Fatalf("LatestFinished = %s (ids %v), want runs %d (a) and %d (b)", strings.Join(names, ","), runIDs(got), ids[3], ids[1])
		}
		// ok false leaves runs out.
		got, err = db.LatestFinished("", func(r *RunRecord) (string, bool) { return r.Params["k"], r.Params["k"] == "b" })
		must(t, err)
		if len(got) != 1 || got[0].ID != ids[1] {
			t.Fatalf("with a key filter: %v, want [%d]", runIDs(got), ids[1])
		}
		if _, err := db.LatestFinished("nonsense ===", func(*RunRecord) (string, bool) { return "", true }); err == nil {
			t.Fatal("bad filter: want an error")
		}
	})
}

func runIDs(runs []*RunRecord) []int64 {
	out := make([]int64, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}
