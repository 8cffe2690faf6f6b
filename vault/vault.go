// Package vault encrypts the secrets hrconnect keeps at rest: OAuth client
// secrets, refresh and access tokens, API keys and passwords of connections.
//
// A [Vault] seals a secret with Tink's AEAD (AES-256-GCM) under the primary
// key of a keyset, and binds the ciphertext to a [Scope] (tenant, connection
// and field name) through the associated data: a ciphertext copied into
// another row or column does not unseal. Every ciphertext starts with Tink's
// 5-byte prefix naming the key that sealed it, which is what makes rotation
// possible without a flag day:
//
//  1. [Vault.Rotate] adds a new key and makes it primary; older keys stay, so
//     existing secrets still unseal.
//  2. The caller re-encrypts every stored secret with [Vault.Reseal] (which
//     skips those already under the primary key, see [Vault.IsCurrent]).
//  3. [Vault.DropOldKeys] removes the old keys.
//
// The keyset comes from, in this order of precedence:
//
//   - [Options.KeysetEnv], the value of the HRCONNECT_KEYSET environment
//     variable: the keyset JSON itself or base64 of it. Read-only.
//   - The file keyset.json in [Options.Dir], created with mode 0600 on the
//     first Open. A file that group or others can access is refused.
//
// With [Options.KMSURI] set, the stored keyset (file or variable) is
// encrypted with a key-encryption key held by a KMS, reached through a
// [github.com/tink-crypto/tink-go/v2/core/registry.KMSClient] registered with
// Tink; without the KMS, the stored keyset is useless.
//
// Losing the keyset loses every secret sealed with it: back it up (and, with
// a KMS, keep the KMS key) together with the database. See docs/secrets.md.
package vault

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// DefaultReloadInterval is how often, at most, a Vault backed by a keyset
// file looks whether another process changed the file (see
// [Options.ReloadInterval]).
const DefaultReloadInterval = 10 * time.Second

// Options says where a Vault's keyset comes from.
type Options struct {
	// Dir is the data directory. Unless KeysetEnv is set, the keyset is
	// Dir/keyset.json; Open creates it (and Dir, mode 0700) when missing.
	Dir string

	// KeysetEnv is the value of the HRCONNECT_KEYSET environment variable
	// (the value, not the name): a keyset in Tink's JSON format, or the
	// standard base64 of it (`base64 -w0 keyset.json`). When set, it takes
	// precedence over Dir, and Open refuses to run if Dir also holds a
	// keyset file, since secrets can only have been sealed with one of them.
	// A keyset from the environment is read-only: Rotate and DropOldKeys
	// fail with ErrReadOnly.
	KeysetEnv string

	// KMSURI, when set, is the URI of the KMS key that encrypts the stored
	// keyset ("gcp-kms://projects/…", "aws-kms://arn:…"). A KMS client
	// supporting it must have been registered with Tink's
	// registry.RegisterKMSClient. A new keyset file is then written
	// encrypted, and a stored keyset must be encrypted with this key.
	KMSURI string

	// ReloadInterval is how long a Vault backed by a keyset file trusts its
	// copy of the keyset before looking at the file again, on the next Seal,
	// Unseal or IsCurrent. It lets a running server pick up a rotation made
	// by another process (the "keys rotate" command) without a restart;
	// after Rotate, wait at least this long before re-encrypting, so that no
	// process seals with the old key any more. Zero means
	// DefaultReloadInterval; a negative value turns the periodic look off
	// (Reload still works). A ciphertext naming a key the Vault does not know
	// always triggers a look, whatever this setting.
	ReloadInterval time.Duration
}

// Vault seals and unseals secrets with a Tink AEAD keyset. It is safe for
// concurrent use: the keyset is swapped atomically on Rotate, DropOldKeys
// and Reload, and every Seal or Unseal uses one consistent generation of it.
type Vault struct {
	src    source
	kek    tink.AEAD // key-encryption AEAD from the KMS; nil without one
	static bool      // the source cannot change while the process runs

	interval time.Duration // <= 0: no periodic reload
	checked  atomic.Int64  // when the source was last read, in Unix nanoseconds

	mu  sync.Mutex // serialises changes of cur and reads of the source
	cur atomic.Pointer[keys]
}

// Open loads the keyset described by opts, creating a keyset file on first
// run, and returns a Vault using it.
func Open(opts Options) (*Vault, error) {
	v := &Vault{interval: opts.ReloadInterval}
	if v.interval == 0 {
		v.interval = DefaultReloadInterval
	}
	if opts.KMSURI != "" {
		kek, err := kmsAEAD(opts.KMSURI)
		if err != nil {
			return nil, err
		}
		v.kek = kek
	}

	var data []byte
	switch {
	case opts.KeysetEnv != "":
		if opts.Dir != "" {
			path := filepath.Join(opts.Dir, KeysetFileName)
			if _, err := os.Lstat(path); err == nil {
				return nil, fmt.Errorf("vault: both %s and the keyset file %s are set, and hrconnect will not guess which one sealed the stored secrets; "+
					"keep one: unset %s, or move %s out of the data directory", KeysetEnvVar, path, KeysetEnvVar, path)
			}
		}
		var err error
		if data, err = decodeEnvKeyset(opts.KeysetEnv); err != nil {
			return nil, err
		}
		v.src = &envSource{data: data}
		v.static = true
		v.interval = -1
	case opts.Dir != "":
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("vault: create data directory: %w", err)
		}
		src := &fileSource{path: filepath.Join(opts.Dir, KeysetFileName)}
		v.src = src
		var err error
		if data, err = loadOrCreate(src, v.kek); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("vault: no keyset configured: give a data directory (a keyset is created there on first run) or set %s", KeysetEnvVar)
	}

	k, err := decodeKeyset(data, v.kek, v.src.String())
	if err != nil {
		return nil, err
	}
	v.cur.Store(k)
	v.checked.Store(time.Now().UnixNano())
	return v, nil
}

// loadOrCreate returns the stored keyset file, creating it with a fresh key
// if there is none yet.
func loadOrCreate(src *fileSource, kek tink.AEAD) ([]byte, error) {
	data, err := src.read()
	if !errors.Is(err, fs.ErrNotExist) {
		return data, err
	}
	h, err := newHandle()
	if err != nil {
		return nil, err
	}
	if data, err = encodeKeyset(h, kek); err != nil {
		return nil, err
	}
	switch err := src.create(data); {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrExist):
		return src.read() // another process created it first: use theirs
	default:
		return nil, err
	}
}

// current returns the keyset to use, first looking at the source if the
// reload interval has passed.
func (v *Vault) current() *keys {
	if v.interval > 0 && time.Now().UnixNano()-v.checked.Load() >= int64(v.interval) {
		v.refresh()
	}
	return v.cur.Load()
}

// refresh is the periodic reload. It never blocks on a rotation running in
// this process, and keeps the current keyset if the source cannot be read
// right now (the file being replaced by hand, the KMS being unreachable):
// sealing with a known-good key beats failing.
func (v *Vault) refresh() {
	if !v.mu.TryLock() {
		return
	}
	defer v.mu.Unlock()
	if time.Now().UnixNano()-v.checked.Load() < int64(v.interval) {
		return // another goroutine has just done it
	}
	_, _ = v.reloadLocked()
}

// Reload reads the keyset from its source again and reports whether it
// changed. A server can call it on SIGHUP; it also happens by itself (see
// [Options.ReloadInterval]). On error, the Vault keeps its current keyset.
func (v *Vault) Reload() (changed bool, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reloadLocked()
}

func (v *Vault) reloadLocked() (bool, error) {
	v.checked.Store(time.Now().UnixNano())
	data, err := v.src.read()
	if err != nil {
		return false, err
	}
	if sha256.Sum256(data) == v.cur.Load().digest {
		return false, nil // unchanged: skip parsing and, above all, the KMS call
	}
	k, err := decodeKeyset(data, v.kek, v.src.String())
	if err != nil {
		return false, err
	}
	v.cur.Store(k)
	return true, nil
}

// Seal encrypts plaintext under the primary key, bound to s. The result
// starts with Tink's 5-byte key prefix and is 33 bytes longer than plaintext
// (prefix, 12-byte nonce, 16-byte tag). It is binary; see SealString for a
// text form.
func (v *Vault) Seal(plaintext []byte, s Scope) ([]byte, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	ct, err := v.current().aead.Encrypt(plaintext, s.associatedData())
	if err != nil {
		return nil, fmt.Errorf("vault: seal %s: %w", s, err)
	}
	return ct, nil
}

// Tink's ciphertext format: a version byte, the 4-byte big-endian key ID,
// then, for AES-GCM, a 12-byte nonce, the encrypted bytes and a 16-byte tag.
const (
	tinkPrefixByte = 0x01
	prefixSize     = 5
	minCiphertext  = prefixSize + 12 + 16
)

// keyIDOf returns the ID of the key a ciphertext was sealed with, and false
// if ct cannot be a vault ciphertext.
func keyIDOf(ct []byte) (uint32, bool) {
	if len(ct) < minCiphertext || ct[0] != tinkPrefixByte {
		return 0, false
	}
	return binary.BigEndian.Uint32(ct[1:prefixSize]), true
}

// Unseal decrypts a ciphertext made by Seal with the same scope. It fails
// with an error wrapping ErrWrongScope if the ciphertext belongs to another
// scope or was altered, ErrUnknownKey if its key is no longer in the keyset,
// and ErrMalformed if it is not a vault ciphertext.
func (v *Vault) Unseal(ciphertext []byte, s Scope) ([]byte, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	id, ok := keyIDOf(ciphertext)
	if !ok {
		return nil, fmt.Errorf("vault: unseal %s: %w: too short, or not in Tink's format", s, ErrMalformed)
	}
	k := v.current()
	if !k.has(id) && !v.static {
		// Another process may have rotated the shared keyset file and
		// sealed this secret with the new key: look again before failing.
		_, _ = v.Reload()
		k = v.cur.Load()
	}
	if !k.has(id) {
		return nil, fmt.Errorf("vault: unseal %s: %w: it names key %d, and the keyset holds %s; "+
			"the key was dropped before this secret was re-encrypted, or the secret comes from another keyset",
			s, ErrUnknownKey, id, formatIDs(k.ids))
	}
	pt, err := k.aead.Decrypt(ciphertext, s.associatedData())
	if err != nil {
		return nil, fmt.Errorf("vault: unseal %s: %w", s, ErrWrongScope)
	}
	return pt, nil
}

// SealString is Seal for text: it returns the ciphertext in standard base64,
// convenient for a TEXT column in SQLite and PostgreSQL alike.
func (v *Vault) SealString(plaintext string, s Scope) (string, error) {
	ct, err := v.Seal([]byte(plaintext), s)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// UnsealString reverses SealString.
func (v *Vault) UnsealString(ciphertext string, s Scope) (string, error) {
	ct, err := decodeString(ciphertext, s)
	if err != nil {
		return "", err
	}
	pt, err := v.Unseal(ct, s)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

func decodeString(ciphertext string, s Scope) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, fmt.Errorf("vault: unseal %s: %w: not base64", s, ErrMalformed)
	}
	return ct, nil
}

// IsCurrent reports whether ciphertext was sealed with the current primary
// key, judging by its key prefix only (it does not authenticate it). During
// a rotation, rows for which it is true are already re-encrypted, so the
// work can stop and resume at any point.
func (v *Vault) IsCurrent(ciphertext []byte) bool {
	id, ok := keyIDOf(ciphertext)
	return ok && id == v.current().primary
}

// Reseal returns ciphertext re-encrypted under the current primary key, and
// whether it changed. A ciphertext already under the primary key is returned
// as it is, without being authenticated; any other is unsealed (so it must
// belong to s) and sealed again. Calling it on every stored secret after
// Rotate, and storing the results that changed, is the re-encryption step of
// a rotation.
func (v *Vault) Reseal(ciphertext []byte, s Scope) (out []byte, changed bool, err error) {
	if v.IsCurrent(ciphertext) {
		return ciphertext, false, nil
	}
	pt, err := v.Unseal(ciphertext, s)
	if err != nil {
		return nil, false, err
	}
	defer clear(pt)
	out, err = v.Seal(pt, s)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// ResealString is Reseal for the base64 form of SealString.
func (v *Vault) ResealString(ciphertext string, s Scope) (out string, changed bool, err error) {
	ct, err := decodeString(ciphertext, s)
	if err != nil {
		return "", false, err
	}
	nct, changed, err := v.Reseal(ct, s)
	if err != nil {
		return "", false, err
	}
	if !changed {
		return ciphertext, false, nil
	}
	return base64.StdEncoding.EncodeToString(nct), true, nil
}

// Rotate adds a fresh AES-256-GCM key to the keyset, makes it the primary
// key, stores the keyset, and returns the new key's ID. Older keys remain,
// so every existing secret still unseals; re-encrypt them with Reseal, then
// call DropOldKeys with the returned ID.
//
// The keyset file is replaced atomically (temporary file, fsync, rename) and
// stays mode 0600; the new key is used for sealing only once it is on disk.
// Rotate starts from the keyset as stored, not from this Vault's copy, so it
// never loses a key another process added; concurrent rotations from several
// processes are serialised with a lock file next to the keyset.
//
// A keyset from the environment cannot be rotated here (ErrReadOnly).
func (v *Vault) Rotate() (primary uint32, err error) {
	k, err := v.update(func(cur *keys) (*keyset.Handle, error) {
		m := keyset.NewManagerFromHandle(cur.handle)
		id, err := m.Add(aead.AES256GCMKeyTemplate())
		if err != nil {
			return nil, fmt.Errorf("vault: rotate: %w", err)
		}
		if err := m.SetPrimary(id); err != nil {
			return nil, fmt.Errorf("vault: rotate: %w", err)
		}
		return m.Handle()
	})
	if err != nil {
		return 0, err
	}
	return k.primary, nil
}

// DropOldKeys removes every key except the primary key, after which secrets
// sealed with those keys can never be unsealed again. Call it only once
// every stored secret has been re-encrypted (Reseal, or IsCurrent is true
// for all of them), and after the ReloadInterval has passed since Rotate, so
// that no process was still sealing with an old key.
//
// primary must be the current primary key's ID, the one Rotate returned and
// the secrets were re-encrypted to. If another rotation has happened since,
// DropOldKeys refuses with ErrPrimaryChanged rather than dropping the key
// those secrets are under.
func (v *Vault) DropOldKeys(primary uint32) error {
	_, err := v.update(func(cur *keys) (*keyset.Handle, error) {
		if cur.primary != primary {
			return nil, fmt.Errorf("vault: %w: the primary key is now %d, not %d, so someone rotated again; "+
				"re-encrypt every secret to key %d, then drop the old keys keeping %d",
				ErrPrimaryChanged, cur.primary, primary, cur.primary, cur.primary)
		}
		if cur.handle.Len() == 1 {
			return nil, nil // nothing to drop
		}
		m := keyset.NewManagerFromHandle(cur.handle)
		for i := range cur.handle.Len() {
			e, err := cur.handle.Entry(i)
			if err != nil {
				return nil, fmt.Errorf("vault: drop old keys: %w", err)
			}
			if e.KeyID() == primary {
				continue
			}
			if err := m.Delete(e.KeyID()); err != nil {
				return nil, fmt.Errorf("vault: drop old keys: %w", err)
			}
		}
		return m.Handle()
	})
	return err
}

// update applies a change to the stored keyset: it reads it under the lock,
// lets change derive a new keyset from it (nil: nothing to do), stores the
// result and only then starts using it.
func (v *Vault) update(change func(cur *keys) (*keyset.Handle, error)) (*keys, error) {
	if err := v.src.writable(); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	unlock, err := v.src.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()

	// Start from the stored keyset, not from memory: another process may
	// have changed it, and writing back an older copy would lose its key
	// while that process seals with it.
	data, err := v.src.read()
	if err != nil {
		return nil, err
	}
	cur, err := decodeKeyset(data, v.kek, v.src.String())
	if err != nil {
		return nil, err
	}
	h, err := change(cur)
	if err != nil {
		return nil, err
	}
	next := cur
	if h != nil {
		out, err := encodeKeyset(h, v.kek)
		if err != nil {
			return nil, err
		}
		if next, err = newKeys(h, out, v.src.String()); err != nil {
			return nil, err
		}
		if err := v.src.replace(out); err != nil {
			return nil, err
		}
	}
	v.cur.Store(next)
	v.checked.Store(time.Now().UnixNano())
	return next, nil
}

// Info describes a Vault's keyset without revealing any key material, for an
// admin command.
type Info struct {
	// Source says where the keyset is stored: "keyset file <path>" or
	// "HRCONNECT_KEYSET".
	Source string
	// KMS is true when the stored keyset is encrypted with a KMS key.
	KMS bool
	// Primary is the ID of the key new secrets are sealed with.
	Primary uint32
	// KeyIDs lists the IDs of every key that can unseal, in keyset order
	// (the order they were added in), the primary key included.
	KeyIDs []uint32
}

// Info describes the keyset currently in use.
func (v *Vault) Info() Info {
	k := v.current()
	return Info{
		Source:  v.src.String(),
		KMS:     v.kek != nil,
		Primary: k.primary,
		KeyIDs:  slices.Clone(k.ids),
	}
}

func formatIDs(ids []uint32) string {
	if len(ids) == 0 {
		return "no usable key"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	if len(ids) == 1 {
		return "only key " + s[0]
	}
	return "keys " + strings.Join(s, ", ")
}
