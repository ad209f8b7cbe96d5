package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/otclir/otclir/experiments/optical"
	"github.com/otclir/otclir/tracker"
)

// writeSlurmScript prints the sbatch script of `otclir grid -slurm N`: a
// job array of n tasks, each one `otclir grid -worker` with this command's
// grid and settings, the tracker URL (OTCLIR_DB), the artifacts folder and
// the data cache passed through as absolute locations.
func writeSlurmScript(w io.Writer, lf *labFlags, cfg *optical.Config, n int, sbatch string) error {
	if !tracker.IsPostgresURL(cfg.DBPath) {
		return fmt.Errorf("grid -slurm: -db %s is an SQLite file; the tasks of a Slurm array may run on several machines, "+
			"and SQLite on a network filesystem is not safe for concurrent writers: use a PostgreSQL tracker "+
			"(-db postgres://user@host/db, or $OTCLIR_DB)", cfg.DBPath)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("grid -slurm: the path of this program: %w", err)
	}
	artifacts, err := filepath.Abs(cfg.ArtifactDir)
	if err != nil {
		return err
	}
	cache, err := filepath.Abs(cfg.CacheDir)
	if err != nil {
		return err
	}
	extra, err := sbatchLines(sbatch)
	if err != nil {
		return err
	}
	args := []string{exe, "grid", "-worker", "-artifacts=" + artifacts, "-cache=" + cache}
	args = append(args, forwardedFlags(lf.fs, "worker", "slurm", "sbatch", "db", "artifacts", "cache")...)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	fmt.Fprintf(w, `#!/bin/bash
# otclir grid as a Slurm job array of %[1]d workers (written by otclir grid -slurm).
# Submit it with: sbatch FILE. Each task is one worker: the workers claim the
# grid's cells from the PostgreSQL tracker in $OTCLIR_DB, so a cell is
# evaluated once, and a task that dies has its cell evaluated by another.
# Models are shared through the artifacts folder below, which every node
# must see (a shared filesystem with working flock, e.g. NFSv4).
#SBATCH --job-name=otclir-grid
#SBATCH --array=0-%[2]d
#SBATCH --output=otclir-grid-%%A_%%a.out
`, n, n-1)
	for _, l := range extra {
		fmt.Fprintf(w, "#SBATCH %s\n", l)
	}
	fmt.Fprintf(w, `set -euo pipefail
export OTCLIR_DB=%s
exec %s
`, shellQuote(cfg.DBPath), strings.Join(quoted, " "))
	return nil
}

// forwardedFlags returns the flags given on fs, but skip, as -name=value
// arguments in name order.
func forwardedFlags(fs *flag.FlagSet, skip ...string) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) {
		for _, s := range skip {
			if f.Name == s {
				return
			}
		}
		out = append(out, "-"+f.Name+"="+f.Value.String())
	})
	sort.Strings(out)
	return out
}

// sbatchLines splits -sbatch into options, one per #SBATCH line; each must
// be an option (start with '-') and hold no newline.
func sbatchLines(s string) ([]string, error) {
	opts := strings.Fields(s)
	for _, o := range opts {
		if !strings.HasPrefix(o, "-") {
			return nil, fmt.Errorf("grid: -sbatch %q: %q is not an sbatch option (want e.g. --time=4:00:00)", s, o)
		}
	}
	return opts, nil
}

// shellQuote quotes s for bash: as is when it holds only safe characters,
// else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,@+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
