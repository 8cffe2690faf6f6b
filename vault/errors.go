package vault

import "errors"

// Errors that callers may want to tell apart with [errors.Is]. The errors
// returned by this package wrap them with the details: which file, which
// scope, which key ID. They never contain plaintexts or key material.
var (
	// ErrIncompleteScope means a [Scope] lacks its tenant, connection or
	// field. It is a programming error in the caller.
	ErrIncompleteScope = errors.New("incomplete scope")

	// ErrWrongScope means the ciphertext's authentication failed: it was
	// sealed for another tenant, connection or field (a row or column was
	// copied), or its bytes were altered. AES-GCM cannot tell the two apart.
	ErrWrongScope = errors.New("secret does not belong to this tenant, connection and field, or was altered")

	// ErrUnknownKey means the ciphertext names a key ID the keyset does not
	// hold: the key was removed by [Vault.DropOldKeys] before this secret was
	// re-encrypted, or the secret comes from another installation's keyset.
	ErrUnknownKey = errors.New("secret was sealed with a key that is not in the keyset")

	// ErrMalformed means the input is not a vault ciphertext at all: too
	// short, not Tink's format, or (for the string forms) not base64.
	ErrMalformed = errors.New("not a vault ciphertext")

	// ErrInsecureKeyset means the keyset file can be read or written by
	// users other than its owner. The message says which chmod fixes it.
	ErrInsecureKeyset = errors.New("keyset file is accessible to group or others")

	// ErrReadOnly means the keyset cannot be changed by this process: it
	// came from the HRCONNECT_KEYSET environment variable. Change the
	// variable instead (docs/secrets.md).
	ErrReadOnly = errors.New("keyset is read-only")

	// ErrPrimaryChanged means [Vault.DropOldKeys] was asked to keep a primary
	// key that is no longer the primary: someone rotated again in between,
	// and dropping now could lose secrets re-encrypted to the key it names.
	ErrPrimaryChanged = errors.New("primary key changed")
)
