package connect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dghubble/oauth1"
)

// Redacted is what a Redactor writes in place of a secret.
const Redacted = "[REDACTED]"

// Redactor replaces secret values in text with "[REDACTED]". A secret is
// found in each of the forms it takes on the way to a service: as is,
// URL-encoded for a query or form ('+' or "%20" for a space, upper- or
// lower-case hex), RFC 3986 percent-encoded as in OAuth 1.0a headers, and
// escaped inside a JSON string. Basic credentials are added with AddBasic,
// which also covers their base64 form.
//
// Every secret is replaced, however short: a one-character password makes
// redacted text hard to read, but readable text must never be the reason a
// secret is shown. A Redactor is safe for concurrent use once built.
type Redactor struct {
	forms    []string // longest first, so that the longest match wins
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor for the given secrets; empty ones are
// ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.add(secrets...)
	return r
}

// AddBasic adds Basic credentials: the user name and password, and the
// base64 "user:password" an Authorization header carries. It returns r.
func (r *Redactor) AddBasic(username, password string) *Redactor {
	r.add(username, password)
	if username != "" || password != "" {
		r.add(base64.StdEncoding.EncodeToString([]byte(username + ":" + password)))
	}
	return r
}

func (r *Redactor) add(secrets ...string) {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range secretForms(s) {
			if !slices.Contains(r.forms, f) {
				r.forms = append(r.forms, f)
			}
		}
	}
	slices.SortStableFunc(r.forms, func(a, b string) int { return len(b) - len(a) })
	// strings.Replacer tries the old strings in argument order at each
	// position, so longest first makes a secret that contains another one
	// disappear whole.
	args := make([]string, 0, 2*len(r.forms))
	for _, f := range r.forms {
		args = append(args, f, Redacted)
	}
	r.replacer = strings.NewReplacer(args...)
}

// secretForms returns the ways s may be written in a request or a reply.
func secretForms(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s), oauth1.PercentEncode(s)}
	// JSON, as encoding/json writes it by default (<, > and & as \u003c…)
	// and with HTML escaping off.
	if j, err := json.Marshal(s); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		j := bytes.TrimSpace(buf.Bytes())
		forms = append(forms, string(j[1:len(j)-1]))
	}
	for _, f := range forms[1:4] {
		forms = append(forms, lowerHex(f))
	}
	return forms
}

// lowerHex writes the hex digits of percent-encodings in lower case, as some
// servers echo them.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = toLower(b[i+1])
			b[i+2] = toLower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Redact returns s with every secret replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// RedactBytes returns b with every secret replaced. It returns b itself when
// there is nothing to replace.
func (r *Redactor) RedactBytes(b []byte) []byte {
	if r == nil || r.replacer == nil {
		return b
	}
	found := false
	for _, f := range r.forms {
		if bytes.Contains(b, []byte(f)) {
			found = true
			break
		}
	}
	if !found {
		return b
	}
	return []byte(r.replacer.Replace(string(b)))
}

// RedactHeader returns a copy of h with every secret in its values replaced.
func (r *Redactor) RedactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		rv := make([]string, len(vs))
		for i, v := range vs {
			rv[i] = r.Redact(v)
		}
		out[k] = rv
	}
	return out
}

// Error returns an error whose message is err's with every secret replaced.
// The returned error does not unwrap to err, whose chain would still hold
// the secrets (a *url.Error holds the whole URL); it unwraps only to the
// context errors that callers test for with errors.Is.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	re := &redactedError{msg: r.Redact(err.Error())}
	for _, target := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, target) {
			re.causes = append(re.causes, target)
		}
	}
	return re
}

// longest is the length of the longest form of any secret.
func (r *Redactor) longest() int {
	if r == nil || len(r.forms) == 0 {
		return 0
	}
	return len(r.forms[0])
}

type redactedError struct {
	msg    string
	causes []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.causes }
