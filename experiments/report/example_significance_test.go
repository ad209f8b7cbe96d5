package report

import "fmt"

// Two UDHR articles of five queries each, every query 0.1 better: per
// query only the all-plus and all-minus of 2^10 sign assignments reach the
// observed mean, per article two of four do.
func ExampleSignFlip() {
	d := []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
	perQuery, _, _ := SignFlip(d, 10, 10000, 1)
	perArticle, exact, _ := SignFlip([]float64{0.5, 0.5}, 10, 10000, 1) // each article's sum of differences
	fmt.Printf("per query %.6f, per article %.2f (exact %v)\n", perQuery, perArticle, exact)
	// Output: per query 0.001953, per article 0.50 (exact true)
}
