package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// The headers of every webhook request.
const (
	// HeaderEventID carries the event's ID, the same on every retry.
	HeaderEventID = "Hrconnect-Event-Id"
	// HeaderEvent carries the event's type, such as transfer.succeeded.
	HeaderEvent = "Hrconnect-Event"
	// HeaderTimestamp carries the time of the attempt, in Unix seconds; it
	// is signed, so a receiver can refuse a replayed request.
	HeaderTimestamp = "Hrconnect-Timestamp"
	// HeaderSignature carries "v1=" and the hex HMAC-SHA256, keyed with the
	// endpoint's secret, of the timestamp, ".", and the body.
	HeaderSignature = "Hrconnect-Signature"
)

// Sign returns the signature header's value for body sent at ts.
func Sign(secret string, ts time.Time, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify reports whether signature (the signature header) is body's, sent at
// timestamp (the timestamp header), signed with secret, and the timestamp is
// within tolerance of now. It is what a receiver written in Go can call;
// docs/webhooks.md shows the same steps for any language. A header may carry
// several comma-separated signatures (while a secret is replaced); one that
// matches is enough.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := mac(secret, timestamp, body)
	for _, s := range strings.Split(signature, ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(s), "v1=")
		if !ok {
			continue
		}
		if got, err := hex.DecodeString(hexSig); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}
