package connect

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRedactorForms(t *testing.T) {
	t.Parallel()
	const secret = `s3cr/t+x y"<é`
	r := NewRedactor(secret)
	forms := map[string]string{
		"raw":             secret,
		"query":           url.QueryEscape(secret),
		"path":            url.PathEscape(secret),
		"rfc 3986":        rfcEncode(secret),
		"lower-case hex":  strings.ToLower(url.QueryEscape(secret)),
		"json":            `s3cr/t+x y\"\u003cé`,
		"json, html kept": `s3cr/t+x y\"<é`,
		"in a url":        "https://h.test/x?key=" + url.QueryEscape(secret) + "&a=b",
		"in a json reply": `{"key":"s3cr/t+x y\"\u003cé"}`,
	}
	for name, text := range forms {
		got := r.Redact("before " + text + " after")
		if !strings.Contains(got, Redacted) || strings.Contains(got, "s3cr") {
			t.Errorf("%s: Redact(%q) = %q", name, text, got)
		}
		if !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
			t.Errorf("%s: Redact took more than the secret: %q", name, got)
		}
	}
}

func TestRedactorBasicAndOverlaps(t *testing.T) {
	t.Parallel()
	r := NewRedactor("abc", "", "abcdef").AddBasic("bob", "pw:1")
	b64 := base64.StdEncoding.EncodeToString([]byte("bob:pw:1"))
	got := r.Redact("x abcdef y abc z Basic " + b64 + " " + url.QueryEscape(b64))
	want := "x [REDACTED] y [REDACTED] z Basic [REDACTED] [REDACTED]"
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	if got := NewRedactor("").Redact("nothing to hide"); got != "nothing to hide" {
		t.Errorf("an empty secret changed the text: %q", got)
	}
	var nilR *Redactor
	if got := nilR.Redact("x"); got != "x" {
		t.Errorf("nil Redactor: %q", got)
	}
}

func TestRedactorBytesAndHeader(t *testing.T) {
	t.Parallel()
	r := NewRedactor("tok123")
	clean := []byte("nothing here")
	if got := r.RedactBytes(clean); &got[0] != &clean[0] {
		t.Error("RedactBytes copied a body without secrets")
	}
	if got := string(r.RedactBytes([]byte(`{"t":"tok123"}`))); got != `{"t":"[REDACTED]"}` {
		t.Errorf("RedactBytes = %s", got)
	}
	h := http.Header{"X-Echo": {"Bearer tok123"}, "Other": {"fine"}}
	got := r.RedactHeader(h)
	if got.Get("X-Echo") != "Bearer [REDACTED]" || got.Get("Other") != "fine" || h.Get("X-Echo") != "Bearer tok123" {
		t.Errorf("RedactHeader = %v (original %v)", got, h)
	}
}

// Error keeps what callers test for (context errors) and nothing that would
// lead back to the secret.
func TestRedactorError(t *testing.T) {
	t.Parallel()
	r := NewRedactor("tok123")
	orig := &url.Error{Op: "Get", URL: "https://h.test/?access_token=tok123", Err: context.Canceled}
	err := r.Error(orig)
	if strings.Contains(err.Error(), "tok123") || !strings.Contains(err.Error(), Redacted) {
		t.Errorf("Error() = %q", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Error("the redacted error is no longer context.Canceled")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		t.Error("the redacted error unwraps to the original *url.Error, secret and all")
	}
	if r.Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
}
