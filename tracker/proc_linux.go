package tracker

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// On Linux a process is identified beyond its pid by the boot it runs in
// and its start time: "<boot_id>:<starttime>", boot_id from
// /proc/sys/kernel/random/boot_id and starttime (clock ticks after boot)
// field 22 of /proc/PID/stat (proc(5)). A pid reused by a later process, or
// a pid from before a reboot, has another identity.

var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

// procStartTime returns field 22 of /proc/pid/stat.
func procStartTime(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", err
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return "", errors.New("tracker: malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return "", errors.New("tracker: short /proc stat")
	}
	return f[19], nil // f[0] is field 3 (state)
}

func procToken(pid int) string {
	st, err := procStartTime(pid)
	if err != nil || bootID() == "" {
		return ""
	}
	return bootID() + ":" + st
}

var self = sync.OnceValues(func() (int, string) {
	return os.Getpid(), procToken(os.Getpid())
})

// procIdentity returns this process's pid and identity token.
func procIdentity() (int, string) { return self() }

// processAlive reports whether the process pid with identity token start
// ("" when it was not recorded) exists on this host; known is false when
// that cannot be told.
func processAlive(pid int, start string) (alive, known bool) {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false, true
	} else if err != nil && !errors.Is(err, syscall.EPERM) {
		return false, false
	}
	if start == "" {
		return true, true // exists; its identity was not recorded
	}
	if boot, _, _ := strings.Cut(start, ":"); boot != bootID() {
		return false, true // recorded before a reboot
	}
	now := procToken(pid)
	if now == "" {
		return true, true // exists, /proc unreadable (hidepid): trust kill
	}
	return now == start, true
}
