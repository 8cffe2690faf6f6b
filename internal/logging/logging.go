// Package logging builds hrconnect's structured logger (log/slog) with a last
// line of defence for secrets: whatever the code above it does, an attribute
// whose key names a secret is written as "[REDACTED]".
//
// The first line of defence is not logging secrets at all; tests scan every
// log line they produce for the secrets they used.
package logging

import (
	"io"
	"log/slog"
	"strings"
)

// Redacted replaces the value of a secret attribute.
const Redacted = "[REDACTED]"

// secretKeys are substrings of attribute keys whose values are never written.
var secretKeys = []string{"secret", "token", "password", "passwd", "api_key", "api-key", "apikey", "authorization", "cookie", "code_verifier", "keyset"}

// IsSecretKey reports whether an attribute key names a secret.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range secretKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	// "code" alone is an authorisation code; "error_code", "status_code" are not secrets.
	return k == "code" || k == "auth_code" || k == "authorization_code"
}

// Options configure New.
type Options struct {
	Level slog.Leveler
	// Text selects logfmt-style text output instead of JSON.
	Text bool
}

// New returns a logger writing to w, JSON by default, that redacts secret
// attributes and adds those its context carries (With) to each line.
func New(w io.Writer, o Options) *slog.Logger {
	ho := &slog.HandlerOptions{Level: o.Level, ReplaceAttr: replace}
	if o.Text {
		return slog.New(contextHandler{slog.NewTextHandler(w, ho)})
	}
	return slog.New(contextHandler{slog.NewJSONHandler(w, ho)})
}

func replace(_ []string, a slog.Attr) slog.Attr {
	if IsSecretKey(a.Key) && a.Value.Kind() != slog.KindGroup {
		return slog.String(a.Key, Redacted)
	}
	return a
}
