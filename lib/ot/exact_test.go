package ot

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// exactSinkhorn is the textbook log-domain Sinkhorn with two full stable
// log-sum-exps per iteration (one per side). Sinkhorn evaluates the column
// update from the row update's exponentials instead (one Exp pass per
// iteration), which is the same iterate unless a column sum underflows; the
// tests compare the two and BenchmarkSinkhorn times both.
func exactSinkhorn(cost, xMask, yMask *Node, epsilon float64, iterations int) *Node {
	checkProblem("exactSinkhorn", cost, xMask, yMask)
	g, dt := cost.Graph(), cost.DType()
	xm, ym := boolMask(xMask), boolMask(yMask)
	pairs := pairMask(xMask, yMask)
	masked := Scalar(g, dt, maskedLogit)
	zero := ScalarZero(g, dt)
	k := Where(pairs, DivScalar(Neg(cost), epsilon), masked)
	kT := TransposeAllAxes(k, 0, 2, 1)
	logA, logB := logMarginal(xMask, dt), logMarginal(yMask, dt)
	var u *Node
	v := ZerosLike(logB)
	for range iterations {
		u = Where(xm, Sub(logA, lseLast(k, v)), zero)
		v = Where(ym, Sub(logB, lseLast(kT, u)), zero)
	}
	return Exp(Where(pairs, Add(Add(k, InsertAxes(u, 2)), InsertAxes(v, 1)), masked))
}

// lseLast returns LSE_r(k[b,c,r] + w[b,r]), [b,c].
func lseLast(k, w *Node) *Node {
	x := Add(k, InsertAxes(w, 1))
	m := StopGradient(ReduceAndKeep(x, ReduceMax, 2))
	return Add(Log(ReduceSum(Exp(Sub(x, m)), 2)), Squeeze(m, 2))
}
