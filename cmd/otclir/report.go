package main

import (
	"context"
	"flag"
	"fmt"
	"io"

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
	format := fs.String("format", "md", "md, latex, csv, list (one line per evaluated system and pair), or languages (a language sweep: class, bitext, coverage and MAP per language, rank correlations)")
	resource := fs.String("resource", "", `resource classes over the published ones, "zul:2,quz:unknown" (-format languages)`)
	coll := fs.String("collection", record.CollectionUDHR, "collection: udhr, cldr or a user collection's name")
	reverse := fs.Bool("reverse", false, "English queries → foreign documents")
	measure := fs.String("measure", "map", "measure")
	baseline := fs.String("baseline", record.SystemPSQ, "system that significance markers compare against")
	budget := fs.Int("budget", 0, "bitext budget of the runs (0 = all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("table: unexpected arguments %q", fs.Args())
	}
	if err := experimentName("-experiment", *exp); err != nil {
		return err
	}
	switch *format {
	case "md", "latex", "csv", "list", "languages":
	default:
		return fmt.Errorf("table: unknown -format %q (want md, latex, csv, list or languages)", *format)
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
		Measure: *measure, Baseline: *baseline, Budget: *budget})
	if err != nil {
		return err
	}
	switch *format {
	case "md":
		return t.WriteMarkdown(stdout)
	case "latex":
		return t.WriteLaTeX(stdout)
	}
	return t.WriteCSV(stdout)
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
