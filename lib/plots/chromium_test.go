package plots

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/grouped_bar.png (README image) from its headless-Chromium screenshot")

// chromiumPath returns the headless browser, or skips the test when there is
// none, unless CI=true, where a missing browser fails the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found on PATH; CI=true requires it (Debian: apt-get install chromium)")
	}
	t.Skip("chromium not found on PATH (set CI=true to make this a failure)")
	return ""
}

// screenshot renders the HTML file page with headless Chromium into a
// 900×700 PNG and decodes it.
func screenshot(t *testing.T, chromium, page string) image.Image {
	return screenshotSize(t, chromium, page, "900,700")
}

// screenshotSize is screenshot with the window size "W,H".
func screenshotSize(t *testing.T, chromium, page, size string) image.Image {
	t.Helper()
	out := strings.TrimSuffix(page, ".html") + ".png"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(),
		"--window-size="+size, "--virtual-time-budget=5000",
		"--screenshot="+out, "file://"+page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium on %s: %v\n%s", page, err, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot for %s: %v\n%s", page, err, stderr.String())
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

// Thresholds for a drawn chart. Measured on Chromium 156 at 900×700: the
// charts here cover 3–40% of the pixels with ≥ 20 quantised colours, while the
// same page without ECharts (TestChromiumBlankWithoutECharts) is all white
// with 1 colour.
const (
	minInk     = 0.01
	minColours = 8
)

// TestChromiumRendersCharts renders every sample chart's standalone page in
// headless Chromium and checks that something was drawn.
func TestChromiumRendersCharts(t *testing.T) {
	chromium := chromiumPath(t)
	dir := t.TempDir()
	sem := make(chan struct{}, 2) // two browsers at a time
	for _, tc := range sampleCharts() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			page := filepath.Join(dir, tc.name+".html")
			if err := tc.chart.SaveHTML(page); err != nil {
				t.Fatalf("SaveHTML: %v", err)
			}
			ink, colours := inkStats(screenshot(t, chromium, page))
			t.Logf("ink %.3f, %d colours", ink, colours)
			if ink < minInk || colours < minColours {
				t.Errorf("chart looks blank: ink %.4f (want ≥ %g), %d colours (want ≥ %d)",
					ink, minInk, colours, minColours)
			}
			if dst := os.Getenv("OTCLIR_PLOTS_PNG_DIR"); dst != "" {
				copyFile(t, strings.TrimSuffix(page, ".html")+".png", filepath.Join(dst, tc.name+".png"))
			}
		})
	}
}

// TestChromiumReadmeImage renders the grouped bar chart shown in the README
// (synthetic values, labelled as such) and, with -update, stores its
// screenshot as testdata/grouped_bar.png.
func TestChromiumReadmeImage(t *testing.T) {
	chromium := chromiumPath(t)
	c := GroupedBar("GroupedBar example (synthetic values, not results)", "language pair", "MAP@1000",
		[]string{"en-sw", "en-so", "en-yo", "en-ha"},
		[]BarSeries{
			{Name: "system A", Values: []float64{0.20, 0.15, 0.24, 0.12}},
			{Name: "system B", Values: []float64{0.31, 0.27, 0.30, 0.22}, Errors: []float64{0.02, 0.03, 0.015, 0.04}},
			{Name: "system C", Values: []float64{0.28, 0.24, 0.27, 0.19}, Errors: []float64{0.01, 0.02, 0.02, 0.03}},
		})
	page := filepath.Join(t.TempDir(), "grouped_bar.html")
	if err := c.SaveHTML(page); err != nil {
		t.Fatal(err)
	}
	ink, colours := inkStats(screenshot(t, chromium, page))
	if ink < minInk || colours < minColours {
		t.Errorf("README chart looks blank: ink %.4f, %d colours", ink, colours)
	}
	if *update {
		copyFile(t, strings.TrimSuffix(page, ".html")+".png", filepath.Join("testdata", "grouped_bar.png"))
	}
}

// TestChromiumBlankWithoutECharts is the control for the thresholds above: the
// grouped bar page with the inlined library removed must come out blank.
func TestChromiumBlankWithoutECharts(t *testing.T) {
	chromium := chromiumPath(t)
	var buf bytes.Buffer
	if err := sampleCharts()[0].chart.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	stripped := strings.Replace(buf.String(), echartsJS, "", 1)
	if len(stripped) == buf.Len() {
		t.Fatal("page does not contain the inlined ECharts library")
	}
	page := filepath.Join(t.TempDir(), "no_echarts.html")
	if err := os.WriteFile(page, []byte(stripped), 0o644); err != nil {
		t.Fatal(err)
	}
	ink, colours := inkStats(screenshot(t, chromium, page))
	t.Logf("without echarts: ink %.4f, %d colours", ink, colours)
	if ink >= minInk || colours >= minColours {
		t.Errorf("page without ECharts passes the not-blank check: ink %.4f, %d colours", ink, colours)
	}
}

// TestChromiumNotebookFragments puts two InlineHTML fragments on a page that
// has an AMD loader, as Jupyter and nbconvert pages have require.js: without
// hiding define, echarts would register as an AMD module and the charts would
// fail with "echarts is not defined". The page turns red if define is not
// restored afterwards or echarts is not a global.
func TestChromiumNotebookFragments(t *testing.T) {
	chromium := chromiumPath(t)
	samples := sampleCharts()
	bar, heat := samples[0].chart, samples[3].chart
	bar.SetHeight(420)
	heat.SetHeight(420)
	defer bar.SetHeight(defaultHeightPx)
	defer heat.SetHeight(defaultHeightPx)
	page := "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\n" +
		"<script>function define(deps, factory) { window.amdModules = (window.amdModules || 0) + 1; }\ndefine.amd = {};</script>\n" +
		bar.InlineHTML() + heat.InlineHTML() +
		"<script>if (typeof define !== \"function\" || !define.amd || window.amdModules || typeof window.echarts !== \"object\") {" +
		" document.body.style.background = \"#ff0000\"; }</script>\n</body></html>\n"
	path := filepath.Join(t.TempDir(), "notebook.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	img := screenshotSize(t, chromium, path, "900,900")
	b := img.Bounds()
	red := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r > 0xf000 && g < 0x1000 && bl < 0x1000 {
				red++
			}
		}
	}
	if red > b.Dx()*b.Dy()/10 {
		t.Fatalf("page is red: define was not restored, echarts registered as an AMD module, or echarts is not global")
	}
	// Both charts drew: each half of the page has ink.
	for i, half := range []image.Rectangle{
		image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+440),
		image.Rect(b.Min.X, b.Min.Y+460, b.Max.X, b.Max.Y),
	} {
		ink, colours := inkStats(img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(half))
		t.Logf("fragment %d: ink %.3f, %d colours", i, ink, colours)
		if ink < minInk || colours < minColours {
			t.Errorf("fragment %d looks blank: ink %.4f, %d colours", i, ink, colours)
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
