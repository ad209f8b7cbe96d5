package ot

import (
	"fmt"
	"math"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
)

// Hyperparameter key of the marginal relaxation of UnbalancedSinkhorn and
// its default.
const (
	ParamMarginalTau   = "ot_marginal_tau"
	DefaultMarginalTau = 1.0
)

// CheckUnbalanced returns an error naming the setting when epsilon, tau or
// iterations is out of range for UnbalancedSinkhorn: epsilon finite and
// > 0, tau > 0 (+Inf is the balanced limit), iterations ≥ 1. NaN is refused.
func CheckUnbalanced(epsilon, tau float64, iterations int) error {
	if !(epsilon > 0) || math.IsInf(epsilon, 1) {
		return fmt.Errorf("ot: %s must be a finite number > 0, got %g", ParamEpsilon, epsilon)
	}
	if !(tau > 0) {
		return fmt.Errorf("ot: %s (the marginal relaxation) must be > 0, got %g", ParamMarginalTau, tau)
	}
	if iterations < 1 {
		return fmt.Errorf("ot: %s must be >= 1, got %d", ParamIterations, iterations)
	}
	return nil
}

// UnbalancedExponent is the exponent fi = τ/(τ+ε) of the unbalanced
// scaling updates (1 for τ = +Inf, the balanced limit).
func UnbalancedExponent(epsilon, tau float64) float64 {
	if math.IsInf(tau, 1) {
		return 1
	}
	return tau / (tau + epsilon)
}

// UnbalancedSinkhorn returns the entropic unbalanced transport plan [b,n,m]
// for cost [b,n,m] between the uniform weights over the real tokens of
// xMask [b,n] and yMask [b,m], whose marginal constraints are relaxed to
// KL penalties of weight tau (POT's sinkhorn_unbalanced, method "sinkhorn",
// with reg = epsilon and reg_m = tau), after the given number of iterations.
// The iterates are POT 0.8.2's, computed in the log domain (see the package
// doc); padded rows and columns get exactly 0 mass. As tau → ∞ the plan
// tends to Sinkhorn's. It panics if the settings fail CheckUnbalanced.
func UnbalancedSinkhorn(cost, xMask, yMask *Node, epsilon, tau float64, iterations int) (plan *Node) {
	checkProblem("UnbalancedSinkhorn", cost, xMask, yMask)
	if err := CheckUnbalanced(epsilon, tau, iterations); err != nil {
		panic("ot: UnbalancedSinkhorn: " + strings.TrimPrefix(err.Error(), "ot: "))
	}
	fi := UnbalancedExponent(epsilon, tau)
	g, dt := cost.Graph(), cost.DType()
	xm, ym := boolMask(xMask), boolMask(yMask)
	pairs := pairMask(xMask, yMask)
	masked := Scalar(g, dt, maskedLogit)
	zero := ScalarZero(g, dt)
	k := Where(pairs, DivScalar(Neg(cost), epsilon), masked) // [b,n,m]
	logA, logB := logMarginal(xMask, dt), logMarginal(yMask, dt)
	// POT starts from v = 1/dim_b, i.e. log v = −log|J| = log b on real
	// tokens. (Balanced Sinkhorn is invariant to the start; this is not.)
	v := logB
	var u *Node
	for range iterations {
		// u = fi·(log a − LSE_j(K_ij + v_j)),  v = fi·(log b − LSE_i(K_ij + u_i)).
		u = Where(xm, MulScalar(Sub(logA, logSumExp(Add(k, InsertAxes(v, 1)), 2)), fi), zero)
		v = Where(ym, MulScalar(Sub(logB, logSumExp(Add(k, InsertAxes(u, 2)), 1)), fi), zero)
	}
	logits := Add(Add(k, InsertAxes(u, 2)), InsertAxes(v, 1))
	return Exp(Where(pairs, logits, masked))
}

// logSumExp reduces x over axis with the maximum (under StopGradient)
// subtracted before Exp.
func logSumExp(x *Node, axis int) *Node {
	mm := StopGradient(ReduceMax(x, axis))
	return Add(mm, Log(ReduceSum(Exp(Sub(x, InsertAxes(mm, axis))), axis)))
}

// UnbalancedDistance returns the transport cost loss <P, C>_F per problem
// [b] of the UnbalancedSinkhorn plan (POT's sinkhorn_unbalanced2) and the
// plan [b,n,m]. Unless differentiatePlan, the plan is under StopGradient, as
// in Distance.
func UnbalancedDistance(cost, xMask, yMask *Node, epsilon, tau float64, iterations int, differentiatePlan bool) (loss, plan *Node) {
	plan = UnbalancedSinkhorn(cost, xMask, yMask, epsilon, tau, iterations)
	if !differentiatePlan {
		plan = StopGradient(plan)
	}
	return Loss(cost, plan), plan
}
