package webhook_test

import (
	"errors"
	"testing"
	"time"

	"hrconnect/webhook"
)

func errorAs[T error](err error, target *T) bool { return errors.As(err, target) }

// Verify accepts what Sign made and refuses any change: another body,
// timestamp or secret, a stale timestamp, a malformed header.
func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1","type":"transfer.succeeded"}`)
	sig := webhook.Sign("whsec_k", now, body)
	ts := "1800000000"
	if !webhook.Verify("whsec_k", ts, sig, body, now.Add(time.Minute), 5*time.Minute) {
		t.Fatal("a genuine signature is refused")
	}
	if !webhook.Verify("whsec_k", ts, "v1=00,"+sig, body, now, 5*time.Minute) {
		t.Fatal("a list holding the genuine signature is refused")
	}
	for name, ok := range map[string]bool{
		"body":      webhook.Verify("whsec_k", ts, sig, []byte(`{"id":"evt_2"}`), now, 5*time.Minute),
		"timestamp": webhook.Verify("whsec_k", "1800000001", sig, body, now, 5*time.Minute),
		"secret":    webhook.Verify("whsec_x", ts, sig, body, now, 5*time.Minute),
		"stale":     webhook.Verify("whsec_k", ts, sig, body, now.Add(6*time.Minute), 5*time.Minute),
		"no v1":     webhook.Verify("whsec_k", ts, sig[3:], body, now, 5*time.Minute),
		"bad ts":    webhook.Verify("whsec_k", "soon", sig, body, now, 5*time.Minute),
	} {
		if ok {
			t.Errorf("a changed %s verifies", name)
		}
	}
}
