package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"hrconnect"
	"hrconnect/connect"
)

// connectionJSON is a connection as the API shows it. It holds no secret:
// client secrets, tokens and keys stay in the store, encrypted.
type connectionJSON struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	LinkName       string     `json:"link_name"`
	Service        string     `json:"service"`
	Scopes         []string   `json:"scopes"`
	DC             string     `json:"dc,omitempty"`
	ClientID       string     `json:"client_id,omitempty"`
	PerUser        bool       `json:"per_user"`
	OwnerID        string     `json:"owner_id,omitempty"`
	Status         string     `json:"status"`
	LastError      string     `json:"last_error,omitempty"`
	LastResolution string     `json:"last_resolution,omitempty"`
	LastErrorAt    *time.Time `json:"last_error_at,omitempty"`
	LastRefreshAt  *time.Time `json:"last_refresh_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func toConnectionJSON(c *hrconnect.Connection) connectionJSON {
	return connectionJSON{
		ID: c.ID, Name: c.Name, LinkName: c.LinkName, Service: c.Service, Scopes: nonNil(c.Scopes), DC: c.DataCentre,
		ClientID: c.ClientID, PerUser: c.PerUser, OwnerID: c.OwnerID, Status: string(c.Status),
		LastError: c.LastError, LastResolution: c.LastResolution, LastErrorAt: timePtr(c.LastErrorAt),
		LastRefreshAt: timePtr(c.LastRefreshAt), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

// tokensJSON are tokens just issued by a code exchange: shown in that one
// reply, never again.
type tokensJSON struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token,omitempty"`
	ExpiresIn    int64    `json:"expires_in"`
	Scopes       []string `json:"scopes,omitempty"`
}

func toTokensJSON(t *connect.IssuedTokens) *tokensJSON {
	if t == nil || t.AccessToken == "" {
		return nil
	}
	return &tokensJSON{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, ExpiresIn: int64(t.Lifetime / time.Second), Scopes: t.Scopes}
}

// connectionReply is the reply of create and reconnect.
type connectionReply struct {
	Connection connectionJSON `json:"connection"`
	// Tokens are present when an authorisation code was exchanged.
	Tokens *tokensJSON `json:"tokens,omitempty"`
}

var statuses = []hrconnect.ConnectionStatus{hrconnect.StatusConnected, hrconnect.StatusNeedsReconnect, hrconnect.StatusDisconnected}

func (s *server) listConnections(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	f := hrconnect.ConnectionFilter{TenantID: p.tenant(), Service: q.Get("service"), Status: hrconnect.ConnectionStatus(q.Get("status"))}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		return hrconnect.Invalid("status", "Unknown status %q: filter by connected, needs_reconnect or disconnected.", f.Status)
	}
	switch q.Get("owner") {
	case "":
	case "me":
		if p.user() == "" {
			// The key acts for no user, so nothing is "mine"; an empty
			// OwnerID would match everything instead.
			return writeJSON(w, http.StatusOK, map[string]any{"connections": []connectionJSON{}})
		}
		f.OwnerID = p.user()
	default:
		return hrconnect.Invalid("owner", "The owner filter takes only \"me\" (the connections of the user who created this API key).")
	}
	shared := false
	switch q.Get("shared") {
	case "", "false":
	case "true":
		shared = true
		if p.user() == "" {
			return writeJSON(w, http.StatusOK, map[string]any{"connections": []connectionJSON{}})
		}
		f.AuthorizedBy = p.user()
	default:
		return hrconnect.Invalid("shared", "The shared filter takes true or false.")
	}
	conns, err := s.store.Connections(r.Context(), f)
	if err != nil {
		return err
	}
	out := []connectionJSON{}
	for _, c := range conns {
		// Shared: created by someone else, authorised by me.
		if shared && c.OwnerID == p.user() {
			continue
		}
		out = append(out, toConnectionJSON(c))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"connections": out})
}

func (s *server) getConnection(w http.ResponseWriter, r *http.Request, p *principal) error {
	c, err := s.store.Connection(r.Context(), p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toConnectionJSON(c))
}

// createConnectionRequest connects a service. Zoho services take a data
// centre, a client and either an authorisation code or a refresh token;
// custom services take the credentials of their auth type.
type createConnectionRequest struct {
	Service      string   `json:"service"`
	Name         string   `json:"name"`
	LinkName     string   `json:"link_name"`
	Scopes       []string `json:"scopes"`
	PerUser      bool     `json:"per_user"`
	DC           string   `json:"dc"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Code         string   `json:"code"`
	RedirectURI  string   `json:"redirect_uri"`
	CodeVerifier string   `json:"code_verifier"`
	RefreshToken string   `json:"refresh_token"`
	// Custom services.
	Username          string `json:"username"`
	Password          string `json:"password"`
	APIKey            string `json:"api_key"`
	OAuth1Token       string `json:"oauth1_token"`
	OAuth1TokenSecret string `json:"oauth1_token_secret"`
}

// refuseFields fails on the first field that is set but does not belong.
func refuseFields(why string, fields map[string]bool) error {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if fields[n] {
			return hrconnect.Invalid(n, "The field %q does not apply here: %s Remove it.", n, why)
		}
	}
	return nil
}

func (s *server) createConnection(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in createConnectionRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	in.Service = strings.TrimSpace(in.Service)
	if in.Service == "" {
		return hrconnect.Invalid("service", "Say which service to connect: %s, %s, or the key of a custom service (GET %s/services lists them).", hrconnect.ServiceZohoPeople, hrconnect.ServiceZohoRecruit, Prefix)
	}
	if in.PerUser && p.user() == "" {
		return hrconnect.Invalid("per_user", "This API key acts for no user, so it cannot authorise a per-user connection: use a key created by a user, or leave per_user false.")
	}
	ctx := r.Context()
	var (
		c      *hrconnect.Connection
		issued *connect.IssuedTokens
		err    error
		how    string
	)
	if _, zoho := hrconnect.LookupDefaultService(in.Service); zoho {
		err = refuseFields("it is for custom services; Zoho connections take dc, client_id, client_secret and a code or refresh_token.", map[string]bool{
			"username": in.Username != "", "password": in.Password != "", "api_key": in.APIKey != "",
			"oauth1_token": in.OAuth1Token != "", "oauth1_token_secret": in.OAuth1TokenSecret != ""})
		if err != nil {
			return err
		}
		zc := connect.ZohoConnection{TenantID: p.tenant(), ActorID: p.user(), Name: in.Name, LinkName: in.LinkName,
			Service: in.Service, DC: in.DC, ClientID: in.ClientID, Secret: in.ClientSecret, Scopes: in.Scopes, PerUser: in.PerUser}
		code, refresh := strings.TrimSpace(in.Code), strings.TrimSpace(in.RefreshToken)
		if code != "" && refresh != "" {
			return hrconnect.Invalid("refresh_token", "Send either an authorisation code or a refresh token, not both: the code is exchanged for a new refresh token.")
		}
		if err := s.linkNameFree(r, p, in); err != nil {
			return err
		}
		switch {
		case refresh != "":
			c, err = s.conns.ConnectWithRefreshToken(ctx, zc, refresh)
			how = "with a refresh token"
		default:
			c, issued, err = s.conns.ConnectWithCode(ctx, zc, code, in.RedirectURI, in.CodeVerifier)
			how = "with an authorisation code"
		}
	} else {
		err = refuseFields("it is for Zoho connections; a custom service's client is part of the service's definition.", map[string]bool{
			"dc": in.DC != "", "client_id": in.ClientID != "", "client_secret": in.ClientSecret != "", "refresh_token": in.RefreshToken != ""})
		if err != nil {
			return err
		}
		if _, err := s.store.Service(ctx, p.tenant(), in.Service); hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
			return hrconnect.Invalid("service", "There is no service %q: use %s, %s, or the key of a custom service of this tenant (GET %s/services lists them).", in.Service, hrconnect.ServiceZohoPeople, hrconnect.ServiceZohoRecruit, Prefix)
		} else if err != nil {
			return err
		}
		if err := s.linkNameFree(r, p, in); err != nil {
			return err
		}
		c, err = s.conns.ConnectCustom(ctx, connect.CustomConnection{TenantID: p.tenant(), ActorID: p.user(), Service: in.Service,
			Name: in.Name, LinkName: in.LinkName, Scopes: in.Scopes, PerUser: in.PerUser,
			Credentials: hrconnect.Credentials{Username: in.Username, Password: in.Password, APIKey: in.APIKey,
				OAuth1Token: in.OAuth1Token, OAuth1TokenSecret: in.OAuth1TokenSecret}}, in.Code, in.RedirectURI, in.CodeVerifier)
		how = "with its credentials"
	}
	if err != nil {
		return err
	}
	s.audit(r, p.audit("connection.created", c.ID, fmt.Sprintf("%s (%s) connected %s", c.Name, c.Service, how)))
	w.Header().Set("Location", Prefix+"/connections/"+c.ID)
	return writeJSON(w, http.StatusCreated, connectionReply{Connection: toConnectionJSON(c), Tokens: toTokensJSON(issued)})
}

// linkNameFree fails with ECONFLICT when the link name the connection
// would get (given, or derived from its name as connect derives it) is
// taken. Checking first matters: an authorisation code is spent by the
// exchange, so a clash found only when saving would cost the person a new
// code, and leave Zoho with a refresh token nobody holds.
func (s *server) linkNameFree(r *http.Request, p *principal, in createConnectionRequest) error {
	linkName := in.LinkName
	if linkName == "" {
		name := strings.TrimSpace(in.Name)
		if name == "" {
			svc, err := s.service(r, p, in.Service)
			if err != nil {
				return nil // reported, with its field, by what follows
			}
			name = svc.Name
		}
		linkName = connect.LinkNameFrom(name)
	}
	_, err := s.store.ConnectionByLinkName(r.Context(), p.tenant(), linkName)
	switch hrconnect.ErrorCode(err) {
	case hrconnect.ENOTFOUND:
		return nil
	case "":
		return &hrconnect.Error{Code: hrconnect.ECONFLICT, Field: "link_name",
			Message:    fmt.Sprintf("A connection with link name %q already exists in this tenant.", linkName),
			Resolution: "Choose another link_name (or name, from which it is derived); nothing was sent to the service."}
	default:
		return err
	}
}

// reconnectRequest gives a connection new credentials.
type reconnectRequest struct {
	Code         string `json:"code"`
	RedirectURI  string `json:"redirect_uri"`
	CodeVerifier string `json:"code_verifier"`
	RefreshToken string `json:"refresh_token"`
	// ClientSecret replaces the stored one (a regenerated secret); empty
	// keeps it.
	ClientSecret string `json:"client_secret"`
}

func (s *server) reconnectConnection(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in reconnectRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.store.Connection(ctx, p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !c.IsZoho() {
		return hrconnect.Errorf(hrconnect.ECONFLICT, "Connections to custom services cannot be reconnected through the API yet: delete the connection and create it again with new credentials.")
	}
	code, refresh := strings.TrimSpace(in.Code), strings.TrimSpace(in.RefreshToken)
	switch {
	case code != "" && refresh != "":
		return hrconnect.Invalid("refresh_token", "Send either a new authorisation code or a refresh token, not both.")
	case code == "" && refresh == "":
		return hrconnect.Invalid("code", "Send a new authorisation code (Zoho API Console → Self Client → Generate Code), or a refresh token, to reconnect.")
	}
	if c.PerUser && p.user() == "" {
		return hrconnect.Invalid("per_user", "This connection uses each user's own credentials, and this API key acts for no user: use a key created by a user.")
	}
	c, issued, err := s.conns.Reauthorize(ctx, p.tenant(), c.ID, p.user(), strings.TrimSpace(in.ClientSecret), code, in.RedirectURI, in.CodeVerifier, refresh)
	if err != nil {
		return err
	}
	how := "with a new authorisation code"
	if code == "" {
		// The caller sent the refresh token; it is not echoed back.
		how, issued = "with a refresh token", nil
	}
	s.audit(r, p.audit("connection.reconnected", c.ID, fmt.Sprintf("%s reconnected %s", c.Name, how)))
	return writeJSON(w, http.StatusOK, connectionReply{Connection: toConnectionJSON(c), Tokens: toTokensJSON(issued)})
}

func (s *server) deleteConnection(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	c, err := s.store.Connection(ctx, p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.conns.Delete(ctx, p.tenant(), c.ID, p.user()); err != nil {
		return err
	}
	s.audit(r, p.audit("connection.deleted", c.ID, fmt.Sprintf("%s (%s) disconnected; its refresh token was revoked and its secrets erased", c.Name, c.Service)))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// eventJSON is one entry of a connection's history.
type eventJSON struct {
	ID      int64     `json:"id"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
	ActorID string    `json:"actor_id,omitempty"`
	At      time.Time `json:"at"`
}

func (s *server) connectionEvents(w http.ResponseWriter, r *http.Request, p *principal) error {
	limit, err := limitParam(r, 50, 500)
	if err != nil {
		return err
	}
	c, err := s.store.Connection(r.Context(), p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	events, err := s.store.Events(r.Context(), p.tenant(), c.ID, limit)
	if err != nil {
		return err
	}
	out := []eventJSON{}
	for _, e := range events {
		out = append(out, eventJSON{ID: e.ID, Kind: string(e.Kind), Message: e.Message, ActorID: e.ActorID, At: e.At})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"events": out})
}

// checkReply reports a check: whether the connection works now.
type checkReply struct {
	OK bool `json:"ok"`
	// Refreshed says whether a new access token was obtained; connections
	// without OAuth 2.0 tokens have nothing to refresh.
	Refreshed  bool           `json:"refreshed"`
	Code       string         `json:"code,omitempty"`
	Message    string         `json:"message"`
	Resolution string         `json:"resolution,omitempty"`
	Connection connectionJSON `json:"connection"`
}

// checkConnection refreshes the connection's access token now, whether or
// not the cached one is still valid, and reports the outcome. A refusal
// (needs reconnecting) or an unreachable service is the check's answer, in
// a 200 reply, not an error of the call.
func (s *server) checkConnection(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := decode(w, r, &struct{}{}, true); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.store.Connection(ctx, p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	k := hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
	if c.PerUser {
		k.UserID = p.user()
	}
	oauth2 := c.IsZoho()
	if !oauth2 {
		svc, err := s.store.Service(ctx, p.tenant(), c.Service)
		if err != nil {
			return err
		}
		oauth2 = svc.AuthType == hrconnect.AuthOAuth2
	}
	reply := checkReply{OK: true, Message: "The connection has no OAuth 2.0 token to refresh; its credentials are used as they are on each call."}
	if oauth2 {
		tokens := s.conns.Tokens()
		cur, err := s.store.CachedToken(ctx, k)
		if err != nil {
			return err
		}
		if cur != nil && cur.AccessToken != "" && cur.Refused == "" {
			// Treating the cached token as rejected forces a refresh.
			_, err = tokens.Rejected(ctx, k, cur.AccessToken)
		} else {
			_, err = tokens.AccessToken(ctx, k)
		}
		switch code := hrconnect.ErrorCode(err); code {
		case "":
			reply.Refreshed, reply.Message = true, "The connection works: a new access token was obtained."
			s.event(r, c, p, hrconnect.EventChecked, "Checked through the API: the connection works.")
		case hrconnect.ECONFLICT, hrconnect.EUNAVAILABLE:
			var e *hrconnect.Error
			errors.As(err, &e)
			reply = checkReply{OK: false, Code: code, Message: e.Message, Resolution: e.Resolution}
		default:
			return err
		}
	}
	if c, err = s.store.Connection(ctx, p.tenant(), c.ID); err != nil {
		return err
	}
	reply.Connection = toConnectionJSON(c)
	return writeJSON(w, http.StatusOK, reply)
}

// event records an entry in the connection's history; like audit, a
// failure is logged, not returned.
func (s *server) event(r *http.Request, c *hrconnect.Connection, p *principal, kind hrconnect.EventKind, msg string) {
	err := s.store.AddEvent(r.Context(), &hrconnect.ConnectionEvent{TenantID: c.TenantID, ConnectionID: c.ID,
		ActorID: p.user(), Kind: kind, Message: msg, At: s.now()})
	if err != nil {
		s.log.Error("record connection event", "connection", c.ID, "kind", kind, "err", err.Error())
	}
}
