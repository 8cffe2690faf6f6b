package hrconnect

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a service definition. They keep definitions small enough to show
// on one page and to store without surprises; real services are far below them.
const (
	maxServiceNameLen = 50
	maxServiceKeyLen  = 50
	maxParamNameLen   = 100
	maxTokenPrefixLen = 50
	maxURLLen         = 2048
	maxBaseURLs       = 20
	maxScopes         = 100
	maxScopeLen       = 200
	maxClientIDLen    = 500
)

// defaultServices are the built-in services. Their URLs depend on the Zoho
// data centre of each connection, so the zoho package resolves them; that is
// why BaseURLs and the OAuth URLs are empty here.
var defaultServices = []Service{
	{
		Key:            ServiceZohoPeople,
		Name:           "Zoho People",
		AuthType:       AuthOAuth2,
		ParamType:      ParamHeader,
		ParamName:      "Authorization",
		TokenPrefix:    "Zoho-oauthtoken ",
		Scopes:         []string{"ZOHOPEOPLE.forms.ALL"},
		ScopeDelimiter: ",",
	},
	{
		Key:            ServiceZohoRecruit,
		Name:           "Zoho Recruit",
		AuthType:       AuthOAuth2,
		ParamType:      ParamHeader,
		ParamName:      "Authorization",
		TokenPrefix:    "Zoho-oauthtoken ",
		Scopes:         []string{"ZohoRecruit.modules.candidate.ALL"},
		ScopeDelimiter: ",",
	},
}

// DefaultServices returns the built-in services, Zoho People and Zoho Recruit,
// as fresh copies the caller may change. Their BaseURLs and OAuth URLs are
// empty: they depend on the connection's data centre and are resolved by the
// zoho package.
func DefaultServices() []*Service {
	out := make([]*Service, len(defaultServices))
	for i := range defaultServices {
		out[i] = cloneService(&defaultServices[i])
	}
	return out
}

// LookupDefaultService returns a fresh copy of the built-in service with the
// given key, and whether there is one.
func LookupDefaultService(key string) (*Service, bool) {
	for i := range defaultServices {
		if defaultServices[i].Key == key {
			return cloneService(&defaultServices[i]), true
		}
	}
	return nil, false
}

// IsDefault reports whether s is one of the built-in services: a default key
// and no tenant. A tenant's custom service can never take a default key
// (Validate refuses it), so the key alone would do; the tenant check keeps a
// stray row from passing for a built-in one.
func (s *Service) IsDefault() bool {
	return s.TenantID == "" && (s.Key == ServiceZohoPeople || s.Key == ServiceZohoRecruit)
}

func cloneService(s *Service) *Service {
	c := *s
	c.BaseURLs = slices.Clone(s.BaseURLs)
	c.Scopes = slices.Clone(s.Scopes)
	return &c
}

// Normalize tidies a service definition as entered by a person and fills in
// the defaults, so that Validate and every user of the definition see one
// canonical form. It is idempotent. Defaults:
//   - ParamType: headers (the least exposed place: query strings end up in
//     access logs and browser histories).
//   - OAuth 2.0 in headers: ParamName "Authorization" and, with it, TokenPrefix
//     "Bearer " (RFC 6750 §2.1); in the query string or form data: ParamName
//     "access_token" (RFC 6750 §2.2, §2.3).
//   - RefreshURL: TokenURL, where most services refresh.
//   - ScopeDelimiter: " ", the one RFC 6749 §3.3 defines.
//
// Normalize does not check anything; call Validate afterwards.
func (s *Service) Normalize() {
	if s == nil {
		return
	}
	s.Key = strings.ToLower(strings.TrimSpace(s.Key))
	s.Name = strings.Join(strings.Fields(s.Name), " ")
	s.AuthType = AuthType(strings.ToLower(strings.TrimSpace(string(s.AuthType))))
	s.ParamType = ParamType(strings.ToLower(strings.TrimSpace(string(s.ParamType))))
	s.ParamName = strings.TrimSpace(s.ParamName)
	s.ClientID = strings.TrimSpace(s.ClientID)
	// TokenPrefix keeps its spaces: "Bearer " needs the one at its end.

	var bases []string
	for _, b := range s.BaseURLs {
		b = trimBaseURL(b)
		if b == "" {
			continue
		}
		if !slices.Contains(bases, b) {
			bases = append(bases, b)
		}
	}
	s.BaseURLs = bases

	s.AuthorizeURL = strings.TrimSpace(s.AuthorizeURL)
	s.TokenURL = strings.TrimSpace(s.TokenURL)
	s.RefreshURL = strings.TrimSpace(s.RefreshURL)
	s.RevokeURL = strings.TrimSpace(s.RevokeURL)
	s.RequestTokenURL = strings.TrimSpace(s.RequestTokenURL)
	s.AccessTokenURL = strings.TrimSpace(s.AccessTokenURL)

	var scopes []string
	for _, sc := range s.Scopes {
		sc = strings.TrimSpace(sc)
		if sc != "" && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	s.Scopes = scopes

	if s.ParamType == "" {
		s.ParamType = ParamHeader
	}
	if s.AuthType == AuthOAuth2 {
		switch s.ParamType {
		case ParamHeader:
			if s.ParamName == "" {
				s.ParamName = "Authorization"
			}
			if s.TokenPrefix == "" && strings.EqualFold(s.ParamName, "Authorization") {
				s.TokenPrefix = "Bearer "
			}
		case ParamQuery, ParamForm:
			if s.ParamName == "" {
				s.ParamName = "access_token"
			}
		}
		if s.RefreshURL == "" {
			s.RefreshURL = s.TokenURL
		}
		if s.ScopeDelimiter == "" {
			s.ScopeDelimiter = " "
		}
	}
}

// Validate reports the first thing wrong with a service definition as an
// *Error with code EINVALID, Field naming the field at fault and a message
// that says what is wrong and how to put it right, or nil. It accepts a
// definition before or after Normalize, but whitespace around values is only
// tolerated after it: call Normalize first.
//
// Built-in services (see IsDefault) are held to the same rules except for
// their URLs, which the zoho package resolves per data centre.
func (s *Service) Validate() error {
	if s == nil {
		return Invalid("service", "There is no service definition: fill in the service's details.")
	}
	if err := s.validateIdentity(); err != nil {
		return err
	}
	if err := s.validateAuth(); err != nil {
		return err
	}
	if s.IsDefault() {
		return nil
	}
	if err := s.validateBaseURLs(); err != nil {
		return err
	}
	switch s.AuthType {
	case AuthOAuth2:
		return s.validateOAuth2()
	case AuthOAuth1:
		return s.validateOAuth1()
	}
	return nil
}

func (s *Service) validateIdentity() error {
	if s.Name == "" {
		return Invalid("name", "Enter a service name: the name of the service you are connecting to.")
	}
	if !validServiceName(s.Name) {
		return Invalid("name", "Enter a valid service name: letters, digits, spaces, '_' and '&' only, at most %d characters.", maxServiceNameLen)
	}
	if s.Key == "" {
		return Invalid("key", "Enter a service key: the service's unique handle, for example %q.", suggestKey(s.Name))
	}
	if !validServiceKey(s.Key) {
		return Invalid("key", "Enter a valid service key: 1 to %d lower-case letters, digits and '_', starting with a letter (for example %q).", maxServiceKeyLen, suggestKey(s.Name))
	}
	if s.TenantID != "" {
		if _, ok := LookupDefaultService(s.Key); ok {
			return Invalid("key", "The service key %q belongs to a built-in service: choose another key for your custom service.", s.Key)
		}
	}
	return nil
}

func (s *Service) validateAuth() error {
	switch s.AuthType {
	case AuthBasic, AuthAPIKey, AuthOAuth1, AuthOAuth2:
	case "":
		return Invalid("auth_type", "Choose an authentication type: basic, api_key, oauth1 or oauth2.")
	default:
		return Invalid("auth_type", "Authentication type %q is not supported: choose basic, api_key, oauth1 or oauth2.", clip(string(s.AuthType)))
	}
	switch s.ParamType {
	case ParamHeader, ParamQuery, ParamForm, "":
	default:
		return Invalid("param_type", "Param type %q is not supported: choose header, query or form.", clip(string(s.ParamType)))
	}
	// Basic authentication is a scheme of the Authorization header (RFC 7617);
	// there is no standard way to carry it in a query string or a form, and one
	// ParamName could not name both a user name and a password.
	if s.AuthType == AuthBasic && s.ParamType != ParamHeader && s.ParamType != "" {
		return Invalid("param_type", "Basic authentication is sent in the Authorization header: choose param type header.")
	}

	switch s.AuthType {
	case AuthAPIKey:
		if s.ParamName == "" {
			return Invalid("param_name", "API key services need the name of the parameter or header that carries the key, for example %q.", paramExample(s.ParamType))
		}
	case AuthOAuth2:
		// ParamName has a default (see Normalize), so empty is fine here.
	default:
		// Basic and OAuth 1.0a use fixed names (Authorization, oauth_*).
		return nil
	}
	if s.ParamName != "" {
		if err := validParamName(s.ParamType, s.ParamName); err != nil {
			return err
		}
	}
	if s.TokenPrefix != "" {
		if len(s.TokenPrefix) > maxTokenPrefixLen || !validHeaderValue(s.TokenPrefix) {
			return Invalid("token_prefix", "Enter a valid token prefix, such as %q: at most %d printable characters, no line breaks.", "Bearer ", maxTokenPrefixLen)
		}
	}
	return nil
}

func validParamName(pt ParamType, name string) error {
	if len(name) > maxParamNameLen {
		return Invalid("param_name", "The parameter name is too long: at most %d characters.", maxParamNameLen)
	}
	if pt == ParamHeader || pt == "" {
		if !validHeaderName(name) {
			return Invalid("param_name", "Header name %q is not valid: use letters, digits and '-' (for example \"X-API-Key\").", clip(name))
		}
		// These headers frame or route the request; a credential in them
		// would break the request or be dropped on the way.
		switch strings.ToLower(name) {
		case "host", "content-length", "content-type", "transfer-encoding", "connection", "te", "trailer", "upgrade", "cookie":
			return Invalid("param_name", "The header %q cannot carry credentials: name the header the service expects (for example \"X-API-Key\" or \"Authorization\").", name)
		}
		return nil
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || !unicode.IsPrint(r) {
			return Invalid("param_name", "Parameter name %q is not valid: use printable characters without spaces (for example \"api_key\").", clip(name))
		}
	}
	if strings.HasPrefix(name, "oauth_") {
		return Invalid("param_name", "Parameter names starting with \"oauth_\" are reserved for OAuth 1.0a: choose the name the service expects, such as \"api_key\".")
	}
	return nil
}

func (s *Service) validateBaseURLs() error {
	if len(s.BaseURLs) == 0 {
		return Invalid("base_urls", "Enter at least one base URL (for example \"https://api.example.com/v1\"): credentials are only ever sent to URLs that start with one.")
	}
	if len(s.BaseURLs) > maxBaseURLs {
		return Invalid("base_urls", "Enter at most %d base URLs.", maxBaseURLs)
	}
	for _, b := range s.BaseURLs {
		if err := checkServiceURL("base_urls", "Base URL", b, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) validateOAuth2() error {
	if s.AuthorizeURL == "" || s.TokenURL == "" {
		field := "authorize_url"
		if s.AuthorizeURL != "" {
			field = "token_url"
		}
		return Invalid(field, "OAuth 2.0 services need an authorize URL and a token URL: copy them from the service's API documentation.")
	}
	for _, u := range []struct{ field, label, value string }{
		{"authorize_url", "Authorize URL", s.AuthorizeURL},
		{"token_url", "Token URL", s.TokenURL},
		{"refresh_url", "Refresh URL", s.RefreshURL},
		{"revoke_url", "Revoke URL", s.RevokeURL},
	} {
		if u.value == "" {
			continue
		}
		if err := checkServiceURL(u.field, u.label, u.value, false); err != nil {
			return err
		}
	}
	switch s.ScopeDelimiter {
	case "", " ", ",", "+":
	default:
		return Invalid("scope_delimiter", "Scope delimiter %q is not supported: choose a space, ',' or '+', as the service's documentation says.", clip(s.ScopeDelimiter))
	}
	if len(s.Scopes) > maxScopes {
		return Invalid("scopes", "Enter at most %d scopes.", maxScopes)
	}
	delim := s.ScopeDelimiter
	if delim == "" {
		delim = " "
	}
	for _, sc := range s.Scopes {
		if sc == "" || len(sc) > maxScopeLen {
			return Invalid("scopes", "Each scope must be 1 to %d characters long: remove empty scopes.", maxScopeLen)
		}
		for _, r := range sc {
			if r <= ' ' || r == 0x7f || r == '"' || r == '\\' || !unicode.IsPrint(r) {
				return Invalid("scopes", "Scope %q contains a space, a quote or a control character: enter one scope per entry, as the service names it.", clip(sc))
			}
		}
		if strings.Contains(sc, delim) {
			return Invalid("scopes", "Scope %q contains the scope delimiter %q: enter one scope per entry, or choose another delimiter.", clip(sc), delim)
		}
	}
	return s.validateClientID()
}

func (s *Service) validateOAuth1() error {
	if s.RequestTokenURL == "" || s.AuthorizeURL == "" || s.AccessTokenURL == "" {
		field := "request_token_url"
		switch {
		case s.RequestTokenURL == "":
		case s.AuthorizeURL == "":
			field = "authorize_url"
		default:
			field = "access_token_url"
		}
		return Invalid(field, "OAuth 1.0a services need a request token URL, an authorize URL and an access token URL: copy them from the service's API documentation.")
	}
	for _, u := range []struct{ field, label, value string }{
		{"request_token_url", "Request token URL", s.RequestTokenURL},
		{"authorize_url", "Authorize URL", s.AuthorizeURL},
		{"access_token_url", "Access token URL", s.AccessTokenURL},
	} {
		if err := checkServiceURL(u.field, u.label, u.value, false); err != nil {
			return err
		}
	}
	return s.validateClientID()
}

func (s *Service) validateClientID() error {
	if s.ClientID == "" {
		return Invalid("client_id", "Enter the client ID (OAuth 1.0a: consumer key) of the app you registered with the service.")
	}
	if len(s.ClientID) > maxClientIDLen || !validHeaderValue(s.ClientID) || strings.ContainsAny(s.ClientID, " \t") {
		return Invalid("client_id", "The client ID is not valid: paste it exactly as the service shows it, without spaces.")
	}
	return nil
}

// checkServiceURL checks one URL of a definition. Credentials or tokens go to
// every one of them, so they must be https (plain http only on the loopback
// interface, for development and tests), and carry no user name or password.
// A base URL (isBase) is a prefix, so it carries no query or fragment either,
// and no dot-segments that would make the prefix mean something else.
func checkServiceURL(field, label, raw string, isBase bool) error {
	if len(raw) > maxURLLen {
		return Invalid(field, "%s is too long: at most %d characters.", label, maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return Invalid(field, "%s %q is not a valid URL: enter a full URL such as \"https://api.example.com/v1\".", label, clip(raw))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return Invalid(field, "%s %q must be an https URL (http is allowed only for localhost).", label, clip(raw))
		}
	default:
		return Invalid(field, "%s %q must be an https URL (http is allowed only for localhost).", label, clip(raw))
	}
	if u.User != nil {
		return Invalid(field, "%s %q must not contain a user name or password: enter credentials in the connection, never in a URL.", label, clip(u.Redacted()))
	}
	if u.Port() != "" {
		if n, err := strconv.ParseUint(u.Port(), 10, 16); err != nil || n == 0 {
			return Invalid(field, "%s %q has an invalid port.", label, clip(raw))
		}
	}
	if !isBase {
		if u.Fragment != "" || u.RawFragment != "" || strings.Contains(raw, "#") {
			return Invalid(field, "%s %q must not contain a fragment ('#...').", label, clip(raw))
		}
		return nil
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "?#") {
		return Invalid(field, "%s %q must not contain a query ('?...') or fragment ('#...'): enter only the scheme, host and path prefix.", label, clip(raw))
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return Invalid(field, "%s %q has an invalid percent-encoding in its path.", label, clip(raw))
		}
		if dec == "." || dec == ".." || strings.ContainsAny(dec, "/\\") {
			return Invalid(field, "%s %q must not contain '.' or '..' path segments or encoded slashes: enter the plain path prefix.", label, clip(raw))
		}
	}
	return nil
}

// trimBaseURL trims the spaces around a base URL and the slashes at its end:
// a base URL names a path prefix, and "https://api.example.com/v1/" and
// "https://api.example.com/v1" are the same prefix. It repeats until nothing
// changes, so that "…/v1 / " ends up as "…/v1" in one Normalize.
func trimBaseURL(b string) string {
	for {
		t := strings.TrimSpace(b)
		if u, err := url.Parse(t); err == nil && u.Host != "" {
			t = strings.TrimRight(t, "/")
		}
		if t == b {
			return b
		}
		b = t
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validServiceName(name string) bool {
	if utf8.RuneCountInString(name) > maxServiceNameLen || !utf8.ValidString(name) {
		return false
	}
	hasAlnum := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			hasAlnum = true
		case r == ' ' || r == '_' || r == '&':
		default:
			return false
		}
	}
	return hasAlnum
}

func validServiceKey(key string) bool {
	if len(key) == 0 || len(key) > maxServiceKeyLen || key[0] < 'a' || key[0] > 'z' {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// suggestKey turns a service name into a key, for the example in a message.
func suggestKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
		if b.Len() >= maxServiceKeyLen {
			break
		}
	}
	k := strings.TrimRight(b.String(), "_")
	if k == "" {
		return "my_service"
	}
	return k
}

func paramExample(pt ParamType) string {
	if pt == ParamHeader || pt == "" {
		return "X-API-Key"
	}
	return "api_key"
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v can be sent in a header field: visible
// characters and spaces, no control characters (a line break would let a
// definition add headers of its own).
func validHeaderValue(v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if r < ' ' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// clip shortens a value quoted back in a message, so that a pasted document
// does not become the message.
func clip(s string) string {
	const n = 60
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
