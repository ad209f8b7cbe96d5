package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func writeDir(t *testing.T, path string, files map[string]string) {
	t.Helper()
	d, err := CreateDir(path, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(d.Path(), name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestCreateDirCommitAndReplace(t *testing.T) {
	parent := t.TempDir()
	p := filepath.Join(parent, "model")
	writeDir(t, p, map[string]string{"a": "1", "old-only": "x"})
	writeDir(t, p, map[string]string{"a": "2", "b": "2"})
	for name, want := range map[string]string{"a": "2", "b": "2"} {
		if b, err := os.ReadFile(filepath.Join(p, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(p, "old-only")); !os.IsNotExist(err) {
		t.Errorf("a file of the replaced folder survived: %v", err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o755 {
		t.Errorf("folder perm %v, want 0755", st.Mode().Perm())
	}
	assertNoTemps(t, parent)
}

func TestCreateDirAbort(t *testing.T) {
	parent := t.TempDir()
	p := filepath.Join(parent, "m")
	writeDir(t, p, map[string]string{"a": "whole"})
	d, err := CreateDir(p, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.Path(), "a"), []byte("half"), 0o644)
	d.Abort()
	if err := d.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if b, _ := os.ReadFile(filepath.Join(p, "a")); string(b) != "whole" {
		t.Errorf("after Abort the folder holds %q, want the previous whole one", b)
	}
	assertNoTemps(t, parent)
}

// TestCleanSkipsLiveWriters: Clean leaves the temporary folder of a writer
// that holds its lock and removes one whose writer died (lock released,
// folder left behind).
func TestCleanSkipsLiveWriters(t *testing.T) {
	parent := t.TempDir()
	live, err := CreateDir(filepath.Join(parent, "live"), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	dead, err := CreateDir(filepath.Join(parent, "dead"), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dead.Path(), "torn"), []byte("x"), 0o644)
	dead.lock.Unlock() // as if its process had died
	n, err := Clean(parent)
	if err != nil || n != 1 {
		t.Fatalf("Clean = %d, %v; want 1 (the dead writer's folder)", n, err)
	}
	if _, err := os.Stat(live.Path()); err != nil {
		t.Fatalf("Clean removed a live writer's folder: %v", err)
	}
	if _, err := os.Stat(dead.Path()); !os.IsNotExist(err) {
		t.Fatalf("dead writer's folder still there: %v", err)
	}
	os.WriteFile(filepath.Join(live.Path(), "f"), []byte("ok"), 0o644)
	if err := live.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestDirReadersSeeWholeFolders replaces a folder of two files and an id
// 40 times while readers read id, both files, id again: a reader that saw
// one id twice must have read one version of both files, and the path must
// never be missing. (os.SameFile on the folder is not enough: a removed
// folder's inode number is reused at once.)
func TestDirReadersSeeWholeFolders(t *testing.T) {
	parent := t.TempDir()
	p := filepath.Join(parent, "m")
	writeDir(t, p, map[string]string{"a": "0", "b": "0", "id": "v0"})
	var stop atomic.Bool
	var wg sync.WaitGroup
	var consistent, retried atomic.Int64
	errs := make(chan error, 4)
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := os.Stat(p); err != nil {
					errs <- fmt.Errorf("folder missing: %v", err)
					return
				}
				id0, err0 := os.ReadFile(filepath.Join(p, "id"))
				a, errA := os.ReadFile(filepath.Join(p, "a"))
				b, errB := os.ReadFile(filepath.Join(p, "b"))
				id1, err1 := os.ReadFile(filepath.Join(p, "id"))
				if err0 != nil || err1 != nil || string(id0) != string(id1) {
					retried.Add(1)
					continue // replaced under us: a real reader starts again
				}
				if errA != nil || errB != nil || string(a) != string(b) {
					errs <- fmt.Errorf("folder %s read as a=%q (%v) b=%q (%v)", id0, a, errA, b, errB)
					return
				}
				consistent.Add(1)
			}
		}()
	}
	for i := 1; i <= 40; i++ {
		v := fmt.Sprint(i)
		writeDir(t, p, map[string]string{"a": v, "b": v, "id": "v" + v})
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(p, "a")); string(b) != "40" {
		t.Errorf("final folder holds %q, want 40", b)
	}
	assertNoTemps(t, parent)
	t.Logf("%d consistent reads, %d restarted after a replacement", consistent.Load(), retried.Load())
}

func TestCleanDirsLeavesFiles(t *testing.T) {
	parent := t.TempDir()
	f, err := Create(filepath.Join(parent, "a.json"), 0o644) // a live file writer
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	dead, err := CreateDir(filepath.Join(parent, "m"), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	dead.lock.Unlock()
	if n, err := CleanDirs(parent); err != nil || n != 1 {
		t.Fatalf("CleanDirs = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(f.f.Name()); err != nil {
		t.Errorf("CleanDirs removed a file being written: %v", err)
	}
}
