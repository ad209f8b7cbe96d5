//go:build xla

package encoder

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// TestXLAAutoInstallOff checks what backend_xla.go promises at start-up:
// the XLA backend is registered under every name checkXLAConfig vets, and
// GoMLX's auto-install switch is set (for this process's children too).
func TestXLAAutoInstallOff(t *testing.T) {
	if !xlaLinked || disableXLAAutoInstall == nil {
		t.Fatal("built with -tags xla but backend_xla.go's init did not run")
	}
	if NoAutoInstallEnv != xla.NoAutoInstallEnv {
		t.Errorf("NoAutoInstallEnv = %q, GoMLX's is %q", NoAutoInstallEnv, xla.NoAutoInstallEnv)
	}
	if _, ok := os.LookupEnv(NoAutoInstallEnv); !ok {
		t.Errorf("%s is not set", NoAutoInstallEnv)
	}
	for _, name := range xlaBackendNames {
		if !slices.Contains(backends.List(), name) {
			t.Errorf("backend %q is not registered (registered: %q)", name, backends.List())
		}
	}
}

// TestXLANoNetwork runs NewBackend on XLA configurations that cannot load
// a plugin and checks that each fails with an error naming the plugin and
// makes no network connection: net/http's default transport (go-xla's
// installer downloads with it) goes through a local proxy that counts
// connections. The control, GoMLX's xla.AutoInstall called
// directly with a throw-away HOME, shows that the listener does see a
// download attempt; it closes every connection, so nothing is downloaded.
func TestXLANoNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	// net/http reads HTTP(S)_PROXY once per process, so the test sets the
	// default transport's proxy itself (restored at the end).
	proxy, err := url.Parse("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport)
	saved := tr.Proxy
	tr.Proxy = http.ProxyURL(proxy)
	t.Cleanup(func() { tr.Proxy = saved; tr.CloseIdleConnections() })
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))

	dir := t.TempDir()
	notLib := filepath.Join(dir, "pjrt_c_api_cuda_plugin.so")
	if err := os.WriteFile(notLib, []byte("not a shared library\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "xla_cuda_plugin.so")
	for _, tc := range []struct{ cfg, want string }{
		{"xla:" + missing, missing},
		{"xla:" + notLib, notLib},
		{"xla:cuda", "absolute path"},
		{"xla", "absolute path"},
	} {
		t.Setenv(backends.ConfigEnvVar, tc.cfg)
		b, err := NewBackend()
		if err == nil {
			b.Finalize()
			t.Errorf("NewBackend with %s=%q succeeded, want an error", backends.ConfigEnvVar, tc.cfg)
			continue
		}
		t.Logf("%s=%q: %v", backends.ConfigEnvVar, tc.cfg, err)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewBackend with %s=%q: %v, want it to contain %q", backends.ConfigEnvVar, tc.cfg, err, tc.want)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("NewBackend made %d network connection(s), want none", n)
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "lib", "go-xla")); err == nil {
		t.Errorf("NewBackend created GoMLX's plugin folder under HOME=%s", home)
	}

	// Control: the detector sees an auto-install attempt.
	if err := xla.AutoInstall(); err == nil {
		t.Error("xla.AutoInstall through a proxy that closes every connection succeeded")
	} else {
		t.Logf("control: xla.AutoInstall: %d connection(s), %v", conns.Load(), err)
	}
	if conns.Load() == 0 {
		t.Error("xla.AutoInstall made no connection to the proxy: the no-network check above proves nothing")
	}
}

// TestXLABackendRuns loads the PJRT plugin that GOMLX_BACKEND names
// (xla:/abs/path/plugin.so; .ci/device-check sets it) and runs a matrix
// product on it. It skips when GOMLX_BACKEND does not select XLA; a plugin
// that cannot be loaded fails it with NewBackend's error.
func TestXLABackendRuns(t *testing.T) {
	cfg := BackendConfig()
	if name, _, _ := strings.Cut(cfg, ":"); !slices.Contains(xlaBackendNames, name) {
		t.Skipf("%s=%q does not select XLA (set it to xla:/abs/path/to/pjrt_plugin.so)", backends.ConfigEnvVar, cfg)
	}
	b, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	t.Logf("backend %s, %d device(s)", b.Description(), b.NumDevices())
	x := [][]float32{{1, 2}, {3, 4}}
	y := [][]float32{{5, 6}, {7, 8}}
	// By hand: [1·5+2·7 1·6+2·8; 3·5+4·7 3·6+4·8] = [19 22; 43 50], exact in float32 (and TF32).
	want := [][]float32{{19, 22}, {43, 50}}
	out, err := ExecOnce(b, func(x, y *Node) *Node { return Dot(x, y) }, x, y)
	if err != nil {
		t.Fatalf("executing a matrix product on %s: %v", cfg, err)
	}
	got := out.Value().([][]float32)
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("x·y on %s = %v, want %v", cfg, got, want)
		}
	}
}
