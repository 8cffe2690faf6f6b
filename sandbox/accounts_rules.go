package sandbox

import "time"

// This file holds SANDBOX.md's token rules: how grant, refresh and access
// tokens are issued and when Zoho refuses or invalidates them. Every function
// here expects s.mu to be held and reads the numbers from s.limits, so a test
// can move them with PUT /_sandbox/limits; with s.limits.Off only the
// lifetimes apply.

// grantRoomLocked reports whether client c may have another grant token now:
// at most GrantTokensPerWindow in any GrantTokenWindowSeconds.
func (s *Server) grantRoomLocked(c *client) bool {
	n := c.grants.count(s.nowLocked(), seconds(s.limits.GrantTokenWindowSeconds))
	return s.limits.Off || n < s.limits.GrantTokensPerWindow
}

// issueGrantLocked records a new grant token for c, valid for lifetime. The
// caller has checked grantRoomLocked.
func (s *Server) issueGrantLocked(g grantToken, lifetime time.Duration) *grantToken {
	now := s.nowLocked()
	g.code = zohoToken()
	g.issued = now
	g.expires = now.Add(lifetime)
	g.client.grants.add(now)
	s.grants[g.code] = &g
	return &g
}

// newRefreshRoomLocked reports whether user u may be given another refresh
// token now: at most NewRefreshTokensPerMinute in any minute, across clients.
func (s *Server) newRefreshRoomLocked(u *user) bool {
	if s.limits.Off {
		return true
	}
	w := s.newRefr[u]
	return w == nil || w.count(s.nowLocked(), time.Minute) < s.limits.NewRefreshTokensPerMinute
}

// issueRefreshLocked makes the refresh token of grant g. A user holds at most
// RefreshTokensPerUserClient active refresh tokens per client: the one past it
// deletes the oldest, and the oldest's access tokens with it.
func (s *Server) issueRefreshLocked(g *grantToken) *refreshToken {
	now := s.nowLocked()
	rt := &refreshToken{
		token: zohoToken(), client: g.client, dc: g.dc, user: g.user, org: g.org,
		scopes: g.scopes, issued: now,
	}
	s.refresh[rt.token] = rt

	w := s.newRefr[g.user]
	if w == nil {
		w = new(window)
		s.newRefr[g.user] = w
	}
	w.count(now, time.Minute) // drop old entries so the log stays short
	w.add(now)

	key := userClient{g.user, g.client}
	s.userRefr[key] = append(s.userRefr[key], rt)
	for !s.limits.Off && len(s.userRefr[key]) > s.limits.RefreshTokensPerUserClient {
		s.revokeRefreshLocked(s.userRefr[key][0]) // takes it off the list
	}
	return rt
}

// refreshRoomLocked reports whether refresh token rt may make another access
// token now: at most AccessTokensPerWindow in any AccessTokenWindowSeconds.
func (s *Server) refreshRoomLocked(rt *refreshToken) bool {
	n := rt.made.count(s.nowLocked(), seconds(s.limits.AccessTokenWindowSeconds))
	return s.limits.Off || n < s.limits.AccessTokensPerWindow
}

// issueAccessLocked makes an access token for the grant or refresh token
// described by its arguments. byRefresh marks a token made by the refresh
// grant: only those count for the throttle and the active cap, and the one past
// ActiveAccessTokensPerRefr invalidates the oldest still active.
func (s *Server) issueAccessLocked(c *client, dc string, u *user, o *org, scopes []string, rt *refreshToken, byRefresh bool) *accessToken {
	now := s.nowLocked()
	t := &accessToken{
		token: zohoToken(), client: c, dc: dc, user: u, org: o, scopes: scopes,
		refresh: rt, issued: now, expires: now.Add(seconds(s.limits.AccessTokenLifetimeSeconds)),
	}
	s.access[t.token] = t
	if rt == nil {
		return t
	}
	rt.all = append(rt.all, t)
	if !byRefresh {
		return t
	}
	rt.made.add(now)
	// Drop tokens that are no longer active from the front, so live holds
	// only what may count against the cap.
	live := rt.live
	for len(live) > 0 && !s.liveLocked(live[0]) {
		live = live[1:]
	}
	live = append(live, t)
	if !s.limits.Off {
		active := 0
		for _, a := range live {
			if s.liveLocked(a) {
				active++
			}
		}
		for i := 0; active > s.limits.ActiveAccessTokensPerRefr && i < len(live); i++ {
			if s.liveLocked(live[i]) {
				live[i].revoked = true
				active--
			}
		}
	}
	rt.live = live
	// all only serves revocation; forget tokens that have expired so a long
	// benchmark does not keep every token it ever made on this list.
	if len(rt.all) > 64 && !now.Before(rt.all[0].expires) {
		kept := rt.all[:0]
		for _, a := range rt.all {
			if now.Before(a.expires) {
				kept = append(kept, a)
			}
		}
		rt.all = kept
	}
	return t
}

// revokeRefreshLocked revokes refresh token rt and every access token tied to
// it, and takes it off its user's list of active refresh tokens.
func (s *Server) revokeRefreshLocked(rt *refreshToken) {
	rt.revoked = true
	for _, a := range rt.all {
		a.revoked = true
	}
	rt.live, rt.all = nil, nil
	key := userClient{rt.user, rt.client}
	list := s.userRefr[key]
	for i, x := range list {
		if x == rt {
			s.userRefr[key] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
}
