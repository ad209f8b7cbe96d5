package gomlxpatch

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		ok      bool
	}{
		{"v0.26.0", true},
		{"v0.26.1", false}, // any other version, patch releases included
		{"v0.27.0", false},
		{"v0.25.0", false},
		{"", false}, // no build information
	} {
		err := checkVersion(tc.version)
		if (err == nil) != tc.ok {
			t.Errorf("checkVersion(%q) = %v, want ok=%v", tc.version, err, tc.ok)
		}
		if err != nil && (!errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), VerifiedGoMLX)) {
			t.Errorf("checkVersion(%q) = %v: want ErrVersion naming %s", tc.version, err, VerifiedGoMLX)
		}
	}
}

// TestLinkedVersionIsVerified: this module pins GoMLX v0.26.0 (go.mod), so
// the test binary links it and Install succeeds. (A test binary's build
// information lists no dependencies: LinkedGoMLX reads go.mod then.)
func TestLinkedVersionIsVerified(t *testing.T) {
	if v := LinkedGoMLX(); v != VerifiedGoMLX {
		t.Fatalf("LinkedGoMLX() = %q, want %s (go.mod pins it)", v, VerifiedGoMLX)
	}
	if err := Install(); err != nil {
		t.Fatal(err)
	}
	if !Installed() {
		t.Fatal("Install returned nil but the gradients are not installed")
	}
}
