//go:build unix

package data

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on path (created if needed), so
// that processes fetching the same package into one cache — parallel test
// binaries, a notebook and the CLI — extract it once. unlock releases it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
