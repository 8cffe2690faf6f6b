//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package vault

// lockFile is a no-op where flock(2) is not available: changes to the keyset
// are then only serialised within one process, and operators must not run two
// rotations at the same time.
func lockFile(string) (func(), error) { return func() {}, nil }
