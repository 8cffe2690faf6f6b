package vault_test

import (
	"testing"

	"hrconnect/vault"
)

// A Zoho refresh token is about 70 bytes.
var benchSecret = []byte("1000.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef")

func BenchmarkSeal(b *testing.B) {
	v := openDir(b, b.TempDir())
	b.SetBytes(int64(len(benchSecret)))
	for b.Loop() {
		if _, err := v.Seal(benchSecret, scope); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnseal(b *testing.B) {
	v := openDir(b, b.TempDir())
	ct := seal(b, v, string(benchSecret), scope)
	b.SetBytes(int64(len(benchSecret)))
	for b.Loop() {
		if _, err := v.Unseal(ct, scope); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealStringParallel(b *testing.B) {
	v := openDir(b, b.TempDir())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.SealString(string(benchSecret), scope); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	openDir(b, dir)
	for b.Loop() {
		if _, err := vault.Open(vault.Options{Dir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}
