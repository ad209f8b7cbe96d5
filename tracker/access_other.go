//go:build !unix

package tracker

import "os"

// writable reports whether path looks writable (permission bits only).
func writable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Perm()&0o200 != 0
}
