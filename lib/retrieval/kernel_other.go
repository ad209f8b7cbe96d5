//go:build !amd64 || purego

package retrieval

// hasKernel and hasKernel512 are false where there is no assembly kernel:
// scoring uses gonum's Sgemm.
const (
	hasKernel    = false
	hasKernel512 = false
)

func kernel4x32max(k int, a *float32, lda int, b *float32, ldb int, m *float32, ldm int) {
	panic("retrieval: kernel4x32max without an assembly implementation")
}

func kernel4x16max(k int, a *float32, lda int, b *float32, ldb int, m *float32, ldm int) {
	panic("retrieval: kernel4x16max without an assembly implementation")
}
