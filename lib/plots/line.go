package plots

import (
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Curve is one line of LineCurves: Y[i] at X[i]. Curves with the same Group
// (e.g. a resource level) share a colour and differ in dash pattern; an empty
// Group gives the curve a colour of its own. A NaN Y is drawn as a gap.
type Curve struct {
	Name, Group string
	X, Y        []float64
}

// LineOption changes how LineCurves draws its axes.
type LineOption func(*lineConfig)

type lineConfig struct {
	logX, logY bool
}

// LogX draws the x axis on a log scale (e.g. budget curves over bitext pairs);
// every X must then be positive.
func LogX() LineOption { return func(c *lineConfig) { c.logX = true } }

// LogY draws the y axis on a log scale (e.g. a loss); every finite Y must then be positive.
func LogY() LineOption { return func(c *lineConfig) { c.logY = true } }

// dashes cycles the line types of curves within one group.
var dashes = []string{"solid", "dashed", "dotted"}

// LineCurves draws curves over a numeric x axis: training curves (x = step)
// or budget curves (x = bitext pairs, usually with LogX).
func LineCurves(title, xName, yName string, curves []Curve, options ...LineOption) *Chart {
	var cfg lineConfig
	for _, o := range options {
		o(&cfg)
	}
	if err := checkCurves(curves, cfg); err != nil {
		return errChart(title, err)
	}
	line := charts.NewLine()
	c := newChart(title, line)
	axisType := func(log bool) string {
		if log {
			return "log"
		}
		return "value"
	}
	names := make([]string, len(curves))
	for i, cv := range curves {
		names[i] = cv.Name
	}
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{
			Show: opts.Bool(true), Trigger: "axis",
			AxisPointer: &opts.AxisPointer{Type: "cross"},
		}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "32", Data: names}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "40", Top: "80", Bottom: "60", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: axisType(cfg.logX), Name: xName, NameLocation: "middle", NameGap: 30, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: axisType(cfg.logY), Name: yName, NameLocation: "middle", NameGap: 50, Scale: opts.Bool(true)}),
	)
	groupColour := map[string]string{}
	groupCount := map[string]int{}
	for i, cv := range curves {
		g := cv.Group
		if g == "" {
			g = "\x00curve " + fmt.Sprint(i) // a group of its own
		}
		colour, ok := groupColour[g]
		if !ok {
			colour = palette[len(groupColour)%len(palette)]
			groupColour[g] = colour
		}
		dash := dashes[groupCount[g]%len(dashes)]
		groupCount[g]++
		data := make([][2]any, len(cv.X))
		for j := range cv.X {
			data[j] = [2]any{cv.X[j], num(cv.Y[j])}
		}
		line.MultiSeries = append(line.MultiSeries, charts.SingleSeries{
			Name: cv.Name, Type: "line", Data: data,
			ShowSymbol: opts.Bool(len(cv.X) <= 40),
			Color:      colour,
			LineStyle:  &opts.LineStyle{Color: colour, Type: dash, Width: 2},
			ItemStyle:  &opts.ItemStyle{Color: colour},
		})
	}
	return c
}

// checkCurves validates the input of LineCurves.
func checkCurves(curves []Curve, cfg lineConfig) error {
	if len(curves) == 0 {
		return fmt.Errorf("%w: LineCurves: curves is empty", ErrNoData)
	}
	for i, cv := range curves {
		if len(cv.X) == 0 {
			return fmt.Errorf("%w: LineCurves: curves[%d] %q has no points", ErrNoData, i, cv.Name)
		}
		if len(cv.X) != len(cv.Y) {
			return fmt.Errorf("%w: LineCurves: curves[%d] %q has %d X and %d Y", ErrShape, i, cv.Name, len(cv.X), len(cv.Y))
		}
		for j, x := range cv.X {
			if !finite(x) {
				return fmt.Errorf("%w: LineCurves: curves[%d] %q: X[%d] = %g is not finite", ErrValue, i, cv.Name, j, x)
			}
			if cfg.logX && x <= 0 {
				return fmt.Errorf("%w: LineCurves: curves[%d] %q: X[%d] = %g is not positive (log x axis)", ErrValue, i, cv.Name, j, x)
			}
			if y := cv.Y[j]; cfg.logY && finite(y) && y <= 0 {
				return fmt.Errorf("%w: LineCurves: curves[%d] %q: Y[%d] = %g is not positive (log y axis)", ErrValue, i, cv.Name, j, y)
			}
		}
	}
	return nil
}
