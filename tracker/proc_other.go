//go:build !unix

package tracker

import "os"

// procIdentity returns this process's pid.
func procIdentity() (int, string) { return os.Getpid(), "" }

// processAlive cannot tell here: GC falls back to the stale heartbeat.
func processAlive(int, string) (alive, known bool) { return false, false }
