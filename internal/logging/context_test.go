package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// Attributes carried by the context reach every line logged with it, once
// each, after the logger's own; secret ones are redacted like any other;
// a line that names the key itself keeps its own value.
func TestContextAttributes(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, Options{}).With("component", "test")
	ctx := WithRequestID(context.Background(), "req_abc12345")
	ctx = With(ctx, slog.String("transfer", "trf_1"), slog.String("api_token", "hrc_secret_value"))
	if got := RequestID(ctx); got != "req_abc12345" {
		t.Fatalf("RequestID = %q", got)
	}
	if got := RequestID(context.Background()); got != "" {
		t.Fatalf("RequestID of a bare context = %q", got)
	}
	log.InfoContext(ctx, "one")
	log.WithGroup("g").InfoContext(ctx, "two", "k", "v")
	log.InfoContext(ctx, "three", RequestIDKey, "req_own")
	log.Info("four") // no context: nothing added

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	for i, l := range lines {
		if strings.Contains(l, "hrc_secret_value") {
			t.Errorf("line %d shows a secret: %s", i+1, l)
		}
		if strings.Count(l, `"`+RequestIDKey+`"`) > 1 {
			t.Errorf("line %d names the request ID twice: %s", i+1, l)
		}
	}
	var one map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &one); err != nil {
		t.Fatal(err)
	}
	if one[RequestIDKey] != "req_abc12345" || one["transfer"] != "trf_1" || one["api_token"] != Redacted || one["component"] != "test" {
		t.Errorf("line 1 = %v", one)
	}
	if !strings.Contains(lines[1], "req_abc12345") {
		t.Errorf("a grouped logger's line lost the request ID: %s", lines[1])
	}
	if !strings.Contains(lines[2], `"req_own"`) || strings.Contains(lines[2], "req_abc12345") {
		t.Errorf("a line naming its own request ID got the context's too: %s", lines[2])
	}
	if strings.Contains(lines[3], "req_abc12345") {
		t.Errorf("a line logged without the context got its attributes: %s", lines[3])
	}
}
