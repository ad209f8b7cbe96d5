package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/otclir/otclir/experiments/optical"
	"github.com/otclir/otclir/tracker"
)

// parse parses a command's flags, with extra registering its own, and
// returns the shared lab flags.
func parse(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet, lf *labFlags)) (*labFlags, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	lf := newLabFlags(fs)
	if extra != nil {
		extra(fs, lf)
	}
	return lf, fs.Parse(args)
}

// noArgs refuses positional arguments.
func noArgs(lf *labFlags) error {
	if lf.fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", lf.fs.Name(), lf.fs.Args())
	}
	return nil
}

// experimentFlag registers -experiment with a command's default: the flag
// routes to the "experiment" setting, and its default applies when -set
// does not name one.
func experimentFlag(fs *flag.FlagSet, lf *labFlags, def string) func(*optical.Config) {
	exp := fs.String("experiment", def, "experiment name in results.db (setting experiment)")
	lf.route("experiment", "experiment")
	return func(cfg *optical.Config) {
		if lf.given("experiment") || !lf.inSet("experiment") {
			cfg.Experiment = *exp
		}
	}
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	lf, err := parse("demo", args, stderr, nil)
	if err != nil {
		return err
	}
	if err := noArgs(lf); err != nil {
		return err
	}
	cfg, err := lf.config(stdout, nil)
	if err != nil {
		return err
	}
	_, err = optical.Demo(ctx, cfg)
	return err
}

func cmdData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var langs *string
	lf, err := parse("data", args, stderr, func(fs *flag.FlagSet, lf *labFlags) {
		langs = fs.String("languages", "", `languages to list besides the paper table's: codes, or "all" (every language of both sources)`)
		lf.route("languages", "languages")
	})
	if err != nil {
		return err
	}
	if err := noArgs(lf); err != nil {
		return err
	}
	cfg, err := lf.config(stdout, func(cfg *optical.Config) error {
		if *langs == "" || *langs == "all" {
			return nil
		}
		return cfg.Set("languages=" + *langs)
	})
	if err != nil {
		return err
	}
	if *langs == "all" {
		if cfg.Languages, err = optical.AvailableLanguages(ctx, cfg); err != nil {
			return err
		}
	}
	c, err := optical.LoadCorpus(ctx, cfg)
	if err != nil {
		return err
	}
	return optical.WriteDataSummary(stdout, cfg, c)
}

func cmdTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	lf, err := parse("train", args, stderr, nil)
	if err != nil {
		return err
	}
	if err := noArgs(lf); err != nil {
		return err
	}
	cfg, err := lf.config(stdout, nil)
	if err != nil {
		return err
	}
	lab, err := optical.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer lab.Close()
	if _, _, err := lab.Teacher(ctx); err != nil {
		return err
	}
	for _, lang := range cfg.Languages {
		if _, _, err := lab.Student(ctx, lang); err != nil {
			return err
		}
	}
	return nil
}

func cmdGrid(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	g := optical.DefaultGrid()
	var langs, systems, seeds, budgets, colls, sbatch *string
	var noRefs, worker, sweep *bool
	var lease *time.Duration
	var slurm *int
	var setExperiment func(*optical.Config)
	lf, err := parse("grid", args, stderr, func(fs *flag.FlagSet, lf *labFlags) {
		worker = fs.Bool("worker", false, "be one of many workers of the grid: claim its cells from the tracker (-db) one at a time")
		lease = fs.Duration("lease", tracker.DefaultLease, "with -worker: how long a claimed cell stays this worker's without renewal")
		slurm = fs.Int("slurm", 0, "print a Slurm sbatch script that runs the grid as an array of N workers, instead of running it")
		sbatch = fs.String("sbatch", "", `with -slurm: extra sbatch options, e.g. "--time=4:00:00 --cpus-per-task=8"`)
		sweep = fs.Bool("sweep", false, "the language sweep: ot, psq and zero-shot over optical.SweepLanguages (42 languages, every resource class), one seed, experiment "+optical.SweepExperiment+"; -languages, -systems, -seeds still apply")
		langs = fs.String("languages", strings.Join(g.Languages, ","), "foreign languages (setting languages)")
		lf.route("languages", "languages")
		systems = fs.String("systems", strings.Join(g.Systems, ","), "systems")
		seeds = fs.String("seeds", "1,2,3", "data seeds of the seeded systems (ot, mse, random)")
		budgets = fs.String("budgets", "0", "bitext budgets (0 = all)")
		colls = fs.String("collections", strings.Join(g.Collections, ","), "collections")
		fs.BoolVar(&g.Reverse, "reverse", false, "also English queries → foreign documents")
		noRefs = fs.Bool("no-references", false, "skip the English→English references")
		setExperiment = experimentFlag(fs, lf, "optical")
	})
	if err != nil {
		return err
	}
	if err := noArgs(lf); err != nil {
		return err
	}
	if *sweep { // the sweep's defaults, for the flags not given
		sw := optical.SweepGrid(optical.SweepLanguages())
		for name, v := range map[string]string{"languages": strings.Join(sw.Languages, ","), "systems": strings.Join(sw.Systems, ","),
			"seeds": "1", "experiment": optical.SweepExperiment} {
			if !lf.given(name) && !lf.inSet(lf.routes[name]) {
				if err := lf.fs.Set(name, v); err != nil {
					return err
				}
			}
		}
		if !lf.given("no-references") {
			*noRefs = true
		}
	}
	cfg, err := lf.config(stdout, func(cfg *optical.Config) error {
		setExperiment(cfg)
		if lf.given("languages") {
			return cfg.Set("languages=" + *langs)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The grid's languages: -languages, or -set languages, or all of them.
	if lf.given("languages") || lf.inSet("languages") {
		g.Languages = cfg.Languages
	}
	g.Systems = splitList(*systems)
	g.Collections = splitList(*colls)
	g.References = !*noRefs
	g.Seeds, g.Budgets = nil, nil
	for _, s := range splitList(*seeds) {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("grid: -seeds %q: %w", s, err)
		}
		g.Seeds = append(g.Seeds, v)
	}
	for _, s := range splitList(*budgets) {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return fmt.Errorf("grid: -budgets %q: want integers >= 0", s)
		}
		g.Budgets = append(g.Budgets, v)
	}
	if _, err := g.Cells(); err != nil { // a bad grid fails before anything opens
		return err
	}
	switch {
	case *slurm < 0:
		return fmt.Errorf("grid: -slurm %d: want a number of workers >= 1", *slurm)
	case *slurm > 0 && *worker:
		return fmt.Errorf("grid: -slurm writes a script of -worker processes: give one of them")
	case (*slurm > 0 || *worker) && cfg.Force:
		return fmt.Errorf("grid: -force with workers: each would retrain the shared models from step 0; run the grid once with -force, or train first (otclir train -force)")
	case *lease < 3*time.Millisecond:
		return fmt.Errorf("grid: -lease %v is too short", *lease)
	case *slurm == 0 && lf.given("sbatch"):
		return fmt.Errorf("grid: -sbatch goes with -slurm")
	}
	if *slurm > 0 {
		return writeSlurmScript(stdout, lf, cfg, *slurm, *sbatch)
	}
	lab, err := optical.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer lab.Close()
	if *worker {
		_, err = lab.RunGridWorker(ctx, g, optical.WorkerOptions{Lease: *lease})
		return err
	}
	_, err = lab.RunGrid(ctx, g)
	return err
}

func cmdReproduce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	lf, err := parse("runs reproduce", args, stderr, nil)
	if err != nil {
		return err
	}
	if lf.fs.NArg() != 1 {
		return fmt.Errorf("runs reproduce: want one run id, got %d arguments", lf.fs.NArg())
	}
	id, err := strconv.ParseInt(lf.fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("runs reproduce: run id %q: %w", lf.fs.Arg(0), err)
	}
	if *lf.set != "" || *lf.small || *lf.force {
		return fmt.Errorf("runs reproduce: the run's recorded settings are re-applied: -set, -small and -force do not apply")
	}
	cfg, err := lf.config(stdout, nil)
	if err != nil {
		return err
	}
	_, err = optical.Reproduce(ctx, cfg, id, ".")
	return err
}

// cmdUser runs the systems on the user's own collection. Its flags set the
// user.* settings (a flag and the same key in -set is an error) and the mt
// system's translations.
func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var u optical.UserConfig
	var mt, systems *string
	var setExperiment func(*optical.Config)
	lf, err := parse("user", args, stderr, func(fs *flag.FlagSet, lf *labFlags) {
		mt = fs.String("mt", "", "topics translated into English by an MT system, \"qid<TAB>text\" (adds the mt system; setting mt_queries)")
		lf.route("mt", "mt_queries")
		for _, f := range []struct {
			name string
			dst  *string
			help string
		}{
			{"docs", &u.Docs, "documents: TSV \"docno<TAB>text\" or JSON lines {\"id\",\"text\"}"},
			{"topics", &u.Topics, "topics: TREC SGML, TSV \"qid<TAB>text\" or JSON lines; the title is the query"},
			{"qrels", &u.Qrels, "TREC qrels \"qid iter docno rel\""},
			{"bitext", &u.Bitext, "bitext TSV \"foreign<TAB>English\""},
			{"bitext-src", &u.BitextSrc, "bitext as two line-aligned files: the foreign side"},
			{"bitext-tgt", &u.BitextTgt, "bitext as two line-aligned files: the English side"},
			{"lang", &u.Lang, "query language code, any code of letters, digits and _"},
			{"doc-lang", &u.DocLang, "document language code (default eng)"},
			{"name", &u.Name, "collection name in results.db (default: the documents file name)"},
		} {
			key := "user." + strings.ReplaceAll(f.name, "-", "_")
			fs.StringVar(f.dst, f.name, "", f.help+" (setting "+key+")")
			lf.route(f.name, key)
		}
		systems = fs.String("systems", "", "comma-separated systems (default: ot,mse,psq,1best-bm25,1best-teacher,zero-shot,random, plus mt with -mt; teacher,bm25,random for an eng-eng collection)")
		setExperiment = experimentFlag(fs, lf, optical.UserExperiment)
	})
	if err != nil {
		return err
	}
	if lf.fs.NArg() > 0 {
		return fmt.Errorf("user: unexpected arguments %q (files are given with -docs, -topics, -qrels, -bitext)", lf.fs.Args())
	}
	cfg, err := lf.config(stdout, func(cfg *optical.Config) error {
		setExperiment(cfg)
		for _, f := range []struct{ flag, dst *string }{
			{&u.Docs, &cfg.User.Docs}, {&u.Topics, &cfg.User.Topics}, {&u.Qrels, &cfg.User.Qrels},
			{&u.Bitext, &cfg.User.Bitext}, {&u.BitextSrc, &cfg.User.BitextSrc}, {&u.BitextTgt, &cfg.User.BitextTgt},
			{&u.Lang, &cfg.User.Lang}, {&u.DocLang, &cfg.User.DocLang}, {&u.Name, &cfg.User.Name},
		} {
			if *f.flag != "" {
				*f.dst = *f.flag
			}
		}
		if !cfg.User.Enabled() {
			return fmt.Errorf("user: give the collection with -docs, -topics, -qrels, -lang and -bitext (or -set user.docs=...)")
		}
		if *mt != "" {
			cfg.MTQueries = map[string]string{cfg.User.Lang: *mt}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = optical.RunUser(ctx, cfg, splitList(*systems))
	return err
}
