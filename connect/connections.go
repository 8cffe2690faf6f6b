package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"hrconnect"
	"hrconnect/zoho"
)

// ZohoAccounts is what the connections service needs from Zoho Accounts
// besides refreshing: turning an authorisation code into tokens.
type ZohoAccounts interface {
	// Exchange trades an authorisation code for tokens in data centre dc.
	// redirectURI and codeVerifier are empty for Self Client codes.
	Exchange(ctx context.Context, dc, clientID, clientSecret, code, redirectURI, codeVerifier string) (*IssuedTokens, error)
}

// IssuedTokens are the tokens of a code exchange, shown to the person once.
type IssuedTokens struct {
	AccessToken  string
	RefreshToken string
	Lifetime     time.Duration
	Scopes       []string
}

// Service creates, reconnects, checks and removes connections. It is the one
// place that decides a connection's status.
type Service struct {
	store    hrconnect.ConnectionStore
	services hrconnect.ServiceStore // custom services; nil when not configured
	tokens   *Manager
	zoho     ZohoAccounts
	dir      *zoho.Directory
	client   *http.Client
	now      func() time.Time
	log      *slog.Logger
}

// NewService returns the connections service.
func NewService(store hrconnect.ConnectionStore, tokens *Manager, z ZohoAccounts, opts ...ServiceOption) *Service {
	s := &Service{store: store, tokens: tokens, zoho: z, now: tokens.now, log: tokens.log}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Tokens returns the service's token manager.
func (s *Service) Tokens() *Manager { return s.tokens }

// ZohoConnection is what a person enters to connect a Zoho account.
type ZohoConnection struct {
	TenantID string
	ActorID  string // the user connecting; the owner of the connection
	Name     string
	LinkName string // derived from Name when empty
	Service  string // hrconnect.ServiceZohoPeople or ServiceZohoRecruit
	DC       string // data centre location: "us", "eu", ...
	ClientID string
	Secret   string
	Scopes   []string
	PerUser  bool
}

var linkNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// LinkNameFrom derives a link name from a connection's name: "Zoho People
// (EU)" becomes "zoho_people_eu".
func LinkNameFrom(name string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if b.Len() == 0 && r >= '0' && r <= '9' {
				b.WriteString("c_")
			}
			b.WriteRune(r)
			underscore = false
		case !underscore && b.Len() > 0:
			b.WriteByte('_')
			underscore = true
		}
	}
	return strings.TrimRight(b.String(), "_")
}

// validate checks the entered values and fills in defaults.
func (z *ZohoConnection) validate() error {
	z.Name = strings.TrimSpace(z.Name)
	z.ClientID = strings.TrimSpace(z.ClientID)
	z.Secret = strings.TrimSpace(z.Secret)
	if z.Service == "" {
		z.Service = hrconnect.ServiceZohoPeople
	}
	if z.Service != hrconnect.ServiceZohoPeople && z.Service != hrconnect.ServiceZohoRecruit {
		return hrconnect.Invalid("service", "Unknown Zoho service %q: choose %s or %s.", z.Service, hrconnect.ServiceZohoPeople, hrconnect.ServiceZohoRecruit)
	}
	if z.Name == "" {
		z.Name = map[string]string{hrconnect.ServiceZohoPeople: "Zoho People", hrconnect.ServiceZohoRecruit: "Zoho Recruit"}[z.Service]
	}
	if z.LinkName == "" {
		z.LinkName = LinkNameFrom(z.Name)
	}
	if !linkNameRE.MatchString(z.LinkName) {
		return hrconnect.Invalid("link_name", "Enter a valid link name: lower-case letters, digits and underscores, starting with a letter (for example zoho_people_eu).")
	}
	if _, ok := zoho.LookupDC(z.DC); !ok {
		return hrconnect.Invalid("dc", "Choose the Zoho data centre your account is in (%s): it is the ending of the address you sign in to Zoho at, such as accounts.zoho.eu for eu.", strings.Join(zoho.Locations(), ", "))
	}
	z.DC = strings.ToLower(strings.TrimSpace(z.DC))
	if z.ClientID == "" || strings.ContainsAny(z.ClientID, " \t\n") {
		return hrconnect.Invalid("client_id", "Enter the Client ID shown under Client Secret in Zoho's API Console (it looks like 1000.XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX).")
	}
	if z.Secret == "" {
		return hrconnect.Invalid("client_secret", "Enter the Client Secret shown in Zoho's API Console next to the Client ID.")
	}
	if len(z.Scopes) == 0 {
		z.Scopes = defaultScopes(z.Service)
	}
	return nil
}

func defaultScopes(service string) []string {
	if service == hrconnect.ServiceZohoRecruit {
		return []string{"ZohoRecruit.modules.candidate.ALL"}
	}
	return []string{"ZOHOPEOPLE.forms.ALL"}
}

func (z *ZohoConnection) connection() *hrconnect.Connection {
	return &hrconnect.Connection{
		TenantID: z.TenantID, OwnerID: z.ActorID, Name: z.Name, LinkName: z.LinkName,
		Service: z.Service, Scopes: z.Scopes, DataCentre: z.DC, ClientID: z.ClientID,
		PerUser: z.PerUser, Status: hrconnect.StatusConnected,
	}
}

func (z *ZohoConnection) key(connID string) hrconnect.CredentialKey {
	k := hrconnect.CredentialKey{TenantID: z.TenantID, ConnectionID: connID}
	if z.PerUser {
		k.UserID = z.ActorID
	}
	return k
}

// ConnectWithCode is the secure token form and the redirect flow's last step:
// it exchanges the authorisation code for tokens at Zoho and keeps the refresh
// token in a new connection. The tokens are returned once, for display; only
// the refresh token (and the access token, as the first cached one) is kept.
func (s *Service) ConnectWithCode(ctx context.Context, in ZohoConnection, code, redirectURI, codeVerifier string) (*hrconnect.Connection, *IssuedTokens, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, nil, hrconnect.Invalid("code", "Enter the authorisation code from Zoho's API Console (Self Client → Generate Code); it is valid for the few minutes chosen there.")
	}
	issued, err := s.zoho.Exchange(ctx, in.DC, in.ClientID, in.Secret, code, redirectURI, codeVerifier)
	if err != nil {
		return nil, nil, err
	}
	if issued.RefreshToken == "" {
		return nil, nil, hrconnect.Invalid("code", "Zoho returned no refresh token for this code. Generate a new code (Self Client codes always give one; in the redirect flow, access_type=offline and prompt=consent are needed).")
	}
	c := in.connection()
	if len(issued.Scopes) > 0 {
		c.Scopes = issued.Scopes
	}
	c.LastRefreshAt = s.now()
	if err := s.store.CreateConnection(ctx, c, nil); err != nil {
		return nil, nil, err
	}
	k := in.key(c.ID)
	if err := s.saveAuthorization(ctx, k, in.Secret, issued); err != nil {
		return nil, nil, err
	}
	s.event(ctx, c, in.ActorID, hrconnect.EventCreated, fmt.Sprintf("Connected to Zoho (%s) with an authorisation code.", in.DC))
	return c, issued, nil
}

// saveAuthorization stores the client secret and refresh token of k and
// caches the access token of the exchange.
func (s *Service) saveAuthorization(ctx context.Context, k hrconnect.CredentialKey, secret string, issued *IssuedTokens) error {
	if err := s.store.SetCredentials(ctx, k, &hrconnect.Credentials{ClientSecret: secret, RefreshToken: issued.RefreshToken}); err != nil {
		return err
	}
	if issued.AccessToken == "" {
		return nil
	}
	return s.cacheToken(ctx, k, issued.AccessToken, issued.Lifetime)
}

// cacheToken stores an access token just issued as k's cached token.
func (s *Service) cacheToken(ctx context.Context, k hrconnect.CredentialKey, access string, lifetime time.Duration) error {
	now := s.now()
	_, err := s.store.LockToken(ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
		t := &hrconnect.Token{AccessToken: access, Expiry: now.Add(lifetime)}
		if cur != nil {
			t.Generation = cur.Generation + 1
			t.Refreshes = cur.Refreshes
		}
		return t, nil
	})
	return err
}

// ConnectWithRefreshToken is "Enable this Integration": a connection from a
// refresh token obtained elsewhere. The credentials are checked with a real
// refresh first; a connection whose credentials fail is not saved, and the
// error says precisely what Zoho refused.
func (s *Service) ConnectWithRefreshToken(ctx context.Context, in ZohoConnection, refreshToken string) (*hrconnect.Connection, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	refreshToken = strings.TrimSpace(refreshToken)
	if refreshToken == "" {
		return nil, hrconnect.Invalid("refresh_token", "Enter the refresh token Zoho returned with your first access token (or use the token form to get one from an authorisation code).")
	}
	c := in.connection()
	creds := &hrconnect.Credentials{ClientSecret: in.Secret, RefreshToken: refreshToken}
	// Check before saving anything.
	access, lifetime, err := s.tokens.refresher.Refresh(ctx, c, creds)
	if err != nil {
		return nil, checkError(err)
	}
	c.LastRefreshAt = s.now()
	if err := s.store.CreateConnection(ctx, c, nil); err != nil {
		return nil, err
	}
	if err := s.saveAuthorization(ctx, in.key(c.ID), in.Secret, &IssuedTokens{AccessToken: access, RefreshToken: refreshToken, Lifetime: lifetime}); err != nil {
		return nil, err
	}
	s.event(ctx, c, in.ActorID, hrconnect.EventCreated, fmt.Sprintf("Connected to Zoho (%s) with a refresh token.", in.DC))
	return c, nil
}

// checkError turns a failed credentials check into an EINVALID error that
// says what Zoho refused.
func checkError(err error) error {
	if re, ok := err.(*RefreshError); ok {
		var ze *zoho.Error
		if errors.As(err, &ze) && ze.Code == "invalid_client" {
			// While checking credentials just entered, invalid_client means
			// what seed 004's resolution says, not that a client went away.
			return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "client_secret",
				Message:    "Zoho did not accept the client ID or client secret (invalid_client).",
				Resolution: "Check both in Zoho's API Console, and that the client was registered in the data centre chosen here; a client registered in another data centre is refused unless Multi-DC is enabled for it.",
				Err:        err}
		}
		if re.Reconnect {
			return &hrconnect.Error{Code: hrconnect.EINVALID, Message: re.Message, Resolution: re.Resolution, Err: err}
		}
		return &hrconnect.Error{Code: hrconnect.EUNAVAILABLE, Message: re.Message, Resolution: re.Resolution, Err: err}
	}
	return err
}

// Reauthorize replaces the credentials of a connection (a new authorisation
// code, or a new refresh token), checks them, and brings the connection back to
// "connected": work parked for it resumes.
func (s *Service) Reauthorize(ctx context.Context, tenantID, connID, actorID string, clientSecret, code, redirectURI, codeVerifier, refreshToken string) (*hrconnect.Connection, *IssuedTokens, error) {
	c, err := s.store.Connection(ctx, tenantID, connID)
	if err != nil {
		return nil, nil, err
	}
	k := hrconnect.CredentialKey{TenantID: tenantID, ConnectionID: connID}
	if c.PerUser {
		k.UserID = actorID
	}
	if clientSecret == "" {
		old, err := s.store.Credentials(ctx, k)
		if err != nil && hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			return nil, nil, err
		}
		if old != nil {
			clientSecret = old.ClientSecret
		}
	}
	if clientSecret == "" {
		return nil, nil, hrconnect.Invalid("client_secret", "Enter the Client Secret shown in Zoho's API Console.")
	}
	var issued *IssuedTokens
	switch {
	case strings.TrimSpace(code) != "":
		issued, err = s.zoho.Exchange(ctx, c.DataCentre, c.ClientID, clientSecret, strings.TrimSpace(code), redirectURI, codeVerifier)
		if err != nil {
			return nil, nil, err
		}
	case strings.TrimSpace(refreshToken) != "":
		creds := &hrconnect.Credentials{ClientSecret: clientSecret, RefreshToken: strings.TrimSpace(refreshToken)}
		access, lifetime, err := s.tokens.refresher.Refresh(ctx, c, creds)
		if err != nil {
			return nil, nil, checkError(err)
		}
		issued = &IssuedTokens{AccessToken: access, RefreshToken: creds.RefreshToken, Lifetime: lifetime}
	default:
		return nil, nil, hrconnect.Invalid("code", "Enter a new authorisation code (or a refresh token) to reconnect.")
	}
	if err := s.saveAuthorization(ctx, k, clientSecret, issued); err != nil {
		return nil, nil, err
	}
	wasBroken := c.Status != hrconnect.StatusConnected
	c.Status = hrconnect.StatusConnected
	c.LastError, c.LastResolution, c.LastErrorAt = "", "", time.Time{}
	c.LastRefreshAt = s.now()
	if err := s.store.UpdateConnection(ctx, c); err != nil {
		return nil, nil, err
	}
	s.event(ctx, c, actorID, hrconnect.EventAuthorized, "Reconnected with new credentials.")
	if wasBroken {
		s.event(ctx, c, actorID, hrconnect.EventRecovered, "The connection works again.")
	}
	return c, issued, nil
}

// Delete disconnects a connection: it revokes the refresh token at Zoho first
// (so a copy of it elsewhere is useless too), then erases the secrets. A
// refresh token Zoho no longer knows is no reason to keep the connection.
func (s *Service) Delete(ctx context.Context, tenantID, connID, actorID string) error {
	c, err := s.store.Connection(ctx, tenantID, connID)
	if err != nil {
		return err
	}
	creds, err := s.store.Credentials(ctx, hrconnect.CredentialKey{TenantID: tenantID, ConnectionID: connID})
	if err != nil && hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
		return err
	}
	if creds != nil && creds.RefreshToken != "" {
		if err := s.tokens.refresher.Revoke(ctx, c, creds); err != nil {
			if re, ok := err.(*RefreshError); !ok || !re.Reconnect {
				return &hrconnect.Error{Code: hrconnect.EUNAVAILABLE, Message: "Could not revoke the refresh token at Zoho, so the connection was kept.", Resolution: "Try again in a minute; nothing was deleted.", Err: err}
			}
		}
		s.event(ctx, c, actorID, hrconnect.EventRevoked, "Refresh token revoked at Zoho.")
	}
	if err := s.store.DeleteConnection(ctx, tenantID, connID); err != nil {
		return err
	}
	s.event(ctx, c, actorID, hrconnect.EventDeleted, "Connection removed; its secrets were erased.")
	return nil
}

// CheckIdle refreshes the token of every connected connection that has not
// had one for idleFor, so that a revoked refresh token is found (and the
// connection marked "needs reconnecting") before a hire needs it. It returns
// how many it checked and how many need reconnecting.
func (s *Service) CheckIdle(ctx context.Context, tenantID string, idleFor time.Duration) (checked, broken int, err error) {
	conns, err := s.store.Connections(ctx, hrconnect.ConnectionFilter{TenantID: tenantID, Status: hrconnect.StatusConnected})
	if err != nil {
		return 0, 0, err
	}
	cut := s.now().Add(-idleFor)
	for _, c := range conns {
		if c.PerUser || c.LastRefreshAt.After(cut) {
			continue
		}
		checked++
		k := hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
		if _, err := s.tokens.AccessToken(ctx, k); err != nil {
			if hrconnect.ErrorCode(err) == hrconnect.ECONFLICT {
				broken++
			}
			continue
		}
		s.event(ctx, c, "", hrconnect.EventChecked, "Daily check: the connection works.")
	}
	return checked, broken, nil
}

func (s *Service) event(ctx context.Context, c *hrconnect.Connection, actor string, kind hrconnect.EventKind, msg string) {
	err := s.store.AddEvent(ctx, &hrconnect.ConnectionEvent{TenantID: c.TenantID, ConnectionID: c.ID, ActorID: actor, Kind: kind, Message: msg, At: s.now()})
	if err != nil {
		s.log.Warn("record connection event", "connection", c.ID, "kind", kind, "err", err)
	}
}
