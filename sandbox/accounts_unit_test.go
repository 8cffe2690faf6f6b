package sandbox

import (
	"reflect"
	"testing"
	"time"
)

// TestPKCEVerifies checks S256 against RFC 7636's own example (appendix B)
// and plain against itself.
func TestPKCEVerifies(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if !pkceVerifies("S256", challenge, verifier) {
		t.Error("RFC 7636's S256 example does not verify")
	}
	if pkceVerifies("S256", challenge, verifier+"x") || pkceVerifies("S256", challenge, "") {
		t.Error("a wrong or empty S256 verifier verifies")
	}
	if !pkceVerifies("plain", verifier, verifier) || pkceVerifies("plain", challenge, verifier) {
		t.Error("plain must compare the verifier with the challenge as is")
	}
}

// TestWindowBoundary checks the sliding window's edge: an event exactly one
// span old has left the window.
func TestWindowBoundary(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var w window
	for i := range 3 {
		w.add(t0.Add(time.Duration(i) * time.Second))
	}
	if n := w.count(t0.Add(10*time.Minute-time.Nanosecond), 10*time.Minute); n != 3 {
		t.Errorf("just inside the window: %d events, want 3", n)
	}
	if n := w.count(t0.Add(10*time.Minute), 10*time.Minute); n != 2 {
		t.Errorf("one span after the first event: %d events, want 2", n)
	}
	if n := w.count(t0.Add(time.Hour), 10*time.Minute); n != 0 || len(w) != 0 {
		t.Errorf("an hour later: %d events, %d kept", n, len(w))
	}
}

// TestSplitScopeList checks that only commas separate scopes.
func TestSplitScopeList(t *testing.T) {
	cases := map[string][]string{
		"A,B":                  {"A", "B"},
		" A , B ,":             {"A", "B"},
		"ZOHOPEOPLE.forms.ALL": {"ZOHOPEOPLE.forms.ALL"},
		"A B":                  {"A B"},
		"":                     nil,
	}
	for in, want := range cases {
		if got := splitScopeList(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitScopeList(%q) = %q, want %q", in, got, want)
		}
	}
}
