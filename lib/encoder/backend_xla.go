//go:build xla

package encoder

import (
	"os"

	"github.com/gomlx/gomlx/backends/xla"
)

// Built with -tags xla, otclir links GoMLX's XLA (PJRT) backend (cgo). Its
// init turns GoMLX's plugin auto-install off before anything can create a
// backend, and sets NoAutoInstallEnv for the processes otclir starts (grid
// workers, tests' children), which run the same binary's init again.
func init() {
	xlaLinked = true
	disableXLAAutoInstall = func() { xla.EnableAutoInstall(false) }
	disableXLAAutoInstall()
	if err := os.Setenv(NoAutoInstallEnv, "1"); err != nil {
		panic("encoder: setting " + NoAutoInstallEnv + ": " + err.Error())
	}
}
