package optical

import (
	"context"
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/ot"
)

// Alignment is the OT plan between the student's tokens of a foreign text
// (rows) and the teacher's tokens of its English translation (columns): the
// soft token alignment OPTICAL trains on.
type Alignment struct {
	ForeignTokens, EnglishTokens []string
	Plan                         [][]float64 // entropic OT plan (rows sum to 1/n, columns to 1/m)
	Hard                         [][]float64 // argmax of each row of Plan, carrying the row's mass
	Cost                         [][]float64 // 1 − cos(student_i, teacher_j)
	Epsilon                      float64
	Iterations                   int
	Loss                         float64 // ⟨Plan, Cost⟩
}

// Align computes the alignment of foreign (in lang, encoded by lang's
// student) with english (encoded by the teacher), truncating both to the
// bitext length of training, with Sinkhorn at epsilon for iterations.
func (l *Lab) Align(ctx context.Context, lang, foreign, english string, epsilon float64, iterations int) (*Alignment, error) {
	if !(epsilon > 0) || math.IsInf(epsilon, 0) || iterations <= 0 {
		return nil, fmt.Errorf("optical: align: epsilon %v and iterations %d must be > 0", epsilon, iterations)
	}
	teacher, _, err := l.Teacher(ctx)
	if err != nil {
		return nil, err
	}
	student, _, err := l.Student(ctx, lang)
	if err != nil {
		return nil, err
	}
	maxLen := l.cfg.Student[distill.ParamBitextLen].(int) // Validate checked it
	sv, err := student.Encode([]string{foreign}, maxLen)
	if err != nil {
		return nil, err
	}
	tv, err := teacher.Encode([]string{english}, maxLen)
	if err != nil {
		return nil, err
	}
	d := student.OutputDim()
	n, m := len(sv[0])/d, len(tv[0])/d
	a := &Alignment{
		ForeignTokens: student.TokenStrings(foreign, maxLen),
		EnglishTokens: teacher.TokenStrings(english, maxLen),
		Epsilon:       epsilon, Iterations: iterations,
	}
	if len(a.ForeignTokens) != n || len(a.EnglishTokens) != m {
		return nil, fmt.Errorf("optical: align: %d/%d token labels for %d/%d vectors", len(a.ForeignTokens), len(a.EnglishTokens), n, m)
	}
	var plan, hard, cost *tensors.Tensor
	err = tryGraph(func() error {
		exec, err := NewExec(l.Backend, func(x, y *Node) (*Node, *Node, *Node) {
			c := ot.CosineCost(x, y)
			xm := OnesLike(ReduceMax(x, -1))
			ym := OnesLike(ReduceMax(y, -1))
			p := ot.Sinkhorn(c, xm, ym, epsilon, iterations)
			return p, ot.HardPlan(p, xm), c
		})
		if err != nil {
			return err
		}
		res, err := exec.Exec(tensors.FromFlatDataAndDimensions(sv[0], 1, n, d), tensors.FromFlatDataAndDimensions(tv[0], 1, m, d))
		if err != nil {
			return err
		}
		plan, hard, cost = res[0], res[1], res[2]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("optical: align: %w", err)
	}
	a.Plan, a.Hard, a.Cost = toMatrix(plan, n, m), toMatrix(hard, n, m), toMatrix(cost, n, m)
	for i := range a.Plan {
		for j := range a.Plan[i] {
			a.Loss += a.Plan[i][j] * a.Cost[i][j]
		}
	}
	return a, nil
}

func toMatrix(t *tensors.Tensor, n, m int) [][]float64 {
	flat := tensors.MustCopyFlatData[float32](t)
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, m)
		for j := range out[i] {
			out[i][j] = float64(flat[i*m+j])
		}
	}
	return out
}

// tryGraph turns GoMLX graph-building panics into errors.
func tryGraph(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return fn()
}
