package optical

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/experiments/report"
)

// Recipes: what the command-line program's experiment commands and the
// notebooks run, built from the lab's Evaluate.

// FirstLight runs the first-light path for every configured language:
// OT student, zero-shot teacher and random ranking on foreign→English, plus
// the English→English teacher upper bound and its random reference. It
// returns the results in table order.
func (l *Lab) FirstLight(ctx context.Context) ([]*record.Result, error) {
	var out []*record.Result
	add := func(system, q, d string) error {
		r, err := l.Evaluate(ctx, l.Cell(system, CollectionUDHR, q, d))
		if err != nil {
			return fmt.Errorf("%s %s: %w", system, record.Pair(q, d), err)
		}
		out = append(out, r)
		return nil
	}
	for _, lang := range l.cfg.Languages {
		for _, s := range []string{SystemOT, SystemZeroShot, SystemRandom} {
			if err := add(s, lang, "eng"); err != nil {
				return out, err
			}
		}
	}
	for _, s := range []string{SystemTeacher, SystemRandom} {
		if err := add(s, "eng", "eng"); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Demo is the README's main job: open the lab, run FirstLight, print the
// table and write the chart (artifacts/charts/<experiment>-map.html). It
// returns the chart's path.
func Demo(ctx context.Context, cfg *Config) (string, error) {
	start := time.Now()
	lab, err := Open(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer lab.Close()
	results, err := lab.FirstLight(ctx)
	if err != nil {
		return "", err
	}
	out := lab.Out()
	fmt.Fprintln(out)
	if err := report.WriteTable(out, results); err != nil {
		return "", err
	}
	chartPath := filepath.Join(lab.cfg.ArtifactDir, "charts", lab.cfg.Experiment+"-map.html")
	if err := os.MkdirAll(filepath.Dir(chartPath), 0o755); err != nil {
		return "", err
	}
	if err := report.SaveChart(chartPath, report.MAPChart("MAP on UDHR (held-out articles)", results)); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "\nchart: %s\nresults: %s (experiment %q)\ntotal time: %s\n", chartPath, lab.cfg.DBPath,
		lab.cfg.Experiment, time.Since(start).Round(time.Second))
	return chartPath, nil
}

// EvaluateUser evaluates systems, in order, on the user collection.
func (l *Lab) EvaluateUser(ctx context.Context, systems []string) ([]*record.Result, error) {
	if l.Corpus.User == nil {
		return nil, fmt.Errorf("optical: no user collection configured (settings user.docs, user.topics, user.qrels, user.lang, user.bitext)")
	}
	u := l.Corpus.User.Config
	var out []*record.Result
	for _, s := range systems {
		r, err := l.Evaluate(ctx, l.Cell(s, u.Name, u.Lang, u.DocLang))
		if err != nil {
			return out, fmt.Errorf("%s %s %s: %w", s, record.Pair(u.Lang, u.DocLang), u.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// UserExperiment is the default experiment name of `otclir user` runs.
const UserExperiment = "user"

// RunUser is `otclir user`: open the lab with the user's collection
// (cfg.User), evaluate systems (DefaultUserSystems when empty), and print the
// table with significance against PSQ.
func RunUser(ctx context.Context, cfg *Config, systems []string) ([]*record.Result, error) {
	if !cfg.User.Enabled() {
		return nil, fmt.Errorf("optical: no user collection configured (settings user.docs, user.topics, user.qrels, user.lang, user.bitext)")
	}
	start := time.Now()
	lab, err := Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer lab.Close()
	u := lab.Corpus.User
	out := lab.Out()
	fmt.Fprintf(out, "collection %s: %d documents (%s), %d topics (%s), bitext %d pairs\n",
		u.Config.Name, len(u.Collection.Docs), u.Config.DocLang, len(u.Collection.Queries), u.Config.Lang, len(u.Bitext))
	for _, w := range u.Warnings {
		fmt.Fprintln(out, "warning:", w)
	}
	if len(systems) == 0 {
		systems = DefaultUserSystems(lab.cfg)
	}
	results, err := lab.EvaluateUser(ctx, systems)
	if err != nil {
		return results, err
	}
	fmt.Fprintln(out)
	if err := report.WriteSignificanceTable(out, lab.DB, results, SystemPSQ); err != nil {
		return results, err
	}
	fmt.Fprintf(out, "\nresults: %s (experiment %q, collection %s); `otclir table -experiment %s -collection %s` rebuilds the table\ntotal time: %s\n",
		lab.cfg.DBPath, lab.cfg.Experiment, u.Config.Name, lab.cfg.Experiment, u.Config.Name, time.Since(start).Round(time.Second))
	return results, nil
}
