package eval

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ErrUsage is wrapped by RunCLI's argument errors.
var ErrUsage = errors.New("eval: usage: eval [-q] [-c] [-l N] [-m measure]... QRELS RUN")

type measureFlags []string

func (m *measureFlags) String() string     { return strings.Join(*m, " ") }
func (m *measureFlags) Set(s string) error { *m = append(*m, s); return nil }

// RunCLI implements "otclir eval": args are what follows "eval":
//
//	[-q] [-c] [-l N] [-m measure]... QRELS RUN
//
// -q prints per-query values, -c averages over every qrels query, -l sets
// the relevance level, -m (repeatable) picks measures in trec_eval syntax
// ("P.5,10", "ndcg_cut.10", "map") or otclir syntax ("P_5"). Output, in
// trec_eval's format, goes to stdout.
func RunCLI(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	perQuery := fs.Bool("q", false, "print per-query values")
	complete := fs.Bool("c", false, "average over all qrels queries")
	level := fs.Int("l", 1, "relevance level: judgements >= N are relevant")
	var measures measureFlags
	fs.Var(&measures, "m", "measure (repeatable)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("%w: want 2 files, got %d arguments", ErrUsage, fs.NArg())
	}
	qrels, err := ReadQrels(fs.Arg(0))
	if err != nil {
		return err
	}
	run, err := ReadRun(fs.Arg(1))
	if err != nil {
		return err
	}
	opt := Options{RelevanceLevel: *level, ExplicitLevel: true, Complete: *complete}
	if len(measures) > 0 {
		opt.Measures = measures
	}
	res, err := Evaluate(qrels, run, opt)
	if err != nil {
		return err
	}
	return res.WriteTrec(stdout, *perQuery)
}
