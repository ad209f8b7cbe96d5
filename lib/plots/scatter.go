package plots

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Point is one point of Scatter; Label (optional) names it in the tooltip.
type Point struct {
	X, Y  float64
	Label string
}

// Scatter draws each group of points in its own colour; groups are ordered by
// name. Points with a NaN or infinite coordinate are rejected.
func Scatter(title, xName, yName string, groups map[string][]Point) *Chart {
	names, err := checkScatter(groups)
	if err != nil {
		return errChart(title, err)
	}
	sc := charts.NewScatter()
	c := newChart(title, sc)
	sc.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: c.fn(tipTooltipJS)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "32", Data: names}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "40", Top: "80", Bottom: "60", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: xName, NameLocation: "middle", NameGap: 30, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName, NameLocation: "middle", NameGap: 50, Scale: opts.Bool(true)}),
	)
	for k, g := range names {
		pts := groups[g]
		data := make([]map[string]any, len(pts))
		for i, p := range pts {
			var tip strings.Builder
			if p.Label != "" {
				tip.WriteString(p.Label + "\n")
			}
			fmt.Fprintf(&tip, "%s: %s\n%s: %s", orDefault(xName, "x"), fmtG(p.X), orDefault(yName, "y"), fmtG(p.Y))
			data[i] = map[string]any{"value": [2]float64{p.X, p.Y}, "name": p.Label, "tip": tip.String()}
		}
		colour := palette[k%len(palette)]
		sc.MultiSeries = append(sc.MultiSeries, charts.SingleSeries{
			Name: g, Type: "scatter", Data: data, SymbolSize: 9,
			ItemStyle: &opts.ItemStyle{Color: colour, Opacity: opts.Float(0.8)},
		})
	}
	return c
}

// checkScatter validates the input of Scatter and returns the sorted group names.
func checkScatter(groups map[string][]Point) ([]string, error) {
	if len(groups) == 0 {
		return nil, fmt.Errorf("%w: Scatter: groups is empty", ErrNoData)
	}
	names := make([]string, 0, len(groups))
	total := 0
	for g, pts := range groups {
		names = append(names, g)
		total += len(pts)
		for i, p := range pts {
			if !finite(p.X) || !finite(p.Y) {
				return nil, fmt.Errorf("%w: Scatter: groups[%q][%d] = (%g, %g) is not finite", ErrValue, g, i, p.X, p.Y)
			}
		}
	}
	if total == 0 {
		return nil, fmt.Errorf("%w: Scatter: every group is empty", ErrNoData)
	}
	slices.Sort(names)
	return names, nil
}
