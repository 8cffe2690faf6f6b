package connect_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"hrconnect"
	"hrconnect/internal/testenv"
	"hrconnect/zoho"
)

// The token economy: many connections, several instances sharing PostgreSQL,
// a day of steady API calls on the sandbox clock. It counts token-endpoint
// calls per connection-hour (the floor is 1.0: Zoho's tokens live an hour) and
// "Access Denied" replies, for hrconnect and, in the same run, for a naive
// client: each instance with x/oauth2's ReuseTokenSource of its own.

type economyConfig struct {
	Connections int
	Instances   int
	Hours       int
	// Step is how much sandbox time passes between rounds of API calls; in
	// each round every instance calls People once per connection.
	Step time.Duration
}

type economyResult struct {
	TokenCalls   int     // token-endpoint calls during the run (setup excluded)
	PerConnHour  float64 // TokenCalls / (connections × hours)
	AccessDenied int     // "Access Denied" replies from the token endpoint
	Refused      int     // People calls refused for a bad token
	APICalls     int     // People calls made
}

func (r economyResult) String() string {
	return fmt.Sprintf("%d token calls = %.3f per connection-hour, %d Access Denied, %d of %d API calls refused",
		r.TokenCalls, r.PerConnHour, r.AccessDenied, r.Refused, r.APICalls)
}

// setupEconomy makes cfg.Connections Zoho People connections, each with its
// own Self Client (as each client company has), with the sandbox's limits off
// while setting up and back on for the run.
func setupEconomy(t testing.TB, e *env, n int) (clients []economyClient) {
	var limits map[string]any
	e.control("GET", "/_sandbox/limits", nil, &limits)
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, nil)
	defer e.control("PUT", "/_sandbox/limits", limits, nil)
	for range n {
		id, secret, code := e.selfClient("us", zoho.ScopePeopleForms)
		dc, _ := e.zc.Directory().DC("us")
		tok, err := e.zc.ExchangeCode(context.Background(), dc, id, secret, code, "", "")
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, economyClient{id: id, secret: secret, refresh: tok.RefreshToken})
	}
	return clients
}

type economyClient struct{ id, secret, refresh string }

// runHRConnect runs the day through hrconnect's token manager: cfg.Instances
// instances, each its own database handle on one PostgreSQL database.
func runHRConnect(t testing.TB, cfg economyConfig) economyResult {
	e := newEnv(t)
	pg := testenv.Postgres(t)
	dir := t.TempDir()
	instances := make([]*instance, cfg.Instances)
	for i := range instances {
		instances[i] = e.instance(openDB(t, dir, pg))
	}
	tn, u := tenant(t, instances[0].db)
	var keys []hrconnect.CredentialKey
	var limits map[string]any
	e.control("GET", "/_sandbox/limits", nil, &limits)
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, nil)
	for i := range cfg.Connections {
		c, _ := e.connectPeople(t, instances[0], tn, u, "us", fmt.Sprintf("People %d", i))
		keys = append(keys, key(c))
	}
	e.control("PUT", "/_sandbox/limits", limits, nil)
	dc, _ := e.zc.Directory().DC("us")
	// Start, as the naive run does, with no valid token: the day then needs
	// exactly one token per connection-hour.
	e.sb.Advance(time.Hour)

	before := e.state().Calls
	var res economyResult
	var mu sync.Mutex
	ctx := context.Background()
	for step := time.Duration(0); step < time.Duration(cfg.Hours)*time.Hour; step += cfg.Step {
		var wg sync.WaitGroup
		for _, in := range instances {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := in.svc.Tokens()
				for _, k := range keys {
					tok, err := m.AccessToken(ctx, k)
					if err != nil {
						t.Errorf("AccessToken: %v", err)
						return
					}
					_, err = e.zc.GetRecords(ctx, dc, tok, "employee", zoho.RecordQuery{})
					refused := zoho.ClassOf(err) == zoho.ClassReauth
					if refused {
						if tok, err = m.Rejected(ctx, k, tok); err == nil {
							_, err = e.zc.GetRecords(ctx, dc, tok, "employee", zoho.RecordQuery{})
						}
					}
					if err != nil {
						t.Errorf("People call: %v", err)
					}
					mu.Lock()
					res.APICalls++
					if refused {
						res.Refused++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		e.sb.Advance(cfg.Step)
	}
	after := e.state().Calls
	res.TokenCalls = after["accounts.token"] - before["accounts.token"]
	res.AccessDenied = after["accounts.token.access_denied"] - before["accounts.token.access_denied"]
	res.PerConnHour = float64(res.TokenCalls) / float64(cfg.Connections*cfg.Hours)
	return res
}

// runNaive runs the same day with x/oauth2 alone: every instance holds, per
// connection, a ReuseTokenSource (oauth2.Config.TokenSource) of its own.
//
// x/oauth2 judges expiry by the machine's clock, while the day passes on the
// sandbox clock; each call therefore hands x/oauth2 the token with its expiry
// translated into machine time (same remaining lifetime), and translates a new
// token's expiry back. x/oauth2 still makes every decision to refresh.
func runNaive(t testing.TB, cfg economyConfig) economyResult {
	e := newEnv(t)
	clients := setupEconomy(t, e, cfg.Connections)
	dc, _ := e.zc.Directory().DC("us")
	type held struct {
		tok    oauth2.Token // Expiry on the sandbox clock
		config *oauth2.Config
	}
	instances := make([][]held, cfg.Instances)
	for i := range instances {
		for _, c := range clients {
			instances[i] = append(instances[i], held{
				tok: oauth2.Token{RefreshToken: c.refresh}, // no access token yet: the first call refreshes
				config: &oauth2.Config{ClientID: c.id, ClientSecret: c.secret,
					Endpoint: oauth2.Endpoint{TokenURL: dc.AccountsURL + "/oauth/v2/token", AuthStyle: oauth2.AuthStyleInParams}},
			})
		}
	}
	before := e.state().Calls
	var res economyResult
	var mu sync.Mutex
	ctx := context.Background()
	for step := time.Duration(0); step < time.Duration(cfg.Hours)*time.Hour; step += cfg.Step {
		var wg sync.WaitGroup
		for i := range instances {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range instances[i] {
					h := &instances[i][j]
					shifted := h.tok
					if !h.tok.Expiry.IsZero() {
						shifted.Expiry = time.Now().Add(h.tok.Expiry.Sub(e.sb.Now()))
					}
					tok, err := h.config.TokenSource(ctx, &shifted).Token()
					if err != nil {
						continue // denied or failed: counted by the sandbox
					}
					if tok.AccessToken != h.tok.AccessToken {
						h.tok = *tok
						h.tok.Expiry = e.sb.Now().Add(time.Until(tok.Expiry))
					}
					_, err = e.zc.GetRecords(ctx, dc, tok.AccessToken, "employee", zoho.RecordQuery{})
					mu.Lock()
					res.APICalls++
					if zoho.ClassOf(err) == zoho.ClassReauth {
						res.Refused++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		e.sb.Advance(cfg.Step)
	}
	after := e.state().Calls
	res.TokenCalls = after["accounts.token"] - before["accounts.token"]
	res.AccessDenied = after["accounts.token.access_denied"] - before["accounts.token.access_denied"]
	res.PerConnHour = float64(res.TokenCalls) / float64(cfg.Connections*cfg.Hours)
	return res
}

// TestTokenEconomy is the economy on a small scale, asserted: hrconnect stays
// within 5% of one refresh per connection-hour, with no Access Denied and no
// refused call, where the naive client pays for every instance.
func TestTokenEconomy(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	cfg := economyConfig{Connections: 5, Instances: 3, Hours: 6, Step: 5 * time.Minute}
	ours := runHRConnect(t, cfg)
	naive := runNaive(t, cfg)
	t.Logf("hrconnect: %s", ours)
	t.Logf("naive:     %s", naive)
	if ours.PerConnHour > 1.05 || ours.AccessDenied != 0 || ours.Refused != 0 {
		t.Errorf("hrconnect: %s; want ≤ 1.05 per connection-hour, 0 Access Denied, 0 refused", ours)
	}
	if ours.PerConnHour < 0.99 {
		t.Errorf("hrconnect made fewer token calls (%.3f) than tokens can last: the run is broken", ours.PerConnHour)
	}
	if naive.PerConnHour <= ours.PerConnHour {
		t.Errorf("the naive baseline (%.3f) is not worse than hrconnect (%.3f): the comparison is broken", naive.PerConnHour, ours.PerConnHour)
	}
}

// BenchmarkTokenEconomy is the full economy of the issue: 100 connections, 3
// instances, 24 sandbox hours. Run it once:
//
//	go test ./connect -run '^$' -bench TokenEconomy -benchtime 1x
func BenchmarkTokenEconomy(b *testing.B) {
	cfg := economyConfig{Connections: 100, Instances: 3, Hours: 24, Step: 5 * time.Minute}
	for range b.N {
		ours := runHRConnect(b, cfg)
		naive := runNaive(b, cfg)
		b.Logf("hrconnect: %s", ours)
		b.Logf("naive:     %s", naive)
		b.ReportMetric(ours.PerConnHour, "refresh/conn-hour")
		b.ReportMetric(float64(ours.AccessDenied), "denied")
		b.ReportMetric(naive.PerConnHour, "naive-refresh/conn-hour")
		b.ReportMetric(float64(naive.AccessDenied), "naive-denied")
	}
}
