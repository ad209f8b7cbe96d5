package optical

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/tracker"
)

// Reproduce re-runs tracked run id with its recorded settings, into the same
// experiment, and prints how the new final metrics compare. It refuses unless
// the working tree (dir) is a clean checkout of the commit the run recorded,
// and the run itself was recorded from a clean tree. A training run is
// retrained (and everything it depends on, Config.Force); an evaluation run
// is re-evaluated — the same system, collection, direction, data seed and
// bitext budget, read back through record.ParseEvalRun — with the cached
// models (Config.ForceEval). base supplies the paths (database, artifacts,
// data cache) and the output writer. It returns the new run's id.
func Reproduce(ctx context.Context, base *Config, id int64, dir string) (int64, error) {
	rec, err := recordedRun(base.DBPath, id)
	if err != nil {
		return 0, err
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
	return reproduceRun(ctx, base, rec)
}

// recordedRun reads run id from the database at path, read-only.
func recordedRun(path string, id int64) (*tracker.RunRecord, error) {
	db, err := tracker.OpenReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rec, err := db.GetRun(id)
	if err != nil {
		return nil, fmt.Errorf("optical: reproduce run %d: %w", id, err)
	}
	if _, ok := rec.Params[record.ParamSettings]; !ok {
		return nil, fmt.Errorf("optical: run %d has no recorded settings: it was not made by optical and cannot be reproduced", id)
	}
	// The experiment name read back from a (possibly shared) database
	// becomes folder names: check it like a name given on the command line.
	if err := tracker.ValidateName("experiment (recorded by run "+fmt.Sprint(id)+")", rec.Experiment); err != nil {
		return nil, fmt.Errorf("optical: %w", err)
	}
	return rec, nil
}

// reproduceRun re-runs rec (the checks of Reproduce done).
func reproduceRun(ctx context.Context, base *Config, rec *tracker.RunRecord) (int64, error) {
	cfg := DefaultConfig()
	cfg.DBPath, cfg.ArtifactDir, cfg.CacheDir, cfg.Out = base.DBPath, base.ArtifactDir, base.CacheDir, base.Out
	if err := cfg.Set(rec.Params[record.ParamSettings]); err != nil {
		return 0, fmt.Errorf("optical: run %d: recorded settings: %w", rec.ID, err)
	}
	cfg.Experiment = rec.Experiment
	var newID int64
	switch role := record.Role(rec); role {
	case record.RoleTeacher, record.RoleStudent:
		tr, err := record.ParseTrainRun(rec)
		if err != nil {
			return 0, err
		}
		if tr.User != nil {
			return 0, userRunError(rec)
		}
		cfg.Force = true
		if role == record.RoleStudent {
			cfg.Languages = []string{tr.Lang}
		}
		lab, err := Open(ctx, cfg)
		if err != nil {
			return 0, err
		}
		defer lab.Close()
		if role == record.RoleTeacher {
			_, _, newID, err = lab.teacher(ctx)
		} else {
			// The student's own hyperparameters (an MSE student records its
			// loss there, not in the settings), seed and budget.
			var over map[string]any
			if loss := tr.Training[distill.ParamStudentLoss]; loss != "" {
				over = map[string]any{distill.ParamStudentLoss: loss}
			}
			seed := lab.defaultSeed()
			if s, err := strconv.ParseInt(tr.Training[distill.ParamDataSeed], 10, 64); err == nil {
				seed = s
			}
			_, _, newID, err = lab.student(ctx, tr.Lang, seed, lab.cfg.BitextBudget, over)
		}
		if err != nil {
			return 0, err
		}
		if newID == 0 {
			return 0, fmt.Errorf("optical: reproducing run %d recorded no new run", rec.ID)
		}
	case record.RoleEval:
		e, err := record.ParseEvalRun(rec)
		if err != nil {
			return 0, err
		}
		if e.User != nil {
			return 0, userRunError(rec)
		}
		cfg.ForceEval = true
		cfg.Languages = []string{e.Foreign()}
		if e.Foreign() == "eng" {
			cfg.Languages = DefaultConfig().Languages[:1]
		}
		lab, err := Open(ctx, cfg)
		if err != nil {
			return 0, err
		}
		defer lab.Close()
		c := Cell{System: e.System, Collection: e.Collection, QueryLang: e.QueryLang, DocLang: e.DocLang,
			Seed: lab.defaultSeed(), Budget: lab.cfg.BitextBudget}
		if e.Info().Seeded {
			c.Seed = e.Seed
		}
		if e.Info().Bitext {
			c.Budget = e.Budget
		}
		res, err := lab.Evaluate(ctx, c)
		if err != nil {
			return 0, err
		}
		newID = res.RunID
	default:
		return 0, fmt.Errorf("optical: run %d has role %q: don't know how to reproduce it", rec.ID, role)
	}
	db, err := tracker.OpenReadOnly(cfg.DBPath)
	if err != nil {
		return newID, err
	}
	defer db.Close()
	nrec, err := db.GetRun(newID)
	if err != nil {
		return newID, err
	}
	writeComparison(cfg.Out, rec, nrec)
	return newID, nil
}

func userRunError(rec *tracker.RunRecord) error {
	return fmt.Errorf("optical: run %d used a user collection (%s): reproduce does not cover user runs; rerun `otclir user` with the recorded files (params user.*) and settings",
		rec.ID, rec.Params[record.PrefixUser+"docs"])
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
