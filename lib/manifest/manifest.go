package manifest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/otclir/otclir/lib/atomicfile"
)

// FileName is the manifest's name inside the folder it describes.
const FileName = "SHA256SUMS"

// Errors; each is wrapped with the folder or file it concerns.
var (
	ErrMissing   = errors.New("manifest: no " + FileName)
	ErrMalformed = errors.New("manifest: malformed " + FileName)
	ErrMismatch  = errors.New("manifest: file does not match its SHA-256")
	ErrUnlisted  = errors.New("manifest: file not listed")
)

// Sums maps a file's path relative to the folder (forward slashes) to its
// lowercase hex SHA-256.
type Sums map[string]string

// Sum returns the lowercase hex SHA-256 of data.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Compute hashes every regular file under dir (not the manifest, not
// atomicfile's temporary files).
func Compute(dir string) (Sums, error) {
	s := Sums{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir || !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == FileName || atomicfile.IsTemp(e.Name()) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		s[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("manifest: %s: %w", dir, err)
	}
	return s, nil
}

// Write writes s as dir/SHA256SUMS, atomically.
func (s Sums) Write(dir string) error {
	paths := make([]string, 0, len(s))
	for p := range s {
		if p == "" || strings.ContainsAny(p, "\n\\") || strings.HasPrefix(p, "/") {
			return fmt.Errorf("manifest: %s: unsupported path %q", dir, p)
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b bytes.Buffer
	for _, p := range paths {
		fmt.Fprintf(&b, "%s  %s\n", s[p], p)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, FileName), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// Read parses dir/SHA256SUMS. A missing manifest is ErrMissing; a bad line
// is ErrMalformed naming the file and line.
func Read(dir string) (Sums, error) {
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrMissing, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return Parse(b, path)
}

// Parse parses manifest text; name labels errors.
func Parse(b []byte, name string) (Sums, error) {
	s := Sums{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		// "<hex>  <path>" (text mode) or "<hex> *<path>" (binary mode).
		if len(line) < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*') {
			return nil, fmt.Errorf("%w: %s:%d: want \"<sha256>  <path>\"", ErrMalformed, name, n)
		}
		sum, p := line[:64], line[66:]
		if _, err := hex.DecodeString(sum); err != nil || strings.ToLower(sum) != sum {
			return nil, fmt.Errorf("%w: %s:%d: %q is not a lowercase hex SHA-256", ErrMalformed, name, n, sum)
		}
		if _, dup := s[p]; dup {
			return nil, fmt.Errorf("%w: %s:%d: %s listed twice", ErrMalformed, name, n, p)
		}
		s[p] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("%w: %s: no files listed", ErrMalformed, name)
	}
	return s, nil
}

// Check reports whether data is the listed content of rel (a path relative
// to dir, which only labels the error).
func (s Sums) Check(dir, rel string, data []byte) error {
	rel = filepath.ToSlash(rel)
	want, ok := s[rel]
	if !ok {
		return fmt.Errorf("%w: %s in %s", ErrUnlisted, rel, filepath.Join(dir, FileName))
	}
	if got := Sum(data); got != want {
		return fmt.Errorf("%w: %s has SHA-256 %s, %s lists %s", ErrMismatch,
			filepath.Join(dir, filepath.FromSlash(rel)), got, FileName, want)
	}
	return nil
}

// ReadFile reads dir/rel and checks it against s.
func (s Sums) ReadFile(dir, rel string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := s.Check(dir, rel, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Verify reads dir's manifest and checks every file it lists.
func Verify(dir string) (Sums, error) {
	s, err := Read(dir)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(s))
	for p := range s {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if _, err := s.ReadFile(dir, p); err != nil {
			return nil, err
		}
	}
	return s, nil
}
