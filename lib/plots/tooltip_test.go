package plots

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tooltipDOM opens c's standalone page in headless Chromium, shows the
// tooltip of data item dataIndex of series seriesIndex (ECharts "showTip"
// action) and returns the serialised DOM from the tooltip element on.
func tooltipDOM(t *testing.T, chromium string, c *Chart, seriesIndex, dataIndex int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	show := fmt.Sprintf(`<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    var chart = echarts.getInstanceByDom(document.querySelector(".otclir-chart"));
    chart.dispatchAction({type: "showTip", seriesIndex: %d, dataIndex: %d});
  }, 300);
});
</script>
</body>`, seriesIndex, dataIndex)
	// The last </body>: echarts.min.js has one inside a string.
	i := strings.LastIndex(buf.String(), "</body>")
	page := buf.String()[:i] + show + buf.String()[i+len("</body>"):]
	path := filepath.Join(t.TempDir(), "tooltip.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir="+t.TempDir(),
		"--window-size=900,700", "--virtual-time-budget=3000", "--dump-dom", "file://"+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	dom := stdout.String()
	// ECharts 5 gives its tooltip <div> this z-index; chart scripts follow the chart.
	i = strings.Index(dom, "z-index: 9999999")
	if i < 0 {
		t.Fatalf("no tooltip in the DOM (%d bytes)", len(dom))
	}
	tip := dom[i:]
	if j := strings.Index(tip, "<script"); j >= 0 {
		tip = tip[:j]
	}
	return tip
}

// TestChromiumTooltips checks the tooltip formatters against the real ECharts
// (parallel lines have no tooltips in ECharts 5):
// user text is shown as text (HTML-escaped in the serialised DOM), never as
// markup, and values are formatted.
func TestChromiumTooltips(t *testing.T) {
	chromium := chromiumPath(t)
	charts := map[string]*Chart{}
	for _, tc := range sampleCharts() {
		charts[tc.name] = tc.chart
	}
	// The escaped evil label as the DOM serialiser writes a text node.
	const shownEvil = `&lt;/script&gt;&lt;b&gt;"'&amp;`
	tests := []struct {
		chart                  string
		seriesIndex, dataIndex int
		want                   []string
	}{
		// Axis tooltip of category 3 ("en-ha "+evil): OPTICAL 0.22 ± 0.04 (sampleCharts).
		{"grouped_bar", 1, 3, []string{"en-ha " + shownEvil, "OPTICAL " + shownEvil + ": <b>0.22 ± 0.04</b>", "BM25: <b>0.12</b>"}},
		// Cell (row 3, col 5) of the OT plan: both labels are evil.
		{"heatmap", 0, 3*6 + 5, []string{"query token: " + shownEvil, "document token: " + shownEvil}},
		// Group "sw "+evil sorts after "en": point 0 is mvua at (1.1, 2.2).
		{"scatter", 1, 0, []string{"sw " + shownEvil, "mvua", "PC 1: 1.1", "PC 2: 2.2"}},
		// ECharts' default axis tooltip for curves: names escaped by ECharts itself.
		{"line_curves", 0, 0, []string{"low seed 1 " + shownEvil}},
	}
	sem := make(chan struct{}, 2)
	for _, tt := range tests {
		t.Run(tt.chart, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			tip := tooltipDOM(t, chromium, charts[tt.chart], tt.seriesIndex, tt.dataIndex)
			for _, w := range tt.want {
				if !strings.Contains(tip, w) {
					t.Errorf("tooltip lacks %q:\n%.1500s", w, tip)
				}
			}
			if strings.Contains(tip, `<b>"'`) {
				t.Errorf("user text became markup in the tooltip:\n%.1500s", tip)
			}
		})
	}
}
