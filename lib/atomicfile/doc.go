// Package atomicfile writes files so that a crash, a signal or a full disk
// never leaves a torn file at the final path: the bytes go to a temporary
// file in the same folder, which is flushed to disk (fsync) and then renamed
// over the final path, and the folder is synced so that the rename itself
// survives a power loss. This is the discipline SQLite and Git use.
//
// A reader of the final path sees either the previous complete file or the
// new complete file, never a mixture. A writer that fails (an error, a
// panic, a process killed mid-write) leaves at most a temporary file named
// ".NAME.tmp-*" beside the target; Clean removes such leftovers.
//
// CreateDir does the same for a folder of several files (a saved model, a
// checkpoint, an extracted package): the files are written into a
// temporary folder beside the target, flushed, and the folder is renamed
// into place, atomically exchanging it with the previous one where the
// system can (Linux); the previous folder is then removed. A reader that
// was inside the previous folder may lose it mid-read, or read files of
// both: it should check what it read against a file that identifies the
// version, read first and again last (lib/manifest's SHA256SUMS), and
// start again if they differ (lib/encoder's Load does). Comparing the
// folder's identity (os.SameFile) is not enough: a removed folder's inode
// number is reused at once.
package atomicfile
