package plots

import (
	"regexp"
	"strings"
	"testing"
)

var gridDivID = regexp.MustCompile(`<div id="(otclir_chart_[0-9a-f]{16})"`)

func TestGridHTML(t *testing.T) {
	good := Heatmap("plan", []string{"a", "b"}, []string{"x", "y"}, [][]float64{{0.5, 0}, {0, 0.5}}, "english", "foreign")
	bad := Heatmap("ragged", []string{"a"}, []string{"x", "y"}, [][]float64{{1}}, "x", "y")
	tests := []struct {
		name       string
		columns    int
		charts     []*Chart
		divs, errs int
		loader     bool
		want       string // a substring of the fragment
	}{
		{"same chart three times", 3, []*Chart{good, good, good}, 3, 0, true, "repeat(3,minmax(0,1fr))"},
		{"one column", 1, []*Chart{good, good}, 2, 0, true, "repeat(1,minmax(0,1fr))"},
		{"bad chart in its place", 2, []*Chart{good, bad}, 1, 1, true, "inconsistent lengths"},
		{"only bad charts", 2, []*Chart{bad, nil}, 0, 2, false, "nil chart"},
		{"no charts", 2, nil, 0, 1, false, "no data"},
		{"zero columns", 0, []*Chart{good}, 0, 1, false, "0 columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frag := GridHTML(tt.columns, tt.charts...)
			ids := gridDivID.FindAllStringSubmatch(frag, -1)
			if len(ids) != tt.divs {
				t.Fatalf("%d chart divs, want %d", len(ids), tt.divs)
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id[1]] {
					t.Errorf("element id %s used twice", id[1])
				}
				seen[id[1]] = true
				if !strings.Contains(frag, `var id = "`+id[1]+`";`) {
					t.Errorf("no script draws into %s", id[1])
				}
			}
			if n := strings.Count(frag, "otclir-chart-error"); n != tt.errs {
				t.Errorf("%d error messages, want %d", n, tt.errs)
			}
			// The library is inlined at most once, whatever the number of charts.
			wantLoaders := 0
			if tt.loader {
				wantLoaders = 1
			}
			if n := strings.Count(frag, "inlined by otclir lib/plots"); n != wantLoaders {
				t.Errorf("library inlined %d times, want %d", n, wantLoaders)
			}
			if !strings.Contains(frag, tt.want) {
				t.Errorf("fragment lacks %q", tt.want)
			}
		})
	}
}

func TestGridHTMLSharesTheLibrary(t *testing.T) {
	c := Heatmap("plan", []string{"a"}, []string{"x"}, [][]float64{{1}}, "english", "foreign")
	grid := len(GridHTML(3, c, c, c))
	separate := 3 * len(c.InlineHTML())
	if grid >= separate/2 {
		t.Errorf("grid of 3 is %d bytes, three fragments %d: library not shared", grid, separate)
	}
}
