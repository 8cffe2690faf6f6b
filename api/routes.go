package api

import (
	"net/http"
	"strings"

	"hrconnect"
)

// route is one operation of the API.
type route struct {
	// Method and Path are the operation's method and path, exactly as in the
	// OpenAPI document; Path is also the ServeMux pattern (both write path
	// parameters as {name}).
	Method string
	Path   string
	// Permission is what the calling key must hold; "" means any key of the
	// tenant. Reading, checking and invoking need no permission: they change
	// no configuration. Setting up, changing or removing anything needs
	// "Integrations Management", as it does for a person (seed 000).
	Permission hrconnect.Permission
	// Public routes need no key at all.
	Public bool
	handle func(s *server, w http.ResponseWriter, r *http.Request, p *principal) error
}

// routes is the one table of the API's operations: New registers it, and the
// tests compare it with the OpenAPI document in both directions.
var routes = []route{
	{Method: "GET", Path: Prefix + "/openapi.json", Public: true, handle: (*server).openAPI},

	{Method: "GET", Path: Prefix + "/services", handle: (*server).listServices},
	{Method: "POST", Path: Prefix + "/services", Permission: hrconnect.PermIntegrations, handle: (*server).createService},
	{Method: "GET", Path: Prefix + "/services/{key}", handle: (*server).getService},
	{Method: "DELETE", Path: Prefix + "/services/{key}", Permission: hrconnect.PermIntegrations, handle: (*server).deleteService},

	{Method: "GET", Path: Prefix + "/connections", handle: (*server).listConnections},
	{Method: "POST", Path: Prefix + "/connections", Permission: hrconnect.PermIntegrations, handle: (*server).createConnection},
	{Method: "GET", Path: Prefix + "/connections/{id}", handle: (*server).getConnection},
	{Method: "DELETE", Path: Prefix + "/connections/{id}", Permission: hrconnect.PermIntegrations, handle: (*server).deleteConnection},
	{Method: "POST", Path: Prefix + "/connections/{id}/reconnect", Permission: hrconnect.PermIntegrations, handle: (*server).reconnectConnection},
	{Method: "GET", Path: Prefix + "/connections/{id}/events", handle: (*server).connectionEvents},
	{Method: "POST", Path: Prefix + "/connections/{id}/check", handle: (*server).checkConnection},
	{Method: "POST", Path: Prefix + "/connections/{id}/invoke", handle: (*server).invokeConnection},
	{Method: "POST", Path: Prefix + "/connections/{id}/import", Permission: hrconnect.PermIntegrations, handle: (*server).importCandidates},

	{Method: "GET", Path: Prefix + "/api-keys", Permission: hrconnect.PermIntegrations, handle: (*server).listAPIKeys},
	{Method: "POST", Path: Prefix + "/api-keys", Permission: hrconnect.PermIntegrations, handle: (*server).createAPIKey},
	{Method: "DELETE", Path: Prefix + "/api-keys/{id}", Permission: hrconnect.PermIntegrations, handle: (*server).deleteAPIKey},

	{Method: "GET", Path: Prefix + "/audit", Permission: hrconnect.PermIntegrations, handle: (*server).listAudit},
}

// Operation is a method and path the API serves, with what calling it takes.
type Operation struct {
	Method     string
	Path       string
	Permission hrconnect.Permission
	Public     bool
}

// Operations returns every operation of the API, in the order of its route
// table: for tests, and for anything that documents the API.
func Operations() []Operation {
	out := make([]Operation, len(routes))
	for i, rt := range routes {
		out[i] = Operation{Method: rt.Method, Path: rt.Path, Permission: rt.Permission, Public: rt.Public}
	}
	return out
}

// matchPath reports whether path matches the route pattern, a {name}
// matching one non-empty segment.
func matchPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
		} else if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// notFound answers what no route matched: 405 with the allowed methods when
// the path is known, 404 otherwise.
func (s *server) notFound(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var allow []string
	for _, rt := range routes {
		if matchPath(rt.Path, r.URL.Path) {
			allow = append(allow, rt.Method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return &statusError{status: http.StatusMethodNotAllowed, err: &hrconnect.Error{Code: hrconnect.EINVALID,
			Message: "Method " + r.Method + " is not allowed on " + r.URL.Path + ": use " + strings.Join(allow, " or ") + "."}}
	}
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "There is no %s in API version 1: the OpenAPI document at %s/openapi.json lists every path.", r.URL.Path, Prefix)
}
