//go:build !amd64 || purego

package matmul

// Without assembly kernels every product takes the plain Go loop.
const (
	hasAVX2   = false
	hasAVX512 = false
)

func kernel4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("matmul: kernel4x16 without an assembly implementation")
}

func kernel4x32(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("matmul: kernel4x32 without an assembly implementation")
}

func kernel4x16max(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("matmul: kernel4x16max without an assembly implementation")
}

func kernel4x32max(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("matmul: kernel4x32max without an assembly implementation")
}
