package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretAttributesAreRedacted(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, Options{Level: slog.LevelDebug})
	log.Info("exchange", "client_secret", "s3cr3t-1", "refresh_token", "1000.rt", "code", "1000.code",
		slog.Group("req", "Authorization", "Zoho-oauthtoken 1000.at"), "status_code", 200, "connection", "con_1")
	out := buf.String()
	for _, s := range []string{"s3cr3t-1", "1000.rt", "1000.code", "1000.at"} {
		if strings.Contains(out, s) {
			t.Errorf("log line contains secret %q: %s", s, out)
		}
	}
	for _, keep := range []string{`"status_code":200`, `"connection":"con_1"`} {
		if !strings.Contains(out, keep) {
			t.Errorf("log line lost %s: %s", keep, out)
		}
	}
}

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"client_secret": true, "accessToken": true, "Password": true, "X-API-Key": true, "api_key": true,
		"code": true, "error_code": false, "tenant": false, "Cookie": true,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}
