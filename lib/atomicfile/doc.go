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
package atomicfile
