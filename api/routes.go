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

	// Onboarding. Workflows, their links and field mappings are
	// configuration: Integrations Management. Job posts, applicants,
	// applications, moves and transfers are the ATS's daily work: any key.
	{Method: "GET", Path: Prefix + "/workflows", handle: ats((*server).listWorkflows)},
	{Method: "POST", Path: Prefix + "/workflows", Permission: hrconnect.PermIntegrations, handle: ats((*server).createWorkflow)},
	{Method: "GET", Path: Prefix + "/workflows/{id}", handle: ats((*server).getWorkflow)},
	{Method: "PUT", Path: Prefix + "/workflows/{id}/stages/{stage_id}/link", Permission: hrconnect.PermIntegrations, handle: ats((*server).linkStage)},
	{Method: "DELETE", Path: Prefix + "/workflows/{id}/stages/{stage_id}/link", Permission: hrconnect.PermIntegrations, handle: ats((*server).unlinkStage)},

	{Method: "GET", Path: Prefix + "/job-posts", handle: ats((*server).listJobPosts)},
	{Method: "POST", Path: Prefix + "/job-posts", handle: ats((*server).createJobPost)},
	{Method: "GET", Path: Prefix + "/job-posts/{id}", handle: ats((*server).getJobPost)},
	{Method: "PUT", Path: Prefix + "/job-posts/{id}/hr-connection", handle: ats((*server).setJobPostHRConnection)},

	{Method: "GET", Path: Prefix + "/applicants", handle: ats((*server).listApplicants)},
	{Method: "GET", Path: Prefix + "/applicants/{applicant_id}", handle: ats((*server).getApplicant)},
	{Method: "PUT", Path: Prefix + "/applicants/{applicant_id}", handle: ats((*server).putApplicant)},

	{Method: "GET", Path: Prefix + "/applications", handle: ats((*server).listApplications)},
	{Method: "POST", Path: Prefix + "/applications", handle: ats((*server).createApplication)},
	{Method: "GET", Path: Prefix + "/applications/{id}", handle: ats((*server).getApplication)},
	{Method: "POST", Path: Prefix + "/applications/{id}/move", handle: ats((*server).moveApplication)},

	{Method: "GET", Path: Prefix + "/transfers", handle: ats((*server).listTransfers)},
	{Method: "GET", Path: Prefix + "/transfers/{id}", handle: ats((*server).getTransfer)},
	{Method: "POST", Path: Prefix + "/transfers/{id}/retry", handle: ats((*server).retryTransfer)},

	{Method: "GET", Path: Prefix + "/connections/{id}/field-mapping", handle: ats((*server).getFieldMapping)},
	{Method: "PUT", Path: Prefix + "/connections/{id}/field-mapping", Permission: hrconnect.PermIntegrations, handle: ats((*server).putFieldMapping)},
	{Method: "GET", Path: Prefix + "/connections/{id}/field-mapping/preview", handle: ats((*server).previewFieldMapping)},

	// Outgoing webhooks are integration configuration, and their logs show
	// the receivers' URLs: Integrations Management, like API keys.
	{Method: "GET", Path: Prefix + "/webhooks", Permission: hrconnect.PermIntegrations, handle: (*server).listWebhooks},
	{Method: "POST", Path: Prefix + "/webhooks", Permission: hrconnect.PermIntegrations, handle: (*server).createWebhook},
	{Method: "DELETE", Path: Prefix + "/webhooks/{id}", Permission: hrconnect.PermIntegrations, handle: (*server).deleteWebhook},
	{Method: "GET", Path: Prefix + "/webhooks/{id}/deliveries", Permission: hrconnect.PermIntegrations, handle: (*server).listWebhookDeliveries},
}

// handler is a route's function.
type handler = func(s *server, w http.ResponseWriter, r *http.Request, p *principal) error

// ats guards an onboarding route: without the onboarding service (Deps.Onboard)
// it answers 503 rather than failing inside.
func ats(h handler) handler {
	return func(s *server, w http.ResponseWriter, r *http.Request, p *principal) error {
		if s.onboard == nil {
			return &hrconnect.Error{Code: hrconnect.EUNAVAILABLE, Message: "Onboarding is not enabled on this server.",
				Resolution: "Run hrconnect serve, which enables it; an administrator can check the server's configuration."}
		}
		return h(s, w, r, p)
	}
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
