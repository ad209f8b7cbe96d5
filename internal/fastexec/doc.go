// Package fastexec replaces simplego's execution of the float32 operations
// that dominate training time with faster implementations, process-wide.
//
// # Why
//
// GoMLX v0.26.0's pure-Go backend (simplego) runs DotGeneral with scalar Go
// loops (4.5–7.5 GFLOP/s on the 2-core reference machine, where
// lib/matmul's AVX-512 kernels reach 165–220 GFLOP/s), and it runs implicit
// broadcasting, BroadcastInDim, reductions and transposes one element at a
// time through an index iterator. A profile of the reference training step
// (PERFORMANCE.md) put ~75 % of the time in DotGeneral; with DotGeneral
// fixed, ~60 % went to the iterators.
//
// # What it replaces (float32 only; other dtypes keep simplego's code)
//
//   - DotGeneral: operands transposed to [batch, m, k] and [batch, k, n]
//     (no copy when already in that order, as in a Dense layer's forward
//     pass), then lib/matmul.MulBatched. Results differ from simplego's by
//     float32 rounding (another summation order).
//   - Add, Sub, Mul, Div, Max, Min with implicit broadcasting, and
//     BroadcastInDim: contiguous inner loops over collapsed axes instead of
//     a per-element iterator; the same ops on equal shapes (or a scalar
//     operand), and Exp and Log, split across cores when large (simplego
//     runs them on one goroutine). Bit-identical to simplego.
//   - ReduceSum and ReduceMax: the same summation order as simplego, with
//     contiguous inner loops. Bit-identical.
//   - Transpose: lib/matmul.Permute. Bit-identical.
//   - Erf (GELU's): XLA's float32 rational approximation across cores,
//     within 2 ulp of simplego's math.Erf and ~7× faster (erf.go).
//
// # How
//
// simplego keeps its executor table and its node and buffer fields
// unexported. Install reaches the table and (*Backend).getBufferForShape
// with go:linkname, and the fields through offsets that it looks up by
// reflection, checking names and types against GoMLX v0.26.0; node data
// structs are checked field by field before first use. If anything differs,
// Install returns ErrLayout and leaves simplego untouched, or the executor
// falls back to simplego's own. Tests compare every replaced operation with
// simplego's on random shapes.
//
// Set OTCLIR_FASTEXEC=off to keep simplego's executors (internal/gomlxpatch
// calls Install, after checking the GoMLX version); SetEnabled switches at
// run time, for comparisons.
//
// TEMPORARY, like internal/fastgrad: delete this package when a GoMLX
// version with SIMD kernels in simplego can be used.
package fastexec
