package ui

import (
	"bytes"
	"context"
	"flag"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/runs.png and testdata/compare.png (the README screenshots) from headless Chromium")

// chromiumPath returns the headless browser, or skips the test when there
// is none, unless CI=true, where a missing browser fails the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found on PATH; CI=true requires it (Debian: apt-get install chromium; make setup-chromium)")
	}
	t.Skip("chromium not found on PATH: skipping the browser test (make setup-chromium installs it; CI=true makes this a failure)")
	return ""
}

// browse runs headless Chromium on url with extra flags and returns its
// standard output. Chart scripts run before the load event, after which
// --dump-dom and --screenshot act; a --virtual-time-budget flag lets timers
// (chart animations, live polling) run on, Chromium pausing virtual time
// while requests are pending.
func browse(t *testing.T, chromium, url string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--hide-scrollbars", "--no-proxy-server",
		"--user-data-dir=" + t.TempDir()}, extra...)
	cmd := exec.CommandContext(ctx, chromium, append(args, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	return stdout.Bytes()
}

// dumpDOM returns the DOM of url after its scripts ran (and, with a
// --virtual-time-budget in extra, after its timers ran).
func dumpDOM(t *testing.T, chromium, url string, extra ...string) string {
	t.Helper()
	dom := string(browse(t, chromium, url, append([]string{"--window-size=1280,900", "--dump-dom"}, extra...)...))
	if !strings.Contains(dom, "</html>") {
		t.Fatalf("chromium dumped no page for %s:\n%.500s", url, dom)
	}
	return dom
}

// screenshot renders url at size "W,H" into out and decodes it.
func screenshot(t *testing.T, chromium, url, size, out string) image.Image {
	t.Helper()
	// The budget lets ECharts' entry animation (1 s) finish and the page
	// paint completely.
	browse(t, chromium, url, "--window-size="+size, "--virtual-time-budget=3000", "--screenshot="+out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot of %s: %v", url, err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", out, err)
	}
	return img
}

// inkStats returns the fraction of pixels that are not near-white and the
// number of distinct colours (quantised to 4 bits per channel).
func inkStats(img image.Image) (ink float64, colours int) {
	b := img.Bounds()
	seen := map[uint16]bool{}
	n, inked := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			n++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				inked++
			}
			seen[uint16(r>>12)<<8|uint16(g>>12)<<4|uint16(bl>>12)] = true
		}
	}
	return float64(inked) / float64(n), len(seen)
}

// canvases counts the canvases ECharts drew (one per chart): proof that the
// charts' scripts ran under the page's Content-Security-Policy.
func canvases(dom string) int { return strings.Count(dom, "<canvas") }

// chromiumServer serves the fixture for the browser tests.
func chromiumServer(t *testing.T) (*httptest.Server, *fixture) {
	f := sharedFixture(t)
	ts, _ := serve(t, f, nil)
	return ts, f
}

// TestChromiumPages loads every page in headless Chromium and checks the
// DOM for the fixture's runs and numbers (derived in fixture_test.go).
func TestChromiumPages(t *testing.T) {
	chromium := chromiumPath(t)
	ts, f := chromiumServer(t)
	tests := []struct {
		name, path string
		want       []string
		charts     int
	}{
		{"experiments", "/", []string{`data-experiment="paper"`, `<td class="num count-finished">8</td>`}, 0},
		{"runs", "/runs", []string{"runs 1–10 of 10", ">ot swh-eng</a>", ">0.375</td>", ">0.455</td>", "status-failed"}, 0},
		{"run", "/runs/" + id(f, "ot swh-eng"), []string{`">0.375</td>`, "Article 1 of the declaration", "-ot-swh-eng.trec"}, 0},
		{"training run", "/runs/" + id(f, "train student swh"), []string{"step 100: 0.3313", "binadamu"}, 2},
		{"compare", "/compare?ids=" + id(f, "psq swh-eng") + "," + id(f, "ot swh-eng"),
			[]string{`id="mean-a">0.295</td>`, `id="mean-b">0.375</td>`, "20 / 0 / 0", `class="differs"`}, 1},
		{"experiment", "/experiments/paper", []string{`0.375<span class="sig sig-up">▲</span>`, `data-format="csv"`}, 1},
	}
	sem := make(chan struct{}, 2) // two browsers at a time
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			dom := dumpDOM(t, chromium, ts.URL+tc.path)
			for _, w := range tc.want {
				if !strings.Contains(dom, w) {
					t.Errorf("DOM of %s lacks %q", tc.path, w)
				}
			}
			if n := canvases(dom); n < tc.charts {
				t.Errorf("%s: %d chart canvases, want %d (the chart scripts did not run)", tc.path, n, tc.charts)
			}
		})
	}
}

// cellValues returns, per runs-table row, the text of column col.
func cellValues(dom, col string) []string {
	re := regexp.MustCompile(`<td data-col="` + regexp.QuoteMeta(col) + `" title="[^"]*" class="[^"]*">([^<]*)</td>`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(dom, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// sortHref returns the href of the sort link of column col in dom.
func sortHref(t *testing.T, dom, col string) string {
	t.Helper()
	m := regexp.MustCompile(`<th data-col="` + regexp.QuoteMeta(col) + `"[^>]*><a class="sort" href="([^"]+)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no sort link for %s", col)
	}
	return html.UnescapeString(m[1])
}

func floats(t *testing.T, s []string) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		v, err := strconv.ParseFloat(x, 64)
		if err != nil {
			t.Fatalf("cell %q: %v", x, err)
		}
		out[i] = v
	}
	return out
}

// TestChromiumSortAndFilter follows the runs table's sort links (as a
// click would) and submits its filter form's URL, then checks the order
// and the rows the browser shows.
func TestChromiumSortAndFilter(t *testing.T) {
	chromium := chromiumPath(t)
	ts, _ := chromiumServer(t)
	// The filter form is a GET form with fields filter and order.
	filterURL := ts.URL + "/runs?" + "filter=" + url.QueryEscape(`tags.kind = "eval" and status = "FINISHED"`) + "&order=&col=metrics.map&col=params.system"
	dom := dumpDOM(t, chromium, filterURL)
	if got := cellValues(dom, "params.system"); strings.Join(got, ",") != "ot,psq,mse,ot,psq" {
		t.Fatalf("filtered rows show systems %v, want the five evaluations newest first", got)
	}
	// Sort by map: the first click sorts descending.
	dom = dumpDOM(t, chromium, ts.URL+sortHref(t, dom, "metrics.map"))
	// fixture_test.go: ot deu 0.455, psq deu 0.445, ot swh 0.375, psq and mse swh 0.295.
	if got := cellValues(dom, "metrics.map"); strings.Join(got, ",") != "0.455,0.445,0.375,0.295,0.295" {
		t.Fatalf("sorted by map DESC: %v", got)
	}
	if !strings.Contains(dom, `<span class="arrow">▼</span>`) {
		t.Error("no descending arrow on the sorted column")
	}
	// The second click sorts ascending.
	dom = dumpDOM(t, chromium, ts.URL+sortHref(t, dom, "metrics.map"))
	v := floats(t, cellValues(dom, "metrics.map"))
	for i := 1; i < len(v); i++ {
		if v[i] < v[i-1] {
			t.Fatalf("sorted by map ASC: %v", v)
		}
	}
	if len(v) != 5 {
		t.Fatalf("sorted by map ASC: %d rows", len(v))
	}
}

// TestChromiumScreenshots screenshots the runs, compare and run pages and
// checks they are not blank; with -update the first two become the
// README's images.
func TestChromiumScreenshots(t *testing.T) {
	chromium := chromiumPath(t)
	ts, f := chromiumServer(t)
	dir := t.TempDir()
	shots := []struct {
		name, path, size string
		readme           bool // an image of the README
	}{
		{"runs", "/runs?col=params.system&col=params.pair&col=metrics.map&col=metrics.recip_rank_cut_10", "1280,720", true},
		{"compare", "/compare?ids=" + id(f, "psq swh-eng") + "," + id(f, "ot swh-eng") + "&diff=only", "1280,1500", true},
		{"run", "/runs/" + id(f, "train student swh"), "1280,1400", false},
	}
	for _, s := range shots {
		out := filepath.Join(dir, s.name+".png")
		ink, colours := inkStats(screenshot(t, chromium, ts.URL+s.path, s.size, out))
		t.Logf("%s: ink %.3f, %d colours", s.name, ink, colours)
		// A page of text on white has a few percent of ink; coloured
		// status badges, highlighted rows and the scatter add colours.
		if ink < 0.02 || colours < 16 {
			t.Errorf("%s page looks blank: ink %.4f, %d colours", s.name, ink, colours)
		}
		if *update && s.readme {
			b, err := os.ReadFile(out)
			must(t, err)
			must(t, os.WriteFile(filepath.Join("testdata", s.name+".png"), b, 0o644))
		}
	}
}

// TestChromiumLive loads the page of a RUNNING run; while the browser
// polls, the run logs two more points (on the first poll, so the test does
// not depend on timing). The DOM must show them.
func TestChromiumLive(t *testing.T) {
	chromium := chromiumPath(t)
	f := newFixture(t, fixtureOpts{live: true})
	_, s := serve(t, f, func(o *Options) { o.LivePeriod = 300 * time.Millisecond })
	var once sync.Once
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/metrics.json") {
			once.Do(func() {
				must(t, f.live.LogMetric("loss", 40, 1.6))
				must(t, f.live.LogMetric("loss", 50, 1.5))
				must(t, f.live.Flush())
			})
		}
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()
	dom := dumpDOM(t, chromium, ts.URL+"/runs/"+id(f, "train student som"), "--virtual-time-budget=3000")
	// Logged before the page loaded: steps 0..30; then 40 and 50.
	for _, want := range []string{`<span class="latest" data-key="loss">step 50: 1.5</span>`, `<span class="points">6</span>`,
		`<span id="live-status">RUNNING</span>`} {
		if !strings.Contains(dom, want) {
			t.Errorf("live page lacks %q", want)
		}
	}
	if strings.Contains(dom, "data-error=") {
		t.Errorf("live polling failed: %s", regexp.MustCompile(`data-error="[^"]*"`).FindString(dom))
	}
}
