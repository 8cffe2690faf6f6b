//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package vault

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on path, creating it if needed,
// so that two processes changing the keyset at once (two admins running
// "keys rotate") cannot each write back a keyset missing the other's key.
func lockFile(path string) (func(), error) {
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("vault: open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX); err != nil {
		fh.Close()
		return nil, fmt.Errorf("vault: lock %s: %w", path, err)
	}
	return func() {
		// Closing the descriptor releases the lock.
		fh.Close()
	}, nil
}
