package encoder

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// TestCheckXLAConfig covers the configurations NewBackend refuses before
// GoMLX sees them: an XLA backend that the binary does not link, a plugin
// given by name (GoMLX would search library folders and may download one),
// and a plugin path that is missing or not a file.
func TestCheckXLAConfig(t *testing.T) {
	dir := t.TempDir()
	plugin := filepath.Join(dir, "pjrt_c_api_cuda_plugin.so")
	if err := os.WriteFile(plugin, []byte("not a shared library"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing", "xla_cuda_plugin.so")
	for _, tc := range []struct {
		name, cfg string
		linked    bool
		want      []string // substrings of the error; nil: no error
		notExist  bool     // error wraps fs.ErrNotExist
	}{
		{name: "default simplego", cfg: DefaultBackendConfig},
		{name: "simplego linked", cfg: "go", linked: true},
		{name: "unknown backend left to GoMLX", cfg: "xlax:cuda", linked: true},
		{name: "xla not linked", cfg: "xla:" + plugin, want: []string{"-tags xla", "does not link", `"xla:` + plugin}},
		{name: "alias not linked", cfg: "stablehlo:" + plugin, want: []string{"-tags xla"}},
		{name: "plugin by name", cfg: "xla:cuda", linked: true, want: []string{"absolute path", `"xla:cuda"`, "never searches for or installs"}},
		{name: "no plugin", cfg: "xla", linked: true, want: []string{"absolute path"}},
		{name: "empty plugin with option", cfg: "hlo:,shared_buffers", linked: true, want: []string{"absolute path", "hlo:/abs/path"}},
		{name: "relative path", cfg: "xla:lib/pjrt_c_api_cuda_plugin.so", linked: true, want: []string{"absolute path"}},
		{name: "missing plugin", cfg: "xla:" + missing, linked: true, want: []string{missing}, notExist: true},
		{name: "directory", cfg: "xla:" + dir, linked: true, want: []string{"not a regular file", dir}},
		{name: "plugin file", cfg: "xla:" + plugin, linked: true},
		{name: "plugin file with options", cfg: "shlo:" + plugin + ",shared_buffers,tf32", linked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkXLAConfig(tc.cfg, tc.linked)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("checkXLAConfig(%q, %v) = %v, want nil", tc.cfg, tc.linked, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("checkXLAConfig(%q, %v) = nil, want an error containing %q", tc.cfg, tc.linked, tc.want)
			}
			for _, w := range append(tc.want, "encoder:", backends.ConfigEnvVar) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("checkXLAConfig(%q, %v) = %v, want it to contain %q", tc.cfg, tc.linked, err, w)
				}
			}
			if tc.notExist != errors.Is(err, fs.ErrNotExist) {
				t.Errorf("checkXLAConfig(%q, %v) = %v: errors.Is(fs.ErrNotExist) = %v, want %v", tc.cfg, tc.linked, err, !tc.notExist, tc.notExist)
			}
		})
	}
}

// TestNewBackendRefusesXLAByName checks that NewBackend itself applies
// checkXLAConfig, in this build (with or without the xla tag).
func TestNewBackendRefusesXLAByName(t *testing.T) {
	t.Setenv(backends.ConfigEnvVar, "xla:cuda")
	want := "-tags xla"
	if xlaLinked {
		want = "absolute path"
	}
	b, err := NewBackend()
	if err == nil {
		b.Finalize()
		t.Fatalf("NewBackend with %s=xla:cuda succeeded, want an error", backends.ConfigEnvVar)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("NewBackend with %s=xla:cuda: %v, want it to contain %q", backends.ConfigEnvVar, err, want)
	}
}
