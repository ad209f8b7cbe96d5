package filelock

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked is returned by TryLock when another holder has the lock.
var ErrLocked = errors.New("filelock: locked by another process")

// File is a held lock; Unlock releases it.
type File struct {
	f    *os.File
	path string
}

// open opens path for locking: a folder read-only, anything else created
// if needed.
func open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil && errors.Is(err, syscall.EISDIR) {
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("filelock: %w", err)
	}
	return f, nil
}

// Lock takes the exclusive lock of path (a file, created if needed, or a
// folder), waiting as long as another process holds it.
func Lock(path string) (*File, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	if err := flock(f, true); err != nil {
		f.Close()
		return nil, fmt.Errorf("filelock: lock %s: %w", path, err)
	}
	return &File{f: f, path: path}, nil
}

// TryLock takes the exclusive lock of path without waiting: it returns
// ErrLocked when another holder has it.
func TryLock(path string) (*File, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	if err := flock(f, false); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("filelock: lock %s: %w", path, err)
	}
	return &File{f: f, path: path}, nil
}

// Path returns the locked path.
func (l *File) Path() string { return l.path }

// Unlock releases the lock. It is safe to call more than once.
func (l *File) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the only descriptor releases the flock
	l.f = nil
	if err != nil {
		return fmt.Errorf("filelock: unlock %s: %w", l.path, err)
	}
	return nil
}
