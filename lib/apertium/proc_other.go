//go:build !unix

package apertium

import "os/exec"

// ownGroup leaves cmd as it is: outside Unix, cancelling kills the apertium
// script only, and WaitDelay bounds the wait for its pipeline.
func ownGroup(*exec.Cmd) {}
