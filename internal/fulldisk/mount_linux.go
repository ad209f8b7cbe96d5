package fulldisk

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new temporary folder, unmounted
// when the test ends, and returns the folder.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("fulldisk: cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		// A writer that failed on ENOSPC may leave a file open until the
		// garbage collector finalizes it (GoMLX's checkpoint writer does):
		// collect first, and detach lazily if it is still busy.
		runtime.GC()
		if err := syscall.Unmount(dir, 0); err != nil {
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("fulldisk: unmount %s: %v", dir, err)
			}
		}
	})
	return dir
}
