package optical

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/otclir/otclir/tracker"
)

// Reproduce re-runs tracked run id with its recorded settings, into the same
// experiment, and prints how the new final metrics compare. It refuses unless
// the working tree (dir) is a clean checkout of the commit the run recorded,
// and the run itself was recorded from a clean tree. A training run is
// retrained (and everything it depends on, base.Force); an evaluation run is
// re-evaluated with the cached models (base.ForceEval). base supplies the
// paths (database, artifacts, data cache) and the output writer.
func Reproduce(ctx context.Context, base *Config, id int64, dir string) (int64, error) {
	db, err := tracker.Open(base.DBPath)
	if err != nil {
		return 0, err
	}
	rec, err := db.GetRun(id)
	db.Close()
	if err != nil {
		return 0, fmt.Errorf("optical: reproduce run %d: %w", id, err)
	}
	settings, ok := rec.Params["settings"]
	if !ok {
		return 0, fmt.Errorf("optical: run %d has no recorded settings: it was not made by optical and cannot be reproduced", id)
	}
	git := tracker.Git(dir)
	switch {
	case rec.GitCommit == "":
		return 0, fmt.Errorf("optical: run %d was not recorded in a git checkout: no commit to reproduce it at", id)
	case rec.GitDirty:
		return 0, fmt.Errorf("optical: run %d was recorded from a tree with uncommitted changes (diff hash %s): its code cannot be recovered exactly", id, rec.DiffHash)
	case git.Commit != rec.GitCommit:
		return 0, fmt.Errorf("optical: run %d was recorded at commit %s but this tree is at %q: run `git checkout %s` first", id, rec.GitCommit, git.Commit, rec.GitCommit)
	case git.Dirty:
		return 0, fmt.Errorf("optical: this tree has uncommitted changes: commit or stash them to reproduce run %d at %s", id, rec.GitCommit)
	}
	if rec.Params["user_data_hash"] != "" || rec.Params["user_bitext_hash"] != "" {
		return 0, fmt.Errorf("optical: run %d used a user collection (%s): reproduce does not cover user runs; rerun `otclir user` with the recorded files (params user.*) and settings",
			id, rec.Params["user.docs"])
	}
	cfg := DefaultConfig()
	cfg.DBPath, cfg.ArtifactDir, cfg.CacheDir, cfg.Out = base.DBPath, base.ArtifactDir, base.CacheDir, base.Out
	if err := cfg.Set(settings); err != nil {
		return 0, fmt.Errorf("optical: run %d: recorded settings: %w", id, err)
	}
	cfg.Experiment = rec.Experiment
	role := rec.Params["role"]
	var lang string
	switch role {
	case "teacher":
		cfg.Force = true
	case "student":
		cfg.Force = true
		lang = rec.Params["lang"]
		cfg.Languages = []string{lang}
	case "eval":
		cfg.ForceEval = true
		for _, l := range []string{rec.Params["query_lang"], rec.Params["doc_lang"]} {
			if l != "eng" {
				cfg.Languages = []string{l}
			}
		}
	default:
		return 0, fmt.Errorf("optical: run %d has role %q: don't know how to reproduce it", id, role)
	}
	lab, err := Open(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer lab.Close()
	before := latestRunID(lab.DB)
	switch role {
	case "teacher":
		_, _, err = lab.Teacher()
	case "student":
		_, _, _, err = lab.Student(lang, nil)
	case "eval":
		_, err = lab.Evaluate(rec.Params["system"], rec.Params["query_lang"], rec.Params["doc_lang"])
	}
	if err != nil {
		return 0, err
	}
	newID := latestRunID(lab.DB)
	if newID == before {
		return 0, fmt.Errorf("optical: reproducing run %d recorded no new run", id)
	}
	nrec, err := lab.DB.GetRun(newID)
	if err != nil {
		return 0, err
	}
	writeComparison(cfg.Out, rec, nrec)
	return newID, nil
}

func latestRunID(db *tracker.DB) int64 {
	runs, err := db.SearchRuns("", "id DESC", 1)
	if err != nil || len(runs) == 0 {
		return 0
	}
	return runs[0].ID
}

func writeComparison(w io.Writer, old, cur *tracker.RunRecord) {
	fmt.Fprintf(w, "reproduced run %d (%s) as run %d\n", old.ID, old.Name, cur.ID)
	keys := make([]string, 0, len(old.Final))
	for k := range old.Final {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-22s %12.6g -> %12.6g  (diff %+.3g)\n", k, old.Final[k], cur.Final[k], cur.Final[k]-old.Final[k])
	}
}
