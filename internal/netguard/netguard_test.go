package netguard

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "93.184.216.34": true, "2606:4700::1111": true,
		"10.0.0.5": false, "172.16.3.4": false, "172.31.255.255": false, "192.168.1.1": false,
		"100.64.0.1": false, "169.254.169.254": false, "127.0.0.1": false, "0.0.0.0": false,
		"224.0.0.1": false, "::1": false, "fd00::1": false, "fe80::1": false, "::": false,
		"::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true,
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true,
		"[::1]": true, "::1": true, "example.com": false, "10.0.0.1": false, "localhost.example.com": false} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// The guard refuses private addresses before any packet is sent, and lets a
// URL that names loopback reach this machine.
func TestDialContext(t *testing.T) {
	dial := DialContext(&net.Dialer{Timeout: 2 * time.Second})
	ctx := context.Background()
	for _, addr := range []string{"10.1.2.3:443", "169.254.169.254:80", "192.168.0.1:443", "[fd00::1]:443"} {
		c, err := dial(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			t.Fatalf("dialled %s", addr)
		}
		if !strings.Contains(err.Error(), "private network") {
			t.Errorf("%s: %v, want a refusal naming the private network", addr, err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := dial(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("a URL naming 127.0.0.1 may reach loopback: %v", err)
	}
	c.Close()
}
