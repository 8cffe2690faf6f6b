package logging

import (
	"context"
	"log/slog"
)

// ctxKey is the context key of the attributes With adds.
type ctxKey struct{}

// RequestIDKey is the attribute key of a request's ID in every log line of
// that request.
const RequestIDKey = "request_id"

// With returns ctx carrying attrs, which every line logged with ctx (the
// *Context methods of a logger from New) includes: a request's ID, a
// transfer's ID. Later attributes come after earlier ones.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	next := make([]slog.Attr, 0, len(prev)+len(attrs))
	next = append(append(next, prev...), attrs...)
	return context.WithValue(ctx, ctxKey{}, next)
}

// WithRequestID returns ctx carrying a request's ID (see With).
func WithRequestID(ctx context.Context, id string) context.Context {
	return With(ctx, slog.String(RequestIDKey, id))
}

// RequestID returns the request ID ctx carries, or "".
func RequestID(ctx context.Context) string {
	attrs, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	for _, a := range attrs {
		if a.Key == RequestIDKey {
			return a.Value.String()
		}
	}
	return ""
}

// contextHandler adds the attributes of the record's context to it, except
// those whose key the record already has (a caller that names the request
// ID itself does not get it twice).
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	attrs, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	if len(attrs) > 0 {
		have := map[string]bool{}
		r.Attrs(func(a slog.Attr) bool {
			have[a.Key] = true
			return true
		})
		for _, a := range attrs {
			if !have[a.Key] {
				r.AddAttrs(a)
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
