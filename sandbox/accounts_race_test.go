package sandbox_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentTokenTraffic runs many clients at once (codes, exchanges,
// refreshes, state reads, clock moves, a latency fault) under -race, then
// checks that the state counts exactly what was done.
func TestConcurrentTokenTraffic(t *testing.T) {
	e := newEnv(t)
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, http.StatusOK, nil)
	clients := []clientCreds{e.selfClient("us"), e.selfClient("us"), e.selfClient("eu")}
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "latency", "latency_ms": 1, "rate": 0.2})

	const workers, refreshes = 12, 15
	var failures atomic.Int32
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[i%len(clients)]
			r := e.exchange(c.dc, c, e.code(c, peopleScope, 0))
			if r.RefreshToken == "" {
				failures.Add(1)
				return
			}
			for range refreshes {
				if e.refresh(c, r.RefreshToken).AccessToken == "" {
					failures.Add(1)
				}
			}
		}()
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() { // readers and clock moves alongside
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				e.state()
				e.advance(time.Second)
			}
		}
	}()
	wg.Wait()
	close(stop)
	bg.Wait()
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d token calls failed", n)
	}
	st := e.state()
	if got, want := len(st.Tokens.Access), workers*(1+refreshes); got != want {
		t.Errorf("%d access tokens in the state, want %d", got, want)
	}
	if got := len(st.Tokens.Refresh); got != workers {
		t.Errorf("%d refresh tokens, want %d", got, workers)
	}
	for _, g := range st.Tokens.Grant {
		if !g.Used {
			t.Errorf("grant token %s unused", g.Token)
		}
	}
	if got, want := st.Calls["accounts.token"], workers*(1+refreshes); got != want {
		t.Errorf("accounts.token counted %d calls, want %d", got, want)
	}
}

// TestConcurrentThrottleIsExact fires 40 refreshes of one refresh token at
// once: exactly 10 succeed, whatever the interleaving.
func TestConcurrentThrottleIsExact(t *testing.T) {
	e := newEnv(t)
	c := e.selfClient("us")
	rt := e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
	var ok, denied atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.refresh(c, rt)
			switch {
			case r.AccessToken != "":
				ok.Add(1)
			case r.Raw == accessDeniedBody:
				denied.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 || denied.Load() != 30 {
		t.Errorf("%d refreshes succeeded and %d were denied; want 10 and 30", ok.Load(), denied.Load())
	}
}
