package distill

import (
	"fmt"
	"os"
	"testing"

	"github.com/otclir/otclir/internal/gomlxpatch"
)

// TestMain installs otclir's GoMLX patches before any test builds a graph,
// as experiments/optical.Open does: the tests run what the program ships.
func TestMain(m *testing.M) {
	if err := gomlxpatch.Install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if testChild != nil {
		if code, ok := testChild(); ok {
			os.Exit(code)
		}
	}
	os.Exit(m.Run())
}

// testChild, when set (by the process tests, on systems that have them),
// reports whether this process is one of their children and runs it.
var testChild func() (code int, ok bool)
