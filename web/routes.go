package web

import (
	"io/fs"
	"net/http"
	"strings"
)

// routes is the one route table of the web app.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /setup", s.setupPage)
	mux.HandleFunc("POST /setup", s.setupSubmit)
	mux.HandleFunc("GET /signin", s.signinPage)
	mux.HandleFunc("POST /signin", s.signinSubmit)
	mux.HandleFunc("POST /signout", s.signout)

	mux.HandleFunc("GET /{$}", s.signedIn(func(w http.ResponseWriter, r *http.Request, _ *actor) error {
		seeOther(w, r, "/integrations")
		return nil
	}))

	// The marketplace and the Zoho connection forms.
	mux.HandleFunc("GET /integrations", s.signedIn(s.marketplace))
	mux.HandleFunc("GET /integrations/{service}", s.signedIn(s.integration))
	mux.HandleFunc("GET /integrations/{service}/enable", s.signedIn(s.enablePage))
	mux.HandleFunc("POST /integrations/{service}/enable", s.manager(s.enableSubmit))
	mux.HandleFunc("GET /integrations/{service}/token", noStore(s.signedIn(s.tokenPage)))
	mux.HandleFunc("POST /integrations/{service}/token", noStore(s.manager(s.tokenSubmit)))
	mux.HandleFunc("GET /integrations/{service}/authorize", s.signedIn(s.authorizePage))
	mux.HandleFunc("POST /integrations/{service}/authorize", s.manager(s.authorizeSubmit))
	mux.HandleFunc("GET "+CallbackPath, noStore(s.callbackSignedIn))

	// Connections.
	mux.HandleFunc("GET /connections", s.signedIn(s.connectionList))
	mux.HandleFunc("GET /connections/{id}", s.signedIn(s.connectionDetail))
	mux.HandleFunc("POST /connections/{id}/delete", s.manager(s.connectionDelete))

	// The ATS side of onboarding (ats.go).
	if s.onb != nil {
		s.atsRoutes(mux)
	}

	// Custom services.
	mux.HandleFunc("GET /services", s.signedIn(s.serviceList))
	mux.HandleFunc("GET /services/new", s.signedIn(s.serviceNewPage))
	mux.HandleFunc("POST /services", s.manager(s.serviceCreate))
	mux.HandleFunc("POST /services/{key}/delete", s.manager(s.serviceDelete))
	mux.HandleFunc("GET /services/{key}/connect", s.signedIn(s.customConnectPage))
	mux.HandleFunc("POST /services/{key}/connect", s.manager(s.customConnectSubmit))

	// Administration.
	mux.HandleFunc("GET /users", s.signedIn(s.userList))
	mux.HandleFunc("POST /users", s.manager(s.userCreate))
	mux.HandleFunc("POST /users/{id}/permissions", s.manager(s.userPermissions))
	mux.HandleFunc("GET /audit", s.signedIn(s.auditLog))
	mux.HandleFunc("GET /api-keys", s.signedIn(s.apiKeyList))
	mux.HandleFunc("POST /api-keys", noStore(s.manager(s.apiKeyCreate)))
	mux.HandleFunc("POST /api-keys/{id}/delete", s.manager(s.apiKeyDelete))
	mux.HandleFunc("GET /webhooks", s.signedIn(s.webhookList))
	mux.HandleFunc("POST /webhooks", noStore(s.manager(s.webhookCreate)))
	mux.HandleFunc("GET /webhooks/{id}", s.signedIn(s.webhookDetail))
	mux.HandleFunc("POST /webhooks/{id}/delete", s.manager(s.webhookDelete))

	if s.api != nil {
		mux.Handle("/api/v1/", s.api)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a, _ := s.currentActor(r)
		s.fail(w, r, a, errNotFound)
	})
	return s.firstRun(mux)
}

// noStore marks every response of h, errors and redirects included, as not
// to be stored by any cache: pages that show or receive tokens and codes.
func noStore(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// firstRun sends every page to /setup until the first tenant exists. Once one
// does, the answer is remembered: tenants are never all deleted.
func (s *Server) firstRun(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if s.setUp.Load() || p == "/setup" || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		n, err := s.store.TenantCount(r.Context())
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if n > 0 {
			s.setUp.Store(true)
			next.ServeHTTP(w, r)
			return
		}
		seeOther(w, r, "/setup")
	})
}
