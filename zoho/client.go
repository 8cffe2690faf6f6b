package zoho

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// DefaultTimeout bounds one call to Zoho, from dialling to the end of the
// reply, when the Config gives no HTTP client.
const DefaultTimeout = 30 * time.Second

// maxReply caps how much of a reply is read. The largest expected reply is a
// page of 200 Recruit candidates or People records, well under this.
const maxReply = 16 << 20

// Config configures a Client.
type Config struct {
	// Directory holds the data centres the client may talk to; nil means
	// Zoho's real ones (Real()).
	Directory *Directory
	// HTTPClient makes the requests; nil means a client with DefaultTimeout
	// over a clone of http.DefaultTransport. It is copied, not changed: the
	// copy never follows redirects, so a secret in a request body or header
	// cannot be carried to a host outside the Directory.
	HTTPClient *http.Client
	// UserAgent is sent with every request; empty means "hrconnect".
	UserAgent string
	// Observe, when set, is told of every call's endpoint and outcome
	// (metrics); see Observe.
	Observe Observe
}

// Client calls Zoho Accounts, People and Recruit for any number of
// connections: it holds no tokens, only the HTTP client, the Directory and the
// User-Agent, and every call takes the data centre and the credentials it
// needs. A Client is safe for concurrent use.
type Client struct {
	http      *http.Client
	tokenHTTP *http.Client // the same, with Zoho's token replies made readable for x/oauth2
	dir       *Directory
	userAgent string
	uaHeader  []string // userAgent as a header value, shared by every request
}

// Header values every request shares (see send).
var (
	acceptJSON  = []string{"application/json"}
	contentForm = []string{formURLEncoded}
)

// NewClient returns a Client for cfg.
func NewClient(cfg Config) *Client {
	c := &Client{dir: cfg.Directory, userAgent: cfg.UserAgent}
	if c.dir == nil {
		c.dir = Real()
	}
	if c.userAgent == "" {
		c.userAgent = "hrconnect"
	}
	c.uaHeader = []string{c.userAgent}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Inserts go to a handful of hosts at high rates; keep enough idle
		// connections per host that bursts do not redial.
		t.MaxIdleConnsPerHost = 64
		hc.Transport = t
		hc.Timeout = DefaultTimeout
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if cfg.Observe != nil {
		hc.Transport = observed(hc.Transport, cfg.Observe)
	}
	c.http = &hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	tc := hc
	tc.Transport = &tokenTransport{base: base, userAgent: c.userAgent, dir: c.dir}
	c.tokenHTTP = &tc
	return c
}

// Directory returns the client's Directory.
func (c *Client) Directory() *Directory { return c.dir }

// checkDC refuses a data centre that is not one of the Directory's own, before
// anything is sent.
func (c *Client) checkDC(op string, dc DataCentre) *Error {
	if c.dir.Has(dc) {
		return nil
	}
	return &Error{
		Op: op, DC: dc.Location, Class: ClassConfig, Err: ErrHostNotAllowed,
		Message:    "The data centre " + clip(dc.Location, 16) + " with these URLs is not one hrconnect knows, so nothing was sent.",
		Resolution: "Choose the data centre from hrconnect's list; a data centre's URLs cannot be set by hand.",
	}
}

// bufPool holds buffers for reading replies and building request bodies, so
// that a busy client does not allocate a fresh one per call.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

func putBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // let an unusually large one go rather than pin it
	}
	b.Reset()
	bufPool.Put(b)
}

// reply is a read HTTP reply: its status, the headers hrconnect uses, and its
// body in a pooled buffer that the caller must release.
type reply struct {
	status     int
	retryAfter time.Duration
	body       *bytes.Buffer
}

func (r *reply) release() {
	if r.body != nil {
		putBuf(r.body)
		r.body = nil
	}
}

// send performs one request, with the "Zoho-oauthtoken" header when
// accessToken is set, and reads the whole reply. body may be nil; contentType goes with it. Errors are
// transport errors (no reply): the caller turns them into an *Error.
func (c *Client) send(ctx context.Context, method, url, accessToken, contentType string, body []byte) (reply, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return reply{}, err
	}
	// The constant header values are shared, read-only slices: net/http never
	// changes a request's headers, and sharing saves allocations per call.
	h := req.Header
	h["User-Agent"] = c.uaHeader
	h["Accept"] = acceptJSON
	if accessToken != "" {
		h["Authorization"] = []string{"Zoho-oauthtoken " + accessToken}
	}
	switch contentType {
	case "":
	case formURLEncoded:
		h["Content-Type"] = contentForm
	default:
		h["Content-Type"] = []string{contentType}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	buf := getBuf()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxReply)); err != nil {
		putBuf(buf)
		return reply{}, err
	}
	return reply{status: resp.StatusCode, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After")), body: buf}, nil
}

// ctxErr prefers the context's error to the transport's: "context deadline
// exceeded" says more than a read error on a connection the deadline closed.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return errors.Join(cerr, err)
	}
	return err
}

// oauthContext returns ctx carrying the HTTP client x/oauth2 must use.
func (c *Client) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.tokenHTTP)
}
