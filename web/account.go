package web

import (
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"hrconnect"
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 12

// setupPage is the first-run form: the company and its administrator.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	if s.isSetUp(r) {
		seeOther(w, r, "/signin")
		return
	}
	s.render(w, r, http.StatusOK, "setup", &view{Title: "Set up hrconnect"})
}

func (s *Server) isSetUp(r *http.Request) bool {
	if s.setUp.Load() {
		return true
	}
	n, err := s.store.TenantCount(r.Context())
	return err != nil || n > 0 // on error, refuse setup rather than risk a second one
}

// setupSubmit creates the first tenant and its administrator, who holds
// Integrations Management, and signs them in.
func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) {
	// One setup at a time in this process, so a double click cannot make two
	// companies.
	s.setupMux <- struct{}{}
	defer func() { <-s.setupMux }()
	if s.isSetUp(r) {
		s.fail(w, r, nil, hrconnect.Errorf(hrconnect.ECONFLICT, "hrconnect is already set up; sign in instead."))
		return
	}
	form := url.Values{"company": {strings.TrimSpace(r.PostFormValue("company"))}, "name": {strings.TrimSpace(r.PostFormValue("name"))}, "email": {strings.TrimSpace(r.PostFormValue("email"))}}
	password := r.PostFormValue("password")
	v := &view{Title: "Set up hrconnect", Form: form}
	fail := func(err error, field string) {
		s.render(w, r, formStatus(err), "setup", v.withError(err, field))
	}
	if form.Get("company") == "" {
		fail(hrconnect.Invalid("company", "Enter your company's name."), "")
		return
	}
	u := &hrconnect.User{Name: form.Get("name"), Email: form.Get("email"), Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	if err := checkUser(u, password); err != nil {
		fail(err, "")
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		fail(err, "")
		return
	}
	ctx := r.Context()
	t := &hrconnect.Tenant{Name: form.Get("company")}
	if err := s.store.CreateTenant(ctx, t); err != nil {
		fail(err, "")
		return
	}
	u.TenantID = t.ID
	if err := s.createUser(r, u, string(hash)); err != nil {
		fail(err, "")
		return
	}
	s.setUp.Store(true)
	if err := s.startSession(w, r, u); err != nil {
		fail(err, "")
		return
	}
	s.audit(r, &actor{User: u, Tenant: t}, "tenant.created", t.ID, "Set up hrconnect for "+t.Name+".")
	s.flash(w, "Welcome! Connect your HR system below.")
	seeOther(w, r, "/integrations")
}

// checkUser validates a new user's name, email and password.
func checkUser(u *hrconnect.User, password string) error {
	if u.Name == "" {
		return hrconnect.Invalid("name", "Enter the person's name.")
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		return hrconnect.Invalid("email", "Enter an email address such as ada@example.com.")
	}
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return hrconnect.Invalid("password", "Choose a password of at least %d characters.", MinPasswordLength)
	}
	return nil
}

// createUser stores a user and their password hash. An email already in use
// (in any company) is a conflict on the email field.
func (s *Server) createUser(r *http.Request, u *hrconnect.User, hash string) error {
	ctx := r.Context()
	if _, _, err := s.store.UserByEmail(ctx, u.Email); err == nil {
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "email", Message: "This email address already has an account.", Resolution: "Use another address, or sign in with this one."}
	} else if hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
		return err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return err
	}
	return s.store.SetPassword(ctx, u.TenantID, u.ID, hash)
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if a, err := s.currentActor(r); err == nil && a != nil {
		seeOther(w, r, "/integrations")
		return
	}
	s.render(w, r, http.StatusOK, "signin", &view{Title: "Sign in", Form: url.Values{"next": {safeNext(r.URL.Query().Get("next"))}}})
}

// signinSubmit checks the email and password, within the attempt limits.
func (s *Server) signinSubmit(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	v := &view{Title: "Sign in", Form: url.Values{"email": {email}, "next": {next}}}
	if !s.limiter.allow(email, clientIP(r)) {
		v.Error = &hrconnect.Error{Code: hrconnect.EINVALID, Message: "Too many attempts; try again in a minute."}
		s.render(w, r, http.StatusTooManyRequests, "signin", v)
		return
	}
	u, hash, err := s.store.UserByEmail(r.Context(), email)
	if err != nil && hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
		s.fail(w, r, nil, err)
		return
	}
	if u == nil || hash == "" {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		u = nil
	} else if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		u = nil
	}
	if u == nil {
		v.Error = &hrconnect.Error{Code: hrconnect.EUNAUTHORIZED, Message: "The email or password is not right.", Resolution: "Check both and try again."}
		s.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	seeOther(w, r, next)
}

// safeNext keeps a post-sign-in redirect on this site: a local path only.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/integrations"
	}
	return next
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(w, r); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	seeOther(w, r, "/signin")
}
