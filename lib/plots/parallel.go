package plots

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// PCAxis is one vertical axis of ParallelCoordinates. A nil Categories makes
// it numeric; otherwise values on it must be strings listed in Categories,
// which also fixes their order along the axis. Log puts a numeric axis on a
// log scale (e.g. a learning rate); its values must then be positive.
type PCAxis struct {
	Name       string
	Categories []string
	Log        bool
}

// ParallelCoordinates draws one polyline per row across the axes, e.g. one run
// per row with its hyperparameters and, last, its metric. rows[i][j] is the
// value of row i on axes[j]: a string on a categorical axis, any Go integer or
// float on a numeric one (NaN is drawn as missing). Each row is a series named
// by rowNames (nil, or one per row; default "row i") with its own colour in
// the legend. ECharts 5 has no tooltips on parallel lines (apache/echarts
// issue #9418): hovering a legend entry highlights its line, clicking hides it.
func ParallelCoordinates(title string, axes []PCAxis, rows [][]any, rowNames []string) *Chart {
	values, err := checkParallel(axes, rows, rowNames)
	if err != nil {
		return errChart(title, err)
	}
	pc := charts.NewParallel()
	c := newChart(title, pc)
	names := make([]string, len(rows))
	for i := range rows {
		names[i] = fmt.Sprintf("row %d", i)
		if rowNames != nil {
			names[i] = rowNames[i]
		}
	}
	// Placeholder axes so that go-echarts emits the parallel component; the
	// patch below replaces them with axes that carry min and max.
	list := make([]opts.ParallelAxis, len(axes))
	for j, a := range axes {
		list[j] = opts.ParallelAxis{Dim: j, Name: a.Name}
	}
	pc.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center"}),
		// Item tooltips do not fire on parallel lines; axis names still get one.
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Bottom: "5", Data: names}),
		charts.WithParallelComponentOpts(opts.ParallelComponent{Left: "60", Right: "80", Top: "80", Bottom: "70"}),
		charts.WithParallelAxisList(list),
	)
	for i, vs := range values {
		for j, v := range vs {
			if f, ok := v.(float64); ok {
				vs[j] = num(f)
			}
		}
		pc.MultiSeries = append(pc.MultiSeries, charts.SingleSeries{
			Name: names[i], Type: "parallel",
			Data: []map[string]any{{
				"name": names[i], "value": vs,
				// Hovering the legend entry thickens the line.
				"emphasis": map[string]any{"lineStyle": map[string]any{"width": 5, "opacity": 1}},
			}},
			LineStyle: &opts.LineStyle{Width: 2, Opacity: opts.Float(0.8), Color: palette[i%len(palette)]},
		})
	}
	// With one series per row ECharts 5.6 sizes each axis from the first
	// series only (seen in headless Chromium), so every numeric axis gets the
	// extent of all rows.
	axisList := make([]map[string]any, len(axes))
	for j, a := range axes {
		ax := map[string]any{"dim": j, "name": a.Name, "type": "value"}
		switch {
		case a.Categories != nil:
			ax["type"], ax["data"] = "category", a.Categories
		default:
			if a.Log {
				ax["type"] = "log"
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, vs := range values {
				if f, ok := vs[j].(float64); ok {
					lo, hi = math.Min(lo, f), math.Max(hi, f)
				}
			}
			if !math.IsInf(lo, 1) {
				if lo == hi {
					pad := math.Max(math.Abs(lo)*0.1, 1e-9)
					if a.Log {
						lo, hi = lo/2, hi*2
					} else {
						lo, hi = lo-pad, hi+pad
					}
				}
				ax["min"], ax["max"] = lo, hi
			}
		}
		axisList[j] = ax
	}
	c.patch = func(o map[string]any) { o["parallelAxis"] = axisList }
	return c
}

// checkParallel validates the input of ParallelCoordinates and returns the
// rows with numbers converted to float64.
func checkParallel(axes []PCAxis, rows [][]any, rowNames []string) ([][]any, error) {
	if len(axes) == 0 {
		return nil, fmt.Errorf("%w: ParallelCoordinates: axes is empty", ErrNoData)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: ParallelCoordinates: rows is empty", ErrNoData)
	}
	if rowNames != nil && len(rowNames) != len(rows) {
		return nil, fmt.Errorf("%w: ParallelCoordinates: %d rowNames for %d rows", ErrShape, len(rowNames), len(rows))
	}
	out := make([][]any, len(rows))
	for i, row := range rows {
		if len(row) != len(axes) {
			return nil, fmt.Errorf("%w: ParallelCoordinates: rows[%d] has %d values, want %d (one per axis)", ErrShape, i, len(row), len(axes))
		}
		out[i] = make([]any, len(row))
		for j, v := range row {
			a := axes[j]
			if a.Categories != nil {
				s, ok := v.(string)
				if !ok || !slices.Contains(a.Categories, s) {
					return nil, fmt.Errorf("%w: ParallelCoordinates: rows[%d][%d] = %#v is not a category of axis %q %q",
						ErrValue, i, j, v, a.Name, a.Categories)
				}
				out[i][j] = s
				continue
			}
			f, ok := toFloat(v)
			if !ok {
				return nil, fmt.Errorf("%w: ParallelCoordinates: rows[%d][%d] = %#v (%T) is not a number (numeric axis %q)",
					ErrValue, i, j, v, v, a.Name)
			}
			if a.Log && finite(f) && f <= 0 {
				return nil, fmt.Errorf("%w: ParallelCoordinates: rows[%d][%d] = %g is not positive (log axis %q)",
					ErrValue, i, j, f, a.Name)
			}
			out[i][j] = f
		}
	}
	return out, nil
}

// toFloat converts any Go integer or float to float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}
