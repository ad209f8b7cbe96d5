// Package fastgrad replaces GoMLX's gradients (VJPs) of the matrix products
// graph.Dot and graph.DotGeneral with gradients built from DotGeneral calls.
//
// TEMPORARY: delete this package when GoMLX is upgraded past v0.26.0.
// GoMLX v0.26.0 builds these gradients (pkg/core/graph/ops_helpers.go
// dotGeneralVJP and rev_autodiff.go dotVJP) from a broadcast Mul followed by
// a ReduceSum, which materialises an m×n×k tensor: for x[512,128]·w[128,256]
// in float32 on 2 cores (simplego, parallelism=-1), the forward pass takes
// 2.7 ms, forward+backward 126 ms with the stock VJPs and 7.5 ms with these
// (go test -bench BenchmarkDotBackward; the encoder's einsum shapes gain
// 7-23×, all within 4× of their forward pass). Upstream fixed it after v0.26.0 (pull
// request #428, "build DotGeneral gradients as gemms, not multiply+reduce");
// v0.26.0 is the newest version available to this project, so the fix lives
// here until an upgrade. After upgrading, remove the fastgrad.Install calls
// and this directory.
//
// # Model
//
// For out = DotGeneral(lhs, lc, lb, rhs, rc, rb), whose axes are laid out as
// [batch..., lhsCross..., rhsCross...], and an incoming adjoint v shaped like
// out:
//
//	dLhs = DotGeneral(v, contract rhsCross, batch batch, rhs, contract rhs cross axes, batch rb)
//	     -> [batch..., lhsCross..., rhs contracting axes in ascending order]
//	dRhs = DotGeneral(v, contract lhsCross, batch batch, lhs, contract lhs cross axes, batch lb)
//	     -> [batch..., rhsCross..., lhs contracting axes in ascending order]
//
// each followed by one Transpose back to the operand's axis order (the k-th
// contracting axis of lhs pairs with the k-th contracting axis of rhs). For
// Dot (vector·vector, matrix·vector, matrix·matrix) the same products are
// written directly. Every gradient is itself a DotGeneral, so second-order
// gradients use the same rule.
//
// # Usage
//
// Call Install once, before building any graph whose gradient is taken (it
// writes the process-wide map graph.VJPRegistration, which GoMLX reads while
// building gradients, so it must not race with graph building). Install is
// idempotent; internal/gomlxpatch.Install calls it, after checking the GoMLX
// version.
//
// The DotGeneral axes live in GoMLX's unexported nodeInputsDotGeneral
// struct; they are read with package reflect (no unsafe), and the tests
// cross-check them against node.String() and compare every gradient with the
// stock v0.26.0 gradient on random shapes and layouts.
package fastgrad
