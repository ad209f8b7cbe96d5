//go:build unix

package tracker

import "syscall"

// writable reports whether this process may write path (a file or folder).
func writable(path string) bool { return syscall.Access(path, 2 /* W_OK */) == nil }
