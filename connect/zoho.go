package connect

import (
	"context"
	"errors"
	"time"

	"hrconnect"
	"hrconnect/zoho"
)

// Zoho adapts the zoho client to the connections service: it refreshes,
// revokes and exchanges codes in each connection's data centre, and sorts
// Zoho's errors into what the token manager acts on.
type Zoho struct {
	Client *zoho.Client
}

var (
	_ Refresher    = (*Zoho)(nil)
	_ ZohoAccounts = (*Zoho)(nil)
)

// Refresh makes a new access token for the connection.
func (z *Zoho) Refresh(ctx context.Context, c *hrconnect.Connection, creds *hrconnect.Credentials) (string, time.Duration, error) {
	dc, err := z.Client.Directory().DC(c.DataCentre)
	if err != nil {
		return "", 0, &RefreshError{Reconnect: true, Message: err.Error(), Resolution: "Reconnect the account and choose its data centre.", Err: err}
	}
	tok, err := z.Client.Refresh(ctx, dc, c.ClientID, creds.ClientSecret, creds.RefreshToken)
	if err != nil {
		return "", 0, refreshError(err)
	}
	return tok.AccessToken, tok.Lifetime, nil
}

// Revoke revokes the connection's refresh token (and with it every access
// token made from it) at Zoho.
func (z *Zoho) Revoke(ctx context.Context, c *hrconnect.Connection, creds *hrconnect.Credentials) error {
	dc, err := z.Client.Directory().DC(c.DataCentre)
	if err != nil {
		return err
	}
	if err := z.Client.Revoke(ctx, dc, creds.RefreshToken); err != nil {
		return refreshError(err)
	}
	return nil
}

// Exchange trades an authorisation code for tokens.
func (z *Zoho) Exchange(ctx context.Context, location, clientID, clientSecret, code, redirectURI, codeVerifier string) (*IssuedTokens, error) {
	dc, err := z.Client.Directory().DC(location)
	if err != nil {
		return nil, hrconnect.Invalid("dc", "%v", err)
	}
	tok, err := z.Client.ExchangeCode(ctx, dc, clientID, clientSecret, code, redirectURI, codeVerifier)
	if err != nil {
		return nil, zohoAppError(err)
	}
	return &IssuedTokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Lifetime: tok.Lifetime, Scopes: tok.Scopes}, nil
}

// refreshError sorts a Zoho error for the token manager.
func refreshError(err error) *RefreshError {
	var ze *zoho.Error
	if !errors.As(err, &ze) {
		return &RefreshError{Message: "Could not reach Zoho.", Resolution: "hrconnect will try again shortly.", Err: err}
	}
	re := &RefreshError{Message: ze.Message, Resolution: ze.Resolution, RetryAfter: ze.RetryAfter, Err: err}
	switch ze.Class {
	case zoho.ClassReconnect, zoho.ClassConfig:
		re.Reconnect = true
	}
	return re
}

// zohoAppError turns a Zoho error from a person's action (entering a code)
// into an application error that says what to fix.
func zohoAppError(err error) error {
	var ze *zoho.Error
	if !errors.As(err, &ze) {
		return err
	}
	code := hrconnect.EINVALID
	if ze.Class == zoho.ClassRetry {
		code = hrconnect.EUNAVAILABLE
	}
	return &hrconnect.Error{Code: code, Message: ze.Message, Resolution: ze.Resolution, Err: err}
}
