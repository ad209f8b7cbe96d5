//go:build !unix

package data

// lockFile is a no-op where flock is unavailable: concurrent first fetches
// then rely on the marker check and the atomic rename alone.
func lockFile(string) (func(), error) { return func() {}, nil }
