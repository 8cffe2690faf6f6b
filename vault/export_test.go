package vault

import (
	"errors"

	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
)

// RawKeys returns the raw AES key bytes of every key the vault holds, so
// tests can check that they never reach a file or a message.
func RawKeys(v *Vault) [][]byte {
	h := v.cur.Load().handle
	var out [][]byte
	for i := range h.Len() {
		e, err := h.Entry(i)
		if err != nil {
			panic(err)
		}
		out = append(out, e.Key().(*aesgcm.Key).KeyBytes().Data(insecuresecretdataaccess.Token{}))
	}
	return out
}

// FailWrites makes every later keyset write fail, as a full disk would.
func FailWrites(v *Vault) { v.src = failingSource{v.src} }

type failingSource struct{ source }

func (failingSource) replace([]byte) error { return errors.New("vault test: disk full") }

// AssociatedData exposes the associated data encoding of a scope.
func AssociatedData(s Scope) []byte { return s.associatedData() }
