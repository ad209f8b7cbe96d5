package encoder

import (
	"fmt"
	"os"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend, always available offline

	"github.com/otclir/otclir/lib/fastgrad"
)

// DefaultBackendConfig is the GoMLX backend used when GOMLX_BACKEND is unset:
// the pure-Go simplego backend with an unbounded worker pool. simplego's
// default (bounded) pool deadlocked on 2 cores after the first training step
// of this encoder (goroutines parked in workersPool.WaitToStart); with
// parallelism=-1 no task ever waits for a worker, and TestTrainingNoDeadlock
// in lib/distill trains under it with the other core loaded.
const DefaultBackendConfig = "go:parallelism=-1"

// BackendConfig returns the backend configuration in force: $GOMLX_BACKEND
// if set, else DefaultBackendConfig.
func BackendConfig() string {
	if c, ok := os.LookupEnv(backends.ConfigEnvVar); ok && c != "" {
		return c
	}
	return DefaultBackendConfig
}

// NewBackend creates the GoMLX backend named by BackendConfig and installs
// the efficient matrix-product gradients of lib/fastgrad (process-wide).
func NewBackend() (backends.Backend, error) {
	fastgrad.Install()
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
