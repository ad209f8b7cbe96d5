package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/otclir/otclir/tracker"
)

// Hostile text for every place user data reaches a page. If any of it
// became markup, the element would carry class="pwned" (serialised with
// quotes by the browser, unlike the payloads' unquoted class=pwned), and
// if any script ran, <html> would get a data-xss attribute (the name is
// split in the payloads so the text itself never contains it).
const (
	xssScript = `<script class=pwned>document.documentElement.setAttribute("data-x"+"ss","script")</script>`
	xssImg    = `"><img class=pwned src=x onerror="document.documentElement.setAttribute('data-x'+'ss','img')">`
	xssSvg    = `'><svg class=pwned onload=document.documentElement.setAttribute('data-x'+'ss','svg')>`
	xssJSURL  = `javascript:document.documentElement.setAttribute('data-x'+'ss','href')`
	xssClose  = `</script><script class=pwned>document.documentElement.setAttribute("data-x"+"ss","json")</script>`
)

var xssPayloads = []string{xssScript, xssImg, xssSvg, xssJSURL, xssClose}

// hostileFixture records runs whose every field is hostile.
type hostileFixture struct {
	path, root, artifacts string
	experiment            string
	a, b                  int64
}

func newHostileFixture(t *testing.T) *hostileFixture {
	dir := t.TempDir()
	h := &hostileFixture{path: filepath.Join(dir, "results.db"), root: dir, artifacts: filepath.Join(dir, "artifacts"),
		experiment: `<img class=pwned src=x onerror=document.documentElement.setAttribute('data-x'+'ss','exp')>`}
	db, err := tracker.OpenOptions(h.path, tracker.Options{StaleAfter: -1})
	must(t, err)
	defer db.Close()
	must(t, os.MkdirAll(h.artifacts, 0o755))
	for i, name := range []string{xssScript, xssClose} {
		r, err := db.StartRun(tracker.RunSpec{Experiment: h.experiment, Name: name,
			Params: map[string]string{xssImg: xssSvg, "system": xssJSURL, "k": xssScript},
			Tags:   map[string]string{"kind": "eval", "note": xssJSURL}})
		must(t, err)
		for step := int64(0); step < 3; step++ {
			must(t, r.LogMetric(xssSvg, step, float64(step+int64(i))))
		}
		pq := map[string]float64{}
		for q := 0; q < 5; q++ {
			pq[xssPayloads[q]] = float64(q+i) / 10
		}
		must(t, r.LogPerQuery(xssImg, pq))
		must(t, r.LogPerQuery("map", pq))
		must(t, r.SetFinalMetrics(map[string]float64{xssScript: 1, "map": 0.5}))
		art := filepath.Join("artifacts", `x"><svg class=pwned onload=alert(1)>.json`)
		must(t, os.WriteFile(filepath.Join(dir, art), []byte(`{"ForeignTokens":["<script>alert(1)</script>"],"EnglishTokens":["</script>"],"Plan":[[1]]}`), 0o644))
		must(t, logArtifactAt(dir, r, art, AlignmentKind))
		must(t, r.Finish(nil))
		if i == 0 {
			h.a = r.ID()
		} else {
			h.b = r.ID()
		}
	}
	return h
}

func (h *hostileFixture) pages() []string {
	a, b := itoa(h.a), itoa(h.b)
	return []string{"/", "/runs", "/runs?filter=" + url.QueryEscape(`name = "`+strings.ReplaceAll(xssScript, `"`, `\"`)+`"`),
		"/runs?col=" + url.QueryEscape("params."+xssImg) + "&col=" + url.QueryEscape("metrics."+xssScript),
		"/runs/" + a, "/runs/" + a + "?pq=" + url.QueryEscape(xssImg) + "&dir=desc",
		"/compare?ids=" + a + "," + b, "/compare?ids=" + a + "," + b + "&measure=" + url.QueryEscape(xssImg),
		"/experiments/" + url.PathEscape(h.experiment),
		"/runs?filter=" + url.QueryEscape(xssScript), // a syntax error echoed back
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// httptestServer serves s on a test server closed at the end of the test.
func httptestServer(t *testing.T, s *Server) *httptest.Server {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func hostileTexts(*tracker.RunRecord) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range xssPayloads {
		out[p] = xssClose + xssImg
	}
	return out, nil
}

func serveHostile(t *testing.T, h *hostileFixture) *Server {
	db, err := tracker.OpenReadOnly(h.path)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	s, err := New(Options{DB: db, ArtifactDir: h.artifacts, Root: h.root, Reports: fakeReports{}, QueryTexts: hostileTexts})
	must(t, err)
	return s
}

// TestXSSEscaped: no page, for any hostile run name, param, tag, metric,
// query text, artifact path or experiment name, contains a payload
// unescaped, and no href holds a javascript: URL.
func TestXSSEscaped(t *testing.T) {
	h := newHostileFixture(t)
	ts := httptestServer(t, serveHostile(t, h))
	for _, p := range h.pages() {
		code, body, _ := get(t, ts, p)
		if code != 200 && code != 400 {
			t.Errorf("GET %s: %d\n%.300s", p, code, body)
		}
		for _, bad := range []string{"<script class=pwned", "<img class=pwned", "<svg class=pwned", `onerror="document`} {
			if strings.Contains(body, bad) {
				i := strings.Index(body, bad)
				t.Errorf("GET %s: unescaped %q: …%s…", p, bad, body[max(0, i-80):min(len(body), i+80)])
			}
		}
		if regexp.MustCompile(`(?i)(href|src|action)="\s*javascript:`).MatchString(body) {
			t.Errorf("GET %s: a javascript: URL in an attribute", p)
		}
	}
	// The payloads are on the pages, escaped: the run name as text.
	_, body, _ := get(t, ts, "/runs/"+itoa(h.a))
	if !strings.Contains(body, `&lt;script class=pwned&gt;document.documentElement.setAttribute(&#34;data-x&#34;&#43;&#34;ss&#34;,&#34;script&#34;)&lt;/script&gt;`) {
		t.Error("the hostile run name is not shown (escaped) on its page")
	}
}

// TestChromiumXSS loads the hostile pages in a browser: no injected
// element, no script ran.
func TestChromiumXSS(t *testing.T) {
	chromium := chromiumPath(t)
	h := newHostileFixture(t)
	ts := httptestServer(t, serveHostile(t, h))
	pages := h.pages()
	// The pages that put hostile text in tables, charts and the filter box.
	for i, p := range []string{pages[3], pages[4], pages[6]} {
		dom := dumpDOM(t, chromium, ts.URL+p)
		if strings.Contains(dom, "data-xss") {
			t.Errorf("%s: a hostile script ran: %s", p, regexp.MustCompile(`data-xss="[^"]*"`).FindString(dom))
		}
		if strings.Contains(dom, `class="pwned"`) {
			t.Errorf("%s: hostile markup became an element", p)
		}
		if i > 0 && !strings.Contains(dom, "<canvas") {
			t.Errorf("%s: the charts did not draw", p)
		}
	}
	// Control: the same payloads pasted raw into a page (no escaping, no
	// CSP) are caught by both checks.
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><html><body><p title=\"%s\">%s</p></body></html>", xssImg, xssScript)
	}))
	defer raw.Close()
	dom := dumpDOM(t, chromium, raw.URL)
	if !strings.Contains(dom, "data-xss") || !strings.Contains(dom, `class="pwned"`) {
		t.Fatalf("control page with raw payloads not detected:\n%s", dom)
	}
}
