package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// apiHarness is a sandbox behind a real loopback HTTP server, for the People
// and Recruit tests.
type apiHarness struct {
	t      testing.TB
	s      *Server
	ts     *httptest.Server
	client *http.Client
}

func newAPIHarness(t testing.TB) *apiHarness {
	t.Helper()
	s := New()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	t.Cleanup(tr.CloseIdleConnections)
	return &apiHarness{t: t, s: s, ts: ts, client: &http.Client{Transport: tr}}
}

// token mints an access token of the DC's default organisation.
func (h *apiHarness) token(dc string, scopes ...string) string {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.mintLocked(dc, scopes...).token
}

// do sends a request and returns the status, headers and body.
func (h *apiHarness) do(method, path, token, contentType string, body io.Reader) (int, http.Header, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// postForm sends form as an URL-encoded body.
func (h *apiHarness) postForm(path, token string, form url.Values) (int, []byte) {
	h.t.Helper()
	status, _, body := h.do("POST", path, token, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	return status, body
}

// get sends a GET with query.
func (h *apiHarness) get(path, token string, query url.Values) (int, []byte) {
	h.t.Helper()
	if query != nil {
		path += "?" + query.Encode()
	}
	status, _, body := h.do("GET", path, token, "", nil)
	return status, body
}

// postJSON sends v as a JSON body.
func (h *apiHarness) postJSON(path, token string, v any) (int, []byte) {
	h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		h.t.Fatal(err)
	}
	status, _, body := h.do("POST", path, token, "application/json", bytes.NewReader(b))
	return status, body
}

// peopleReply is a People answer, decoded loosely so that tests can check
// every part of it.
type peopleReply struct {
	Response struct {
		Result  json.RawMessage `json:"result"`
		Message string          `json:"message"`
		URI     string          `json:"uri"`
		Errors  *struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"errors"`
		Status int `json:"status"`
	} `json:"response"`
}

func decodePeople(t testing.TB, body []byte) peopleReply {
	t.Helper()
	var r peopleReply
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("People answer is not JSON: %v\n%s", err, body)
	}
	return r
}

// errorCode returns the error code as text ("7051", `"INVALID_OAUTHTOKEN"`),
// or "" for a success.
func (r peopleReply) errorCode() string {
	if r.Response.Errors == nil {
		return ""
	}
	return string(r.Response.Errors.Code)
}

// pkID returns the pkId of an insert or update success.
func (r peopleReply) pkID(t testing.TB) string {
	t.Helper()
	var res struct {
		PkID string `json:"pkId"`
	}
	if err := json.Unmarshal(r.Response.Result, &res); err != nil || res.PkID == "" {
		t.Fatalf("no pkId in result %s (%v)", r.Response.Result, err)
	}
	return res.PkID
}

const peopleAPI = "/us/people/people/api"

// insertEmployee posts inputData to the employee form with the extra
// parameters and returns the HTTP status and the decoded answer.
func (h *apiHarness) insertEmployee(token, inputData string, extra ...string) (int, peopleReply) {
	h.t.Helper()
	form := url.Values{"inputData": {inputData}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	status, body := h.postForm(peopleAPI+"/forms/json/employee/insertRecord", token, form)
	return status, decodePeople(h.t, body)
}

// employeeJSON returns strict inputData for a valid employee.
func employeeJSON(id, email string) string {
	b, _ := json.Marshal(map[string]string{"EmployeeID": id, "FirstName": "Ada", "LastName": "Lovelace", "EmailID": email})
	return string(b)
}

// mustInsertEmployee inserts a valid employee and returns its record ID.
func (h *apiHarness) mustInsertEmployee(token, id, email string) string {
	h.t.Helper()
	status, r := h.insertEmployee(token, employeeJSON(id, email))
	if status != 200 || r.Response.Status != 0 {
		h.t.Fatalf("insert %s: HTTP %d %+v", id, status, r.Response)
	}
	return r.pkID(h.t)
}

// normJSON re-encodes JSON so that two documents compare equal when they hold
// the same values, whatever their spacing.
func normJSON(t testing.TB, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
