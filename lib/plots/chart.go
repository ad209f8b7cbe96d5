package plots

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/go-echarts/go-echarts/v2/types"
	"github.com/janpfeifer/gonb/gonbui"

	"github.com/otclir/otclir/lib/atomicfile"
)

// Sentinel errors. Builders never panic on bad input: the error is kept in the
// returned Chart and reported by WriteHTML, SaveHTML and Err, wrapped with the
// builder and the parameter at fault.
var (
	// ErrNilChart is returned when rendering a nil *Chart.
	ErrNilChart = errors.New("plots: nil chart")
	// ErrNoData is returned when a builder gets nothing to draw.
	ErrNoData = errors.New("plots: no data")
	// ErrShape is returned when lengths of related slices disagree.
	ErrShape = errors.New("plots: inconsistent lengths")
	// ErrValue is returned for a value that cannot be drawn (for example a
	// non-positive x on a log axis, or a category not listed on its axis).
	ErrValue = errors.New("plots: invalid value")
)

// Default sizes in CSS pixels. The chart width follows its container (up to
// maxWidthPx), the height is fixed so that notebook outputs do not collapse.
const (
	defaultHeightPx = 520
	maxWidthPx      = 960
)

// palette is the ECharts 5 default palette (also go-echarts' default colours),
// repeated here because Groups and error bars need to know the colour of a series.
var palette = []string{
	"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de",
	"#3ba272", "#fc8452", "#9a60b4", "#ea7ccc",
}

// renderable is what every go-echarts chart (charts.Bar, charts.Line, ...) provides.
type renderable interface {
	// Validate fills go-echarts defaults (axis data, ids); it must run before JSON.
	Validate()
	// JSON returns the ECharts option as a map.
	JSON() map[string]interface{}
	// ClearPresetAssets drops go-echarts' CDN script list.
	ClearPresetAssets()
}

// Chart wraps one go-echarts chart and renders it with the ECharts library
// inlined, so that the HTML works with no network. A Chart built from bad
// input carries the error (see Err) and renders as an error message.
type Chart struct {
	title    string
	heightPx int
	ec       renderable
	// patch adds option keys that go-echarts v2.6.7 has no field for; it runs
	// on the map returned by ec.JSON().
	patch func(option map[string]any)
	// funcs holds JavaScript function sources. The option refers to them with
	// placeholder strings (see fn) that are swapped for the raw source after the
	// option has been JSON-encoded with HTML escaping. Function sources are
	// constants of this package, never user text.
	funcs []string
	nonce string
	err   error
}

// newChart returns a Chart for ec with a random nonce for function placeholders.
func newChart(title string, ec renderable) *Chart {
	// Not needed for this package's own rendering, but leaves no CDN URL in
	// the wrapped chart either.
	ec.ClearPresetAssets()
	return &Chart{title: title, heightPx: defaultHeightPx, ec: ec, nonce: randomHex(6)}
}

// errChart returns a Chart that only carries err.
func errChart(title string, err error) *Chart {
	return &Chart{title: title, heightPx: defaultHeightPx, err: err}
}

// randomHex returns 2n random hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("plots: crypto/rand failed: %v", err)) // documented never to fail
	}
	return hex.EncodeToString(b)
}

// fn registers a JavaScript function source and returns the placeholder that
// stands for it inside the option.
func (c *Chart) fn(src string) types.FuncStr {
	c.funcs = append(c.funcs, src)
	return types.FuncStr(c.placeholder(len(c.funcs) - 1))
}

func (c *Chart) placeholder(i int) string {
	return "__otclir_fn_" + c.nonce + "_" + strconv.Itoa(i) + "__"
}

// Title returns the chart title.
func (c *Chart) Title() string {
	if c == nil {
		return ""
	}
	return c.title
}

// Err returns the error of the builder that made c, or nil.
func (c *Chart) Err() error {
	if c == nil {
		return ErrNilChart
	}
	return c.err
}

// SetHeight sets the chart height in CSS pixels (default 520) and returns c.
func (c *Chart) SetHeight(px int) *Chart {
	if c != nil && px > 0 {
		c.heightPx = px
	}
	return c
}

// option returns the option JSON-encoded with HTML escaping (so '<', '>', '&',
// U+2028 and U+2029 in user text are \u escapes, safe inside a <script>),
// with function placeholders still in place as JSON strings.
func (c *Chart) option() ([]byte, error) {
	if c == nil {
		return nil, ErrNilChart
	}
	if c.err != nil {
		return nil, c.err
	}
	c.ec.Validate()
	obj := c.ec.JSON()
	if c.patch != nil {
		c.patch(obj)
	}
	b, err := json.Marshal(obj) // json.Marshal escapes <, >, & and U+2028/U+2029.
	if err != nil {
		return nil, fmt.Errorf("plots: chart %q: encoding option: %w", c.title, err)
	}
	return b, nil
}

// OptionJSON returns the ECharts option as valid JSON. JavaScript functions
// (tooltip formatters, the error-bar renderer) appear as strings holding their
// source; in the HTML they are inlined as code.
func (c *Chart) OptionJSON() ([]byte, error) {
	b, err := c.option()
	if err != nil {
		return nil, err
	}
	for i, src := range c.funcs {
		q, _ := json.Marshal(src)
		b = bytes.ReplaceAll(b, []byte(`"`+c.placeholder(i)+`"`), q)
	}
	return b, nil
}

// optionJS returns the option as a JavaScript expression, functions inlined.
func (c *Chart) optionJS() ([]byte, error) {
	b, err := c.option()
	if err != nil {
		return nil, err
	}
	for i, src := range c.funcs {
		b = bytes.ReplaceAll(b, []byte(`"`+c.placeholder(i)+`"`), []byte(src))
	}
	return b, nil
}

// echartsLoader is a script that defines window.echarts unless the page already
// has it. AMD loaders (require.js in Jupyter and nbconvert HTML) make the UMD
// bundle register as an anonymous module instead of a global ("echarts is not
// defined"), so window.define is hidden while the bundle runs, and define,
// module and exports are shadowed by undefined parameters. Built once (~1 MB).
var echartsLoader = sync.OnceValue(func() string {
	var sb strings.Builder
	sb.Grow(len(echartsJS) + 512)
	sb.WriteString("<script type=\"text/javascript\">\n/* Apache ECharts " + EChartsVersion +
		" (Apache-2.0), inlined by otclir lib/plots */\n")
	sb.WriteString("if (typeof window.echarts === \"undefined\") {\n(function () {\n" +
		"var savedDefine = window.define;\nwindow.define = undefined;\ntry {\n" +
		"(function (define, module, exports) {\n")
	sb.WriteString(echartsJS)
	sb.WriteString("\n}).call(window);\n} finally {\nwindow.define = savedDefine;\n}\n})();\n}\n</script>\n")
	return sb.String()
})

// chartID returns a fresh element id; ids are random so that charts from
// different notebook cells never collide on one page.
func chartID() string { return "otclir_chart_" + randomHex(8) }

// element returns the chart's <div>.
func (c *Chart) element(id string) string {
	return fmt.Sprintf("<div id=%q class=\"otclir-chart\" style=\"width:100%%;max-width:%dpx;height:%dpx;margin:12px auto;\"></div>\n",
		id, maxWidthPx, c.heightPx)
}

// script returns the <script> that draws the chart into the element id. It
// waits (up to 5 s) for the element to be attached and sized and for echarts to
// be defined, because notebook front-ends run output scripts before layout.
func (c *Chart) script(id string) (string, error) {
	opt, err := c.optionJS()
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString("<script type=\"text/javascript\">\n(function () {\n")
	fmt.Fprintf(&sb, "var id = %q;\nvar option = ", id)
	sb.Write(opt)
	sb.WriteString(`;
var tries = 0;
function draw() {
  var el = document.getElementById(id);
  var ready = el && typeof window.echarts !== "undefined";
  if (!ready || el.clientWidth === 0) {
    tries++;
    if (tries < 100) { setTimeout(draw, 50); return; }
    if (!ready) { return; }
  }
  var chart = window.echarts.init(el, null, {renderer: "canvas"});
  chart.setOption(option);
  window.addEventListener("resize", function () { chart.resize(); });
}
draw();
})();
</script>
`)
	return sb.String(), nil
}

// errorHTML renders err as an HTML fragment.
func errorHTML(err error) string {
	return "<pre class=\"otclir-chart-error\" style=\"color:#b00020;white-space:pre-wrap;\">" +
		html.EscapeString(err.Error()) + "</pre>\n"
}

// pageHead and pageTail frame a standalone page.
func pageHead(title string) string {
	return "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>" + html.EscapeString(title) +
		"</title>\n<style>body{margin:0;padding:8px;font-family:sans-serif;background:#fff;}</style>\n</head>\n<body>\n"
}

const pageTail = "</body>\n</html>\n"

// WriteHTML writes a standalone HTML page with ECharts inlined: it loads
// nothing from the network.
func (c *Chart) WriteHTML(w io.Writer) error {
	return writePage(w, c.Title(), []*Chart{c})
}

// SaveHTML writes the standalone page of WriteHTML to path.
func (c *Chart) SaveHTML(path string) error {
	return savePage(path, c.Title(), []*Chart{c})
}

// InlineHTML returns an HTML fragment for notebooks: the chart's <div>, a
// script that defines echarts once per page (it is skipped when echarts is
// already defined) and the chart's script. A chart with an error renders as
// the error message.
func (c *Chart) InlineHTML() string {
	if err := c.Err(); err != nil {
		return errorHTML(err)
	}
	id := chartID()
	s, err := c.script(id)
	if err != nil {
		return errorHTML(err)
	}
	return c.element(id) + echartsLoader() + s
}

// Display shows c as the output of the current GoNB notebook cell; outside
// GoNB it does nothing.
func Display(c *Chart) {
	gonbui.DisplayHTML(c.InlineHTML())
	// A GoNB cell is a program that may exit right after this call: wait
	// until the kernel has the (large) output, or it can be lost.
	gonbui.Sync()
}

// ChartPage is a standalone page holding several charts, one below the other.
type ChartPage struct {
	title  string
	charts []*Chart
}

// Page returns a page with the given title and charts.
func Page(title string, charts ...*Chart) *ChartPage {
	return &ChartPage{title: title, charts: charts}
}

// WriteHTML writes the page with ECharts inlined once.
func (p *ChartPage) WriteHTML(w io.Writer) error { return writePage(w, p.title, p.charts) }

// SaveHTML writes the page of WriteHTML to path.
func (p *ChartPage) SaveHTML(path string) error { return savePage(path, p.title, p.charts) }

// writePage writes a standalone page holding charts.
func writePage(w io.Writer, title string, charts []*Chart) error {
	if len(charts) == 0 {
		return fmt.Errorf("%w: page %q has no charts", ErrNoData, title)
	}
	ids := make([]string, len(charts))
	scripts := make([]string, len(charts))
	for i, c := range charts {
		if err := c.Err(); err != nil {
			return fmt.Errorf("plots: page %q, chart %d: %w", title, i, err)
		}
		ids[i] = chartID()
		s, err := c.script(ids[i])
		if err != nil {
			return fmt.Errorf("plots: page %q, chart %d: %w", title, i, err)
		}
		scripts[i] = s
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(pageHead(title))
	for i, c := range charts {
		bw.WriteString(c.element(ids[i]))
	}
	bw.WriteString(echartsLoader())
	for _, s := range scripts {
		bw.WriteString(s)
	}
	bw.WriteString(pageTail)
	return bw.Flush()
}

// savePage writes a standalone page to path, atomically (lib/atomicfile).
func savePage(path, title string, charts []*Chart) error {
	var buf bytes.Buffer
	if err := writePage(&buf, title, charts); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	return nil
}

// num returns v for the option, or "-" (ECharts' missing value) for NaN and ±Inf,
// which JSON cannot encode.
func num(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return v
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
