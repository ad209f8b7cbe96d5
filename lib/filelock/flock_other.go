//go:build !unix

package filelock

import "os"

// flock is a no-op where flock(2) is unavailable (see the package doc).
func flock(*os.File, bool) error { return nil }
