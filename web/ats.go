package web

import (
	"net/http"
	"slices"

	"hrconnect"
)

// This file holds the route table and shared helpers of the ATS pages:
// workflows (workflows.go), job posts (jobs.go), applicants and their
// applications (applicants.go), transfers (transfers.go) and the field
// mapping of a Zoho People connection (mapping.go). They all go through
// onboard.Service, which scopes every lookup to the signed-in tenant: another
// tenant's ID is "not found".
//
// Recruiting work (workflows, job posts, applicants, moving applications,
// retrying a transfer) is open to every signed-in user; what decides where
// hires go (linking a stage to a connection, choosing a job post's HR
// connection, a connection's field mapping) needs Integrations Management,
// like the connections themselves.

func (s *Server) atsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /workflows", s.signedIn(s.workflowList))
	mux.HandleFunc("POST /workflows", s.signedIn(s.workflowCreate))
	mux.HandleFunc("GET /workflows/{id}", s.signedIn(s.workflowDetail))
	mux.HandleFunc("POST /workflows/{id}/stages/{stage}/link", s.manager(s.stageLink))

	mux.HandleFunc("GET /jobs", s.signedIn(s.jobList))
	mux.HandleFunc("POST /jobs", s.signedIn(s.jobCreate))
	mux.HandleFunc("GET /jobs/{id}", s.signedIn(s.jobDetail))
	mux.HandleFunc("POST /jobs/{id}/hr-connection", s.manager(s.jobHRConnection))

	mux.HandleFunc("GET /applicants", s.signedIn(s.applicantList))
	mux.HandleFunc("GET /applicants/new", s.signedIn(s.applicantNew))
	mux.HandleFunc("POST /applicants", s.signedIn(s.applicantCreate))
	mux.HandleFunc("GET /applicants/{id}", s.signedIn(s.applicantDetail))
	mux.HandleFunc("POST /applicants/{id}", s.signedIn(s.applicantUpdate))
	mux.HandleFunc("POST /applicants/{id}/apply", s.signedIn(s.applicantApply))
	mux.HandleFunc("POST /applications/{id}/move", s.signedIn(s.applicationMove))

	mux.HandleFunc("GET /transfers", s.signedIn(s.transferList))
	mux.HandleFunc("GET /transfers/{id}", s.signedIn(s.transferDetail))
	mux.HandleFunc("POST /transfers/{id}/retry", s.signedIn(s.transferRetry))

	mux.HandleFunc("GET /connections/{id}/mapping", s.signedIn(s.mappingPage))
	mux.HandleFunc("POST /connections/{id}/mapping", s.manager(s.mappingSubmit))
	mux.HandleFunc("POST /connections/{id}/import", s.manager(s.importSubmit))
}

// peopleConnections returns the tenant's Zoho People connections that are
// not disconnected: those a stage can be linked to.
func (s *Server) peopleConnections(r *http.Request, a *actor) ([]*hrconnect.Connection, error) {
	conns, err := s.store.Connections(r.Context(), hrconnect.ConnectionFilter{TenantID: a.Tenant.ID, Service: hrconnect.ServiceZohoPeople})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(conns, func(c *hrconnect.Connection) bool { return c.Status == hrconnect.StatusDisconnected }), nil
}

// connectionNames maps the tenant's connection IDs to their names, for
// pages that show stages' and transfers' connections. A connection removed
// since is absent: pages show its ID.
func (s *Server) connectionNames(r *http.Request, a *actor) (map[string]string, error) {
	conns, err := s.store.Connections(r.Context(), hrconnect.ConnectionFilter{TenantID: a.Tenant.ID})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(conns))
	for _, c := range conns {
		out[c.ID] = c.Name
	}
	return out, nil
}
