package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/otclir/otclir/lib/filelock"
)

// Dir is a folder being written atomically: write its files under Path(),
// then Commit puts the whole folder at its final path in one rename,
// replacing any folder there. Abort (safe after Commit, so it can be
// deferred) discards it.
//
// While it is being written the temporary folder is locked (package
// filelock), so Clean, run by another process at the same time, leaves it
// alone, and removes it once its writer has died.
type Dir struct {
	path, tmp string
	perm      os.FileMode
	lock      *filelock.File
	closed    bool
}

// CreateDir starts an atomic write of the folder path, with permissions
// perm. The parent folder must exist.
func CreateDir(path string, perm os.FileMode) (*Dir, error) {
	path = filepath.Clean(path)
	parent, base := filepath.Split(path)
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, tmpPrefix+base+tmpInfix+"*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %s: %w", path, err)
	}
	lock, err := filelock.TryLock(tmp)
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("atomicfile: %s: %w", path, err)
	}
	return &Dir{path: path, tmp: tmp, perm: perm, lock: lock}, nil
}

// Path returns the temporary folder to write into.
func (d *Dir) Path() string { return d.tmp }

// Name returns the final path.
func (d *Dir) Name() string { return d.path }

// Commit flushes every file and folder under Path() to disk, then makes it
// the folder at Name(): a plain rename when nothing is there, else an
// atomic exchange (Linux renameat2 RENAME_EXCHANGE) after which the
// previous folder is removed. A reader of Name() sees the previous complete
// folder or the new one. On systems without an exchange the previous
// folder is renamed aside first, so a crash at that moment leaves no folder
// at Name() (and the previous one beside it, which Clean removes).
func (d *Dir) Commit() (err error) {
	if d.closed {
		return fmt.Errorf("atomicfile: %s: already committed or aborted", d.path)
	}
	d.closed = true
	defer d.lock.Unlock()
	defer func() {
		if err != nil {
			os.RemoveAll(d.tmp)
			err = fmt.Errorf("atomicfile: %s: %w", d.path, err)
		}
	}()
	if err := os.Chmod(d.tmp, d.perm); err != nil {
		return err
	}
	if err := syncTree(d.tmp); err != nil {
		return err
	}
	parent := filepath.Dir(d.path)
	for attempt := 0; ; attempt++ {
		err := os.Rename(d.tmp, d.path)
		if err == nil {
			return SyncDir(parent)
		}
		if !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) && !errors.Is(err, fs.ErrExist) {
			return err
		}
		// Something is at d.path: swap it out.
		err = exchange(d.tmp, d.path)
		if err == nil {
			os.RemoveAll(d.tmp) // now the previous folder
			return SyncDir(parent)
		}
		if errors.Is(err, fs.ErrNotExist) && attempt < 3 {
			continue // removed meanwhile: try the plain rename again
		}
		if !errors.Is(err, errNoExchange) {
			return err
		}
		old := d.tmp + "-old"
		if err := os.Rename(d.path, old); err != nil {
			return err
		}
		if err := os.Rename(d.tmp, d.path); err != nil {
			os.Rename(old, d.path) // put the previous folder back
			return err
		}
		os.RemoveAll(old)
		return SyncDir(parent)
	}
}

// Abort discards the temporary folder; the final path is unchanged. It does
// nothing after Commit.
func (d *Dir) Abort() {
	if d.closed {
		return
	}
	d.closed = true
	os.RemoveAll(d.tmp)
	d.lock.Unlock()
}

// syncTree fsyncs every regular file and folder under root, folders after
// their contents.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := SyncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// errNoExchange: the system or file system has no atomic exchange.
var errNoExchange = errors.New("atomic exchange not supported")
