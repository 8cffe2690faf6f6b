package vault

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Scope names the place a secret belongs to. Seal binds a ciphertext to its
// scope through the AEAD's associated data, so Unseal only succeeds with the
// very same scope: a ciphertext copied into another tenant's row, another
// connection, or another column of the same connection does not decrypt.
//
// All three fields are required. A secret that does not live in a connection
// (a webhook signing key, say) still needs a stable owner name in Connection,
// such as "webhook:42"; an empty field would weaken the binding silently.
type Scope struct {
	// Tenant is the ID of the tenant (client company) that owns the secret.
	Tenant string
	// Connection is the ID of the connection the secret belongs to.
	Connection string
	// Field names the secret within the connection: "client_secret",
	// "refresh_token", "access_token", "api_key", "password", ...
	Field string
}

// String describes the scope for error messages. Scopes hold identifiers,
// never secrets, so they are safe to print.
func (s Scope) String() string {
	return fmt.Sprintf("field %q of tenant %q, connection %q", s.Field, s.Tenant, s.Connection)
}

func (s Scope) validate() error {
	var missing []string
	if s.Tenant == "" {
		missing = append(missing, "Tenant")
	}
	if s.Connection == "" {
		missing = append(missing, "Connection")
	}
	if s.Field == "" {
		missing = append(missing, "Field")
	}
	if len(missing) > 0 {
		return fmt.Errorf("vault: %w: empty %s; every secret must be bound to a tenant, a connection and a field name",
			ErrIncompleteScope, strings.Join(missing, ", "))
	}
	return nil
}

// adLabel starts every associated data. It keeps vault ciphertexts apart from
// any other use of the same keyset and leaves room for a future encoding
// ("…/v2") without ambiguity.
const adLabel = "hrconnect/vault/v1"

// associatedData encodes the scope unambiguously: each field is preceded by
// its length as a 4-byte big-endian integer, so no choice of separator
// characters inside the fields can make two different scopes encode alike
// (Tenant "a|b" + Connection "c" versus Tenant "a" + Connection "b|c").
func (s Scope) associatedData() []byte {
	fields := [...]string{s.Tenant, s.Connection, s.Field}
	n := len(adLabel)
	for _, f := range fields {
		n += 4 + len(f)
	}
	ad := make([]byte, 0, n)
	ad = append(ad, adLabel...)
	for _, f := range fields {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(f)))
		ad = append(ad, f...)
	}
	return ad
}
