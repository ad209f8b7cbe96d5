package eval

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrUsage is wrapped by RunCLI's argument errors.
var ErrUsage = errors.New("eval: usage: eval [-q] [-c] [-n] [-J] [-l N] [-M N] [-N N] [-m measure]... QRELS RUN")

// cliOption is one trec_eval option (getopt string "hvqm:cl:nD:JN:M:R:T:oZ:").
type cliOption struct {
	short  byte
	long   string
	hasArg bool
}

var cliOptions = []cliOption{
	{'h', "help", false},
	{'v', "version", false},
	{'q', "query_eval_wanted", false},
	{'m', "measure", true},
	{'c', "complete_rel_info_wanted", false},
	{'l', "level_for_rel", true},
	{'n', "nosummary", false},
	{'D', "Debug_level", true},
	{'J', "Judged_docs_only", false},
	{'N', "Number_docs_in_coll", true},
	{'M', "Max_retrieved_per_topic", true},
	{'R', "Rel_info_format", true},
	{'T', "Results_format", true},
	{'o', "Output_old_results_format", false},
	{'Z', "Zscore", true},
}

type cliArg struct {
	opt byte
	val string
}

// getopt parses args the way GNU getopt_long does for trec_eval: options
// and operands may be mixed, short options may be clustered ("-qc") and
// take their argument attached or as the next word ("-l2", "-l 2"), long
// options may be abbreviated to a unique prefix and take "=value" or the
// next word, and "--" ends the options.
func getopt(args []string) (opts []cliArg, operands []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return opts, append(operands, args[i+1:]...), nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			var match *cliOption
			for j := range cliOptions {
				o := &cliOptions[j]
				if o.long == name {
					match = o
					break
				}
				if strings.HasPrefix(o.long, name) {
					if match != nil {
						return nil, nil, fmt.Errorf("%w: option --%s is ambiguous", ErrUsage, name)
					}
					match = o
				}
			}
			if match == nil {
				return nil, nil, fmt.Errorf("%w: unknown option --%s", ErrUsage, name)
			}
			switch {
			case match.hasArg && !hasVal:
				if i+1 == len(args) {
					return nil, nil, fmt.Errorf("%w: option --%s needs an argument", ErrUsage, match.long)
				}
				i++
				val = args[i]
			case !match.hasArg && hasVal:
				return nil, nil, fmt.Errorf("%w: option --%s takes no argument", ErrUsage, match.long)
			}
			opts = append(opts, cliArg{match.short, val})
		case len(a) > 1 && a[0] == '-':
			for k := 1; k < len(a); k++ {
				var match *cliOption
				for j := range cliOptions {
					if cliOptions[j].short == a[k] {
						match = &cliOptions[j]
					}
				}
				if match == nil {
					return nil, nil, fmt.Errorf("%w: unknown option -%c", ErrUsage, a[k])
				}
				if !match.hasArg {
					opts = append(opts, cliArg{match.short, ""})
					continue
				}
				val := a[k+1:]
				if val == "" {
					if i+1 == len(args) {
						return nil, nil, fmt.Errorf("%w: option -%c needs an argument", ErrUsage, a[k])
					}
					i++
					val = args[i]
				}
				opts = append(opts, cliArg{match.short, val})
				break
			}
		default:
			operands = append(operands, a)
		}
	}
	return opts, operands, nil
}

// RunCLI implements "otclir eval", a drop-in for trec_eval 9.0.8: args are
// what follows "eval":
//
//	[-q] [-c] [-n] [-J] [-l N] [-M N] [-N N] [-m measure]... QRELS RUN
//
// -q prints per-query values, -c averages over every qrels query, -n drops
// the summary, -J evaluates judged documents only, -l sets the relevance
// level, -M the number of documents evaluated per query, -N the collection
// size (for utility), -m (repeatable) picks measures (see the package doc;
// default "official"). -h prints help; trec_eval's -R and -T accept only
// the formats otclir reads (qrels, trec_results), -D only 0, -o is
// ignored, -Z is refused. Output, in trec_eval's format, goes to stdout.
func RunCLI(args []string, stdout io.Writer) error {
	opts, files, err := getopt(args)
	if err != nil {
		return err
	}
	opt := Options{ExplicitLevel: true, RelevanceLevel: 1}
	perQuery, summary := false, true
	var measures []string
	for _, o := range opts {
		switch o.opt {
		case 'h':
			_, err := io.WriteString(stdout, helpText)
			return err
		case 'v':
			_, err := io.WriteString(stdout, "otclir eval: trec_eval 9.0.8 compatible\n")
			return err
		case 'q':
			perQuery = true
		case 'm':
			measures = append(measures, o.val)
		case 'c':
			opt.Complete = true
		case 'n':
			summary = false
		case 'J':
			opt.JudgedOnly = true
		case 'l':
			n, err := strconv.Atoi(o.val)
			if err != nil {
				return fmt.Errorf("%w: -l %q: relevance level must be an integer", ErrUsage, o.val)
			}
			opt.RelevanceLevel = n
		case 'M':
			n, err := strconv.Atoi(o.val)
			if err != nil || n < 0 {
				return fmt.Errorf("%w: -M %q: must be a non-negative integer", ErrUsage, o.val)
			}
			opt.MaxRetrieved, opt.ExplicitMax = n, true
		case 'N':
			n, err := strconv.Atoi(o.val)
			if err != nil || n < 0 {
				return fmt.Errorf("%w: -N %q: must be a non-negative integer", ErrUsage, o.val)
			}
			opt.NumDocsInColl = n
		case 'D':
			if n, err := strconv.Atoi(strings.SplitN(o.val, ".", 2)[0]); err != nil || n != 0 {
				return fmt.Errorf("%w: -D %q: debug output is not supported", ErrUsage, o.val)
			}
		case 'R':
			if o.val != "qrels" {
				return fmt.Errorf("%w: -R %q: only the qrels format is supported", ErrUsage, o.val)
			}
		case 'T':
			if o.val != "trec_results" {
				return fmt.Errorf("%w: -T %q: only the trec_results format is supported", ErrUsage, o.val)
			}
		case 'o':
			// obsolete in trec_eval 9, no effect
		case 'Z':
			return fmt.Errorf("%w: -Z (z-scores) is not supported", ErrUsage)
		}
	}
	if len(files) != 2 {
		return fmt.Errorf("%w: want 2 files, got %d arguments", ErrUsage, len(files))
	}
	opt.Measures = measures
	// Measure names are checked before the files are read, as trec_eval does.
	if measures != nil {
		if _, err := parseMeasures(measures, opt.level()); err != nil {
			return err
		}
	}
	qrels, err := ReadQrels(files[0])
	if err != nil {
		return err
	}
	run, runID, err := ReadRunWithID(files[1])
	if err != nil {
		return err
	}
	opt.RunID = runID
	res, err := Evaluate(qrels, run, opt)
	if err != nil {
		return err
	}
	if !summary {
		if !perQuery {
			return nil
		}
		return res.WritePerQuery(stdout)
	}
	return res.WriteTrec(stdout, perQuery)
}

const helpText = `otclir eval [-h] [-q] [-c] [-n] [-J] [-l N] [-M N] [-N N] [-m measure[.params]]... QRELS RUN

Evaluates the TREC run RUN against the relevance judgements QRELS and prints
trec_eval 9.0.8's output, byte for byte.

  -q          also print the value of every measure for every query
  -c          average over every query of QRELS (missing queries count 0)
  -n          no summary ("all") lines
  -J          evaluate judged documents only (trec_eval: "DO NOT USE")
  -l N        judgements >= N are relevant (default 1)
  -M N        evaluate the top N documents of each query only
  -N N        number of documents in the collection (utility)
  -m measure  a measure or set; repeatable; default "official"
              sets: official, all_trec, set
              trec_eval names: map, P.5,10, ndcg_cut.10, recall.100, bpref, ...
              (the first parameter list given for a measure is used)
              otclir names: P_5, ndcg_cut_10, recip_rank_cut_10 (MRR@10)
              ir_measures / ranx names: AP, nDCG@10, P@5, R@100, RR, RR@10,
              P(rel=2)@5, mrr@10, ndcg@10, precision@5, recall@100
`
