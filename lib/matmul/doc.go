// Package matmul computes float32 matrix products with SIMD kernels.
//
// # Why
//
// In GoMLX v0.26.0, simplego executes DotGeneral (every Dense layer, einsum
// and attention product, and their gradients) with scalar Go loops: 4.5–7.5
// GFLOP/s on the 2-core reference machine (lib/fastgrad's
// BenchmarkMatmulRate), where the CPU's AVX-512 units reach 100+ GFLOP/s
// (lib/retrieval's MaxSim kernels). Profiles of a training step put ~75 % of
// its time in those loops (PERFORMANCE.md).
//
// # Model
//
// MulBatched computes C[b] = A[b]·B[b] for row-major A[b] (m×k), B[b] (k×n)
// and C[b] (m×n). C is cut into tiles of 4 rows × 32 columns (AVX-512F) or
// 4 × 16 (AVX2 + FMA); a tile is kept in registers while k runs, one
// broadcast element of each A row times one row segment of B per step
// (kernel_amd64.s). Column panels of B (k×32) stay in cache while every row
// tile passes over them. Edge tiles (rows not a multiple of 4, columns not a
// multiple of the tile width) run the same kernel on zero-padded copies.
// Large products are split over GOMAXPROCS goroutines by (batch, row band).
// Without the instructions (or under the purego build tag) a plain Go loop
// computes the same product.
//
// lib/fastexec plugs MulBatched into GoMLX's simplego backend as its
// DotGeneral executor.
package matmul
