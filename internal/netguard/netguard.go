// Package netguard keeps requests that hrconnect makes to addresses its
// users give (webhook endpoints) away from private networks: a URL such as
// https://10.0.0.5/admin or a public name that resolves to 169.254.169.254
// (a cloud's metadata service) must not turn hrconnect into a way into the
// network it runs in.
package netguard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Public reports whether ip is an address on the public internet: not
// private (10/8, 172.16/12, 192.168/16, fc00::/7), not shared (100.64/10),
// link-local (169.254/16, fe80::/10), loopback, unspecified or multicast.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsLoopback(), ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast(), ip.IsMulticast(), ip.IsUnspecified():
		return false
	}
	return !sharedSpace.Contains(ip)
}

// sharedSpace is RFC 6598's carrier-grade NAT range, private in practice.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// IsLoopbackHost reports whether host (a URL's host name, without port) is
// this machine by name or literal: localhost, 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.Unmap().IsLoopback()
}

// DialContext returns a dial function for an http.Transport that connects
// only to public addresses, except that a host named as loopback (localhost,
// 127.0.0.1, [::1]: development) may reach loopback. It resolves the name
// itself and dials the address it checked, so a name cannot resolve to a
// public address for the check and a private one for the connection.
func DialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		loopbackOK := IsLoopbackHost(host)
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		var refused []string
		for _, ip := range ips {
			if Public(ip) || (loopbackOK && ip.Unmap().IsLoopback()) {
				return d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			}
			refused = append(refused, ip.String())
		}
		return nil, fmt.Errorf("%s resolves only to addresses in a private network (%s): hrconnect sends only to public addresses, or to loopback when the URL names it", host, strings.Join(refused, ", "))
	}
}
