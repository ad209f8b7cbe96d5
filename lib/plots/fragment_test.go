package plots

import (
	"strings"
	"testing"
)

func TestFragment(t *testing.T) {
	c := LineCurves("loss </script><b>", "step", "loss", []Curve{{Name: "run <1>", X: []float64{0, 1}, Y: []float64{2, 1}}})
	tests := []struct {
		nonce string
		want  []string
	}{
		{"", []string{`class="otclir-chart"`, `<script type="text/javascript">`}},
		{"abc123", []string{`<script nonce="abc123" type="text/javascript">`}},
		{`"><x`, []string{`<script nonce="&#34;&gt;&lt;x" type="text/javascript">`}},
	}
	for _, tc := range tests {
		f := c.Fragment(tc.nonce)
		for _, w := range tc.want {
			if !strings.Contains(f, w) {
				t.Errorf("Fragment(%q) lacks %q", tc.nonce, w)
			}
		}
		if strings.Contains(f, echartsJS[:200]) || strings.Count(f, "<script") != 1 {
			t.Errorf("Fragment(%q) carries the library or several scripts", tc.nonce)
		}
		if strings.Contains(f, "</script><b>") || strings.Contains(f, "run <1>") {
			t.Errorf("Fragment(%q) has user text unescaped", tc.nonce)
		}
	}
	bad := Heatmap("bad <i>", []string{"a"}, []string{"b"}, nil, "", "")
	if f := bad.Fragment("n"); !strings.Contains(f, "otclir-chart-error") || strings.Contains(f, "<i>") || strings.Contains(f, "<script") {
		t.Errorf("error chart fragment: %s", f)
	}
	if EChartsJS() != echartsJS || len(EChartsJS()) < 500_000 {
		t.Error("EChartsJS is not the embedded library")
	}
}
