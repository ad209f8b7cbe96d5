// Package fulldisk gives tests a small file system that they can fill, to
// check what otclir's writers do on a full disk (ENOSPC). It mounts a tmpfs,
// which needs root (CAP_SYS_ADMIN) on Linux; elsewhere, or without the
// privilege, the test is skipped with the reason.
package fulldisk

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Fill writes a file into dir until the file system is full and returns a
// function that deletes it again.
func Fill(t testing.TB, dir string) (free func()) {
	t.Helper()
	p := filepath.Join(dir, "fill")
	f, err := os.Create(p)
	if err != nil {
		t.Fatalf("fulldisk: %v", err)
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err = f.Write(buf); err != nil {
			break
		}
	}
	for len(buf) > 1 && errors.Is(err, syscall.ENOSPC) { // the last partial blocks
		buf = buf[:len(buf)/2]
		for {
			if _, err = f.Write(buf); err != nil {
				break
			}
		}
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("fulldisk: filling %s: %v, want ENOSPC", dir, err)
	}
	return func() { os.Remove(p) }
}
