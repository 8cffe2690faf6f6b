package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"hrconnect"
)

//go:embed templates/*.html static/*
var assets embed.FS

// pages holds one template set per page: the layout plus the page's file.
type pages struct {
	byName map[string]*template.Template
}

var templateFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"join": func(s []string) string { return strings.Join(s, ", ") },
	// inc turns a 0-based position into the 1-based number people count by.
	"inc": func(i int) int { return i + 1 },
	// pathEsc makes an ID chosen by people (an applicant's) one path segment.
	"pathEsc": url.PathEscape,
	// date writes a calendar date as YYYY-MM-DD, the form of date inputs;
	// empty when unknown.
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	},
	"statusLabel": func(st hrconnect.ConnectionStatus) string {
		switch st {
		case hrconnect.StatusConnected:
			return "Connected"
		case hrconnect.StatusNeedsReconnect:
			return "Needs attention"
		case hrconnect.StatusDisconnected:
			return "Disconnected"
		}
		return string(st)
	},
	// dict2app passes a page's view and an application to the shared
	// "applicationrow" part.
	"dict2app":      func(v *view, r *applicationRow) map[string]any { return map[string]any{"V": v, "R": r} },
	"transferLabel": transferLabel,
	// sourceLabel names an applicant field as the mapping form offers it.
	"sourceLabel": func(f hrconnect.ApplicantField) string {
		if strings.HasPrefix(string(f), "custom:") {
			return "Custom field: " + f.Label()
		}
		return f.Label()
	},
	// transferClass is the CSS class of a transfer's state.
	"transferClass": func(st hrconnect.TransferState) string {
		switch st {
		case hrconnect.TransferSucceeded:
			return "ok"
		case hrconnect.TransferFailed:
			return "bad"
		}
		return "warn"
	},
	// dict2 passes a page's view and a Zoho form to the shared form parts.
	"dict2": func(v *view, f *zohoForm) map[string]any { return map[string]any{"V": v, "F": f} },
	// fe gives the "fielderr" template the error about one form field (or
	// nil) with the field's name, which names the message's id: the field's
	// aria-describedby points at it.
	"fe": func(fields map[string]*hrconnect.Error, name string) map[string]any {
		return map[string]any{"Name": name, "E": fields[name]}
	},
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(templateFuncs).ParseFS(assets, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(base, ".html")] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	// Nav names the active item of the navigation.
	Nav   string
	Actor *actor
	Flash string
	// Error is the form's or page's error, shown at the top; Fields holds
	// the same error under its field's name, to show next to the field.
	Error  *hrconnect.Error
	Fields map[string]*hrconnect.Error
	// Form holds the values to put back into a re-rendered form. Handlers
	// copy only values that are not secret.
	Form url.Values
	// Sandbox is the sandbox console's URL when hrconnect runs with one.
	Sandbox string
	// ATS is set when the onboarding pages (workflows, job posts,
	// applicants, transfers) are served, for the navigation.
	ATS bool
	// Refresh, when not zero, reloads the page after that many seconds:
	// a transfer's page while it is not done.
	Refresh int
	Data    any
}

// CanManage reports whether the signed-in user holds Integrations Management.
func (v *view) CanManage() bool {
	return v.Actor != nil && v.Actor.User.Can(hrconnect.PermIntegrations)
}

// withError sets err as the view's error, and next to its field (or to
// defaultField when the error names none).
func (v *view) withError(err error, defaultField string) *view {
	e := appError(err)
	v.Error = e
	f := e.Field
	if f == "" {
		f = defaultField
	}
	if f != "" {
		v.Fields = map[string]*hrconnect.Error{f: e}
	}
	return v
}

// render writes the page with the given status. Pages that may show secrets
// set Cache-Control: no-store themselves before calling it; every page is
// private to its user.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.log.Error("no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if v.Sandbox == "" {
		v.Sandbox = s.sandbox
	}
	v.ATS = s.onb != nil
	if v.Flash == "" {
		v.Flash = takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private, no-cache")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	// No form-action directive: "Connect with Zoho" posts here and is then
	// redirected to Zoho's consent page, which form-action would block.
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders err as an error page with its status. Internal errors are
// logged (the cause never reaches the page); an unauthenticated GET goes to
// the sign-in page instead.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, a *actor, err error) {
	e := appError(err)
	if e.Code == hrconnect.EINTERNAL {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if e.Code == hrconnect.EUNAUTHORIZED && r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	title := map[string]string{
		hrconnect.ENOTFOUND: "Not found", hrconnect.EFORBIDDEN: "Not allowed", hrconnect.EUNAUTHORIZED: "Please sign in",
		hrconnect.ECONFLICT: "Conflict", hrconnect.EUNAVAILABLE: "Try again later", hrconnect.EINVALID: "Something is not right",
	}[e.Code]
	if title == "" {
		title = "Error"
	}
	s.render(w, r, statusOf(e.Code), "error", &view{Title: title, Actor: a, Error: e})
}

// Flash messages survive one redirect in a cookie. They are fixed texts
// written by handlers, never secrets.
const flashCookie = "hrconnect_flash"

func (s *Server) flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// seeOther redirects after a successful POST.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
