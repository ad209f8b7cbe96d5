package manifest

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range map[string]string{"a.txt": "hello\n", "sub/b.bin": "\x00\x01", "sub/deep/c": ""} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, ".x.tmp-123"), []byte("torn"), 0o644) // atomicfile leftover: not listed
	return dir
}

func TestWriteVerifyRoundTrip(t *testing.T) {
	dir := tree(t)
	s, err := Compute(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Reference digests: `printf 'hello\n' | sha256sum` and `printf '' | sha256sum`.
	for p, want := range map[string]string{
		"a.txt":      "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
		"sub/deep/c": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	} {
		if s[p] != want {
			t.Errorf("%s: %s, want %s", p, s[p], want)
		}
	}
	if len(s) != 3 {
		t.Errorf("listed %v, want the 3 files (no temporary file)", s)
	}
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir); err != nil {
		t.Fatal(err)
	}
	// The file is sha256sum's format: coreutils checks it as well.
	if sum, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sum, "-c", "--strict", FileName)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "b.bin"), []byte("\x00\x02"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Verify(dir)
	if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), filepath.Join(dir, "sub", "b.bin")) {
		t.Errorf("Verify after a change = %v, want ErrMismatch naming sub/b.bin", err)
	}
	os.Remove(filepath.Join(dir, "a.txt"))
	if _, err := Verify(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Verify with a file removed = %v, want not-exist", err)
	}
}

func TestCheck(t *testing.T) {
	s := Sums{"x": Sum([]byte("abc"))}
	if err := s.Check("d", "x", []byte("abc")); err != nil {
		t.Error(err)
	}
	if err := s.Check("d", "x", []byte("abd")); !errors.Is(err, ErrMismatch) {
		t.Errorf("changed content: %v", err)
	}
	if err := s.Check("d", "y", nil); !errors.Is(err, ErrUnlisted) {
		t.Errorf("unlisted file: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); !errors.Is(err, ErrMissing) {
		t.Errorf("no manifest: %v", err)
	}
	h := strings.Repeat("ab", 32)
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "no files listed"},
		{"short", "abc  x\n", ":1:"},
		{"one space", h + " x\n", ":1:"},
		{"upper hex", strings.ToUpper(h) + "  x\n", ":1:"},
		{"not hex", strings.Repeat("zz", 32) + "  x\n", ":1:"},
		{"duplicate", h + "  x\n" + h + "  x\n", ":2: x listed twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.text), "M")
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) = %v, want ErrMalformed with %q", tc.text, err, tc.want)
			}
		})
	}
	if s, err := Parse([]byte(h+" *bin mode name\n"), "M"); err != nil || s["bin mode name"] != h {
		t.Errorf("binary-mode line: %v, %v", s, err)
	}
	if err := (Sums{"a\nb": h}).Write(dir); err == nil {
		t.Error("Write accepted a path with a newline")
	}
}
