package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/otclir/otclir/lib/manifest"
)

// ErrDebianMissing is returned when a pinned Debian package's file is not
// installed; the error names the file and the install command.
var ErrDebianMissing = errors.New("data: Debian package not installed")

// DebianPackage pins one Debian (bookworm) package whose installed files
// otclir reads: its name, version, licence (as its copyright file states
// it for the files used) and the SHA-256 of every file read, under the
// system root ("/" on a real system). The files are not fetched by otclir:
// `make setup-freedict` installs them with apt. Every read is checked
// against Files (ReadFile), so a different version, a local edit or a
// truncated file is an error naming the file, never silently other data.
type DebianPackage struct {
	Name, Version, Licence string
	// Files maps a path relative to the system root (slashes, no leading
	// one) to its lowercase hex SHA-256, recorded with sha256sum from the
	// installed package on 2026-12-02.
	Files map[string]string
	// Copyright is the SHA-256 of usr/share/doc/<Name>/copyright, which
	// Licence was read from.
	Copyright string
}

// String is "name=version", apt's spelling of a pinned version.
func (p DebianPackage) String() string { return p.Name + "=" + p.Version }

// Provenance is "name=version (licence)".
func (p DebianPackage) Provenance() string { return p.String() + " (" + p.Licence + ")" }

// CopyrightPath is the package's copyright file relative to the root.
func (p DebianPackage) CopyrightPath() string { return "usr/share/doc/" + p.Name + "/copyright" }

// ReadFile reads rel (a key of Files) under root and checks its SHA-256.
// A missing file is ErrDebianMissing with the apt command that installs
// the pinned version; a different content is ErrModified naming the file
// and both digests.
func (p DebianPackage) ReadFile(root, rel string) ([]byte, error) {
	want, ok := p.Files[rel]
	if rel == p.CopyrightPath() {
		want, ok = p.Copyright, p.Copyright != ""
	}
	if !ok {
		return nil, fmt.Errorf("data: %s is not a pinned file of %s", rel, p)
	}
	path := filepath.Join(root, filepath.FromSlash(rel))
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is missing (make setup-freedict, or apt-get install %s)", ErrDebianMissing, path, p)
	}
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if got := manifest.Sum(b); got != want {
		return nil, fmt.Errorf("%w: %s has SHA-256 %s, %s pins %s (install the pinned version: apt-get install %s)",
			ErrModified, path, got, p, want, p)
	}
	return b, nil
}

// Installed reports whether every pinned file exists under root (a stat
// each; ReadFile checks the content). Tests skip when it is false.
func (p DebianPackage) Installed(root string) bool {
	for rel := range p.Files {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel))); err != nil {
			return false
		}
	}
	return true
}

// Verify reads and checks every pinned file and the copyright file, and
// checks that the copyright file gives Licence for stanza (a DEP-5 "Files:"
// pattern such as "swh-eng/*"; "" skips the licence check, for copyright
// files that are not machine-readable).
func (p DebianPackage) Verify(root, stanza string) error {
	rels := make([]string, 0, len(p.Files))
	for rel := range p.Files {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		if _, err := p.ReadFile(root, rel); err != nil {
			return err
		}
	}
	b, err := p.ReadFile(root, p.CopyrightPath())
	if err != nil {
		return err
	}
	if stanza == "" {
		return nil
	}
	lic, err := CopyrightLicence(b, stanza)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, filepath.Join(root, p.CopyrightPath()), err)
	}
	if lic != p.Licence {
		return fmt.Errorf("%w: %s gives licence %q for %s, %s pins %q", ErrModified, filepath.Join(root, p.CopyrightPath()), lic, stanza, p, p.Licence)
	}
	return nil
}

// CopyrightLicence is the License field of the stanza of a Debian
// machine-readable copyright file (DEP-5) whose Files field lists pattern.
func CopyrightLicence(copyright []byte, pattern string) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(copyright))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	in := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Files:"):
			in = false
			for _, f := range strings.Fields(strings.TrimPrefix(line, "Files:")) {
				in = in || f == pattern
			}
		case in && strings.HasPrefix(line, "License:"):
			return strings.TrimSpace(strings.TrimPrefix(line, "License:")), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no stanza with Files: %s and a License field", pattern)
}

// gunzip decompresses a gzip (or dictzip, which is gzip with an index in
// its extra field) file's content; name labels errors.
func gunzip(b []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	return out, nil
}

// DebianPackages are the pinned Debian packages, in FreeDicts order and
// GCIDE last.
func DebianPackages() []DebianPackage {
	var out []DebianPackage
	for _, d := range FreeDicts() {
		out = append(out, d.Package)
	}
	return append(out, GCIDEPackage)
}

// DebianProvenance is the one-line provenance of pkgs:
// "dict-freedict-swh-eng=2022.04.21-1 (GPL-2+),dict-gcide=0.48.5+nmu2 (GPL-2+)".
func DebianProvenance(pkgs ...DebianPackage) string {
	parts := make([]string, len(pkgs))
	for i, p := range pkgs {
		parts[i] = p.Provenance()
	}
	return strings.Join(parts, ",")
}
