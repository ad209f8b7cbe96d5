package ui

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otclir/otclir/tracker"
)

var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range []string{benchDir, sharedDir} {
		if d != "" {
			os.RemoveAll(d)
		}
	}
	os.Exit(code)
}

// BenchRuns is the size of the benchmark database.
const BenchRuns = 100_000

var bigDB = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "otclir-ui-bench-")
	if err != nil {
		return "", err
	}
	benchDir = dir
	path := filepath.Join(dir, "results.db")
	return path, fillBig(path, BenchRuns)
})

// fillBig writes n FINISHED runs (4 params, 2 final metrics, a tag each,
// spread over 10 experiments) in one transaction. It writes SQL directly:
// tracker.StartRun runs git and starts a goroutine per run, which would
// take minutes for 100,000 runs; the rows are the ones StartRun, LogParam
// and SetFinalMetrics write (same tables, same time format).
func fillBig(path string, n int) error {
	db, err := tracker.OpenOptions(path, tracker.Options{StaleAfter: -1})
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.SQL().Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for e := 0; e < 10; e++ {
		if _, err := tx.Exec(`INSERT INTO experiments(name, created) VALUES (?, ?)`, fmt.Sprintf("exp%d", e),
			now.Format("2006-01-02T15:04:05.000000000Z")); err != nil {
			return err
		}
	}
	run, _ := tx.Prepare(`INSERT INTO runs(id, name, experiment_id, status, start_time, end_time, heartbeat, config_hash)
		VALUES (?, ?, ?, 'FINISHED', ?, ?, ?, ?)`)
	param, _ := tx.Prepare(`INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)`)
	metric, _ := tx.Prepare(`INSERT INTO final_metrics(run_id, key, value) VALUES (?, ?, ?)`)
	tag, _ := tx.Prepare(`INSERT INTO tags(run_id, key, value) VALUES (?, ?, ?)`)
	systems := []string{"ot", "mse", "psq", "zero-shot", "random"}
	pairs := []string{"swh-eng", "som-eng", "yor-eng", "hau-eng", "deu-eng", "fra-eng"}
	for i := 1; i <= n; i++ {
		t0 := now.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000000000Z")
		t1 := now.Add(time.Duration(i)*time.Second + 500*time.Millisecond).Format("2006-01-02T15:04:05.000000000Z")
		if _, err := run.Exec(i, fmt.Sprintf("run %d", i), 1+i%10, t0, t1, t1, fmt.Sprintf("%064x", i)); err != nil {
			return err
		}
		for k, v := range map[string]string{"system": systems[i%len(systems)], "pair": pairs[i%len(pairs)],
			"seed": fmt.Sprint(i % 3), "learning_rate": fmt.Sprint(0.001 * float64(1+i%4))} {
			if _, err := param.Exec(i, k, v); err != nil {
				return err
			}
		}
		// Deterministic spread over [0, 1).
		for k, v := range map[string]float64{"map": float64((i*7919)%1000) / 1000, "ndcg_cut_10": float64((i*104729)%1000) / 1000} {
			if _, err := metric.Exec(i, k, v); err != nil {
				return err
			}
		}
		if _, err := tag.Exec(i, "kind", "eval"); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// BenchmarkRunsPage serves the runs page of a 100,000-run database and
// reports the time to the response's first byte (the page is rendered
// before it is written, so this is the time to build it).
func BenchmarkRunsPage(b *testing.B) {
	path, err := bigDB()
	if err != nil {
		b.Fatal(err)
	}
	db, err := tracker.OpenReadOnly(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s, err := New(Options{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	cases := []struct{ name, query string }{
		{"newest", ""},
		{"page=1000", "page=1000"},
		{"order=metrics.map", "order=" + url.QueryEscape("metrics.map DESC")},
		{"order=params.pair", "order=" + url.QueryEscape("params.pair")},
		{"filter", "filter=" + url.QueryEscape(`params.system = "ot" and metrics.map > 0.5`)},
		{"filter+order+page=100", "filter=" + url.QueryEscape(`experiment = "exp3"`) + "&order=" + url.QueryEscape("metrics.ndcg_cut_10 DESC") + "&page=100"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var ttfb time.Duration
			for b.Loop() {
				var start, first time.Time
				trace := &httptrace.ClientTrace{GotFirstResponseByte: func() { first = time.Now() }}
				req, _ := http.NewRequest("GET", ts.URL+"/runs?"+c.query, nil)
				req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
				start = time.Now()
				resp, err := ts.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || strings.Count(string(body), "<tr data-run-id=") != DefaultPageSize {
					b.Fatalf("%s: %d, %d rows", c.query, resp.StatusCode, strings.Count(string(body), "<tr data-run-id="))
				}
				ttfb += first.Sub(start)
			}
			b.ReportMetric(float64(ttfb.Microseconds())/1000/float64(b.N), "ttfb-ms")
		})
	}
}
