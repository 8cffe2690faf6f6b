package sandbox

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"
)

// templateFiles holds the pages of the API Console and of the Accounts
// sign-in, consent and error steps.
//
//go:embed templates/*.html
var templateFiles embed.FS

// pages is every page template, parsed once.
var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"join":      func(list []string) string { return strings.Join(list, "\n") },
	"joinComma": func(list []string) string { return strings.Join(list, ", ") },
}).ParseFS(templateFiles, "templates/*.html"))

// renderPage writes the named page with status. It renders into a buffer
// first, so a template error becomes a clean 500 rather than half a page.
func renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "sandbox page "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
