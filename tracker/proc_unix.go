//go:build unix && !linux

package tracker

import (
	"errors"
	"os"
	"syscall"
)

// procIdentity returns this process's pid; its start time is not recorded
// here (no /proc), so a reused pid counts as alive.
func procIdentity() (int, string) { return os.Getpid(), "" }

// processAlive reports whether a process pid exists (kill(pid, 0)).
func processAlive(pid int, _ string) (alive, known bool) {
	err := syscall.Kill(pid, 0)
	switch {
	case err == nil || errors.Is(err, syscall.EPERM):
		return true, true
	case errors.Is(err, syscall.ESRCH):
		return false, true
	}
	return false, false
}
