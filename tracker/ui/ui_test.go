package ui

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
	"github.com/otclir/otclir/tracker/filter"
)

// rowIDs returns the data-run-id of the runs table rows, in order.
func rowIDs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr data-run-id="(\d+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func id(f *fixture, name string) string { return fmt.Sprint(f.ids[name]) }

// runLine is the content of the fixture's run files.
const runLine = "udhr-a01-p1 Q0 a01-p1 1 0.9 otclir\n"

func TestExperimentsPage(t *testing.T) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	code, body, _ := get(t, ts, "/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d\n%s", code, body)
	}
	// 3 train + 5 eval + 1 failed + 1 killed runs, all in "paper".
	for _, want := range []string{`data-experiment="paper"`, `<td class="num">10</td>`,
		`<td class="num count-finished">8</td>`, `<td class="num count-failed">1</td>`, `<td class="num count-killed">1</td>`,
		`href="/experiments/paper"`, `href="/runs?filter=experiment&#43;%3D&#43;%22paper%22"`} {
		if !strings.Contains(body, want) {
			t.Errorf("experiments page lacks %s", want)
		}
	}
}

func TestRunsPage(t *testing.T) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	tests := []struct {
		name, query string
		want        []string // run names, in order
	}{
		{"newest first", "", []string{"killed grid cell", "broken eval", "ot deu-eng", "psq deu-eng", "mse swh-eng",
			"ot swh-eng", "psq swh-eng", "train student deu", "train student swh", "train teacher"}},
		// Means derived in fixture_test.go: ot deu 0.455, psq deu 0.445, ot swh 0.375, psq swh 0.295.
		{"sort by map", "filter=" + url.QueryEscape(`tags.kind = "eval" and status = "FINISHED" and params.system != "mse"`) +
			"&order=" + url.QueryEscape("metrics.map DESC"),
			[]string{"ot deu-eng", "psq deu-eng", "ot swh-eng", "psq swh-eng"}},
		{"filter", "filter=" + url.QueryEscape(`params.system = "ot" and metrics.map > 0.3`), []string{"ot deu-eng", "ot swh-eng"}},
		{"page 2 of size 4", "size=4&page=2", []string{"mse swh-eng", "ot swh-eng", "psq swh-eng", "train student deu"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := get(t, ts, "/runs?"+tc.query)
			if code != http.StatusOK {
				t.Fatalf("%d\n%s", code, body)
			}
			var want []string
			for _, n := range tc.want {
				want = append(want, id(f, n))
			}
			if got := rowIDs(body); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("rows %v, want %v (%v)", got, want, tc.want)
			}
		})
	}
	// Default columns: varying params and the final metrics, with values.
	_, body, _ := get(t, ts, "/runs")
	for _, want := range []string{`data-col="params.system"`, `data-col="metrics.map"`, `>0.375</td>`,
		`<span class="status status-failed">FAILED</span>`, `<span class="status status-killed">KILLED</span>`,
		"runs 1–10 of 10", "out of memory"} {
		if !strings.Contains(body, want) {
			t.Errorf("runs page lacks %q", want)
		}
	}
	// Chosen columns, and the sort link of a column toggles its direction.
	_, body, _ = get(t, ts, "/runs?col=metrics.map&col=params.pair&order="+url.QueryEscape("metrics.map DESC"))
	if !strings.Contains(body, `href="/runs?col=metrics.map&amp;col=params.pair&amp;order=metrics.map&#43;ASC"`) {
		t.Errorf("sort link of metrics.map does not switch to ASC:\n%s", body)
	}
	if strings.Contains(body, `data-col="params.system"`) {
		t.Error("chosen columns still show the default params.system")
	}
	// Paging links.
	_, body, _ = get(t, ts, "/runs?size=3&page=2")
	for _, want := range []string{`href="/runs\?col=[^"]*&amp;page=3&amp;size=3" rel="next"`, `href="/runs\?col=[^"]*&amp;size=3" rel="first"`,
		"page 2 of 4", "runs 4–6 of 10"} {
		if !regexp.MustCompile(want).MatchString(body) {
			t.Errorf("paged runs page lacks %q", want)
		}
	}
}

func TestRunsPageErrors(t *testing.T) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	tests := []struct {
		query string
		code  int
		msg   string
	}{
		{"filter=" + url.QueryEscape(`metrics.map > "high"`), 400, "is numeric and cannot be compared with string"},
		{"order=" + url.QueryEscape("bogus DESC"), 400, "unknown field"},
		{"col=bogus", 400, "unknown column"},
		{"page=0", 400, "page"},
		{"size=100000", 400, "size"},
		{"page=99", 200, "page 99 is past the last page (1)"},
	}
	for _, tc := range tests {
		code, body, _ := get(t, ts, "/runs?"+tc.query)
		if code != tc.code || !strings.Contains(body, tc.msg) {
			t.Errorf("/runs?%s: %d, want %d with %q\n%s", tc.query, code, tc.code, tc.msg, body)
		}
	}
}

func TestRunPage(t *testing.T) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	code, body, _ := get(t, ts, "/runs/"+id(f, "ot swh-eng"))
	if code != http.StatusOK {
		t.Fatalf("%d\n%s", code, body)
	}
	for _, want := range []string{
		`<tr data-key="map"><th>map</th><td class="num" title="`, `">0.375</td>`, // fixture_test.go: psq mean + 0.08
		`<tr data-key="system"><th>system</th><td class="wrap mono">ot</td>`,
		"v0.26.0", "config hash",
		`<td class="query">Article 1 of the declaration</td>`,
		"artifacts/runs/paper/", fmt.Sprintf(`title="%d bytes">%d B</td>`, len(runLine), len(runLine)),
		fmt.Sprintf("%.16s", fmt.Sprintf("%x", sha256.Sum256([]byte(runLine)))),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	// Per-query rows sorted by map, descending: query i has 0.28 + 0.01(7i mod 20) +
	// 0.02((3i mod 5) − 2); the largest is i = 8 (7i mod 20 = 16, 3i mod 5 = 4):
	// 0.28 + 0.16 + 0.04 = 0.48 (next: i = 11, 0.28 + 0.17 + 0.02 = 0.47).
	_, body, _ = get(t, ts, "/runs/"+id(f, "ot swh-eng")+"?pq=map&dir=desc")
	qids := regexp.MustCompile(`<tr data-qid="([^"]+)">`).FindAllStringSubmatch(body, -1)
	if len(qids) != numQueries || qids[0][1] != qidOf(8) || qids[1][1] != qidOf(11) {
		t.Fatalf("per-query rows by map desc: %d rows, first %v, want %d rows starting with %s, %s", len(qids), qids[:2], numQueries, qidOf(8), qidOf(11))
	}
	if !strings.Contains(body, `">0.48</td>`) {
		t.Error("top per-query map 0.48 missing")
	}
	if code, _, _ := get(t, ts, "/runs/"+id(f, "ot swh-eng")+"?pq=bogus"); code != 400 {
		t.Errorf("unknown per-query sort measure: %d, want 400", code)
	}
	// A training run: its loss curve and the alignment heatmap.
	_, body, _ = get(t, ts, "/runs/"+id(f, "train student swh"))
	for _, want := range []string{`<div class="metric-chart" data-key="loss">`, `<span class="points">11</span>`,
		`step 100: 0.3313`, // 1.6·exp(−100/40) + 0.2 = 0.3313
		"OT alignments", "haki", "binadamu", `"heatmap"`, "checkpoint", "2.0 KiB"} {
		if !strings.Contains(body, want) {
			t.Errorf("training run page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="live"`) {
		t.Error("a FINISHED run's page polls for live points")
	}
	// Missing runs.
	for _, p := range []string{"/runs/999", "/runs/abc", "/runs/0"} {
		if code, _, _ := get(t, ts, p); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	// The failed run: its error, and artifacts that are not served.
	_, body, _ = get(t, ts, "/runs/"+id(f, "broken eval"))
	for _, want := range []string{`<pre class="error" id="run-error">optical: encoding som-eng: out of memory</pre>`,
		"outside the artifacts folder: not served", "not served"} {
		if !strings.Contains(body, want) {
			t.Errorf("failed run page lacks %q", want)
		}
	}
}

func TestArtifacts(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ts, _ := serve(t, f, nil)
	ot := id(f, "ot swh-eng")
	runFile := fmt.Sprintf("artifacts/runs/paper/%s-ot-swh-eng.trec", ot)
	tests := []struct {
		run, path string
		code      int
		body      string
	}{
		{ot, runFile, 200, "udhr-a01-p1 Q0 a01-p1 1 0.9 otclir\n"},
		{ot, "artifacts/runs/paper/../../../secret.txt", 404, "has no artifact"}, // not recorded
		{ot, f.outside, 404, "has no artifact"},                                  // recorded for another run only
		{id(f, "broken eval"), f.outside, 403, "outside the artifacts folder"},
		{id(f, "broken eval"), "artifacts/escape.txt", 403, "outside the artifacts folder"}, // symlink out
		{id(f, "psq swh-eng"), runFile, 404, "has no artifact"},
		{"999", runFile, 404, "run not found"},
		{ot, "", 400, "missing"},
	}
	for _, tc := range tests {
		code, body, hd := get(t, ts, "/runs/"+tc.run+"/artifact?"+url.Values{"path": {tc.path}}.Encode())
		if code != tc.code || !strings.Contains(body, tc.body) {
			t.Errorf("artifact %s of run %s: %d %q, want %d with %q", tc.path, tc.run, code, body, tc.code, tc.body)
		}
		if code == 200 && (hd.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(hd.Get("Content-Security-Policy"), "sandbox")) {
			t.Errorf("artifact headers %v", hd)
		}
	}
	// A file deleted after it was logged.
	must(t, os.Remove(filepath.Join(f.root, runFile)))
	if code, body, _ := get(t, ts, "/runs/"+ot+"/artifact?"+url.Values{"path": {runFile}}.Encode()); code != 404 || !strings.Contains(body, "not on disk") {
		t.Errorf("deleted artifact: %d %q", code, body)
	}
	// No artifacts folder: nothing is served.
	ts2, _ := serve(t, f, func(o *Options) { o.ArtifactDir = "" })
	ckpt := "artifacts/models/student-swh.bin"
	if code, _, _ := get(t, ts2, "/runs/"+id(f, "train student swh")+"/artifact?"+url.Values{"path": {ckpt}}.Encode()); code != 403 {
		t.Errorf("artifact without an artifacts folder: %d, want 403", code)
	}
	code, body, hd := get(t, ts, "/runs/"+id(f, "train student swh")+"/artifact?"+url.Values{"path": {ckpt}}.Encode())
	if code != 200 || len(body) != 2048 || hd.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(hd.Get("Content-Disposition"), "attachment") {
		t.Errorf("binary artifact: %d, %d bytes, %v", code, len(body), hd)
	}
}

func TestLiveMetrics(t *testing.T) {
	f := newFixture(t, fixtureOpts{live: true})
	ts, _ := serve(t, f, nil)
	run := id(f, "train student som")
	code, body, _ := get(t, ts, "/runs/"+run)
	if code != 200 || !strings.Contains(body, `id="live"`) || !strings.Contains(body, `data-url="/runs/`+run+`/metrics.json"`) {
		t.Fatalf("running run page lacks the live element: %d", code)
	}
	after := regexp.MustCompile(`data-after="(\d+)"`).FindStringSubmatch(body)[1]
	var got liveJSON
	_, js, _ := get(t, ts, "/runs/"+run+"/metrics.json?after="+after)
	must(t, json.Unmarshal([]byte(js), &got))
	if got.Status != "RUNNING" || len(got.Points) != 0 || fmt.Sprint(got.After) != after {
		t.Fatalf("poll with no new points: %+v", got)
	}
	must(t, f.live.LogMetric("loss", 40, 1.6))
	must(t, f.live.LogMetric("loss", 50, 1.5))
	must(t, f.live.LogMetric("grad_norm", 50, 3))
	must(t, f.live.Flush())
	_, js, _ = get(t, ts, "/runs/"+run+"/metrics.json?after="+after)
	got = liveJSON{}
	must(t, json.Unmarshal([]byte(js), &got))
	if fmt.Sprint(got.Points["loss"]) != "[[40 1.6] [50 1.5]]" || fmt.Sprint(got.Points["grad_norm"]) != "[[50 3]]" {
		t.Fatalf("new points: %v", got.Points)
	}
	_, js, _ = get(t, ts, fmt.Sprintf("/runs/%s/metrics.json?after=%d", run, got.After))
	var again liveJSON
	must(t, json.Unmarshal([]byte(js), &again))
	if len(again.Points) != 0 {
		t.Errorf("points returned twice: %v", again.Points)
	}
	must(t, f.live.Finish(nil))
	f.live = nil
	_, js, _ = get(t, ts, "/runs/"+run+"/metrics.json?after=0")
	again = liveJSON{}
	must(t, json.Unmarshal([]byte(js), &again))
	if again.Status != "FINISHED" || len(again.Points["loss"]) != 6 {
		t.Errorf("after the end: %+v", again)
	}
	if code, _, _ := get(t, ts, "/runs/"+run+"/metrics.json?after=-1"); code != 400 {
		t.Errorf("after=-1: %d, want 400", code)
	}
}

func TestComparePage(t *testing.T) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	psq, ot := id(f, "psq swh-eng"), id(f, "ot swh-eng")
	code, body, _ := get(t, ts, "/compare?ids="+psq+","+ot)
	if code != 200 {
		t.Fatalf("%d\n%s", code, body)
	}
	// ot beats psq on all 20 queries (fixture_test.go), so only the
	// all-positive and all-negative sign patterns are as extreme as the
	// observed mean: p = (1 + k)/(1 + 10,000) with k ≈ 10,000·2/2^20 ≈ 0.02.
	x, y := paired(perQueryOf("ot", "swh"), perQueryOf("psq", "swh"))
	p, err := eval.RandomizationTest(x, y, Permutations, PermutationSeed)
	must(t, err)
	if p > 3.0/10001 {
		t.Fatalf("fixture p = %v, want about 1/10001", p)
	}
	tt, pt, err := eval.PairedTTest(x, y)
	must(t, err)
	for _, want := range []string{
		`<tr class="differs" data-section="params" data-key="system"><th>params.system ≠</th>`,
		`<tr class="" data-section="params" data-key="pair">`,
		`<td class="num" id="mean-a">0.295</td>`, `<td class="num" id="mean-b">0.375</td>`, `<td class="num" id="mean-diff">0.08</td>`,
		`<td class="num">20 / 0 / 0</td>`,
		`id="p-randomization">` + fmtFloat(p) + `</td>`,
		`id="p-ttest">` + fmtFloat(tt) + ", " + fmtFloat(pt) + `</td>`,
		`"scatter"`, "Article 1 of the declaration",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("compare page lacks %q", want)
		}
	}
	// mse against psq: 8 better, 8 worse, 4 tied (fixture_test.go).
	_, body, _ = get(t, ts, "/compare?ids="+psq+"&ids="+id(f, "mse swh-eng")+"&a="+psq+"&b="+id(f, "mse swh-eng"))
	if !strings.Contains(body, `<td class="num">8 / 8 / 4</td>`) {
		t.Error("mse vs psq: wins/losses/ties not 8 / 8 / 4")
	}
	// Training runs: overlaid loss curves, differing learning rates.
	_, body, _ = get(t, ts, "/compare?ids="+id(f, "train student swh")+","+id(f, "train student deu")+"&diff=only")
	for _, want := range []string{`data-key="student.learning_rate"`, "loss per step", id(f, "train student swh") + " train student swh"} {
		if !strings.Contains(body, want) {
			t.Errorf("training compare lacks %q", want)
		}
	}
	if strings.Contains(body, `data-key="student.train_steps"`) {
		t.Error("diff=only shows an equal param")
	}
	for _, q := range []string{"ids=" + psq, "ids=1,2,3,4,5,6,7,8,9,10,11", "ids=x", "ids=" + psq + ",999",
		"ids=" + psq + "," + ot + "&measure=bogus", "ids=" + psq + "," + ot + "&a=999"} {
		if code, _, _ := get(t, ts, "/compare?"+q); code != 400 && code != 404 {
			t.Errorf("/compare?%s: %d, want 400 or 404", q, code)
		}
	}
}

func TestExperimentPage(t *testing.T) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	code, body, _ := get(t, ts, "/experiments/paper")
	if code != 200 {
		t.Fatalf("%d\n%s", code, body)
	}
	// fakeReports: ot beats psq on swh on every query (p = 1/2001 < 0.05): ▲.
	for _, want := range []string{`<th>ot</th><td class="num">0.455</td><td class="num">0.375<span class="sig sig-up">▲</span></td>`,
		`data-format="latex"`, "paired randomization test", `"bar"`} {
		if !strings.Contains(body, want) {
			t.Errorf("experiment page lacks %q", want)
		}
	}
	want, err := fakeReports{}.Tables(mustRO(t, f.path), "paper")
	must(t, err)
	for _, tc := range []struct{ format, ctype, ext string }{{"md", "text/markdown", "md"}, {"latex", "application/x-tex", "tex"}, {"csv", "text/csv", "csv"}} {
		code, body, hd := get(t, ts, "/experiments/paper/table?t=udhr&format="+tc.format)
		wantBody := map[string][]byte{"md": want[0].Markdown, "latex": want[0].LaTeX, "csv": want[0].CSV}[tc.format]
		if code != 200 || body != string(wantBody) || !strings.HasPrefix(hd.Get("Content-Type"), tc.ctype) ||
			hd.Get("Content-Disposition") != `attachment; filename="paper-udhr.`+tc.ext+`"` {
			t.Errorf("download %s: %d %v\n%s", tc.format, code, hd, body)
		}
	}
	for _, p := range []string{"/experiments/nope", "/experiments/paper/table?t=cldr&format=md"} {
		if code, _, _ := get(t, ts, p); code != 404 {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	if code, _, _ := get(t, ts, "/experiments/paper/table?t=udhr&format=docx"); code != 400 {
		t.Errorf("unknown format: %d, want 400", code)
	}
	ts2, _ := serve(t, f, func(o *Options) { o.Reports = nil })
	if _, body, _ := get(t, ts2, "/experiments/paper"); !strings.Contains(body, "started without paper tables") {
		t.Error("experiment page without Reports")
	}
}

func mustRO(t *testing.T, path string) *tracker.DB {
	db, err := tracker.OpenReadOnly(path)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestReadOnly: New refuses a writable handle, the UI answers only GET and
// HEAD, and serving every page leaves the database file byte-identical.
func TestReadOnly(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	w, err := tracker.Open(f.path)
	must(t, err)
	if _, err := New(Options{DB: w}); !errors.Is(err, ErrWritable) {
		t.Errorf("New with a writable DB: %v, want ErrWritable", err)
	}
	must(t, w.Close())
	sum := func() [32]byte {
		b, err := os.ReadFile(f.path)
		must(t, err)
		return sha256.Sum256(b)
	}
	before := sum()
	ts, _ := serve(t, f, nil)
	for _, p := range []string{"/", "/runs", "/runs/1", "/runs/" + id(f, "ot swh-eng"), "/compare?ids=4,5,6",
		"/experiments/paper", "/experiments/paper/table?t=udhr&format=csv", "/runs/1/metrics.json"} {
		if code, body, _ := get(t, ts, p); code != 200 {
			t.Errorf("GET %s: %d\n%s", p, code, body)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		req, _ := http.NewRequest(m, ts.URL+"/runs/1", strings.NewReader("x"))
		resp, err := ts.Client().Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /runs/1: %d, want 405", m, resp.StatusCode)
		}
	}
	if sum() != before {
		t.Error("serving the UI changed the database file")
	}
	// SQLite readers of a WAL database in a writable folder open the -wal
	// and -shm files (to coordinate with writers) but write no page.
	if st, err := os.Stat(f.path + "-wal"); err == nil && st.Size() != 0 {
		t.Errorf("serving the UI wrote %d bytes of WAL", st.Size())
	}
	if _, err := os.Stat(f.path + "-journal"); err == nil {
		t.Error("serving the UI left a rollback journal")
	}
}

func TestHostAndHeaders(t *testing.T) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	req, _ := http.NewRequest("GET", ts.URL+"/", nil)
	req.Host = "evil.example:8080"
	resp, err := ts.Client().Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("Host evil.example: %d, want 403", resp.StatusCode)
	}
	ts2, _ := serve(t, f, func(o *Options) { o.AnyHost = true })
	req, _ = http.NewRequest("GET", ts2.URL+"/", nil)
	req.Host = "lab.example:8080"
	resp, err = ts2.Client().Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("AnyHost: %d, want 200", resp.StatusCode)
	}
	// Every inline script carries the response's nonce, and the CSP allows
	// no other inline script.
	code, body, hd := get(t, ts, "/runs/"+id(f, "train student swh"))
	csp := hd.Get("Content-Security-Policy")
	m := regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9_-]+)';`).FindStringSubmatch(csp)
	if code != 200 || m == nil {
		t.Fatalf("CSP %q", csp)
	}
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1)
	if len(scripts) < 3 {
		t.Fatalf("%d scripts on a page with two charts", len(scripts))
	}
	for _, s := range scripts {
		if !strings.Contains(s, `nonce="`+m[1]+`"`) && !strings.Contains(s, `src="/static/`) {
			t.Errorf("script without the nonce: %s", s)
		}
	}
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if hd.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if code, body, _ := get(t, ts, "/static/echarts.min.js"); code != 200 || len(body) < 500_000 {
		t.Errorf("echarts asset: %d, %d bytes", code, len(body))
	}
	if code, _, _ := get(t, ts, "/static/../results.db"); code != 404 {
		t.Errorf("static path traversal: %d", code)
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "127.0.0.2:80": true,
		":8080": false, "0.0.0.0:8080": false, "192.168.1.2:8080": false, "example.com:80": false, "[::]:8080": false,
		"127.0.0.1": false, // no port
	} {
		if got := IsLoopbackAddr(addr); got != want {
			t.Errorf("IsLoopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestFilterQuoting: names and keys quoted by the UI parse back to
// themselves in the filter language.
func TestFilterQuoting(t *testing.T) {
	for _, s := range []string{`plain`, `it's`, `say "hi"`, `back\slash`, `\"`, `a\nb`, "tab\there", `<script>`, `x y`} {
		f, err := filter.Parse(`params.k = ` + quoteFilter(s))
		if err != nil {
			t.Errorf("quoteFilter(%q): %v", s, err)
			continue
		}
		_, args, _ := filter.Where(`params.k = ` + quoteFilter(s))
		if fmt.Sprint(args[1]) != s {
			t.Errorf("quoteFilter(%q) parses as %q (%v)", s, args[1], f)
		}
		for _, key := range []string{s, "lr.warmup", "1gram", "-x"} {
			_, oargs, err := filter.OrderBy(fieldRef("params", key) + " DESC")
			if err != nil || len(oargs) != 1 || oargs[0] != key {
				t.Errorf("fieldRef(params, %q) = %s: %v %v", key, fieldRef("params", key), oargs, err)
			}
		}
	}
}

func TestParseMarkdownTable(t *testing.T) {
	md := "| system | swh-eng (low) | avg |\n|---|---|---|\n| ot | 0.131 ± 0.029▼ | 0.141 |\n| psq | 0.381 | 0.318 |\n\nMAP on udhr;\nsecond line\n"
	tab := parseMarkdownTable(md)
	if strings.Join(tab.Header, "|") != "system|swh-eng (low)|avg" || len(tab.Rows) != 2 ||
		tab.Rows[0][1] != (tableCell{"0.131 ± 0.029", "▼"}) || tab.Rows[1][1] != (tableCell{"0.381", ""}) ||
		tab.Caption != "MAP on udhr; second line" {
		t.Fatalf("%+v", tab)
	}
}

func TestReadAlignment(t *testing.T) {
	tests := []struct {
		in, err string
	}{
		{`{"ForeignTokens":["a","b"],"EnglishTokens":["x"],"Plan":[[0.5],[0.5]],"Epsilon":0.05}`, ""},
		{`{"ForeignTokens":["a"],"EnglishTokens":["x"],"Plan":[[0.5],[0.5]]}`, "Plan has 2 rows, want 1"},
		{`{"ForeignTokens":["a"],"EnglishTokens":["x","y"],"Plan":[[0.5]]}`, "Plan row 0 has 1 values, want 2"},
		{`{"ForeignTokens":["a"],"EnglishTokens":["x"],"Plan":[[-1]]}`, "want a finite mass"},
		{`{"ForeignTokens":[],"EnglishTokens":["x"],"Plan":[]}`, "no tokens"},
		{`{"ForeignTokens":`, "unexpected end"},
		{strings.Repeat(" ", MaxAlignmentBytes+1), "larger than"},
	}
	for _, tc := range tests {
		a, err := ReadAlignment(strings.NewReader(tc.in), "al.json")
		switch {
		case tc.err == "" && (err != nil || a.Epsilon != 0.05):
			t.Errorf("ReadAlignment(%.40q): %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "al.json")):
			t.Errorf("ReadAlignment(%.40q): %v, want an error naming al.json with %q", tc.in, err, tc.err)
		}
	}
}
