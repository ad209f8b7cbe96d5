package encoder

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend, always available offline
)

// DefaultBackendConfig is the GoMLX backend used when GOMLX_BACKEND is unset:
// the pure-Go simplego backend executing one op at a time with an unbounded
// worker pool. simplego's default (a bounded pool shared by concurrently
// executing ops) deadlocked on 2 cores after the first training step of
// this encoder (goroutines parked in workersPool.WaitToStart), and its
// parallel op scheduler has a data race (go test -race, exec.go numUsed).
// With internal/fastexec the heavy ops use all cores inside themselves, so
// sequential ops lose nothing: 27–34 / 15–16 training steps/s at batch
// 16 / 32 against 27–28 / 13–14 with concurrent ops, and ~30 % less memory
// (PERFORMANCE.md). TestTrainingNoDeadlock in lib/distill trains under it
// with the other core loaded.
const DefaultBackendConfig = "go:ops_sequential,parallelism=-1"

// XLABuildTag is the build tag that links GoMLX's XLA (PJRT) backend into
// otclir (backend_xla.go). It needs cgo; the default build is pure Go.
const XLABuildTag = "xla"

// NoAutoInstallEnv is GoMLX's switch (backends/xla.NoAutoInstallEnv) that
// stops its XLA backend from downloading PJRT plugins. A binary built with
// the xla tag sets it at start-up and also turns auto-install off in GoMLX
// directly, so neither otclir nor a process it starts ever downloads one.
const NoAutoInstallEnv = "GOMLX_NO_AUTO_INSTALL"

// xlaBackendNames are the names GoMLX v0.26.0's backends/xla registers.
var xlaBackendNames = []string{"xla", "stablehlo", "hlo", "shlo"}

// xlaLinked reports whether this binary links the XLA backend; set by
// backend_xla.go.
var xlaLinked = false

// disableXLAAutoInstall turns GoMLX's plugin auto-install off; set by
// backend_xla.go, nil when the XLA backend is not linked.
var disableXLAAutoInstall func()

// BackendConfig returns the backend configuration in force: $GOMLX_BACKEND
// if set, else DefaultBackendConfig.
func BackendConfig() string {
	if c, ok := os.LookupEnv(backends.ConfigEnvVar); ok && c != "" {
		return c
	}
	return DefaultBackendConfig
}

// checkXLAConfig vets a backend configuration before GoMLX sees it. For the
// XLA backend (any of its names) it requires a binary built with the xla
// tag and a PJRT plugin given by absolute path to an existing file
// ("xla:/abs/path/plugin.so[,options]"): GoMLX resolves any other plugin
// name by searching library folders and, unless auto-install is off,
// by downloading plugins. otclir never does either. Other backends pass.
func checkXLAConfig(cfg string, linked bool) error {
	name, plugin, _ := strings.Cut(cfg, ":")
	if !slices.Contains(xlaBackendNames, name) {
		return nil
	}
	if !linked {
		return fmt.Errorf("encoder: %s=%q selects GoMLX's XLA backend, which this binary does not link: build otclir with -tags %s (needs cgo)",
			backends.ConfigEnvVar, cfg, XLABuildTag)
	}
	path, _, _ := strings.Cut(plugin, ",")
	if !filepath.IsAbs(path) {
		return fmt.Errorf("encoder: %s=%q: give the PJRT plugin by absolute path (%s=%s:/abs/path/to/pjrt_plugin.so); otclir never searches for or installs a plugin",
			backends.ConfigEnvVar, cfg, backends.ConfigEnvVar, name)
	}
	if fi, err := os.Stat(path); err != nil {
		return fmt.Errorf("encoder: %s=%q: PJRT plugin: %w", backends.ConfigEnvVar, cfg, err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("encoder: %s=%q: PJRT plugin %s is not a regular file", backends.ConfigEnvVar, cfg, path)
	}
	return nil
}

// NewBackend creates the GoMLX backend named by BackendConfig. An XLA
// configuration must name its PJRT plugin by absolute path (checkXLAConfig)
// and runs with GoMLX's plugin auto-install turned off. NewBackend installs
// nothing: otclir's patches to GoMLX (efficient matrix-product gradients and
// simplego executors) are installed by an explicit call to
// internal/gomlxpatch.Install, which experiments/optical.Open makes before
// creating its backend.
func NewBackend() (backends.Backend, error) {
	cfg := BackendConfig()
	if err := checkXLAConfig(cfg, xlaLinked); err != nil {
		return nil, err
	}
	if disableXLAAutoInstall != nil {
		disableXLAAutoInstall()
	}
	var b backends.Backend
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		b, err = backends.NewWithConfig(cfg)
	}()
	if err != nil {
		return nil, fmt.Errorf("encoder: creating GoMLX backend %q (set %s to choose another): %w", cfg, backends.ConfigEnvVar, err)
	}
	return b, nil
}
