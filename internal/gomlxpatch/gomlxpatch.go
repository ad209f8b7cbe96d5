package gomlxpatch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/otclir/otclir/internal/fastexec"
	"github.com/otclir/otclir/internal/fastgrad"
)

// VerifiedGoMLX is the GoMLX module version the patches were verified
// against.
const VerifiedGoMLX = "v0.26.0"

// GoMLXModule is GoMLX's module path.
const GoMLXModule = "github.com/gomlx/gomlx"

// EnvVar set to "off" makes Install do nothing.
const EnvVar = "OTCLIR_GOMLX_PATCHES"

// ErrVersion is returned by Install when the linked GoMLX is not
// VerifiedGoMLX.
var ErrVersion = errors.New("gomlxpatch: GoMLX version not verified")

// LinkedGoMLX is the version of GoMLX in this program's build information
// ("" when it cannot be found). Test binaries carry no dependency list in
// their build information; for them it is the version that the go.mod of
// the module under test (found from the working directory, which go test
// sets to the package's folder) requires, which is what they were built
// with.
func LinkedGoMLX() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range bi.Deps {
		if d.Path == GoMLXModule {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	if len(bi.Deps) == 0 && strings.HasSuffix(bi.Path, ".test") {
		return goModVersion()
	}
	return ""
}

// goModVersion reads the GoMLX version required by the nearest go.mod at or
// above the working directory.
func goModVersion() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
				if len(f) >= 2 && f[0] == GoMLXModule {
					return f[1]
				}
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// checkVersion refuses any version but VerifiedGoMLX.
func checkVersion(v string) error {
	if v == VerifiedGoMLX {
		return nil
	}
	if v == "" {
		v = "unknown (no module build information)"
	}
	return fmt.Errorf("%w: this program links GoMLX %s, but internal/fastgrad and internal/fastexec were verified against %s only: "+
		"re-run their tests against the stock code of the new version (and update VerifiedGoMLX) or delete them; "+
		"%s=off runs stock GoMLX", ErrVersion, v, VerifiedGoMLX, EnvVar)
}

// Install installs both patches process-wide, once; later calls return the
// first call's result. It must run before any graph is built or executed
// (the gradient table and simplego's executor table are process-wide). It
// returns ErrVersion, installing nothing, when the linked GoMLX is not
// VerifiedGoMLX, and internal/fastexec's ErrLayout if simplego's internals
// do not match.
func Install() error {
	if os.Getenv(EnvVar) == "off" {
		return nil
	}
	if err := checkVersion(LinkedGoMLX()); err != nil {
		return err
	}
	fastgrad.Install()
	return fastexec.Install()
}

// Installed reports whether the gradients of internal/fastgrad are in
// place (internal/fastexec may still be off: OTCLIR_FASTEXEC=off).
func Installed() bool { return fastgrad.Installed() }
