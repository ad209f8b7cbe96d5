package optical

import (
	"fmt"
	"sort"

	"github.com/otclir/otclir/tracker"
)

var systemOrder = map[string]int{SystemOT: 0, SystemZeroShot: 1, SystemTeacher: 2, SystemRandom: 3}

// LoadResults reads the newest FINISHED evaluation run of every (system,
// pair) of an experiment from the tracker — what notebooks and the table
// command show, since nothing survives in memory between notebook cells.
func LoadResults(db *tracker.DB, experiment string) ([]*Result, error) {
	filter := fmt.Sprintf(`experiment = %q and tags.kind = "eval" and status = "FINISHED"`, experiment)
	runs, err := db.SearchRuns(filter, "start DESC", 0)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*Result
	for _, r := range runs {
		key := r.Params["system"] + "|" + r.Params["pair"]
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, &Result{System: r.Params["system"], Pair: r.Params["pair"], RunID: r.ID, Metrics: r.Final})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("optical: no finished evaluation runs for experiment %q in %s", experiment, db.Path())
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := out[i].Pair, out[j].Pair
		if (pi == "eng-eng") != (pj == "eng-eng") {
			return pj == "eng-eng"
		}
		if pi != pj {
			return pi < pj
		}
		return systemOrder[out[i].System] < systemOrder[out[j].System]
	})
	return out, nil
}
