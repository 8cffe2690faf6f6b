package vault

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// KeysetFileName is the name of the keyset file inside the data directory.
const KeysetFileName = "keyset.json"

// KeysetEnvVar is the environment variable that, by convention, holds a
// keyset given through the environment. The vault package does not read the
// environment itself (the caller passes the value in [Options.KeysetEnv]);
// the name is used in messages and documentation.
const KeysetEnvVar = "HRCONNECT_KEYSET"

// maxKeysetSize bounds what is read from a keyset file. A keyset of AES-GCM
// keys is about 150 bytes per key; a file far bigger than that is not a keyset,
// and reading it whole would only waste memory.
const maxKeysetSize = 1 << 20

// source is where the serialized keyset lives.
type source interface {
	// read returns the stored keyset. A missing file is reported with an
	// error that matches fs.ErrNotExist.
	read() ([]byte, error)
	// create stores the first keyset; it fails with an error matching
	// fs.ErrExist if another process created one first.
	create(data []byte) error
	// replace atomically stores a changed keyset.
	replace(data []byte) error
	// lock serialises read-modify-write cycles across processes.
	lock() (unlock func(), err error)
	// writable returns nil if create and replace can work, and otherwise an
	// error explaining why not.
	writable() error
	// String names the source in messages.
	String() string
}

// fileSource is a keyset file, cleartext or KMS-wrapped.
type fileSource struct {
	path string
}

func (f *fileSource) String() string { return "keyset file " + f.path }

func (f *fileSource) writable() error { return nil }

func (f *fileSource) read() ([]byte, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		// Still matches fs.ErrNotExist, which Open relies on.
		return nil, fmt.Errorf("vault: read keyset: %w", err)
	}
	defer fh.Close()
	// Check the permissions of the file we actually opened, not of the path,
	// so the answer cannot change between the check and the read.
	fi, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: %s: %w", f, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("vault: %s is not a regular file (mode %s); move it away so a new keyset can be created, or point the data directory elsewhere", f, fi.Mode())
	}
	if err := checkPrivate(f.path, fi.Mode()); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxKeysetSize+1))
	if err != nil {
		return nil, fmt.Errorf("vault: read %s: %w", f, err)
	}
	if len(data) > maxKeysetSize {
		return nil, fmt.Errorf("vault: %s is larger than %d bytes, so it is not a keyset; restore keyset.json from a backup", f, maxKeysetSize)
	}
	return data, nil
}

// checkPrivate refuses a keyset file that anyone but its owner may read or
// write: the cleartext keyset is the key to every stored secret, and even a
// KMS-wrapped one should not be replaceable by another user.
func checkPrivate(path string, mode fs.FileMode) error {
	// Windows does not keep Unix permission bits; there, access is governed
	// by ACLs that Go's FileMode does not show.
	if runtime.GOOS == "windows" {
		return nil
	}
	if perm := mode.Perm(); perm&0o077 != 0 {
		return fmt.Errorf("vault: %w: %s has mode %04o; make it private to the user hrconnect runs as with: chmod 600 %s",
			ErrInsecureKeyset, path, perm, path)
	}
	return nil
}

func (f *fileSource) create(data []byte) error {
	dir := filepath.Dir(f.path)
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// A hard link, unlike a rename, fails when the target exists: two
	// processes starting together on a fresh data directory cannot both
	// install a keyset, and the loser then reads the winner's. The file
	// appears complete or not at all.
	if err := os.Link(tmp, f.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("vault: create %s: %w", f, err)
	}
	return syncDir(dir)
}

func (f *fileSource) replace(data []byte) error {
	dir := filepath.Dir(f.path)
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	// Rename is atomic: a reader, or a crash, sees the old keyset or the new
	// one, never a mixture.
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("vault: replace %s: %w", f, err)
	}
	return syncDir(dir)
}

func (f *fileSource) lock() (func(), error) {
	return lockFile(f.path + ".lock")
}

// writeTemp writes data to a new private file in dir and flushes it to disk,
// so that a later rename or link can only expose complete contents.
func writeTemp(dir string, data []byte) (name string, err error) {
	// os.CreateTemp creates the file with mode 0600.
	fh, err := os.CreateTemp(dir, "."+KeysetFileName+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("vault: cannot write a keyset file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			fh.Close()
			os.Remove(fh.Name())
		}
	}()
	// Explicit, in case the platform's default differs; the umask can only
	// take permissions away, never add them.
	if err := fh.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return "", fmt.Errorf("vault: chmod %s: %w", fh.Name(), err)
	}
	if _, err := fh.Write(data); err != nil {
		return "", fmt.Errorf("vault: write %s: %w", fh.Name(), err)
	}
	if err := fh.Sync(); err != nil {
		return "", fmt.Errorf("vault: fsync %s: %w", fh.Name(), err)
	}
	if err := fh.Close(); err != nil {
		return "", fmt.Errorf("vault: close %s: %w", fh.Name(), err)
	}
	return fh.Name(), nil
}

// syncDir makes a rename or link in dir durable: without it, a power cut
// right after Rotate could bring back the old keyset while secrets sealed
// with the new key are already in the database.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing there
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("vault: open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("vault: fsync directory %s: %w", dir, err)
	}
	return nil
}

// envSource is a keyset given in the environment. It never changes while the
// process runs, and hrconnect cannot write it back.
type envSource struct {
	data []byte
}

func (e *envSource) String() string { return KeysetEnvVar }

func (e *envSource) read() ([]byte, error) { return e.data, nil }

func (e *envSource) writable() error {
	return fmt.Errorf("vault: %w: the keyset comes from %s, which hrconnect cannot change; "+
		"change the variable's value instead (docs/secrets.md, \"Rotation\"), or move the keyset to a keyset file",
		ErrReadOnly, KeysetEnvVar)
}

func (e *envSource) create([]byte) error  { return e.writable() }
func (e *envSource) replace([]byte) error { return e.writable() }

func (e *envSource) lock() (func(), error) { return func() {}, nil }

// decodeEnvKeyset accepts the keyset JSON itself or base64 of it (standard
// alphabet, padded or not, line breaks allowed as `base64` prints them).
// The two cannot be confused: JSON starts with '{', which is not a base64
// character.
func decodeEnvKeyset(value string) ([]byte, error) {
	value = strings.TrimSpace(value)
	if strings.HasPrefix(value, "{") {
		return []byte(value), nil
	}
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, value)
	data, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(compact)
	}
	// The decoding error is left out on purpose: it may quote the input.
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return nil, fmt.Errorf("vault: %s holds neither a keyset in JSON (starting with '{') nor base64 of one; "+
			"set it to the contents of a keyset.json, or to `base64 -w0 keyset.json`", KeysetEnvVar)
	}
	return data, nil
}
