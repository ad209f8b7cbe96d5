// Package manifest records the SHA-256 of every file of a folder in a file
// named SHA256SUMS inside it, and checks files against it. A folder whose
// manifest is written last (and atomically, package atomicfile) is known to
// be whole, and a file changed or truncated later is caught when it is read.
//
// The format is that of GNU coreutils' sha256sum, so `sha256sum -c
// SHA256SUMS` run in the folder checks it too: one line per file, the
// lowercase hex digest, two spaces, the path relative to the folder with
// forward slashes; lines sorted by path. The manifest does not list itself
// nor atomicfile's temporary files. Paths with a newline or a backslash are
// refused (sha256sum would escape them).
//
// Uses in otclir: the extracted data packages of the cache (lib/data),
// saved models (lib/encoder) and training checkpoints (lib/distill).
package manifest
