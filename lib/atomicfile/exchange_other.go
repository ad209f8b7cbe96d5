//go:build !linux

package atomicfile

// exchange is unavailable here; Commit renames the previous folder aside.
func exchange(a, b string) error { return errNoExchange }
