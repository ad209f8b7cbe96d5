package optical

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/otclir/otclir/lib/plots"
)

// FirstLight runs the first-light path for every configured language:
// OT student, zero-shot teacher and random ranking on foreign→English, plus
// the English→English teacher upper bound and its random reference. It
// returns the results in table order.
func (l *Lab) FirstLight() ([]*Result, error) {
	var out []*Result
	add := func(system, q, d string) error {
		r, err := l.Evaluate(system, q, d)
		if err != nil {
			return fmt.Errorf("%s %s: %w", system, Pair(q, d), err)
		}
		out = append(out, r)
		return nil
	}
	for _, lang := range l.Cfg.Languages {
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

// WriteTable prints results as an aligned text table.
func WriteTable(w io.Writer, results []*Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "pair\tsystem\tMAP\tnDCG@10\tMRR@10\tR@100\t#queries\trun\t")
	for _, r := range results {
		cached := ""
		if r.Cached {
			cached = " (cached)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%d\t%d%s\t\n", r.Pair, r.System,
			r.Metrics["map"], r.Metrics["ndcg_cut_10"], r.Metrics["recip_rank_cut_10"],
			r.Metrics["recall_100"], int(r.Metrics["num_q"]), r.RunID, cached)
	}
	return tw.Flush()
}

// MAPChart is the grouped bar chart of MAP per pair (x) and system (series).
func MAPChart(title string, results []*Result) *plots.Chart {
	var pairs, systems []string
	seenP, seenS := map[string]bool{}, map[string]bool{}
	val := map[[2]string]float64{}
	for _, r := range results {
		if !seenP[r.Pair] {
			seenP[r.Pair] = true
			pairs = append(pairs, r.Pair)
		}
		if !seenS[r.System] {
			seenS[r.System] = true
			systems = append(systems, r.System)
		}
		val[[2]string{r.Pair, r.System}] = r.Metrics["map"]
	}
	series := make([]plots.BarSeries, len(systems))
	for i, s := range systems {
		series[i].Name = s
		for _, p := range pairs {
			v, ok := val[[2]string{p, s}]
			if !ok {
				v = 0
			}
			series[i].Values = append(series[i].Values, v)
		}
	}
	return plots.GroupedBar(title, "language pair (queries-documents)", "MAP", pairs, series)
}

// Demo is the README's main job: open the lab, run FirstLight, print the
// table and write the chart. It returns the chart's path.
func Demo(ctx context.Context, cfg *Config) (string, error) {
	start := time.Now()
	lab, err := Open(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer lab.Close()
	results, err := lab.FirstLight()
	if err != nil {
		return "", err
	}
	fmt.Fprintln(cfg.Out)
	if err := WriteTable(cfg.Out, results); err != nil {
		return "", err
	}
	chartPath := filepath.Join(cfg.ArtifactDir, "charts", cfg.Experiment+"-map.html")
	if err := os.MkdirAll(filepath.Dir(chartPath), 0o755); err != nil {
		return "", err
	}
	if err := MAPChart("MAP on UDHR (held-out articles)", results).SaveHTML(chartPath); err != nil {
		return "", err
	}
	fmt.Fprintf(cfg.Out, "\nchart: %s\nresults: %s (experiment %q)\ntotal time: %s\n", chartPath, cfg.DBPath,
		cfg.Experiment, time.Since(start).Round(time.Second))
	return chartPath, nil
}
