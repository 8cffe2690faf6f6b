package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"unicode/utf8"

	"hrconnect"
	"hrconnect/connect"
)

// maxInvokeResponseBytes bounds the reply body an invoke call returns: it is
// sent back inside our own JSON reply, so it must stay small.
const maxInvokeResponseBytes = 1 << 20

// invokeRequest is a call to make through a connection.
type invokeRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Query   map[string]string `json:"query"`
	// Body is a text body; BodyBase64 a binary one. Form is form fields,
	// sent as application/x-www-form-urlencoded. Set at most one.
	Body        string            `json:"body"`
	BodyBase64  string            `json:"body_base64"`
	Form        map[string]string `json:"form"`
	ContentType string            `json:"content_type"`
}

// invokeReply is the service's answer, whatever its status, with every
// credential of the connection redacted.
type invokeReply struct {
	Status     int                 `json:"status"`
	Headers    map[string][]string `json:"headers"`
	Body       string              `json:"body,omitempty"`
	BodyBase64 string              `json:"body_base64,omitempty"`
	Truncated  bool                `json:"truncated"`
	URL        string              `json:"url"`
}

func values(m map[string]string) url.Values {
	if len(m) == 0 {
		return nil
	}
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v
}

// invokeConnection calls a URL of the connection's service with its
// credentials injected (connect's Invoke): only URLs under the service's base
// URLs, refused with a 422 problem otherwise.
func (s *server) invokeConnection(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in invokeRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if in.URL == "" {
		return hrconnect.Invalid("url", "Enter the full URL to call; it must be under one of the service's base URLs (GET %s/services/{key} shows them).", Prefix)
	}
	req := &connect.InvokeRequest{Method: in.Method, URL: in.URL, Query: values(in.Query), Form: values(in.Form),
		ContentType: in.ContentType, MaxResponseBytes: maxInvokeResponseBytes}
	if len(in.Headers) > 0 {
		req.Header = http.Header{}
		for k, v := range in.Headers {
			req.Header.Set(k, v)
		}
	}
	switch {
	case in.Body != "" && in.BodyBase64 != "":
		return hrconnect.Invalid("body_base64", "Send either body (text) or body_base64 (binary), not both.")
	case in.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(in.BodyBase64)
		if err != nil {
			return hrconnect.Invalid("body_base64", "body_base64 is not valid standard base64: %v.", err)
		}
		req.Body = b
	case in.Body != "":
		req.Body = []byte(in.Body)
	}
	resp, err := s.conns.Invoke(r.Context(), p.tenant(), r.PathValue("id"), p.user(), req)
	if err != nil {
		return err
	}
	out := invokeReply{Status: resp.StatusCode, Headers: resp.Header, Truncated: resp.Truncated, URL: resp.URL}
	if out.Headers == nil {
		out.Headers = map[string][]string{}
	}
	if utf8.Valid(resp.Body) {
		out.Body = string(resp.Body)
	} else {
		out.BodyBase64 = base64.StdEncoding.EncodeToString(resp.Body)
	}
	return writeJSON(w, http.StatusOK, out)
}
