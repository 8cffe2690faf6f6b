package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"hrconnect/zoho"
)

// TestOAuth2SelfClientEveryDC drives the Self Client flow with
// golang.org/x/oauth2, a client nobody here wrote, in every DC: Generate Code,
// Exchange, a People call, expiry on the sandbox clock, and the refresh the
// TokenSource then makes.
func TestOAuth2SelfClientEveryDC(t *testing.T) {
	e := newEnv(t)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.hc)
	for _, dc := range zoho.Locations() {
		t.Run(dc, func(t *testing.T) {
			c := e.selfClient(dc)
			conf := &oauth2.Config{
				ClientID: c.ID, ClientSecret: c.Secret,
				Endpoint: oauth2.Endpoint{
					AuthURL:   e.accounts(dc) + "/oauth/v2/auth",
					TokenURL:  e.tokenURL(dc),
					AuthStyle: oauth2.AuthStyleInParams,
				},
			}
			tok, err := conf.Exchange(ctx, e.code(c, peopleScope+",ZohoRecruit.modules.candidate.READ", 0))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" {
				t.Fatalf("token %+v: want access and refresh tokens of type Bearer", tok)
			}
			if got, want := tok.Extra("api_domain"), e.base+"/"+dc+"/api"; got != want {
				t.Errorf("api_domain %v, want %v", got, want)
			}
			if got, want := tok.Extra("scope"), peopleScope+" ZohoRecruit.modules.candidate.READ"; got != want {
				t.Errorf("scope %q, want %q (space-separated)", got, want)
			}
			if !e.live(dc, tok.AccessToken) {
				t.Fatal("the new access token is refused by People")
			}

			// An hour later on the sandbox clock the token is dead. The client
			// learnt its expiry from expires_in on the real clock, so move that
			// back by the same hour: both now agree it has expired.
			e.advance(3601 * time.Second)
			if e.live(dc, tok.AccessToken) {
				t.Fatal("the access token still works 3601 s after it was issued")
			}
			tok.Expiry = tok.Expiry.Add(-3601 * time.Second)
			fresh, err := conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("TokenSource refresh: %v", err)
			}
			if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken != tok.RefreshToken {
				t.Fatalf("refresh gave %+v; want a new access token and the same refresh token", fresh)
			}
			if !e.live(dc, fresh.AccessToken) {
				t.Fatal("the refreshed access token is refused by People")
			}

			// The same refresh, exactly as seed 004 writes it: every parameter
			// in the query string and no body.
			u := e.tokenURL(dc) + "?refresh_token=" + url.QueryEscape(tok.RefreshToken) +
				"&client_id=" + url.QueryEscape(c.ID) + "&client_secret=" + url.QueryEscape(c.Secret) +
				"&grant_type=refresh_token"
			resp, err := e.hc.Post(u, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("HTTP %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
			}
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range body {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if got := strings.Join(keys, ","); got != "access_token,api_domain,expires_in,scope,token_type" {
				t.Errorf("refresh reply has keys %s; want no refresh_token and nothing else: %s", got, raw)
			}
			if body["expires_in"] != float64(3600) || body["token_type"] != "Bearer" {
				t.Errorf("refresh reply %s", raw)
			}
			if at, _ := body["access_token"].(string); !e.live(dc, at) {
				t.Error("the access token of the query-string refresh is refused by People")
			}
		})
	}
}

// TestTokenParamsInBodyQueryMultipartAndBasic checks the documented ways of
// sending the token call's parameters: form body, query string, multipart
// form-data, and client credentials in a Basic header.
func TestTokenParamsInBodyQueryMultipartAndBasic(t *testing.T) {
	e := newEnv(t)
	c := e.selfClient("eu")
	rt := e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
	params := url.Values{"grant_type": {"refresh_token"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "refresh_token": {rt}}

	reqs := map[string]func() *http.Request{
		"form body": func() *http.Request {
			r, _ := http.NewRequest("POST", e.tokenURL("eu"), strings.NewReader(params.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		},
		"query string": func() *http.Request {
			r, _ := http.NewRequest("POST", e.tokenURL("eu")+"?"+params.Encode(), nil)
			return r
		},
		"multipart": func() *http.Request {
			var b strings.Builder
			b.WriteString("--XyZ\r\n")
			for k := range params {
				b.WriteString(`Content-Disposition: form-data; name="` + k + "\"\r\n\r\n" + params.Get(k) + "\r\n--XyZ")
				b.WriteString("\r\n")
			}
			s := strings.TrimSuffix(b.String(), "\r\n") + "--\r\n"
			r, _ := http.NewRequest("POST", e.tokenURL("eu"), strings.NewReader(s))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=XyZ")
			return r
		},
		"basic header": func() *http.Request {
			v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			r, _ := http.NewRequest("POST", e.tokenURL("eu"), strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth(c.ID, c.Secret)
			return r
		},
	}
	for name, mk := range reqs {
		resp, err := e.hc.Do(mk())
		if err != nil {
			t.Fatal(err)
		}
		var r tokenReply
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || r.AccessToken == "" {
			t.Errorf("%s: %v %+v", name, err, r)
		}
	}
}
