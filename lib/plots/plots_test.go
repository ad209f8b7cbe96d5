package plots

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scriptSrc matches a <script> tag that loads a file (src attribute).
var scriptSrc = regexp.MustCompile(`(?i)<script[^>]*\ssrc\s*=`)

// remoteRef matches a reference to a remote resource in markup (src, href) or CSS (url()).
var remoteRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//`)

// escapedEvil is evil as json.Marshal writes it inside the option.
const escapedEvil = `\u003c/script\u003e\u003cb\u003e\"'\u0026`

// outsideLibrary returns page with the inlined ECharts source cut out, so that
// checks see only what this package generated.
func outsideLibrary(t *testing.T, page string) string {
	t.Helper()
	if strings.Count(page, echartsJS) != 1 {
		t.Fatalf("page has %d copies of the inlined ECharts library, want 1", strings.Count(page, echartsJS))
	}
	return strings.Replace(page, echartsJS, "", 1)
}

func TestWriteHTMLSelfContainedAndEscaped(t *testing.T) {
	for _, tc := range sampleCharts() {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.chart.WriteHTML(&buf); err != nil {
				t.Fatalf("WriteHTML: %v", err)
			}
			page := buf.String()
			if !strings.HasPrefix(page, "<!DOCTYPE html>") {
				t.Errorf("page does not start with a doctype: %.40q", page)
			}
			if scriptSrc.MatchString(page) {
				t.Errorf("page loads a script file: %q", scriptSrc.FindString(page))
			}
			own := outsideLibrary(t, page)
			if m := remoteRef.FindString(own); m != "" {
				t.Errorf("page refers to a remote resource: %q", m)
			}
			if strings.Contains(own, "http") {
				t.Errorf("generated markup mentions http: %q", own[max(0, strings.Index(own, "http")-40):][:80])
			}
			// Every <script> is closed once: user text did not end one early.
			opens, closes := strings.Count(own, "<script"), strings.Count(own, "</script>")
			if opens != 2 || closes != 2 {
				t.Errorf("page has %d <script and %d </script>, want 2 each (library + chart)", opens, closes)
			}
			if strings.Contains(own, evil) || strings.Contains(own, "</script><b>") {
				t.Errorf("user text reached the page unescaped")
			}
			if strings.Contains(tc.chart.Title(), evil) && !strings.Contains(own, escapedEvil) {
				t.Errorf("page lacks the JSON-escaped label %s", escapedEvil)
			}
			// The <title> holds the HTML-escaped chart title (html.EscapeString's entities).
			wantTitle := "<title>" + strings.Replace(tc.chart.Title(), evil, `&lt;/script&gt;&lt;b&gt;&#34;&#39;&amp;`, 1) + "</title>"
			if !strings.Contains(own, wantTitle) {
				t.Errorf("page lacks %q", wantTitle)
			}
			for _, want := range []string{"window.define = undefined", "typeof window.echarts === \"undefined\"", ".setOption(option)"} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

// option decodes the OptionJSON of c.
func option(t *testing.T, c *Chart) map[string]any {
	t.Helper()
	b, err := c.OptionJSON()
	if err != nil {
		t.Fatalf("OptionJSON: %v", err)
	}
	if !json.Valid(b) {
		t.Fatalf("OptionJSON is not valid JSON: %.200s", b)
	}
	var o map[string]any
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// seriesTypes returns the "type" of every series of o.
func seriesTypes(o map[string]any) []string {
	var ts []string
	for _, s := range o["series"].([]any) {
		ts = append(ts, s.(map[string]any)["type"].(string))
	}
	return ts
}

func TestOptionJSON(t *testing.T) {
	charts := map[string]*Chart{}
	for _, tc := range sampleCharts() {
		charts[tc.name] = tc.chart
	}
	// Expected series per sample chart (see sampleCharts): one per input series,
	// plus one custom series holding all error bars.
	tests := []struct {
		name        string
		seriesTypes string
		// check inspects chart-specific parts of the option.
		check func(t *testing.T, o map[string]any)
	}{
		{"grouped_bar", "bar bar bar custom", func(t *testing.T, o map[string]any) {
			x := o["xAxis"].([]any)[0].(map[string]any)
			if got := x["data"].([]any); len(got) != 4 || got[3] != "en-ha "+evil {
				t.Errorf("xAxis.data = %q", got)
			}
			if got := o["yAxis"].([]any)[0].(map[string]any)["name"]; got != "MAP@1000" {
				t.Errorf("yAxis.name = %v", got)
			}
			s := o["series"].([]any)
			// MaxSim distill value for en-so is NaN: drawn as "-" (missing).
			if got := s[2].(map[string]any)["data"].([]any)[1].(map[string]any)["value"]; got != "-" {
				t.Errorf("NaN bar value = %v, want \"-\"", got)
			}
			// Error bars: OPTICAL has 4, MaxSim distill 2 (NaN value, NaN error skipped).
			errs := s[3].(map[string]any)["data"].([]any)
			if len(errs) != 6 {
				t.Fatalf("%d error bars, want 6", len(errs))
			}
			// OPTICAL en-sw: 0.34 ± 0.02 → [cat 0, 0.32, 0.36, bar 1, 3 bars].
			e := errs[0].([]any)
			if e[0] != 0.0 || math.Abs(e[1].(float64)-0.32) > 1e-12 || math.Abs(e[2].(float64)-0.36) > 1e-12 || e[3] != 1.0 || e[4] != 3.0 {
				t.Errorf("first error bar = %v, want [0 0.32 0.36 1 3]", e)
			}
			if r := s[3].(map[string]any)["renderItem"]; r != errorBarRenderJS {
				t.Errorf("renderItem = %.60v, want errorBarRenderJS", r)
			}
		}},
		{"line_curves", "line line line line", func(t *testing.T, o map[string]any) {
			s := o["series"].([]any)
			// Group "low" → first palette colour for both seeds, dash differs.
			c0, c1 := s[0].(map[string]any)["lineStyle"].(map[string]any), s[1].(map[string]any)["lineStyle"].(map[string]any)
			if c0["color"] != palette[0] || c1["color"] != palette[0] || c0["type"] == c1["type"] {
				t.Errorf("group styling: %v / %v", c0, c1)
			}
			if c2 := s[2].(map[string]any)["lineStyle"].(map[string]any); c2["color"] != palette[1] {
				t.Errorf("second group colour = %v, want %v", c2["color"], palette[1])
			}
			if got := o["xAxis"].([]any)[0].(map[string]any)["type"]; got != "value" {
				t.Errorf("xAxis.type = %v", got)
			}
		}},
		{"budget_logx", "line line", func(t *testing.T, o map[string]any) {
			if got := o["xAxis"].([]any)[0].(map[string]any)["type"]; got != "log" {
				t.Errorf("xAxis.type = %v, want log", got)
			}
		}},
		{"heatmap", "heatmap", func(t *testing.T, o map[string]any) {
			x := o["xAxis"].([]any)[0].(map[string]any)["data"].([]any)
			y := o["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
			if len(x) != 6 || x[0] != "mvua" || x[5] != evil || len(y) != 4 || y[3] != evil {
				t.Errorf("axis labels x=%q y=%q", x, y)
			}
			data := o["series"].([]any)[0].(map[string]any)["data"].([]any)
			if len(data) != 24 {
				t.Fatalf("%d cells, want 4×6", len(data))
			}
			// Cell (row 1, col 3) is NaN → "-".
			if v := data[1*6+3].(map[string]any)["value"].([]any); v[0] != 3.0 || v[1] != 1.0 || v[2] != "-" {
				t.Errorf("NaN cell = %v", v)
			}
			vm := o["visualMap"].([]any)[0].(map[string]any)
			// Peak plan value: exp(0)/(4·6) = 1/24 at (0,0); smallest positive cell is larger than 0.
			if hi := vm["max"].(float64); math.Abs(hi-1.0/24) > 1e-12 {
				t.Errorf("visualMap.max = %v, want 1/24", hi)
			}
		}},
		{"parallel", "parallel parallel parallel parallel", func(t *testing.T, o map[string]any) {
			axes := o["parallelAxis"].([]any)
			if len(axes) != 4 || axes[2].(map[string]any)["type"] != "category" {
				t.Errorf("parallelAxis = %v", axes)
			}
			s := o["series"].([]any)[2].(map[string]any)
			if d := s["data"].([]any)[0].(map[string]any); s["name"] != "run-3 "+evil || d["value"].([]any)[2] != evil {
				t.Errorf("row 3 = %v", s)
			}
			// run-4's MAP is NaN: missing.
			if v := o["series"].([]any)[3].(map[string]any)["data"].([]any)[0].(map[string]any)["value"].([]any)[3]; v != "-" {
				t.Errorf("NaN value = %v, want \"-\"", v)
			}
			// Numeric axes span all rows (sampleCharts): lr on a log axis over
			// [1e-4, 1e-3], MAP over the finite values [0.21, 0.30].
			lr, mapAxis := axes[0].(map[string]any), axes[3].(map[string]any)
			if lr["type"] != "log" || lr["min"] != 1e-4 || lr["max"] != 1e-3 {
				t.Errorf("lr axis = %v", lr)
			}
			if mapAxis["min"] != 0.21 || mapAxis["max"] != 0.30 {
				t.Errorf("MAP axis = %v", mapAxis)
			}
		}},
		{"scatter", "scatter scatter", func(t *testing.T, o map[string]any) {
			s := o["series"].([]any)
			if s[0].(map[string]any)["name"] != "en" || s[1].(map[string]any)["name"] != "sw "+evil {
				t.Errorf("groups not sorted by name: %v, %v", s[0].(map[string]any)["name"], s[1].(map[string]any)["name"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := option(t, charts[tt.name])
			if got := strings.Join(seriesTypes(o), " "); got != tt.seriesTypes {
				t.Errorf("series types %q, want %q", got, tt.seriesTypes)
			}
			title := o["title"].(map[string]any)["text"].(string)
			if title != charts[tt.name].Title() {
				t.Errorf("title.text = %q, want %q", title, charts[tt.name].Title())
			}
			if tip, ok := o["tooltip"].(map[string]any); !ok || tip["show"] != true {
				t.Errorf("tooltip = %v, want shown", o["tooltip"])
			}
			tt.check(t, o)
		})
	}
}

func TestFunctionSourcesAreScriptSafe(t *testing.T) {
	for name, src := range map[string]string{
		"tipTooltipJS": tipTooltipJS, "barTooltipJS": barTooltipJS, "errorBarRenderJS": errorBarRenderJS,
	} {
		low := strings.ToLower(src)
		if strings.Contains(low, "</script") || strings.Contains(low, "<!--") {
			t.Errorf("%s contains </script or <!--", name)
		}
		if !strings.HasPrefix(src, "function (") {
			t.Errorf("%s is not a function expression", name)
		}
	}
}

func TestEChartsAsset(t *testing.T) {
	// Size and version of dist/echarts.min.js in echarts-5.6.0.tgz.
	if len(echartsJS) != 1034102 {
		t.Errorf("echarts.min.js has %d bytes, want 1034102", len(echartsJS))
	}
	if !strings.Contains(echartsJS, `version="`+EChartsVersion+`"`) {
		t.Errorf("echarts.min.js is not version %s", EChartsVersion)
	}
	low := strings.ToLower(echartsJS)
	if strings.Contains(low, "</script") || strings.Contains(low, "<!--") {
		t.Error("echarts.min.js cannot be inlined in a <script> as is")
	}
	for _, f := range []string{"assets/LICENSE", "assets/NOTICE"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("Apache")) {
			t.Errorf("%s does not mention Apache", f)
		}
	}
}

func TestInlineHTML(t *testing.T) {
	c := sampleCharts()[0].chart
	frag := c.InlineHTML()
	if strings.Contains(frag, "<html") || strings.Contains(frag, "<!DOCTYPE") {
		t.Error("fragment is a whole page")
	}
	id := regexp.MustCompile(`<div id="(otclir_chart_[0-9a-f]{16})"`).FindStringSubmatch(frag)
	if id == nil {
		t.Fatalf("fragment has no chart div: %.200q", frag)
	}
	if !strings.Contains(frag, `var id = "`+id[1]+`";`) {
		t.Error("chart script does not draw into the fragment's div")
	}
	own := outsideLibrary(t, frag)
	if scriptSrc.MatchString(frag) || strings.Contains(own, evil) || !strings.Contains(own, escapedEvil) {
		t.Error("fragment loads a script or leaks unescaped user text")
	}
	// Two fragments on one page get different ids.
	if id2 := regexp.MustCompile(`<div id="(otclir_chart_[0-9a-f]{16})"`).FindStringSubmatch(c.InlineHTML()); id2[1] == id[1] {
		t.Error("two fragments share an element id")
	}
}

func TestPage(t *testing.T) {
	var cs []*Chart
	for _, tc := range sampleCharts() {
		cs = append(cs, tc.chart)
	}
	path := filepath.Join(t.TempDir(), "all.html")
	if err := Page("All "+evil, cs...).SaveHTML(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	own := outsideLibrary(t, string(b))
	if n := strings.Count(own, `class="otclir-chart"`); n != len(cs) {
		t.Errorf("%d chart divs, want %d", n, len(cs))
	}
	if n := strings.Count(own, "</script>"); n != len(cs)+1 {
		t.Errorf("%d scripts, want %d (library + one per chart)", n, len(cs)+1)
	}
	bad := filepath.Join(t.TempDir(), "missing-dir", "x.html")
	if err := cs[0].SaveHTML(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("SaveHTML into a missing directory: err = %v, want one naming %s", err, bad)
	}
	if err := Page("empty").WriteHTML(&bytes.Buffer{}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty page: err = %v, want ErrNoData", err)
	}
}

func TestBadInput(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name  string
		chart *Chart
		want  error
		// mention is a part of the message that names the parameter at fault.
		mention string
	}{
		{"bar no categories", GroupedBar("t", "x", "y", nil, []BarSeries{{Name: "a"}}), ErrNoData, "categories"},
		{"bar no series", GroupedBar("t", "x", "y", []string{"a"}, nil), ErrNoData, "series"},
		{"bar short values", GroupedBar("t", "x", "y", []string{"a", "b"}, []BarSeries{{Name: "s", Values: []float64{1}}}), ErrShape, `series[0] "s" has 1 values, want 2`},
		{"bar short errors", GroupedBar("t", "x", "y", []string{"a"}, []BarSeries{{Name: "s", Values: []float64{1}, Errors: []float64{}}}), ErrShape, "errors"},
		{"bar negative error", GroupedBar("t", "x", "y", []string{"a"}, []BarSeries{{Name: "s", Values: []float64{1}, Errors: []float64{-1}}}), ErrValue, "Errors[0]"},
		{"line none", LineCurves("t", "x", "y", nil), ErrNoData, "curves"},
		{"line X/Y lengths", LineCurves("t", "x", "y", []Curve{{Name: "c", X: []float64{1, 2}, Y: []float64{1}}}), ErrShape, `curves[0] "c" has 2 X and 1 Y`},
		{"line NaN X", LineCurves("t", "x", "y", []Curve{{Name: "c", X: []float64{nan}, Y: []float64{1}}}), ErrValue, "X[0]"},
		{"line log x zero", LineCurves("t", "x", "y", []Curve{{Name: "c", X: []float64{0, 1}, Y: []float64{1, 2}}}, LogX()), ErrValue, "log x axis"},
		{"line log y negative", LineCurves("t", "x", "y", []Curve{{Name: "c", X: []float64{1}, Y: []float64{-1}}}, LogY()), ErrValue, "log y axis"},
		{"heatmap rows", Heatmap("t", []string{"a", "b"}, []string{"c"}, [][]float64{{1}}, "x", "y"), ErrShape, "values has 1 rows, want 2"},
		{"heatmap cols", Heatmap("t", []string{"a"}, []string{"c", "d"}, [][]float64{{1}}, "x", "y"), ErrShape, "values[0] has 1 columns"},
		{"heatmap all NaN", Heatmap("t", []string{"a"}, []string{"c"}, [][]float64{{nan}}, "x", "y"), ErrNoData, "finite"},
		{"parallel no axes", ParallelCoordinates("t", nil, [][]any{{1}}, nil), ErrNoData, "axes"},
		{"parallel row length", ParallelCoordinates("t", []PCAxis{{Name: "a"}}, [][]any{{1, 2}}, nil), ErrShape, "rows[0] has 2 values"},
		{"parallel names", ParallelCoordinates("t", []PCAxis{{Name: "a"}}, [][]any{{1}}, []string{"a", "b"}), ErrShape, "rowNames"},
		{"parallel unknown category", ParallelCoordinates("t", []PCAxis{{Name: "loss", Categories: []string{"kl"}}}, [][]any{{"ot"}}, nil), ErrValue, `rows[0][0] = "ot" is not a category of axis "loss"`},
		{"parallel log axis", ParallelCoordinates("t", []PCAxis{{Name: "lr", Log: true}}, [][]any{{0}}, nil), ErrValue, `log axis "lr"`},
		{"parallel string on numeric", ParallelCoordinates("t", []PCAxis{{Name: "lr"}}, [][]any{{"fast"}}, nil), ErrValue, `numeric axis "lr"`},
		{"scatter empty", Scatter("t", "x", "y", map[string][]Point{"a": nil}), ErrNoData, "empty"},
		{"scatter NaN", Scatter("t", "x", "y", map[string][]Point{"a": {{X: nan}}}), ErrValue, `groups["a"][0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.chart.Err()
			if !errors.Is(err, tt.want) {
				t.Fatalf("Err() = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if werr := tt.chart.WriteHTML(&bytes.Buffer{}); !errors.Is(werr, tt.want) {
				t.Errorf("WriteHTML error = %v, want %v", werr, tt.want)
			}
			if frag := tt.chart.InlineHTML(); !strings.Contains(frag, "otclir-chart-error") || strings.Contains(frag, "<script") {
				t.Errorf("InlineHTML of a bad chart = %.100q, want the error message only", frag)
			}
		})
	}
	var nilChart *Chart
	if err := nilChart.WriteHTML(&bytes.Buffer{}); !errors.Is(err, ErrNilChart) {
		t.Errorf("nil chart: %v", err)
	}
}

func TestErrorHTMLEscapes(t *testing.T) {
	c := GroupedBar("t", "x", "y", []string{"a"}, []BarSeries{{Name: evil}})
	frag := c.InlineHTML()
	if strings.Contains(frag, evil) || !strings.Contains(frag, "&lt;/script&gt;&lt;b&gt;") {
		t.Errorf("error message not HTML-escaped: %q", frag)
	}
}

func BenchmarkWriteHTML(b *testing.B) {
	for _, tc := range sampleCharts() {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := tc.chart.WriteHTML(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
