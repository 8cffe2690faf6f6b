package connect

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hrconnect"
)

const (
	// DefaultTimeout bounds a call made with a nil *http.Client.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResponseBytes is how much of a reply body Invoke keeps when
	// the request does not say.
	DefaultMaxResponseBytes = 10 << 20
	// maxRedirects is net/http's own limit, kept when hrconnect takes over
	// the redirect policy.
	maxRedirects = 10
	// maxDescribedBody is the largest body quoted in a request description.
	maxDescribedBody = 4 << 10

	formContentType = "application/x-www-form-urlencoded"
)

// Injection is the plaintext credentials of one call. Only the fields of the
// service's AuthType are used; every non-empty field is redacted from what
// Invoke returns, whatever the type.
type Injection struct {
	// Basic: a user name (which must not contain ':', RFC 7617) and a
	// password (which may be empty, for services that take an API key as
	// the user name).
	Username string
	Password string
	// API key: sent under the service's ParamName, after its TokenPrefix.
	APIKey string
	// OAuth 1.0a: the consumer (the app registered with the service, its
	// ClientID and client secret) and the connection's token credentials.
	ConsumerKey    string
	ConsumerSecret string
	Token          string
	TokenSecret    string
	// OAuth 2.0: a valid access token, obtained by the caller.
	AccessToken string
}

// Redactor returns a Redactor for every credential in the injection.
func (in *Injection) Redactor() *Redactor {
	return NewRedactor(in.APIKey, in.ConsumerKey, in.ConsumerSecret, in.Token, in.TokenSecret, in.AccessToken).
		AddBasic(in.Username, in.Password)
}

// check says which credential the service's auth type needs and lacks.
func (in *Injection) check(svc *hrconnect.Service) error {
	missing := func(what string) error {
		return hrconnect.Invalid("credentials", "The connection to %s has no %s: enter it in the connection (or connect again) before calling the service.", svc.Name, what)
	}
	switch svc.AuthType {
	case hrconnect.AuthBasic:
		if in.Username == "" {
			return missing("user name")
		}
		if strings.Contains(in.Username, ":") {
			return hrconnect.Invalid("credentials", "Basic authentication cannot carry a user name containing ':' (RFC 7617): check the connection's user name.")
		}
	case hrconnect.AuthAPIKey:
		if in.APIKey == "" {
			return missing("API key")
		}
		if svc.ParamType == hrconnect.ParamHeader && !validHeaderValue(svc.TokenPrefix+in.APIKey) {
			return hrconnect.Invalid("credentials", "The API key contains a line break or control character and cannot be sent in a header: paste it again.")
		}
	case hrconnect.AuthOAuth1:
		switch {
		case in.ConsumerKey == "" || in.ConsumerSecret == "":
			return missing("OAuth 1.0a consumer key and secret")
		case in.Token == "" || in.TokenSecret == "":
			return missing("OAuth 1.0a access token")
		}
	case hrconnect.AuthOAuth2:
		if in.AccessToken == "" {
			return missing("OAuth 2.0 access token")
		}
		if svc.ParamType == hrconnect.ParamHeader && !validHeaderValue(svc.TokenPrefix+in.AccessToken) {
			return hrconnect.Invalid("credentials", "The access token contains a line break or control character and cannot be sent in a header.")
		}
	}
	return nil
}

// InvokeRequest is a call to make to a service.
type InvokeRequest struct {
	// Method is the HTTP method: GET (when empty), HEAD, POST, PUT, PATCH,
	// DELETE or OPTIONS.
	Method string
	// URL is the absolute URL to call; it must be under one of the service's
	// base URLs. Its query string is parsed and written again, with Query's
	// values added.
	URL    string
	Header http.Header
	Query  url.Values
	// Body is the request body, of type ContentType (or Header's
	// Content-Type). Form is an alternative: form fields, sent as
	// application/x-www-form-urlencoded. Set at most one of them.
	Body        []byte
	Form        url.Values
	ContentType string
	// MaxResponseBytes bounds the reply body kept; 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// InvokeResponse is a service's reply. A reply is returned whatever its
// status: a 4xx or 5xx is the service's answer, not a failure to call it.
//
// Header and Body have every injected credential redacted: a service that
// echoes the request (or lists keys) must not show one connection user the
// credentials of the connection's owner.
type InvokeResponse struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// Truncated reports that the body was longer than MaxResponseBytes and
	// was cut there.
	Truncated bool
	// URL is the URL that answered (after redirects), redacted.
	URL string
	// Request describes the request as sent (method, URL, headers set by
	// hrconnect and the caller, and a text body), redacted: for logs and
	// for showing a person what was called.
	Request string
}

// Invoke calls a URL of svc with the connection's credentials injected where
// svc's ParamType says (RFC 7617, RFC 5849 §3.5, RFC 6750 §2):
//
//   - Basic: "Authorization: Basic …" (headers only: see below).
//   - API key: the header, query parameter or form field named ParamName,
//     with TokenPrefix before the key when one is set.
//   - OAuth 1.0a: signed with HMAC-SHA1 (github.com/dghubble/oauth1); the
//     protocol parameters go in "Authorization: OAuth …" for headers, or in
//     the query string or form for those param types. Form bodies are
//     covered by the signature.
//   - OAuth 2.0: ParamName: TokenPrefix+token ("Authorization: Bearer …" by
//     default) for headers, "access_token" in the query or form otherwise.
//
// Basic with query or form is refused: Basic is an Authorization header
// scheme, and one ParamName cannot name both a user name and a password.
// Form data needs a POST, PUT or PATCH with a form body (or none).
//
// Nothing is sent unless the URL is under one of svc's base URLs (see
// URLGuard). Redirects are followed only while they stay under the base
// URLs, and never with the credentials: the injected header, query
// parameters and form fields are taken off the redirected request (an OAuth
// 1.0a signature would not match it anyway), and so is the Referer net/http
// adds, which repeats the previous URL and its query. A service that needs
// the redirected request authenticated can be invoked at the new URL.
//
// svc is normalised and validated on a copy; the built-in Zoho services have
// no base URLs of their own, so set a data centre's on a copy first. client
// may be nil (a client with DefaultTimeout); its CheckRedirect, if any, is
// consulted after hrconnect's. Errors are *hrconnect.Error (EINVALID: the
// request, service or credentials must change; EUNAVAILABLE: the service
// could not be reached), and no error or returned field contains a
// credential.
func Invoke(ctx context.Context, client *http.Client, svc *hrconnect.Service, creds Injection, req *InvokeRequest) (*InvokeResponse, error) {
	red := creds.Redactor()
	if svc == nil {
		return nil, hrconnect.Invalid("service", "No service to call.")
	}
	if req == nil {
		return nil, hrconnect.Invalid("request", "No request to send.")
	}
	s := *svc
	s.BaseURLs = slices.Clone(svc.BaseURLs)
	s.Scopes = slices.Clone(svc.Scopes)
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, redactError(red, err)
	}
	if err := creds.check(&s); err != nil {
		return nil, err
	}
	c, err := prepare(&s, &creds, req)
	if err != nil {
		return nil, redactError(red, err)
	}

	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, c.method, c.url.String(), body)
	if err != nil {
		return nil, redactError(red, hrconnect.Invalid("url", "The request cannot be built: %v", err))
	}
	hreq.Header = c.header
	described := red.Redact(describe(hreq, c.body))

	resp, err := c.client(client).Do(hreq)
	if err != nil {
		var refused *redirectRefusedError
		if errors.As(err, &refused) {
			return nil, &hrconnect.Error{
				Code:       hrconnect.EINVALID,
				Field:      "url",
				Message:    red.Redact(fmt.Sprintf("%s redirected the call to %s, which is outside its base URLs (%s); the redirect was not followed, so no credentials went there.", s.Name, display(refused.to), c.guard)),
				Resolution: "If that URL belongs to the same service, add its prefix to the service's base URLs.",
				Err:        red.Error(err),
			}
		}
		return nil, &hrconnect.Error{
			Code:       hrconnect.EUNAVAILABLE,
			Message:    red.Redact(fmt.Sprintf("Could not call %s: %v.", s.Name, unwrapURLError(err))),
			Resolution: "Check the URL, or try again later.",
			Err:        red.Error(err),
		}
	}
	defer resp.Body.Close()

	limit := req.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	// Read a little beyond the limit, so that a secret straddling it is
	// still whole when redacted, and cut afterwards.
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+int64(red.longest())+1))
	if err != nil {
		return nil, &hrconnect.Error{
			Code:       hrconnect.EUNAVAILABLE,
			Message:    red.Redact(fmt.Sprintf("The reply of %s broke off: %v.", s.Name, err)),
			Resolution: "Try again later.",
			Err:        red.Error(err),
		}
	}
	truncated := int64(len(data)) > limit
	data = red.RedactBytes(data)
	if int64(len(data)) > limit {
		data = data[:limit]
	}
	return &InvokeResponse{
		StatusCode: resp.StatusCode,
		Header:     red.RedactHeader(resp.Header),
		Body:       data,
		Truncated:  truncated,
		URL:        red.Redact(resp.Request.URL.String()),
		Request:    described,
	}, nil
}

// call is a request ready to send, and what to take off it on a redirect.
type call struct {
	svc    *hrconnect.Service
	guard  *URLGuard
	method string
	url    *url.URL
	header http.Header
	body   []byte
	// bareBody is body without the injected credentials, for a redirect
	// that sends the body again (307, 308).
	bareBody []byte
	// credHeaders, credQuery and credQueryPrefix name what carries
	// credentials, to strip on a redirect.
	credHeaders     []string
	credQuery       []string
	credQueryPrefix string
}

// prepare checks req against the service and builds the request to send,
// with the credentials injected.
func prepare(s *hrconnect.Service, in *Injection, req *InvokeRequest) (*call, error) {
	c := &call{svc: s}
	c.method = strings.ToUpper(strings.TrimSpace(req.Method))
	switch c.method {
	case "":
		c.method = http.MethodGet
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		return nil, hrconnect.Invalid("method", "Method %q is not supported: use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS.", clip(req.Method))
	}

	guard, err := NewURLGuard(s.BaseURLs)
	if err != nil {
		return nil, hrconnect.Invalid("base_urls", "The base URLs of %s are not usable: %v.", s.Name, err)
	}
	c.guard = guard
	raw, err := url.Parse(strings.TrimSpace(req.URL))
	if err != nil {
		return nil, hrconnect.Invalid("url", "The URL is not valid: enter a full URL under %s.", guard)
	}
	u, err := guard.Check(raw)
	if errors.Is(err, ErrOutsideBaseURLs) {
		return nil, hrconnect.Invalid("url", "%v: %s's credentials are only sent there. Call a URL under one of them, or add the URL's prefix to the service's base URLs.", err, s.Name)
	}
	if err != nil {
		return nil, hrconnect.Invalid("url", "The URL cannot be called with %s's credentials: %v.", s.Name, err)
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, hrconnect.Invalid("url", "The URL's query string is not valid (%v): encode '&', '=', ';' and '%%' in values.", err)
	}
	for k, vs := range req.Query {
		query[k] = append(query[k], vs...)
	}

	c.header = req.Header.Clone()
	if c.header == nil {
		c.header = http.Header{}
	}
	contentType := req.ContentType
	if contentType == "" {
		contentType = c.header.Get("Content-Type")
	}
	var form url.Values // the body as form fields, when it is a form
	switch {
	case req.Form != nil && len(req.Body) > 0:
		return nil, hrconnect.Invalid("body", "Send either a body or form fields, not both.")
	case req.Form != nil:
		form = cloneValues(req.Form)
	case len(req.Body) > 0:
		c.body = slices.Clone(req.Body)
		if mt, _, _ := mime.ParseMediaType(contentType); mt == formContentType {
			if form, err = url.ParseQuery(string(req.Body)); err != nil {
				return nil, hrconnect.Invalid("body", "The body is declared as form data (%s) but is not valid form data: %v.", formContentType, err)
			}
		}
	}

	if s.ParamType == hrconnect.ParamForm {
		switch c.method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
		default:
			return nil, hrconnect.Invalid("method", "%s takes its credentials as form data in the request body, and %s requests have no body: use POST, PUT or PATCH.", s.Name, c.method)
		}
		if form == nil && len(c.body) > 0 {
			return nil, hrconnect.Invalid("body", "%s takes its credentials as form data, so the body must be %s, not %q: send the data as form fields, or define the service with param type header.", s.Name, formContentType, clip(contentType))
		}
		if form == nil {
			form = url.Values{}
		}
	}

	if err := c.checkReserved(query, form); err != nil {
		return nil, err
	}
	if form != nil {
		// One exact content type: a parameter such as "; charset=utf-8" adds
		// nothing to a form (always UTF-8) and would keep OAuth 1.0a signers
		// (dghubble/oauth1's, and many servers') from covering the body.
		c.header.Set("Content-Type", formContentType)
		c.bareBody = []byte(form.Encode())
	} else {
		if contentType != "" {
			c.header.Set("Content-Type", contentType)
		}
		c.bareBody = c.body
	}
	u.RawQuery = query.Encode()

	if err := c.inject(in, u, query, form); err != nil {
		return nil, err
	}
	c.url = u
	if form != nil {
		c.body = []byte(form.Encode())
	}
	return c, nil
}

// checkReserved refuses a request that already sets what carries the
// credentials: hrconnect would have to overwrite it or send both, and either
// hides a mistake. For OAuth 1.0a it also refuses a parameter given twice,
// which dghubble/oauth1 signs as if it were given once.
func (c *call) checkReserved(query, form url.Values) error {
	s := c.svc
	switch s.AuthType {
	case hrconnect.AuthBasic:
		c.credHeaders = []string{"Authorization"}
	case hrconnect.AuthAPIKey, hrconnect.AuthOAuth2:
		if s.ParamType == hrconnect.ParamHeader {
			c.credHeaders = []string{s.ParamName}
		} else {
			// Query, and form too: a service may echo a form credential
			// into the URL it redirects to.
			c.credQuery = []string{s.ParamName}
		}
	case hrconnect.AuthOAuth1:
		if s.ParamType == hrconnect.ParamHeader {
			c.credHeaders = []string{"Authorization"}
		}
		c.credQueryPrefix = "oauth_"
	}
	for _, h := range c.credHeaders {
		if _, ok := c.header[http.CanonicalHeaderKey(h)]; ok {
			return hrconnect.Invalid("header", "The request sets the %s header, which carries the credentials of %s: remove it, hrconnect adds it.", h, s.Name)
		}
	}
	if s.AuthType == hrconnect.AuthAPIKey || s.AuthType == hrconnect.AuthOAuth2 {
		if _, ok := query[s.ParamName]; ok && s.ParamType == hrconnect.ParamQuery {
			return hrconnect.Invalid("query", "The request sets the query parameter %q, which carries the credentials of %s: remove it, hrconnect adds it.", s.ParamName, s.Name)
		}
		if _, ok := form[s.ParamName]; ok && s.ParamType == hrconnect.ParamForm {
			return hrconnect.Invalid("body", "The request sets the form field %q, which carries the credentials of %s: remove it, hrconnect adds it.", s.ParamName, s.Name)
		}
	}
	if s.AuthType != hrconnect.AuthOAuth1 {
		return nil
	}
	for k, vs := range query {
		if strings.HasPrefix(k, "oauth_") {
			return hrconnect.Invalid("query", "The request sets %q: parameters starting with \"oauth_\" are OAuth 1.0a's, and hrconnect adds them.", k)
		}
		if len(vs) > 1 || form.Has(k) {
			return hrconnect.Invalid("query", "The parameter %q is given more than once; OAuth 1.0a requests signed by hrconnect take each parameter name once.", k)
		}
	}
	for k, vs := range form {
		if strings.HasPrefix(k, "oauth_") {
			return hrconnect.Invalid("body", "The request sets %q: fields starting with \"oauth_\" are OAuth 1.0a's, and hrconnect adds them.", k)
		}
		if len(vs) > 1 {
			return hrconnect.Invalid("body", "The form field %q is given more than once; OAuth 1.0a requests signed by hrconnect take each field name once.", k)
		}
	}
	return nil
}

// inject adds the credentials to the header, u's query or the form. query
// and form are the request's, without credentials; u.RawQuery is query
// encoded.
func (c *call) inject(in *Injection, u *url.URL, query, form url.Values) error {
	s := c.svc
	switch s.AuthType {
	case hrconnect.AuthBasic:
		// Validate allows Basic only in headers.
		c.header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(in.Username+":"+in.Password)))

	case hrconnect.AuthAPIKey, hrconnect.AuthOAuth2:
		secret := in.APIKey
		if s.AuthType == hrconnect.AuthOAuth2 {
			secret = in.AccessToken
		}
		value := s.TokenPrefix + secret
		switch s.ParamType {
		case hrconnect.ParamHeader:
			c.header.Set(s.ParamName, value)
		case hrconnect.ParamQuery:
			query.Set(s.ParamName, value)
			u.RawQuery = query.Encode()
		case hrconnect.ParamForm:
			form.Set(s.ParamName, value)
		}

	case hrconnect.AuthOAuth1:
		// The signature covers the form only when the body is one.
		header, params, err := signOAuth1(in, c.method, u, form)
		if err != nil {
			return hrconnect.Invalid("credentials", "The request could not be signed: %v.", err)
		}
		switch s.ParamType {
		case hrconnect.ParamHeader:
			c.header.Set("Authorization", header)
		case hrconnect.ParamQuery:
			for _, p := range params {
				query.Add(p.name, p.value)
			}
			u.RawQuery = query.Encode()
		case hrconnect.ParamForm:
			for _, p := range params {
				form.Add(p.name, p.value)
			}
		}
	}
	return nil
}

// client returns the client to send c with: base's transport, jar and
// timeout, under hrconnect's redirect policy.
func (c *call) client(base *http.Client) *http.Client {
	if base == nil {
		base = &http.Client{Timeout: DefaultTimeout}
	}
	next := base.CheckRedirect
	out := *base
	out.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		n, err := c.guard.Check(r.URL)
		if err != nil {
			return &redirectRefusedError{to: r.URL}
		}
		r.URL = n
		c.strip(r)
		if next != nil {
			return next(r, via)
		}
		return nil
	}
	return &out
}

// strip takes the credentials off a redirected request.
func (c *call) strip(r *http.Request) {
	for _, h := range c.credHeaders {
		r.Header.Del(h)
	}
	// net/http sets Referer to the previous URL, query credentials and all.
	r.Header.Del("Referer")
	if len(c.credQuery) > 0 || c.credQueryPrefix != "" {
		q := r.URL.Query()
		changed := false
		for k := range q {
			if slices.Contains(c.credQuery, k) || c.credQueryPrefix != "" && strings.HasPrefix(k, c.credQueryPrefix) {
				q.Del(k)
				changed = true
			}
		}
		if changed {
			r.URL.RawQuery = q.Encode()
		}
	}
	// A 307 or 308 sends the body again; send it without the credentials.
	if r.Body != nil && r.Body != http.NoBody && c.svc.ParamType == hrconnect.ParamForm {
		r.Body.Close()
		bare := c.bareBody
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(bare)), nil }
		r.Body, _ = r.GetBody()
		r.ContentLength = int64(len(bare))
	}
}

// redirectRefusedError is a redirect to outside the base URLs.
type redirectRefusedError struct{ to *url.URL }

func (e *redirectRefusedError) Error() string {
	return "redirect to " + display(e.to) + " refused: outside the service's base URLs"
}

// describe writes a request as sent, for a person: it must be redacted.
func describe(r *http.Request, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	if len(body) > 0 {
		b.WriteString("\n")
		ct := r.Header.Get("Content-Type")
		if isText(ct) && len(body) <= maxDescribedBody && utf8.Valid(body) {
			b.Write(body)
			b.WriteString("\n")
		} else {
			if ct == "" {
				ct = "data"
			}
			fmt.Fprintf(&b, "[%d bytes of %s]\n", len(body), ct)
		}
	}
	return b.String()
}

func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == formContentType || mt == "application/json" ||
		strings.HasSuffix(mt, "+json") || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// method and the whole URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactError returns err with every secret taken out of its message,
// resolution and cause.
func redactError(red *Redactor, err error) error {
	var e *hrconnect.Error
	if !errors.As(err, &e) {
		return red.Error(err)
	}
	out := *e
	out.Message = red.Redact(e.Message)
	out.Resolution = red.Redact(e.Resolution)
	if e.Err != nil {
		out.Err = red.Error(e.Err)
	}
	return &out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// validHeaderValue reports whether v can be sent as a header value: no
// control characters other than tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const n = 60
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
