package plots_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/otclir/otclir/lib/plots"
)

// A grouped bar chart of a metric per language pair and system, with the
// standard deviation over seeds as error bars. NaN marks a missing value.
func ExampleGroupedBar() {
	c := plots.GroupedBar("MAP per pair", "language pair", "MAP@1000",
		[]string{"en-sw", "en-so"},
		[]plots.BarSeries{
			{Name: "A", Values: []float64{0.2, math.NaN()}},
			{Name: "B", Values: []float64{0.3, 0.25}, Errors: []float64{0.02, 0.01}},
		})
	b, err := c.OptionJSON()
	if err != nil {
		fmt.Println(err)
		return
	}
	var o struct {
		Series []struct {
			Name, Type string
			Data       []any
		}
	}
	if err := json.Unmarshal(b, &o); err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range o.Series {
		fmt.Println(s.Type, s.Name, s.Data)
	}
	// Output:
	// bar A [map[value:0.2] map[value:-]]
	// bar B [map[err:0.02 value:0.3] map[err:0.01 value:0.25]]
	// custom error bars [[0 0.27999999999999997 0.32 1 2] [1 0.24 0.26 1 2]]
}

// Bad input does not panic: the chart carries an error naming the parameter.
func ExampleChart_Err() {
	c := plots.Heatmap("OT plan", []string{"rain"}, []string{"mvua", "na"}, [][]float64{{0.5}}, "document token", "query token")
	fmt.Println(c.Err())
	// Output:
	// plots: inconsistent lengths: Heatmap: values[0] has 1 columns, want 2 (len(colLabels))
}

// Save a standalone page; it carries ECharts inline and loads nothing.
func ExampleChart_SaveHTML() {
	c := plots.LineCurves("Budget", "bitext pairs", "MAP@1000", []plots.Curve{
		{Name: "student", Group: "sw", X: []float64{1e2, 1e3, 1e4}, Y: []float64{0.1, 0.2, 0.25}},
	}, plots.LogX())
	dir, err := os.MkdirTemp("", "plots")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "budget.html")
	if err := c.SaveHTML(path); err != nil {
		fmt.Println(err)
		return
	}
	st, _ := os.Stat(path)
	fmt.Println(st.Size() > 1_000_000) // ECharts 5.6.0 is about 1 MB
	// Output:
	// true
}
