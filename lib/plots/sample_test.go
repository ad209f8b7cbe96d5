package plots

import (
	"math"
)

// evil is user text that would break out of a <script> or an HTML attribute
// if it reached the page unescaped.
const evil = `</script><b>"'&`

// sampleCharts returns one chart of each kind, with evil in titles, labels and
// names, and the file name stem used for screenshots.
func sampleCharts() []struct {
	name  string
	chart *Chart
} {
	pairs := []string{"en-sw", "en-so", "en-yo", "en-ha " + evil}
	bars := GroupedBar("MAP per pair "+evil, "language pair", "MAP@1000", pairs, []BarSeries{
		{Name: "BM25", Values: []float64{0.21, 0.18, 0.25, 0.12}},
		{Name: "OPTICAL " + evil, Values: []float64{0.34, 0.29, 0.31, 0.22}, Errors: []float64{0.02, 0.03, 0.015, 0.04}},
		{Name: "MaxSim distill", Values: []float64{0.30, math.NaN(), 0.28, 0.20}, Errors: []float64{0.01, 0.02, math.NaN(), 0.03}},
	})

	var curves []Curve
	for g, group := range []string{"low", "high"} {
		for s, seed := range []string{"seed 1", "seed 2"} {
			cv := Curve{Name: group + " " + seed + " " + evil, Group: group}
			for step := 0; step <= 2000; step += 100 {
				cv.X = append(cv.X, float64(step))
				// A decaying loss, different per group and seed.
				cv.Y = append(cv.Y, 2.5*math.Exp(-float64(step)/float64(500+400*g))+0.1*float64(s)+0.3)
			}
			curves = append(curves, cv)
		}
	}
	line := LineCurves("Training loss "+evil, "step", "loss (nats)", curves)

	budget := LineCurves("MAP vs bitext budget", "bitext pairs", "MAP@1000", []Curve{
		{Name: "OPTICAL", Group: "sw", X: []float64{100, 1000, 10000, 100000}, Y: []float64{0.1, 0.2, 0.28, 0.33}},
		{Name: "baseline", Group: "sw", X: []float64{100, 1000, 10000, 100000}, Y: []float64{0.05, 0.12, 0.22, 0.3}},
	}, LogX())

	q := []string{"what", "causes", "rain", evil}
	d := []string{"mvua", "husababishwa", "na", "mawingu", "mvua", evil}
	plan := make([][]float64, len(q))
	for i := range plan {
		plan[i] = make([]float64, len(d))
		for j := range plan[i] {
			// A smooth band with a peak near the diagonal i*len(d)/len(q).
			diff := float64(j) - float64(i)*float64(len(d))/float64(len(q))
			plan[i][j] = math.Exp(-diff*diff/2) / float64(len(q)*len(d))
		}
	}
	plan[1][3] = math.NaN()
	heat := Heatmap("OT plan "+evil, q, d, plan, "document token", "query token")

	pc := ParallelCoordinates("Sweep "+evil, []PCAxis{
		{Name: "lr", Log: true},
		{Name: "epsilon"},
		{Name: "loss", Categories: []string{"kl", "ot", evil}},
		{Name: "MAP@1000"},
	}, [][]any{
		{1e-4, 0.05, "kl", 0.21},
		{3e-4, 0.1, "ot", 0.30},
		{1e-3, 0.05, evil, 0.27},
		{3e-4, 0.2, "ot", math.NaN()},
	}, []string{"run-1", "run-2", "run-3 " + evil, "run-4"})

	sc := Scatter("Embeddings "+evil, "PC 1", "PC 2", map[string][]Point{
		"en":         {{X: 1, Y: 2, Label: "rain"}, {X: 1.5, Y: 2.5, Label: "cloud"}, {X: 0.5, Y: 1.8, Label: evil}},
		"sw " + evil: {{X: 1.1, Y: 2.2, Label: "mvua"}, {X: 1.4, Y: 2.6, Label: "wingu"}, {X: -0.5, Y: 0.3}},
	})

	return []struct {
		name  string
		chart *Chart
	}{
		{"grouped_bar", bars},
		{"line_curves", line},
		{"budget_logx", budget},
		{"heatmap", heat},
		{"parallel", pc},
		{"scatter", sc},
	}
}
