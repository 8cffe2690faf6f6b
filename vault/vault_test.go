package vault_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tink-crypto/tink-go/v2/core/registry"
	"github.com/tink-crypto/tink-go/v2/testing/fakekms"

	"hrconnect/vault"
)

var scope = vault.Scope{Tenant: "tenant-1", Connection: "conn-1", Field: "refresh_token"}

// openDir opens a file-backed vault in dir and fails the test on error.
func openDir(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(vault.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return v
}

func seal(t testing.TB, v *vault.Vault, plaintext string, s vault.Scope) []byte {
	t.Helper()
	ct, err := v.Seal([]byte(plaintext), s)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return ct
}

func unseal(t testing.TB, v *vault.Vault, ct []byte, s vault.Scope) string {
	t.Helper()
	pt, err := v.Unseal(ct, s)
	if err != nil {
		t.Fatalf("Unseal: %v", err)
	}
	return string(pt)
}

func keyIDOf(ct []byte) uint32 { return binary.BigEndian.Uint32(ct[1:5]) }

func keysetPath(dir string) string { return filepath.Join(dir, vault.KeysetFileName) }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func wantErrIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %q", err, target)
	}
}

func wantErrContains(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	v := openDir(t, t.TempDir())

	for _, pt := range []string{"", "s3cr3t", "1000.4f2c…refresh-token", strings.Repeat("x", 10_000)} {
		ct := seal(t, v, pt, scope)
		if got := unseal(t, v, ct, scope); got != pt {
			t.Errorf("Unseal(Seal(%.20q)) = %.20q", pt, got)
		}
		if len(ct) != len(pt)+33 {
			t.Errorf("len(ciphertext) = %d for %d bytes of plaintext, want 33 more", len(ct), len(pt))
		}
		s, err := v.SealString(pt, scope)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := v.UnsealString(s, scope); err != nil || got != pt {
			t.Errorf("UnsealString(SealString(%.20q)) = %.20q, %v", pt, got, err)
		}
	}

	// Sealing is randomised: the same secret twice gives two ciphertexts.
	if a, b := seal(t, v, "same", scope), seal(t, v, "same", scope); bytes.Equal(a, b) {
		t.Error("two seals of the same plaintext are identical")
	}
}

func TestWrongScopeFails(t *testing.T) {
	t.Parallel()
	v := openDir(t, t.TempDir())
	ct := seal(t, v, "client-secret-value", scope)

	for name, other := range map[string]vault.Scope{
		"tenant":     {Tenant: "tenant-2", Connection: scope.Connection, Field: scope.Field},
		"connection": {Tenant: scope.Tenant, Connection: "conn-2", Field: scope.Field},
		"field":      {Tenant: scope.Tenant, Connection: scope.Connection, Field: "client_secret"},
	} {
		_, err := v.Unseal(ct, other)
		wantErrIs(t, err, vault.ErrWrongScope)
		// The message names the scope asked for, so a log line is actionable.
		wantErrContains(t, err, other.Tenant, other.Connection, other.Field)
		if t.Failed() {
			t.Logf("changed %s", name)
		}
	}
}

func TestScopeEncodingIsUnambiguous(t *testing.T) {
	t.Parallel()
	v := openDir(t, t.TempDir())
	pairs := [][2]vault.Scope{
		{{Tenant: "a|b", Connection: "c", Field: "f"}, {Tenant: "a", Connection: "b|c", Field: "f"}},
		{{Tenant: "ab", Connection: "c", Field: "f"}, {Tenant: "a", Connection: "bc", Field: "f"}},
		{{Tenant: "t", Connection: "c\x00\x00\x00\x01f", Field: "g"}, {Tenant: "t", Connection: "c", Field: "f\x00\x00\x00\x01g"}},
	}
	for _, p := range pairs {
		if bytes.Equal(vault.AssociatedData(p[0]), vault.AssociatedData(p[1])) {
			t.Errorf("%v and %v encode to the same associated data", p[0], p[1])
		}
		ct := seal(t, v, "x", p[0])
		_, err := v.Unseal(ct, p[1])
		wantErrIs(t, err, vault.ErrWrongScope)
	}
}

func TestIncompleteScopeRefused(t *testing.T) {
	t.Parallel()
	v := openDir(t, t.TempDir())
	ct := seal(t, v, "x", scope)
	for _, s := range []vault.Scope{
		{Connection: "c", Field: "f"},
		{Tenant: "t", Field: "f"},
		{Tenant: "t", Connection: "c"},
		{},
	} {
		_, err := v.Seal([]byte("x"), s)
		wantErrIs(t, err, vault.ErrIncompleteScope)
		_, err = v.Unseal(ct, s)
		wantErrIs(t, err, vault.ErrIncompleteScope)
	}
}

func TestTamperingFails(t *testing.T) {
	t.Parallel()
	v := openDir(t, t.TempDir())
	ct := seal(t, v, "api-key-value", scope)

	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		_, err := v.Unseal(bad, scope)
		switch {
		case i == 0: // Tink's version byte
			wantErrIs(t, err, vault.ErrMalformed)
		case i < 5: // the key ID now names a key the keyset lacks
			wantErrIs(t, err, vault.ErrUnknownKey)
		default: // nonce, ciphertext or tag
			wantErrIs(t, err, vault.ErrWrongScope)
		}
	}
	_, err := v.Unseal(ct[:len(ct)-1], scope)
	wantErrIs(t, err, vault.ErrWrongScope)
	_, err = v.Unseal(append(bytes.Clone(ct), 0), scope)
	wantErrIs(t, err, vault.ErrWrongScope)
	_, err = v.Unseal(ct[:20], scope)
	wantErrIs(t, err, vault.ErrMalformed)
	_, err = v.UnsealString("not base64!", scope)
	wantErrIs(t, err, vault.ErrMalformed)
}

func TestForeignKeysetFails(t *testing.T) {
	t.Parallel()
	a, b := openDir(t, t.TempDir()), openDir(t, t.TempDir())
	_, err := b.Unseal(seal(t, a, "x", scope), scope)
	wantErrIs(t, err, vault.ErrUnknownKey)
}

func TestKeysetFileCreatedPrivateAndReused(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "nested")
	v1 := openDir(t, dir)
	ct := seal(t, v1, "password", scope)

	fi, err := os.Stat(keysetPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("keyset file mode = %04o, want 0600", perm)
		}
		if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
			t.Errorf("data directory mode = %v (%v), want 0700", di.Mode().Perm(), err)
		}
	}
	if info := v1.Info(); info.Source != "keyset file "+keysetPath(dir) || info.KMS || len(info.KeyIDs) != 1 || info.KeyIDs[0] != info.Primary {
		t.Errorf("Info() = %+v", info)
	}
	before := readFile(t, keysetPath(dir))

	v2 := openDir(t, dir)
	if got := unseal(t, v2, ct, scope); got != "password" {
		t.Errorf("second vault unsealed %q", got)
	}
	if v1.Info().Primary != v2.Info().Primary {
		t.Error("second Open made a new primary key instead of reusing the keyset")
	}
	if !bytes.Equal(before, readFile(t, keysetPath(dir))) {
		t.Error("second Open rewrote the keyset file")
	}
}

func TestConcurrentFirstOpenAgreesOnOneKeyset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 8
	vaults := make([]*vault.Vault, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { vaults[i], errs[i] = vault.Open(vault.Options{Dir: dir}) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		if vaults[i].Info().Primary != vaults[0].Info().Primary {
			t.Fatalf("vault %d has primary key %d, vault 0 has %d", i, vaults[i].Info().Primary, vaults[0].Info().Primary)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestInsecurePermissionsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	t.Parallel()
	dir := t.TempDir()
	openDir(t, dir)
	path := keysetPath(dir)

	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o644, 0o666} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := vault.Open(vault.Options{Dir: dir})
		wantErrIs(t, err, vault.ErrInsecureKeyset)
		wantErrContains(t, err, "chmod 600 "+path)
	}
	// Owner-only modes are fine, read-only included.
	for _, mode := range []os.FileMode{0o400, 0o600} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		openDir(t, dir)
	}
}

func TestCorruptedKeysetFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := openDir(t, dir)
	path := keysetPath(dir)
	good := readFile(t, path)
	keyValue := rawKeyValue(t, good)

	for name, data := range map[string][]byte{
		"truncated": good[:bytes.Index(good, []byte(keyValue))+len(keyValue)/2],
		"empty":     {},
		"other":     []byte(`{"hello":"world"}`),
		"bad value": bytes.Replace(good, []byte(keyValue), []byte("AAAA"+keyValue), 1),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := vault.Open(vault.Options{Dir: dir})
		wantErrContains(t, err, path, "backup")
		if err != nil && strings.Contains(err.Error(), keyValue[:8]) {
			t.Errorf("%s: error quotes key material: %v", name, err)
		}
	}

	// A running vault keeps its keyset when the file goes bad under it.
	if _, err := v.Reload(); err == nil {
		t.Error("Reload of a corrupted file succeeded")
	}
	seal(t, v, "still works", scope)
}

// rawKeyValue returns the base64 key material from a cleartext keyset JSON.
func rawKeyValue(t testing.TB, keysetJSON []byte) string {
	t.Helper()
	var ks struct {
		Key []struct {
			KeyData struct{ Value string }
		}
	}
	if err := json.Unmarshal(keysetJSON, &ks); err != nil || len(ks.Key) == 0 || ks.Key[0].KeyData.Value == "" {
		t.Fatalf("not a cleartext keyset: %v", err)
	}
	return ks.Key[0].KeyData.Value
}

func TestNoKeysetConfigured(t *testing.T) {
	t.Parallel()
	_, err := vault.Open(vault.Options{})
	wantErrContains(t, err, vault.KeysetEnvVar, "data directory")
}

func TestEnvKeyset(t *testing.T) {
	t.Parallel()
	fileDir := t.TempDir()
	fromFile := openDir(t, fileDir)
	ct := seal(t, fromFile, "token", scope)
	keysetJSON := readFile(t, keysetPath(fileDir))

	// base64 as `base64` prints it by default, in 76-column lines.
	b64 := base64.StdEncoding.EncodeToString(keysetJSON)
	var wrapped strings.Builder
	for len(b64) > 76 {
		wrapped.WriteString(b64[:76] + "\n")
		b64 = b64[76:]
	}
	wrapped.WriteString(b64 + "\n")

	for name, value := range map[string]string{
		"json":           string(keysetJSON),
		"base64":         base64.StdEncoding.EncodeToString(keysetJSON),
		"base64 raw":     base64.RawStdEncoding.EncodeToString(keysetJSON),
		"base64 wrapped": wrapped.String(),
	} {
		emptyDir := t.TempDir()
		v, err := vault.Open(vault.Options{KeysetEnv: value, Dir: emptyDir})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := unseal(t, v, ct, scope); got != "token" {
			t.Errorf("%s: unsealed %q", name, got)
		}
		if info := v.Info(); info.Source != vault.KeysetEnvVar || info.Primary != fromFile.Info().Primary {
			t.Errorf("%s: Info() = %+v", name, info)
		}
		if _, err := os.Stat(keysetPath(emptyDir)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a keyset file was created although the keyset comes from the environment (%v)", name, err)
		}
		_, err = v.Rotate()
		wantErrIs(t, err, vault.ErrReadOnly)
		wantErrIs(t, v.DropOldKeys(v.Info().Primary), vault.ErrReadOnly)
	}
}

func TestEnvKeysetConflictsWithFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	openDir(t, dir)
	other := t.TempDir()
	openDir(t, other)

	_, err := vault.Open(vault.Options{Dir: dir, KeysetEnv: string(readFile(t, keysetPath(other)))})
	wantErrContains(t, err, vault.KeysetEnvVar, keysetPath(dir), "unset")
}

func TestEnvKeysetGarbageRefusedWithoutEcho(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"hunter2-not-a-keyset", base64.StdEncoding.EncodeToString([]byte("hunter2-not-json")), `{"key": hunter2`} {
		_, err := vault.Open(vault.Options{KeysetEnv: value})
		wantErrContains(t, err, vault.KeysetEnvVar)
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error repeats the variable's value: %v", err)
		}
	}
}

// fakeKMS registers Tink's fake KMS client once and returns a fresh key URI.
var registerFakeKMS = sync.OnceValue(func() error {
	c, err := fakekms.NewClient("fake-kms://")
	if err == nil {
		registry.RegisterKMSClient(c)
	}
	return err
})

func fakeKMSURI(t testing.TB) string {
	t.Helper()
	if err := registerFakeKMS(); err != nil {
		t.Fatal(err)
	}
	uri, err := fakekms.NewKeyURI()
	if err != nil {
		t.Fatal(err)
	}
	return uri
}

func TestKMSWrappedKeyset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	uri := fakeKMSURI(t)
	v, err := vault.Open(vault.Options{Dir: dir, KMSURI: uri})
	if err != nil {
		t.Fatal(err)
	}
	ct := seal(t, v, "wrapped", scope)
	if !v.Info().KMS {
		t.Error("Info().KMS = false")
	}

	assertEncryptedFile := func() {
		t.Helper()
		stored := readFile(t, keysetPath(dir))
		var top map[string]json.RawMessage
		if err := json.Unmarshal(stored, &top); err != nil {
			t.Fatal(err)
		}
		if _, ok := top["encryptedKeyset"]; !ok {
			t.Errorf("stored keyset has no encryptedKeyset: %s", stored)
		}
		if _, ok := top["key"]; ok || bytes.Contains(stored, []byte(`"value"`)) {
			t.Errorf("stored keyset holds cleartext keys: %s", stored)
		}
		for _, raw := range vault.RawKeys(v) {
			for _, form := range [][]byte{raw, []byte(base64.StdEncoding.EncodeToString(raw)), []byte(base64.RawURLEncoding.EncodeToString(raw))} {
				if bytes.Contains(stored, form) {
					t.Errorf("stored keyset contains a raw key")
				}
			}
		}
		if fi, err := os.Stat(keysetPath(dir)); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %04o, want 0600", fi.Mode().Perm())
		}
	}
	assertEncryptedFile()

	v2, err := vault.Open(vault.Options{Dir: dir, KMSURI: uri})
	if err != nil {
		t.Fatal(err)
	}
	if got := unseal(t, v2, ct, scope); got != "wrapped" {
		t.Errorf("reopened vault unsealed %q", got)
	}

	// Rotation keeps the keyset wrapped.
	if _, err := v.Rotate(); err != nil {
		t.Fatal(err)
	}
	assertEncryptedFile()
	if n := len(v.Info().KeyIDs); n != 2 {
		t.Errorf("%d keys after Rotate, want 2", n)
	}

	// Without the KMS key, or with another one, the file is useless.
	_, err = vault.Open(vault.Options{Dir: dir})
	wantErrContains(t, err, "KMS", "--keyset-kms-uri")
	_, err = vault.Open(vault.Options{Dir: dir, KMSURI: fakeKMSURI(t)})
	wantErrContains(t, err, "cannot decrypt", keysetPath(dir))

	// The same wrapped keyset works from the environment too.
	env, err := vault.Open(vault.Options{KeysetEnv: string(readFile(t, keysetPath(dir))), KMSURI: uri})
	if err != nil {
		t.Fatal(err)
	}
	if got := unseal(t, env, ct, scope); got != "wrapped" {
		t.Errorf("env vault unsealed %q", got)
	}
}

func TestKMSMisconfiguration(t *testing.T) {
	t.Parallel()
	// A cleartext keyset file is not silently used when a KMS is configured.
	dir := t.TempDir()
	openDir(t, dir)
	_, err := vault.Open(vault.Options{Dir: dir, KMSURI: fakeKMSURI(t)})
	wantErrContains(t, err, "cleartext keyset", "KMS")

	// An unknown scheme names the fix, and not the URI's body.
	_, err = vault.Open(vault.Options{Dir: t.TempDir(), KMSURI: "nokms://projects/p/keys/k-hunter2"})
	wantErrContains(t, err, "nokms://", "RegisterKMSClient")
	if err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error quotes the key URI: %v", err)
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := openDir(t, dir)
	old := seal(t, v, "old secret", scope)
	oldID := v.Info().Primary
	if keyIDOf(old) != oldID || !v.IsCurrent(old) {
		t.Fatalf("fresh ciphertext: key %d, IsCurrent %v; primary %d", keyIDOf(old), v.IsCurrent(old), oldID)
	}

	newID, err := v.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if newID == oldID || v.Info().Primary != newID {
		t.Fatalf("Rotate returned %d; primary now %d, was %d", newID, v.Info().Primary, oldID)
	}
	if ids := v.Info().KeyIDs; len(ids) != 2 || ids[0] != oldID || ids[1] != newID {
		t.Errorf("KeyIDs = %v, want [%d %d]", ids, oldID, newID)
	}
	if fi, err := os.Stat(keysetPath(dir)); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("after Rotate: %v, %v", fi.Mode(), err)
	}

	// Old secrets still unseal; new ones use the new key.
	if got := unseal(t, v, old, scope); got != "old secret" {
		t.Errorf("old ciphertext unsealed to %q", got)
	}
	fresh := seal(t, v, "new secret", scope)
	if keyIDOf(fresh) != newID {
		t.Errorf("new ciphertext under key %d, want %d", keyIDOf(fresh), newID)
	}
	if v.IsCurrent(old) || !v.IsCurrent(fresh) {
		t.Errorf("IsCurrent(old) = %v, IsCurrent(new) = %v", v.IsCurrent(old), v.IsCurrent(fresh))
	}

	// A second process sees the rotation.
	if info := openDir(t, dir).Info(); info.Primary != newID || len(info.KeyIDs) != 2 {
		t.Errorf("reopened: %+v", info)
	}

	// Re-encryption: changes the old row, leaves the done one alone.
	resealed, changed, err := v.Reseal(old, scope)
	if err != nil || !changed || !v.IsCurrent(resealed) {
		t.Fatalf("Reseal(old) = current %v, changed %v, %v", v.IsCurrent(resealed), changed, err)
	}
	if same, changed, err := v.Reseal(fresh, scope); err != nil || changed || !bytes.Equal(same, fresh) {
		t.Errorf("Reseal(current) changed it (%v, %v)", changed, err)
	}
	oldString := base64.StdEncoding.EncodeToString(old)
	if s, changed, err := v.ResealString(oldString, scope); err != nil || !changed || s == oldString {
		t.Errorf("ResealString(old) = changed %v, %v", changed, err)
	}
	// Reseal checks the scope of what it re-encrypts.
	_, _, err = v.Reseal(old, vault.Scope{Tenant: "x", Connection: "y", Field: "z"})
	wantErrIs(t, err, vault.ErrWrongScope)

	// Dropping with a stale primary is refused.
	wantErrIs(t, v.DropOldKeys(oldID), vault.ErrPrimaryChanged)

	if err := v.DropOldKeys(newID); err != nil {
		t.Fatal(err)
	}
	if ids := v.Info().KeyIDs; len(ids) != 1 || ids[0] != newID {
		t.Errorf("KeyIDs after DropOldKeys = %v", ids)
	}
	_, err = v.Unseal(old, scope)
	wantErrIs(t, err, vault.ErrUnknownKey)
	if got := unseal(t, v, resealed, scope); got != "old secret" {
		t.Errorf("re-encrypted secret unsealed to %q", got)
	}
	// And the drop is on disk.
	_, err = openDir(t, dir).Unseal(old, scope)
	wantErrIs(t, err, vault.ErrUnknownKey)
	if err := v.DropOldKeys(newID); err != nil {
		t.Errorf("DropOldKeys with nothing to drop: %v", err)
	}
}

func TestRotateKeepsKeysAddedByOtherProcesses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := openDir(t, dir), openDir(t, dir)

	idA, err := a.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	ctA := seal(t, a, "sealed by a", scope)
	// b's copy predates a's rotation; its own rotation must not erase a's key.
	idB, err := b.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	c := openDir(t, dir)
	if ids := c.Info().KeyIDs; len(ids) != 3 || ids[1] != idA || ids[2] != idB {
		t.Errorf("stored keys = %v, want 3 ending in %d, %d", ids, idA, idB)
	}
	if got := unseal(t, c, ctA, scope); got != "sealed by a" {
		t.Errorf("unsealed %q", got)
	}
	// a re-encrypted to idA, but b rotated since: dropping must not happen.
	wantErrIs(t, a.DropOldKeys(idA), vault.ErrPrimaryChanged)
}

func TestOtherProcessRotationIsPickedUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	admin := openDir(t, dir)
	// A server that never reloads on its own still follows a ciphertext
	// under a key it has not seen yet.
	server, err := vault.Open(vault.Options{Dir: dir, ReloadInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	id, err := admin.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if got := unseal(t, server, seal(t, admin, "rotated", scope), scope); got != "rotated" {
		t.Errorf("unsealed %q", got)
	}
	if server.Info().Primary != id {
		t.Errorf("server primary %d after reload, want %d", server.Info().Primary, id)
	}

	// With a reload interval, sealing moves to the new key by itself.
	polling, err := vault.Open(vault.Options{Dir: dir, ReloadInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := admin.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := server.Reload(); err != nil || !changed {
		t.Errorf("Reload() = %v, %v; want a change", changed, err)
	}
	if changed, err := server.Reload(); err != nil || changed {
		t.Errorf("second Reload() = %v, %v; want no change", changed, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for keyIDOf(seal(t, polling, "x", scope)) != id2 {
		if time.Now().After(deadline) {
			t.Fatalf("polling vault still seals with an old key")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFailedRotationKeepsOldPrimary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := openDir(t, dir)
	before := v.Info()
	vault.FailWrites(v)
	if _, err := v.Rotate(); err == nil {
		t.Fatal("Rotate succeeded although the write failed")
	}
	// Sealing with a key that is not on disk would lose the secret at the
	// next restart.
	if after := v.Info(); after.Primary != before.Primary || len(after.KeyIDs) != 1 {
		t.Errorf("after a failed Rotate: %+v, before: %+v", after, before)
	}
	if id := keyIDOf(seal(t, v, "x", scope)); id != before.Primary {
		t.Errorf("sealed with key %d, not the stored primary %d", id, before.Primary)
	}
}

func TestConcurrentUseDuringRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v, err := vault.Open(vault.Options{Dir: dir, ReloadInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 8 {
		wg.Go(func() {
			s := vault.Scope{Tenant: "t", Connection: "c", Field: string(rune('a' + g))}
			var kept [][]byte
			for i := 0; ; i++ {
				select {
				case <-stop:
					// Everything sealed during the rotations still unseals.
					for _, ct := range kept {
						if _, err := v.Unseal(ct, s); err != nil {
							errs <- err
							return
						}
					}
					return
				default:
				}
				ct, err := v.Seal([]byte("secret"), s)
				if err == nil {
					_, err = v.Unseal(ct, s)
				}
				if err != nil {
					errs <- err
					return
				}
				_ = v.IsCurrent(ct)
				_ = v.Info()
				if i%50 == 0 {
					kept = append(kept, ct)
				}
			}
		})
	}
	var rotators sync.WaitGroup
	for range 3 {
		rotators.Go(func() {
			for range 3 {
				if _, err := v.Rotate(); err != nil {
					errs <- err
				}
			}
		})
	}
	rotators.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(openDir(t, dir).Info().KeyIDs); n != 10 {
		t.Errorf("%d keys stored after 9 rotations, want 10", n)
	}
}

func TestPlaintextNeverStored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := openDir(t, dir)
	const secret = "1000.hunter2hunter2hunter2.refresh"
	ct := seal(t, v, secret, scope)
	s, err := v.SealString(secret, scope)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte(secret)) || bytes.Contains(ct, []byte("hunter2")) {
		t.Error("ciphertext contains the plaintext")
	}
	if strings.Contains(s, "hunter2") {
		t.Error("string ciphertext contains the plaintext")
	}
	if _, err := v.Rotate(); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(readFile(t, keysetPath(dir)), []byte("hunter2")) {
		t.Error("keyset file contains the plaintext")
	}
	_, err = v.Unseal(ct, vault.Scope{Tenant: "x", Connection: "y", Field: "z"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v: want one that does not quote the secret", err)
	}
}
