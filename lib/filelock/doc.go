// Package filelock takes advisory, whole-file locks (flock(2)) that several
// processes use to take turns on a shared folder: fetching a data package
// into the cache, training into a checkpoint folder, writing a temporary
// folder that a sweeper must not remove while its writer is alive.
//
// A lock belongs to an open file description: it is released by Unlock, by
// closing, and by the kernel when the process dies for any reason
// (SIGKILL included), so a crashed holder never leaves a stale lock. The
// lock file itself stays; its content is never read.
//
// Locks are advisory: they exclude only processes that take the same lock.
// Where flock is unavailable (non-Unix builds) Lock and TryLock succeed
// without excluding anyone; callers then rely on their atomic renames alone.
package filelock
