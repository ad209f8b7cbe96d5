package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/otclir/otclir/tracker"
)

// runsUsage documents the runs subcommands.
const runsUsage = `usage: otclir runs [-db F] <command> [flags] [args]
commands:
  ls [-filter F] [-order O] [-limit N] [-columns params.pair,metrics.map,...]
  show ID
  compare ID ID...      side by side; rows whose values differ are marked *
  diff ID ID            only the differences
  export -format csv|json [-filter F] [-order O]
  export -to DB [-filter F]    copy runs (params, metrics, per-query values, artifact records) into DB
  import -from DB [-filter F]  copy runs of DB into this database
                        DB is an SQLite file or a postgres:// URL; copying twice adds nothing,
                        RUNNING runs are left out until they end
  rm ID
  gc [-stale 60s]       mark RUNNING runs with a stale heartbeat KILLED
  reproduce [-db F] [-artifacts D] [-cache D] ID   re-run a run with its recorded settings
ls, show, compare, diff and export open the database read-only (export -to: the source).
`

func runsUsageError(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...), text: runsUsage}
}

// cmdRuns is `otclir runs`: it parses the subcommand's flags and calls
// tracker's printing functions on the database, opened read-only except
// for rm and gc.
func cmdRuns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", tracker.DefaultPath(), "results database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return runsUsageError("runs: missing command")
	}
	cmd, rest := args[0], args[1:]
	if cmd == "reproduce" {
		if !hasFlag(rest, "db") && *dbPath != tracker.DefaultPath() {
			rest = append([]string{"-db", *dbPath}, rest...)
		}
		return cmdReproduce(ctx, rest, stdout, stderr)
	}
	sub := flag.NewFlagSet("runs "+cmd, flag.ContinueOnError)
	sub.SetOutput(io.Discard)
	var (
		filterF = sub.String("filter", "", "filter expression")
		order   = sub.String("order", "", "order expression")
		limit   = sub.Int("limit", 0, "maximum number of runs (0: all)")
		columns = sub.String("columns", "", "extra columns, comma-separated")
		format  = sub.String("format", "csv", "export format: csv or json")
		stale   = sub.Duration("stale", tracker.DefaultStaleAfter, "heartbeat age after which a RUNNING run is KILLED")
		to      = sub.String("to", "", "export: the database to copy runs into")
		from    = sub.String("from", "", "import: the database to copy runs from")
	)
	allowed := map[string][]string{
		"ls": {"filter", "order", "limit", "columns"}, "show": nil, "compare": nil, "diff": nil,
		"export": {"format", "filter", "order", "to"}, "import": {"from", "filter"}, "rm": nil, "gc": {"stale"},
	}
	flags, ok := allowed[cmd]
	if !ok {
		return runsUsageError("runs: unknown command %q", cmd)
	}
	if err := sub.Parse(rest); err != nil {
		return runsUsageError("runs %s: %v", cmd, err)
	}
	var bad []string
	sub.Visit(func(f *flag.Flag) {
		for _, a := range flags {
			if a == f.Name {
				return
			}
		}
		bad = append(bad, "-"+f.Name)
	})
	if len(bad) > 0 {
		return runsUsageError("runs %s does not take %s", cmd, strings.Join(bad, ", "))
	}
	ids := make([]int64, sub.NArg())
	for i, a := range sub.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return runsUsageError("runs %s: argument %d: run id %q is not an integer", cmd, i+1, a)
		}
		ids[i] = id
	}
	nargs := map[string][2]int{"ls": {0, 0}, "export": {0, 0}, "import": {0, 0}, "gc": {0, 0}, "show": {1, 1}, "rm": {1, 1},
		"diff": {2, 2}, "compare": {2, math.MaxInt}}[cmd]
	if len(ids) < nargs[0] || len(ids) > nargs[1] {
		return runsUsageError("runs %s: wrong number of run ids (%d)", cmd, len(ids))
	}
	if cmd == "export" && *format != "csv" && *format != "json" {
		return runsUsageError("runs export: -format %q (want csv or json)", *format)
	}
	if cmd == "export" && *to != "" {
		if hasFlag(rest, "format") || hasFlag(rest, "order") {
			return runsUsageError("runs export -to copies runs: -format and -order are for printing them")
		}
		return copyRuns(stdout, *to, *dbPath, *filterF)
	}
	if cmd == "import" {
		if *from == "" {
			return runsUsageError("runs import: -from DB is required")
		}
		return copyRuns(stdout, *dbPath, *from, *filterF)
	}
	if cmd == "rm" || cmd == "gc" {
		db, err := tracker.Open(*dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		if cmd == "rm" {
			if err := db.DeleteRun(ids[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "deleted run %d\n", ids[0])
			return nil
		}
		n, err := db.GC(*stale)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "marked %d stale run(s) KILLED\n", n)
		return nil
	}
	db, err := openReader(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	switch cmd {
	case "ls":
		return tracker.WriteRunList(stdout, db, tracker.ListOptions{Filter: *filterF, Order: *order, Limit: *limit,
			Columns: splitList(*columns)})
	case "show":
		return tracker.WriteRun(stdout, db, ids[0])
	case "compare":
		return tracker.WriteComparison(stdout, db, ids)
	case "diff":
		return tracker.WriteDiff(stdout, db, ids[0], ids[1])
	}
	return tracker.WriteExport(stdout, db, *format, *filterF, *order)
}

// hasFlag reports whether args hold -name or --name (with or without =value).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// copyRuns copies the runs of src matching filter into dst (created or
// migrated as needed); src is opened read-only.
func copyRuns(stdout io.Writer, dst, src, filter string) error {
	if dst == src {
		return fmt.Errorf("runs: copying %s into itself", src)
	}
	from, err := openReader(src)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := tracker.Open(dst)
	if err != nil {
		return err
	}
	defer to.Close()
	st, err := tracker.Copy(to, from, tracker.CopyOptions{Filter: filter})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s -> %s: %v\n", from.Path(), to.Path(), st)
	return to.Close()
}
