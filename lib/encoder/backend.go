package encoder

import (
	"fmt"
	"os"

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

// BackendConfig returns the backend configuration in force: $GOMLX_BACKEND
// if set, else DefaultBackendConfig.
func BackendConfig() string {
	if c, ok := os.LookupEnv(backends.ConfigEnvVar); ok && c != "" {
		return c
	}
	return DefaultBackendConfig
}

// NewBackend creates the GoMLX backend named by BackendConfig. It installs
// nothing: otclir's patches to GoMLX (efficient matrix-product gradients and
// simplego executors) are installed by an explicit call to
// internal/gomlxpatch.Install, which experiments/optical.Open makes before
// creating its backend.
func NewBackend() (backends.Backend, error) {
	cfg := BackendConfig()
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
