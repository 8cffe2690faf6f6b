package zoho

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// Observe is told of every HTTP call a Client makes to Zoho, once its reply
// is read: the endpoint (a fixed name such as "token", "insertRecord",
// "getRecords" or "recruit.searchCandidates", never a URL), and the outcome:
// "ok", "network_error" (no reply), or the Class of Zoho's refusal ("retry",
// "reauth", "reconnect", "data", "config"). Neither carries a tenant, a
// token or a query, so both are safe as metric labels.
type Observe func(endpoint, outcome string)

// Endpoint and outcome names an Observe receives besides the Class names.
const (
	OutcomeOK           = "ok"
	OutcomeNetworkError = "network_error"
	// EndpointOther is a URL the client does not name (never expected).
	EndpointOther = "other"
)

// observeTransport tells an Observe of each round trip. It wraps the
// transport under everything else, so it sees Zoho's replies as they come
// (before tokenTransport rewrites refusals sent as 2xx), and classifies them
// with the same decoders the calls use. It is only installed when
// Config.Observe is set: reading the reply twice is its cost.
type observeTransport struct {
	base    http.RoundTripper
	observe Observe
}

func observed(base http.RoundTripper, o Observe) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &observeTransport{base: base, observe: o}
}

func (t *observeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	endpoint := endpointOf(req.Method, req.URL.Path)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.observe(endpoint, OutcomeNetworkError)
		return resp, err
	}
	buf := getBuf()
	_, rerr := buf.ReadFrom(io.LimitReader(resp.Body, maxReply))
	resp.Body.Close()
	body := &pooledBody{Reader: bytes.NewReader(buf.Bytes()), buf: buf}
	resp.Body = body
	if rerr != nil {
		// The caller reads the same truncated body and fails as a
		// transport error: count it as one.
		body.err = rerr
		t.observe(endpoint, OutcomeNetworkError)
		return resp, nil
	}
	t.observe(endpoint, outcomeOf(endpoint, resp.StatusCode, buf.Bytes()))
	return resp, nil
}

// pooledBody is a reply read into a pooled buffer, handed back on Close.
// err, when set, is returned after the bytes, as the original body did.
type pooledBody struct {
	*bytes.Reader
	buf *bytes.Buffer
	err error
}

func (b *pooledBody) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	if err == io.EOF && b.err != nil {
		return n, b.err
	}
	return n, err
}

func (b *pooledBody) Close() error {
	if b.buf != nil {
		b.Reader.Reset(nil)
		putBuf(b.buf)
		b.buf = nil
	}
	return nil
}

// endpointOf names the Zoho endpoint of a request path, from a fixed set.
func endpointOf(method, path string) string {
	switch {
	case strings.HasSuffix(path, "/oauth/v2/token"):
		return "token"
	case strings.HasSuffix(path, "/oauth/v2/token/revoke"):
		return "revoke"
	case strings.Contains(path, peopleReadPath):
		switch m := path[strings.LastIndexByte(path, '/')+1:]; m {
		case "insertRecord", "updateRecord", "getRecords", "getRecordByID":
			return m
		}
	case strings.Contains(path, recruitPath):
		rest := path[strings.Index(path, recruitPath)+len(recruitPath):]
		switch {
		case rest == "" && method == http.MethodPost:
			return "recruit.insertCandidates"
		case rest == "":
			return "recruit.listCandidates"
		case rest == "/search":
			return "recruit.searchCandidates"
		default:
			return "recruit.getCandidate"
		}
	}
	return EndpointOther
}

// outcomeOf classifies a reply the way the client's calls do.
func outcomeOf(endpoint string, status int, body []byte) string {
	switch {
	case endpoint == "token":
		if _, f := decodeTokenReply(status, body); f != nil {
			return tokenError("", DataCentre{}, true, f).Class.String()
		}
	case endpoint == "revoke":
		if status/100 != 2 {
			return classOfStatus(status)
		}
	case strings.HasPrefix(endpoint, "recruit."):
		if _, zerr := decodeRecruit("", "", status, body); zerr != nil {
			return zerr.Class.String()
		}
	case endpoint == EndpointOther:
		if status/100 != 2 {
			return classOfStatus(status)
		}
	default: // People
		if status == http.StatusOK {
			if _, ok := writtenID(body); ok {
				return OutcomeOK
			}
		}
		if _, zerr := decodePeople("", "", status, body, nil); zerr != nil && zerr.Code != peopleErrNoRecords {
			return zerr.Class.String()
		}
	}
	return OutcomeOK
}

// classOfStatus is the class of a refusal known only by its HTTP status.
func classOfStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return ClassReauth.String()
	case status == http.StatusTooManyRequests || status >= 500:
		return ClassRetry.String()
	default:
		return ClassConfig.String()
	}
}
