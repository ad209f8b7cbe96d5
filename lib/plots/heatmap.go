package plots

import (
	"fmt"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// heatColours is a sequential white-to-blue scale (ColorBrewer "Blues", 5 classes).
var heatColours = []string{"#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"}

// Heatmap draws values[r][c] as a grid of cells with rowLabels down the y axis
// (first row on top) and colLabels along the x axis, e.g. an OT plan between
// query tokens (rows) and document tokens (columns). Labels may repeat (the
// same token twice); NaN cells are left blank. The colour scale spans the
// finite values.
func Heatmap(title string, rowLabels, colLabels []string, values [][]float64, xName, yName string) *Chart {
	lo, hi, err := checkHeatmap(rowLabels, colLabels, values)
	if err != nil {
		return errChart(title, err)
	}
	if hi == lo {
		hi = lo + 1
	}
	hm := charts.NewHeatMap()
	c := newChart(title, hm)
	c.heightPx = min(max(160+22*len(rowLabels), 400), 1600)
	interval := func(n int) string {
		if n <= 80 {
			return "0" // every token
		}
		return "auto"
	}
	rotate, nameGap := 0.0, 30
	if len(colLabels) > 10 || maxRunes(colLabels) > 6 {
		// Room for the longest rotated label: about 7 px per rune × sin 45°.
		rotate, nameGap = 45, 30+min(maxRunes(colLabels), 40)*5
	}
	hm.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: c.fn(tipTooltipJS)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "110", Top: "50", Bottom: "50", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{
			Type: "category", Name: xName, NameLocation: "middle", NameGap: nameGap,
			Data:      colLabels, // HeatMap.Validate does not copy SetXAxis data.
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)},
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: interval(len(colLabels)), Rotate: rotate},
		}),
		charts.WithYAxisOpts(opts.YAxis{
			Type: "category", Name: yName, NameLocation: "middle", NameGap: 60,
			Inverse: opts.Bool(true), Data: rowLabels,
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)},
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: interval(len(rowLabels))},
		}),
	)
	// go-echarts keeps visualMap min/max as float32 and drops a zero; set it here.
	c.patch = func(o map[string]any) {
		o["visualMap"] = []map[string]any{{
			"type": "continuous", "min": lo, "max": hi, "calculable": true, "precision": decimals(hi - lo),
			"orient": "vertical", "right": 10, "top": "middle",
			"inRange": map[string]any{"color": heatColours},
		}}
	}
	data := make([]map[string]any, 0, len(rowLabels)*len(colLabels))
	for r, row := range values {
		for col, v := range row {
			data = append(data, map[string]any{
				"value": [3]any{col, r, num(v)},
				"tip": fmt.Sprintf("%s: %s\n%s: %s\nvalue: %s",
					orDefault(yName, "row"), rowLabels[r], orDefault(xName, "column"), colLabels[col], fmtG(v)),
			})
		}
	}
	hm.MultiSeries = append(hm.MultiSeries, charts.SingleSeries{Name: title, Type: "heatmap", Data: data})
	return c
}

// checkHeatmap validates the input of Heatmap and returns the range of its finite values.
func checkHeatmap(rowLabels, colLabels []string, values [][]float64) (lo, hi float64, err error) {
	if len(rowLabels) == 0 || len(colLabels) == 0 {
		return 0, 0, fmt.Errorf("%w: Heatmap: %d row labels and %d column labels", ErrNoData, len(rowLabels), len(colLabels))
	}
	if len(values) != len(rowLabels) {
		return 0, 0, fmt.Errorf("%w: Heatmap: values has %d rows, want %d (len(rowLabels))", ErrShape, len(values), len(rowLabels))
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for r, row := range values {
		if len(row) != len(colLabels) {
			return 0, 0, fmt.Errorf("%w: Heatmap: values[%d] has %d columns, want %d (len(colLabels))", ErrShape, r, len(row), len(colLabels))
		}
		for _, v := range row {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 0, fmt.Errorf("%w: Heatmap: no finite value", ErrNoData)
	}
	return lo, hi, nil
}

// fmtG formats v with 4 significant digits.
func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// decimals returns how many decimals show 3 significant digits of a range of
// width span (ECharts' visualMap rounds its labels to 0 decimals by default).
func decimals(span float64) int {
	if !(span > 0) {
		return 0
	}
	return min(max(0, 2-int(math.Floor(math.Log10(span)))), 12)
}
