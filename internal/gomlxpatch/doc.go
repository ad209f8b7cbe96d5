// Package gomlxpatch installs otclir's patches to GoMLX internals with one
// explicit call, Install, and refuses to install them on a GoMLX version
// they were not verified against.
//
// The patches (both TEMPORARY, to delete after a GoMLX upgrade):
//
//   - internal/fastgrad replaces the gradients (VJPs) of graph.Dot and
//     graph.DotGeneral, which GoMLX v0.26.0 builds from an m×n×k broadcast
//     multiply, with gradients built from matrix products. After an upgrade
//     that fixed them upstream it would silently override the fix.
//   - internal/fastexec replaces simplego's float32 executors (DotGeneral on
//     lib/matmul, broadcasting, reductions, transposes, Exp and Log) through
//     go:linkname and reflection on simplego's unexported fields.
//
// Both were verified, by their tests against the stock code, on GoMLX
// VerifiedGoMLX only. Install reads the GoMLX version linked into the
// program from its build information (runtime/debug.ReadBuildInfo) and
// returns ErrVersion, naming both versions, on any other: upgrading GoMLX
// means re-verifying the patches or deleting them (and this package), not
// running with them unchecked. OTCLIR_GOMLX_PATCHES=off skips them (stock
// GoMLX, much slower training); OTCLIR_FASTEXEC=off skips the executors
// only.
//
// Nothing installs the patches as a side effect: lib/encoder.NewBackend
// creates a stock backend; experiments/optical.Open (the lab used by the
// command-line program and the notebooks) calls Install before creating
// one, and so do the test mains of the packages whose tests train.
package gomlxpatch
