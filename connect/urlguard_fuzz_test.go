package connect

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzURLGuard checks the guard on arbitrary URLs: it never panics, and a URL
// it lets through is, as sent, under the base URL: same scheme and host, the
// base path as a whole-segment prefix, no user info, no dot-segment left in
// any form, and a normal form that reads back the same (so the server
// receives exactly what was checked).
func FuzzURLGuard(f *testing.F) {
	for _, s := range []string{
		"https://api.example.com/v1/users?x=1",
		"https://api.example.com/v10",
		"https://api.example.com/v1/%2e%2e/admin",
		"https://api.example.com/v1/..%2Fadmin",
		"https://API.example.com:443/v1/./a/../b",
		"https://api.example.com@evil.test/v1",
		"https://api.example.com.evil.test/v1",
		"https://api.example.com/v1/a%2fb%25%7e",
		"https://[::1]:443/v1",
	} {
		f.Add(s)
	}
	g, err := NewURLGuard([]string{"https://api.example.com/v1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		n, err := g.Check(u)
		if err != nil {
			return
		}
		if n.Scheme != "https" || n.Host != "api.example.com" || n.User != nil {
			t.Fatalf("%q let through as %q", raw, n)
		}
		p := n.EscapedPath()
		if p != "/v1" && !strings.HasPrefix(p, "/v1/") {
			t.Fatalf("%q let through with path %q", raw, p)
		}
		for _, seg := range strings.Split(p, "/") {
			dec, err := url.PathUnescape(seg)
			if err != nil {
				t.Fatalf("%q: bad escaping in %q", raw, p)
			}
			for _, part := range strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' }) {
				if part == "." || part == ".." {
					t.Fatalf("%q let through with a dot-segment: %q", raw, p)
				}
			}
		}
		back, err := url.Parse(n.String())
		if err != nil || back.EscapedPath() != p || back.Host != n.Host || back.RawQuery != n.RawQuery {
			t.Fatalf("%q: normal form %q does not read back (%v)", raw, n, err)
		}
		again, err := g.Check(back)
		if err != nil || again.String() != n.String() {
			t.Fatalf("%q: normalising %q again gives %v, %v", raw, n, again, err)
		}
	})
}
