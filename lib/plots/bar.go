package plots

import (
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// BarSeries is one system (one colour) of a grouped bar chart: Values[i] is
// its bar in category i. Errors is optional (nil, or one entry per category,
// e.g. the standard deviation over seeds) and is drawn as an error bar
// Values[i] ± Errors[i]; a NaN value or error is left out.
type BarSeries struct {
	Name   string
	Values []float64
	Errors []float64
}

// GroupedBar draws one group of bars per category (e.g. a language pair) with
// one bar per series (e.g. a system), as for MAP per pair × system.
func GroupedBar(title, xName, yName string, categories []string, series []BarSeries) *Chart {
	if err := checkGroupedBar(categories, series); err != nil {
		return errChart(title, err)
	}
	bar := charts.NewBar()
	c := newChart(title, bar)
	names := make([]string, len(series))
	for i, s := range series {
		names[i] = s.Name
	}
	rotate, nameGap := 0.0, 30
	if len(categories) > 8 || maxRunes(categories) > 12 {
		// Rotated labels: leave room for the longest one (about 7 px per rune
		// at ECharts' 12 px font, times sin 30°) before the axis name. The grid
		// contains the labels (ContainLabel), so its bottom margin only holds the name.
		rotate, nameGap = 30, 25+min(maxRunes(categories), 40)*3
	}
	bar.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{
			Show: opts.Bool(true), Trigger: "axis",
			AxisPointer: &opts.AxisPointer{Type: "shadow"},
			Formatter:   c.fn(barTooltipJS),
		}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "32", Data: names}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "30", Top: "80", Bottom: "50", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{
			Type: "category", Name: xName, NameLocation: "middle", NameGap: nameGap,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Rotate: rotate},
		}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName, NameLocation: "middle", NameGap: 50}),
	)
	bar.SetXAxis(categories)
	var errData [][5]any
	for k, s := range series {
		data := make([]map[string]any, len(s.Values))
		for i, v := range s.Values {
			d := map[string]any{"value": num(v)}
			if s.Errors != nil && finite(s.Errors[i]) && finite(v) {
				d["err"] = s.Errors[i]
				errData = append(errData, [5]any{i, v - s.Errors[i], v + s.Errors[i], k, len(series)})
			}
			data[i] = d
		}
		bar.MultiSeries = append(bar.MultiSeries, charts.SingleSeries{
			Name: s.Name, Type: "bar", Data: data,
			BarGap: barGap, BarCategoryGap: barCategoryGap,
			ItemStyle: &opts.ItemStyle{Color: palette[k%len(palette)]},
		})
	}
	if len(errData) > 0 {
		bar.MultiSeries = append(bar.MultiSeries, charts.SingleSeries{
			Name: "error bars", Type: "custom", Data: errData,
			RenderItem: c.fn(errorBarRenderJS),
			Encode:     &opts.Encode{X: 0, Y: []int{1, 2}},
		})
	}
	return c
}

// checkGroupedBar validates the input of GroupedBar.
func checkGroupedBar(categories []string, series []BarSeries) error {
	if len(categories) == 0 {
		return fmt.Errorf("%w: GroupedBar: categories is empty", ErrNoData)
	}
	if len(series) == 0 {
		return fmt.Errorf("%w: GroupedBar: series is empty", ErrNoData)
	}
	for k, s := range series {
		if len(s.Values) != len(categories) {
			return fmt.Errorf("%w: GroupedBar: series[%d] %q has %d values, want %d (one per category)",
				ErrShape, k, s.Name, len(s.Values), len(categories))
		}
		if s.Errors != nil && len(s.Errors) != len(categories) {
			return fmt.Errorf("%w: GroupedBar: series[%d] %q has %d errors, want %d (one per category) or none",
				ErrShape, k, s.Name, len(s.Errors), len(categories))
		}
		for i, e := range s.Errors {
			if e < 0 {
				return fmt.Errorf("%w: GroupedBar: series[%d] %q: Errors[%d] = %g is negative",
					ErrValue, k, s.Name, i, e)
			}
		}
	}
	return nil
}

// maxRunes returns the length in runes of the longest string.
func maxRunes(ss []string) int {
	m := 0
	for _, s := range ss {
		if n := len([]rune(s)); n > m {
			m = n
		}
	}
	return m
}
