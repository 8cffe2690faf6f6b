package connect

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// URLGuard decides which URLs a service's credentials may be sent to: those
// under one of its base URLs. A URL is under a base URL when, both
// normalised, the scheme and host (with port) are equal and the base's path
// is a prefix of the URL's path ending at a segment boundary. So
// "https://api.example.com/v1" allows "https://api.example.com/v1" and
// "https://api.example.com/v1/users", but not "https://api.example.com/v10",
// "https://api.example.com.evil.test/v1", "http://api.example.com/v1" nor
// "https://api.example.com/v1/../admin".
//
// A URLGuard is immutable and safe for concurrent use.
type URLGuard struct {
	bases []*url.URL // normalised, path without a trailing slash
}

// NewURLGuard returns a guard for the given base URLs. Each must be an
// absolute http or https URL without user info, query or fragment; the
// stricter rules for a service definition (https only, except on loopback)
// are hrconnect.Service.Validate's.
func NewURLGuard(baseURLs []string) (*URLGuard, error) {
	if len(baseURLs) == 0 {
		return nil, errors.New("the service has no base URLs, so no URL may receive its credentials: add the URL prefix of the service's API to its definition")
	}
	g := &URLGuard{}
	for _, raw := range baseURLs {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("base URL %q is not a valid URL", raw)
		}
		if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			return nil, fmt.Errorf("base URL %q must not have a query or fragment", raw)
		}
		n, err := NormalizeURL(u)
		if err != nil {
			return nil, fmt.Errorf("base URL %q: %w", raw, err)
		}
		n.RawPath = strings.TrimRight(n.EscapedPath(), "/")
		n.Path, _ = url.PathUnescape(n.RawPath) // valid: NormalizeURL produced it
		g.bases = append(g.bases, n)
	}
	return g, nil
}

// Check returns the normalised form of u when it is under one of the base
// URLs, and an error saying why otherwise. Send the returned URL, not u: it
// is the one that was checked (dot-segments resolved, encodings normalised),
// so a server cannot read it differently.
func (g *URLGuard) Check(u *url.URL) (*url.URL, error) {
	n, err := NormalizeURL(u)
	if err != nil {
		return nil, err
	}
	for _, b := range g.bases {
		if n.Scheme != b.Scheme || n.Host != b.Host {
			continue
		}
		bp, p := b.EscapedPath(), n.EscapedPath()
		if bp == "" || p == bp || strings.HasPrefix(p, bp+"/") {
			return n, nil
		}
	}
	return nil, fmt.Errorf("%s is %w (%s)", display(n), ErrOutsideBaseURLs, g)
}

// ErrOutsideBaseURLs is in the chain of URLGuard.Check's error for a URL
// that is valid but under none of the base URLs.
var ErrOutsideBaseURLs = errors.New("outside the service's base URLs")

// String lists the base URLs, for messages.
func (g *URLGuard) String() string {
	s := make([]string, len(g.bases))
	for i, b := range g.bases {
		s[i] = b.String()
	}
	return strings.Join(s, ", ")
}

// NormalizeURL returns u in the normal form URLGuard compares and sends
// (RFC 3986 §6.2.2): lower-case scheme and host, no default port, percent
// encodings of unreserved characters decoded and the others in upper case,
// dot-segments removed, an empty path as "/", and no fragment. It refuses
// what must never carry credentials: a scheme other than http or https, user
// info (which would also add a Basic Authorization header of its own), an
// opaque or host-less URL, and a path segment that only becomes a
// dot-segment once decoded ("..%2Fadmin"), which some servers resolve after
// decoding.
func NormalizeURL(u *url.URL) (*url.URL, error) {
	if u == nil {
		return nil, errors.New("no URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return nil, fmt.Errorf("%s is not an http or https URL", display(u))
	}
	if u.User != nil {
		return nil, fmt.Errorf("the URL carries a user name or password (the part before '@', in front of host %q): credentials go in the connection, never in a URL", u.Host)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%s is not an absolute URL with a host", display(u))
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); port == "" && strings.HasSuffix(host, ":") ||
		scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	p, err := normalizePath(u.EscapedPath())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display(u), err)
	}
	n, err := url.Parse(scheme + "://" + host + p)
	if err != nil || n.Host != host {
		return nil, fmt.Errorf("%s is not a valid URL", display(u))
	}
	n.RawQuery = u.RawQuery
	return n, nil
}

// normalizePath normalises an escaped path: see NormalizeURL.
func normalizePath(escaped string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(escaped) || !isHex(escaped[i+1]) || !isHex(escaped[i+2]) {
			return "", errors.New("the path has an invalid percent-encoding")
		}
		d := unhex(escaped[i+1])<<4 | unhex(escaped[i+2])
		if isUnreserved(d) {
			b.WriteByte(d)
		} else {
			b.WriteString(strings.ToUpper(escaped[i : i+3]))
		}
		i += 2
	}
	segs := strings.Split(b.String(), "/")
	// RFC 3986 §5.2.4, on segments: "." vanishes, ".." removes the segment
	// before it, and neither may climb above the root.
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			dec, err := url.PathUnescape(s)
			if err != nil {
				return "", errors.New("the path has an invalid percent-encoding")
			}
			if strings.ContainsAny(dec, "/\\") {
				for _, part := range strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' }) {
					if part == "." || part == ".." {
						return "", errors.New("the path hides a '..' segment behind an encoded slash")
					}
				}
			}
			out = append(out, s)
		}
	}
	p := strings.Join(out, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// isUnreserved reports whether c is an RFC 3986 §2.3 unreserved character,
// whose percent-encoded and plain forms are the same URL.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// display returns u for a message: without user info, which may hold a
// secret (some services take an API key as the user name).
func display(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	c := *u
	c.User = nil
	return c.String()
}
