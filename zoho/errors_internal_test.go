package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// scrub takes a secret out of every text of an error, the cause included,
// while errors.Is still sees the cause.
func TestScrub(t *testing.T) {
	const secret = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"
	e := (&Error{
		Op: "accounts.refresh", Code: secret, ZohoMessage: "echo " + secret, Field: secret,
		Message: "m " + secret, Resolution: "r " + secret,
		Err: fmt.Errorf("post with %s: %w", secret, context.DeadlineExceeded),
	}).scrub("", "abc", secret)
	for _, s := range []string{e.Error(), fmt.Sprintf("%v", e), e.Code, e.ZohoMessage, e.Field, e.Message, e.Resolution, e.Err.Error()} {
		if strings.Contains(s, secret) {
			t.Errorf("secret left in %q", s)
		}
	}
	if !strings.Contains(e.Message, "[redacted]") {
		t.Errorf("message %q: the secret was not replaced", e.Message)
	}
	if !errors.Is(e, context.DeadlineExceeded) || ClassOf(e.Err) != ClassRetry {
		t.Error("the scrubbed cause no longer unwraps")
	}
	// Short strings are not treated as secrets: "abc" must survive in text.
	e = (&Error{Op: "x", Message: "abc"}).scrub("abc")
	if e.Message != "abc" {
		t.Errorf("a 3-byte secret was scrubbed: %q", e.Message)
	}
}

// appendJSONString and appendQueryEscape agree with the standard library.
func TestEncoders(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "tab\tnl\nctl\x01", "ümlaut €", "bad\xffutf8", "\u2028\u2029", "a&b=c+d e%f"} {
		got := string(appendJSONString(nil, s))
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != strings.ToValidUTF8(s, "\ufffd") {
			t.Errorf("appendJSONString(%q) = %s, decodes to %q (%v)", s, got, back, err)
		}
		if got, want := string(appendQueryEscape(nil, s)), url.QueryEscape(s); got != want {
			t.Errorf("appendQueryEscape(%q) = %q, want %q", s, got, want)
		}
	}
}
