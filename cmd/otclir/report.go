package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/experiments/report"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/tracker"
)

// defaultExperiment is what table and plot read without -experiment: the
// paper grid's experiment, which `otclir grid` writes by default.
const defaultExperiment = "optical"

// openReader opens the results database for a reading command: read-only,
// so a reader never writes (or needs write access to) the file or folder.
func openReader(path string) (*tracker.DB, error) { return tracker.OpenReadOnly(path) }

// experimentName checks a -experiment flag: it names folders and files.
func experimentName(flagName, exp string) error { return tracker.ValidateName(flagName, exp) }

func cmdTable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", tracker.DefaultPath(), "results database (opened read-only)")
	exp := fs.String("experiment", defaultExperiment, "experiment name")
	format := fs.String("format", "md", "md, latex, csv, list (one line per evaluated system and pair), languages (a language sweep: class, bitext, coverage and MAP per language, rank correlations), significance (-system against every baseline per pair and on the resource averages; written as -as), or dev (the training runs' model-selection curves on their dev split; -experiment may list several, comma-separated)")
	role := fs.String("role", record.RoleStudent, "-format dev: the training runs, student or teacher")
	loss := fs.String("loss", "ot", `-format dev: the students' loss ("" any)`)
	seed := fs.String("seed", "", `-format dev: the runs of this seed only ("" all)`)
	resource := fs.String("resource", "", `resource classes over the published ones, "zul:2,quz:unknown" (-format languages)`)
	coll := fs.String("collection", record.CollectionUDHR, "collection: udhr, cldr or a user collection's name")
	reverse := fs.Bool("reverse", false, "English queries → foreign documents")
	measure := fs.String("measure", "map", "measure")
	baseline := fs.String("baseline", record.SystemPSQ, "system that significance markers compare against")
	budget := fs.Int("budget", 0, "bitext budget of the runs (0 = all)")
	as := fs.String("as", "md", "-format significance: md, latex or csv")
	system := fs.String("system", record.SystemOT, "-format significance: the system under test")
	baselines := fs.String("baselines", "", `-format significance: comma-separated baselines (default every other system of the table but `+strings.Join(report.References, ", ")+`)`)
	correction := fs.String("correction", report.CorrectionHolm, "multiple-comparison correction: holm or bonferroni (markers: over each system's pairs; -format significance: over every comparison of the table)")
	cluster := fs.String("cluster", report.ClusterAuto, "sign-flip units: auto (UDHR queries by article when their ids name it, else per query), none or article")
	permutations := fs.Int("permutations", 10000, "randomization-test permutations")
	alpha := fs.Float64("alpha", 0.05, "family-wise significance level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("table: unexpected arguments %q", fs.Args())
	}
	if *format == "dev" {
		return devTable(*db, *exp, report.DevSpec{Role: *role, Loss: *loss, Seed: *seed}, stdout)
	}
	if err := experimentName("-experiment", *exp); err != nil {
		return err
	}
	switch *format {
	case "md", "latex", "csv", "list", "languages", "significance":
	default:
		return fmt.Errorf("table: unknown -format %q (want md, latex, csv, list, languages, significance or dev)", *format)
	}
	switch *as {
	case "md", "latex", "csv":
	default:
		return fmt.Errorf("table: unknown -as %q (want md, latex or csv)", *as)
	}
	switch *correction {
	case report.CorrectionHolm, report.CorrectionBonferroni:
	default:
		return fmt.Errorf("table: unknown -correction %q (want %s or %s)", *correction, report.CorrectionHolm, report.CorrectionBonferroni)
	}
	switch *cluster {
	case report.ClusterAuto, report.ClusterNone, report.ClusterArticle:
	default:
		return fmt.Errorf("table: unknown -cluster %q (want %s, %s or %s)", *cluster, report.ClusterAuto, report.ClusterNone, report.ClusterArticle)
	}
	if *permutations < 1 {
		return fmt.Errorf("table: -permutations %d: want at least 1", *permutations)
	}
	if !(*alpha > 0 && *alpha < 1) {
		return fmt.Errorf("table: -alpha %v: want a level in (0, 1)", *alpha)
	}
	var baseList []string
	for _, b := range strings.Split(*baselines, ",") {
		if b = strings.TrimSpace(b); b != "" {
			if _, ok := record.LookupSystem(b); !ok {
				return fmt.Errorf("table: -baselines: unknown system %q (want among %s)", b, strings.Join(record.SystemNames(), ", "))
			}
			baseList = append(baseList, b)
		}
	}
	if _, ok := record.LookupSystem(*system); !ok {
		return fmt.Errorf("table: -system: unknown system %q (want among %s)", *system, strings.Join(record.SystemNames(), ", "))
	}
	classes, err := data.ParseResourceClasses(*resource)
	if err != nil {
		return fmt.Errorf("table: -resource: %w", err)
	}
	d, err := openReader(*db)
	if err != nil {
		return err
	}
	defer d.Close()
	if *format == "languages" {
		points, err := report.LanguageResults(d, report.LanguageSpec{Experiment: *exp, Collection: *coll, Measure: *measure,
			Budget: *budget, Classes: classes})
		if err != nil {
			return err
		}
		systems := report.LanguageSystems(points)
		corr := report.LanguageCorrelations(points, systems, record.SystemOT, *baseline, *measure, 10000, 1)
		return report.WriteLanguageSummary(stdout, points, systems, record.SystemOT, *baseline, *measure, corr)
	}
	if *format == "list" {
		res, err := report.LoadResults(d, *exp, *coll)
		if err != nil {
			return err
		}
		return report.WriteTable(stdout, res)
	}
	t, err := report.BuildTable(d, report.TableSpec{Experiment: *exp, Collection: *coll, Reverse: *reverse,
		Measure: *measure, Baseline: *baseline, Budget: *budget, Alpha: *alpha, Permutation: *permutations,
		Correction: *correction, Clustering: *cluster})
	if err != nil {
		return err
	}
	if *format == "significance" {
		sig, err := report.BuildSignificance(t, report.SignificanceSpec{System: *system, Baselines: baseList})
		if err != nil {
			return err
		}
		switch *as {
		case "md":
			return sig.WriteMarkdown(stdout)
		case "latex":
			return sig.WriteLaTeX(stdout)
		}
		return sig.WriteCSV(stdout)
	}
	switch *format {
	case "md":
		return t.WriteMarkdown(stdout)
	case "latex":
		return t.WriteLaTeX(stdout)
	}
	return t.WriteCSV(stdout)
}

// devTable writes the dev-curve comparison of the comma-separated
// experiments exps (table -format dev).
func devTable(dbPath, exps string, spec report.DevSpec, stdout io.Writer) error {
	var list []string
	for _, e := range strings.Split(exps, ",") {
		e = strings.TrimSpace(e)
		if err := experimentName("-experiment", e); err != nil {
			return err
		}
		list = append(list, e)
	}
	if spec.Role != record.RoleStudent && spec.Role != record.RoleTeacher {
		return fmt.Errorf("table: -role %q: want %s or %s", spec.Role, record.RoleStudent, record.RoleTeacher)
	}
	if spec.Role == record.RoleTeacher {
		spec.Loss = ""
	}
	d, err := openReader(dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	s, err := report.BuildDevSummary(d, list, spec)
	if err != nil {
		return err
	}
	return s.WriteMarkdown(stdout)
}

func cmdPlot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", tracker.DefaultPath(), "results database (opened read-only)")
	exp := fs.String("experiment", defaultExperiment, "experiment name")
	out := fs.String("out", "", "output directory (default artifacts/charts/<experiment>)")
	resource := fs.String("resource", "", `resource classes over the published ones for the language charts, "zul:2,quz:unknown"`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("plot: unexpected arguments %q", fs.Args())
	}
	if err := experimentName("-experiment", *exp); err != nil {
		return err
	}
	classes, err := data.ParseResourceClasses(*resource)
	if err != nil {
		return fmt.Errorf("plot: -resource: %w", err)
	}
	if *out == "" {
		dir, err := report.ChartsDir("artifacts", *exp)
		if err != nil {
			return err
		}
		*out = dir
	}
	d, err := openReader(*db)
	if err != nil {
		return err
	}
	defer d.Close()
	paths, err := report.WriteStandardCharts(d, *exp, *out)
	if err == nil { // a language sweep's charts, when the experiment is one
		var more []string
		more, err = report.WriteLanguageCharts(d, *exp, *out, classes)
		paths = append(paths, more...)
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return err
}
