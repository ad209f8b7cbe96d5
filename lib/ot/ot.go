package ot

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Hyperparameter keys (context.GetParamOr) and their defaults.
const (
	ParamEpsilon    = "sinkhorn_epsilon"
	ParamIterations = "sinkhorn_iterations"

	DefaultEpsilon    = 0.05
	DefaultIterations = 20
)

// maskedLogit is the logit of padded pairs: exp(maskedLogit − max) is
// exactly 0 in float32 and float64 whenever a real entry exists, yet it is
// finite, so differences of it never produce NaN as −∞ − (−∞) would.
const maskedLogit = -1e9

// CosineCost returns C = 1 − x·yᵀ, [b,n,m], for x [b,n,d] and y [b,m,d]
// (rows expected L2-normalised, so C is in [0, 2]).
func CosineCost(x, y *Node) *Node {
	if x.Rank() != 3 || y.Rank() != 3 || x.Shape().Dimensions[0] != y.Shape().Dimensions[0] ||
		x.Shape().Dimensions[2] != y.Shape().Dimensions[2] || x.DType() != y.DType() {
		panic(fmt.Sprintf("ot: CosineCost wants x [b,n,d] and y [b,m,d] of one dtype, got %s and %s", x.Shape(), y.Shape()))
	}
	return OneMinus(DotGeneral(x, []int{2}, []int{0}, y, []int{2}, []int{0}))
}

// boolMask returns mask as Bool (non-zero is a real token).
func boolMask(mask *Node) *Node {
	if mask.DType() == dtypes.Bool {
		return mask
	}
	return NotEqual(mask, ScalarZero(mask.Graph(), mask.DType()))
}

// marginal returns the uniform weights over real tokens, [b,n] in dtype:
// 1/nReal on real tokens, 0 on padding (nReal clamped to ≥ 1).
func marginal(mask *Node, dtype dtypes.DType) *Node {
	w := ConvertDType(boolMask(mask), dtype)
	n := MaxScalar(ReduceAndKeep(w, ReduceSum, 1), 1)
	return Div(w, n)
}

// logMarginal returns log of the uniform weights, −log nReal, on real
// tokens and 0 on padding (never used there).
func logMarginal(mask *Node, dtype dtypes.DType) *Node {
	w := ConvertDType(boolMask(mask), dtype)
	n := MaxScalar(ReduceAndKeep(w, ReduceSum, 1), 1) // [b,1]
	logA := BroadcastToDims(Neg(Log(n)), mask.Shape().Dimensions...)
	return Where(boolMask(mask), logA, ScalarZero(mask.Graph(), dtype))
}

// pairMask returns the [b,n,m] Bool mask of pairs of real tokens.
func pairMask(xMask, yMask *Node) *Node {
	b, n := xMask.Shape().Dimensions[0], xMask.Shape().Dimensions[1]
	m := yMask.Shape().Dimensions[1]
	xm := BroadcastToDims(InsertAxes(boolMask(xMask), -1), b, n, m)
	ym := BroadcastToDims(InsertAxes(boolMask(yMask), 1), b, n, m)
	return LogicalAnd(xm, ym)
}

func checkProblem(fn string, cost, xMask, yMask *Node) {
	if cost.Rank() != 3 {
		panic(fmt.Sprintf("ot: %s: cost must be [batch,nQuery,nDoc], got %s", fn, cost.Shape()))
	}
	if dt := cost.DType(); dt != dtypes.Float32 && dt != dtypes.Float64 {
		panic(fmt.Sprintf("ot: %s: cost dtype must be Float32 or Float64, got %s", fn, dt))
	}
	d := cost.Shape().Dimensions
	if xMask.Rank() != 2 || xMask.Shape().Dimensions[0] != d[0] || xMask.Shape().Dimensions[1] != d[1] {
		panic(fmt.Sprintf("ot: %s: xMask must be [%d,%d] for cost %s, got %s", fn, d[0], d[1], cost.Shape(), xMask.Shape()))
	}
	if yMask.Rank() != 2 || yMask.Shape().Dimensions[0] != d[0] || yMask.Shape().Dimensions[1] != d[2] {
		panic(fmt.Sprintf("ot: %s: yMask must be [%d,%d] for cost %s, got %s", fn, d[0], d[2], cost.Shape(), yMask.Shape()))
	}
}

// Sinkhorn returns the entropic transport plan [b,n,m] for cost [b,n,m]
// between the uniform distributions over the real tokens of xMask [b,n] and
// yMask [b,m], after the given number of log-domain iterations (each a row
// then a column update, evaluated with one Exp pass: see the package doc for
// when that differs from two full log-sum-exps). Padded rows and columns get
// exactly 0 mass.
// It panics if epsilon ≤ 0 or iterations < 1.
func Sinkhorn(cost, xMask, yMask *Node, epsilon float64, iterations int) (plan *Node) {
	checkProblem("Sinkhorn", cost, xMask, yMask)
	if !(epsilon > 0) {
		panic(fmt.Sprintf("ot: Sinkhorn: epsilon (%s) must be > 0, got %g", ParamEpsilon, epsilon))
	}
	if iterations < 1 {
		panic(fmt.Sprintf("ot: Sinkhorn: iterations (%s) must be >= 1, got %d", ParamIterations, iterations))
	}
	g, dt := cost.Graph(), cost.DType()
	dims := cost.Shape().Dimensions // [b,n,m]
	xm, ym := boolMask(xMask), boolMask(yMask)
	pairs := pairMask(xMask, yMask)
	masked := Scalar(g, dt, maskedLogit)
	zero := ScalarZero(g, dt)
	k := Where(pairs, DivScalar(Neg(cost), epsilon), masked) // [b,n,m]
	logA, logB := logMarginal(xMask, dt), logMarginal(yMask, dt)
	a := marginal(xMask, dt)                            // [b,n], 0 on padding
	onesM := Ones(g, shapes.Make(dt, dims[0], dims[2])) // [b,m]
	tiny := smallestNormal(dt)
	var u *Node
	v := ZerosLike(logB) // [b,m]
	for range iterations {
		// Row update, a stable log-sum-exp: with Y = K + v and its row maxima mm,
		// P̂ = exp(Y − mm) has entries in [0, 1] and row sums r̂ ≥ 1, and
		// u = log a − mm − log r̂ = log a − LSE_j(K_ij + v_j).
		y := Add(k, InsertAxes(v, 1))       // implicit broadcasting: no [b,n,m] copy of v
		mm := StopGradient(ReduceMax(y, 2)) // [b,n]; any shift gives the same value
		pHat := Exp(Sub(y, InsertAxes(mm, 2)))
		rHat := DotGeneral(pHat, []int{2}, []int{0}, onesM, []int{1}, []int{0}) // [b,n], ≥ 1
		u = Where(xm, Sub(Sub(logA, mm), Log(rHat)), zero)
		// Column update from the same exponentials: the plan with the new u is
		// P̂_ij·a_i/r̂_i, so its column sums are s = P̂ᵀ(a/r̂) and
		// v ← v + log b − log s, i.e. v_j = log b_j − LSE_i(K_ij + u_i).
		s := DotGeneral(pHat, []int{1}, []int{0}, Div(a, rHat), []int{1}, []int{0}) // [b,m]
		v = Where(ym, Add(v, Sub(logB, Log(MaxScalar(s, tiny)))), zero)
	}
	logits := Add(Add(k, InsertAxes(u, 2)), InsertAxes(v, 1))
	return Exp(Where(pairs, logits, masked))
}

// smallestNormal is the smallest positive normal number of dtype (Float32
// or Float64), the floor of the column sums in Sinkhorn.
func smallestNormal(dt dtypes.DType) float64 {
	if dt == dtypes.Float32 {
		return 0x1p-126
	}
	return 0x1p-1022
}

// Loss returns the transport cost <P, C>_F per problem, [b]. The plan is
// converted to the cost's dtype if needed.
func Loss(cost, plan *Node) *Node {
	if !cost.Shape().EqualDimensions(plan.Shape()) || cost.Rank() != 3 {
		panic(fmt.Sprintf("ot: Loss: cost %s and plan %s must both be [batch,nQuery,nDoc]", cost.Shape(), plan.Shape()))
	}
	if plan.DType() != cost.DType() {
		plan = ConvertDType(plan, cost.DType())
	}
	return ReduceSum(Mul(cost, plan), 1, 2)
}

// Distance returns the Sinkhorn transport cost loss [b] and the plan [b,n,m].
// Unless differentiatePlan, the plan is under StopGradient, so the gradient
// of loss with respect to cost is the plan (envelope theorem); this is the
// setting used for training.
func Distance(cost, xMask, yMask *Node, epsilon float64, iterations int, differentiatePlan bool) (loss, plan *Node) {
	plan = Sinkhorn(cost, xMask, yMask, epsilon, iterations)
	if !differentiatePlan {
		plan = StopGradient(plan)
	}
	return Loss(cost, plan), plan
}

// HardPlan turns a plan [b,n,m] into a hard alignment: each real query token
// i sends its whole marginal a_i = 1/nReal to its argmax document token (ties:
// the smallest index); padded query rows are 0. It has no gradient.
func HardPlan(plan, xMask *Node) *Node {
	if plan.Rank() != 3 || xMask.Rank() != 2 || xMask.Shape().Dimensions[0] != plan.Shape().Dimensions[0] ||
		xMask.Shape().Dimensions[1] != plan.Shape().Dimensions[1] {
		panic(fmt.Sprintf("ot: HardPlan: plan must be [b,n,m] and xMask [b,n], got %s and %s", plan.Shape(), xMask.Shape()))
	}
	m := plan.Shape().Dimensions[2]
	oneHot := OneHot(ArgMax(StopGradient(plan), 2), m, plan.DType())
	return Mul(oneHot, InsertAxes(marginal(xMask, plan.DType()), 2))
}

// UniformPlan returns the ε → ∞ limit of the Sinkhorn plan, P_ij = a_i b_j,
// [b,n,m]. Its dtype is the masks' when they are float (they must then agree),
// Float32 for Bool masks.
func UniformPlan(xMask, yMask *Node) *Node {
	if xMask.Rank() != 2 || yMask.Rank() != 2 || xMask.Shape().Dimensions[0] != yMask.Shape().Dimensions[0] {
		panic(fmt.Sprintf("ot: UniformPlan: masks must be [b,n] and [b,m], got %s and %s", xMask.Shape(), yMask.Shape()))
	}
	dt := dtypes.Float32
	if xMask.DType() != dtypes.Bool {
		dt = xMask.DType()
	} else if yMask.DType() != dtypes.Bool {
		dt = yMask.DType()
	}
	a := InsertAxes(marginal(xMask, dt), 2) // [b,n,1]
	b := InsertAxes(marginal(yMask, dt), 1) // [b,1,m]
	return Mul(a, b)
}
