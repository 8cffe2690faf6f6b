package vault_test

import (
	"errors"
	"fmt"
	"os"

	"hrconnect/vault"
)

func Example() {
	dir, err := os.MkdirTemp("", "hrconnect-data")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// The first Open creates dir/keyset.json; later ones reuse it.
	v, err := vault.Open(vault.Options{Dir: dir})
	if err != nil {
		panic(err)
	}
	s := vault.Scope{Tenant: "acme", Connection: "zoho-people-eu", Field: "refresh_token"}
	stored, err := v.SealString("1000.9f2c0d.refresh", s)
	if err != nil {
		panic(err)
	}
	token, err := v.UnsealString(stored, s)
	fmt.Println(token, err)

	// The same ciphertext copied into another connection's row is refused.
	other := vault.Scope{Tenant: "acme", Connection: "zoho-recruit-eu", Field: "refresh_token"}
	_, err = v.UnsealString(stored, other)
	fmt.Println(errors.Is(err, vault.ErrWrongScope))
	// Output:
	// 1000.9f2c0d.refresh <nil>
	// true
}
