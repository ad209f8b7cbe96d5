package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/otclir/otclir/lib/filelock"
)

// tmpPrefix and tmpInfix name the temporary files: ".NAME.tmp-RANDOM".
const (
	tmpPrefix = "."
	tmpInfix  = ".tmp-"
)

// File is a file being written atomically. Write to it, then Commit; Abort
// (safe to call after Commit, so it can be deferred) discards it.
type File struct {
	f      *os.File
	path   string
	perm   os.FileMode
	closed bool
}

// Create starts an atomic write of path with permissions perm. The folder
// must exist.
func Create(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, tmpPrefix+base+tmpInfix+"*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %s: %w", path, err)
	}
	return &File{f: f, path: path, perm: perm}, nil
}

// Write writes to the temporary file.
func (a *File) Write(p []byte) (int, error) { return a.f.Write(p) }

// Name returns the final path.
func (a *File) Name() string { return a.path }

// Commit flushes the temporary file to disk, renames it over the final path
// and syncs the folder. After a failed Commit the final path is unchanged.
func (a *File) Commit() error {
	if a.closed {
		return fmt.Errorf("atomicfile: %s: already committed or aborted", a.path)
	}
	a.closed = true
	tmp := a.f.Name()
	err := a.f.Chmod(a.perm)
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %s: %w", a.path, err)
	}
	return SyncDir(filepath.Dir(a.path))
}

// Abort discards the temporary file; the final path is unchanged. It does
// nothing after Commit.
func (a *File) Abort() {
	if a.closed {
		return
	}
	a.closed = true
	a.f.Close()
	os.Remove(a.f.Name())
}

// WriteFile writes data to path atomically (see the package doc).
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return WriteWith(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith writes path atomically with what fn writes; if fn returns an
// error or panics, path is unchanged.
func WriteWith(path string, perm os.FileMode, fn func(w io.Writer) error) (err error) {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fn(f); err != nil {
		return fmt.Errorf("atomicfile: %s: %w", path, err)
	}
	return f.Commit()
}

// SyncDir fsyncs a folder so that renames and creations in it are durable.
// File systems that cannot sync a folder (EINVAL) are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !isEINVAL(err) {
		return fmt.Errorf("atomicfile: sync %s: %w", dir, err)
	}
	return nil
}

func isEINVAL(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "invalid argument")
}

// IsTemp reports whether a file name (not a path) is one of this package's
// temporary files.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, tmpPrefix) && strings.Contains(name, tmpInfix)
}

// Clean removes what interrupted writes left in dir and returns how many
// entries it removed: temporary folders of CreateDir whose writer is gone
// (their lock is free; a live writer's folder is skipped), and temporary
// files of Create. A temporary file carries no lock, so call Clean only
// when no writer in another process may be writing files into dir at the
// same time (folders are always safe).
func Clean(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("atomicfile: clean %s: %w", dir, err)
	}
	n := 0
	for _, e := range ents {
		if !IsTemp(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			if err := os.Remove(p); err == nil {
				n++
			}
			continue
		}
		if removeDeadDir(p) {
			n++
		}
	}
	return n, nil
}

// CleanDirs is Clean for temporary folders only: it is safe at any time,
// beside live writers of files and folders alike.
func CleanDirs(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("atomicfile: clean %s: %w", dir, err)
	}
	n := 0
	for _, e := range ents {
		if e.IsDir() && IsTemp(e.Name()) && removeDeadDir(filepath.Join(dir, e.Name())) {
			n++
		}
	}
	return n, nil
}

// removeDeadDir removes the temporary folder p if no writer holds its lock.
func removeDeadDir(p string) bool {
	l, err := filelock.TryLock(p)
	if err != nil {
		return false // a live writer (or unreadable): leave it
	}
	defer l.Unlock()
	return os.RemoveAll(p) == nil
}
