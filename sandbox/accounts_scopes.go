package sandbox

import "strings"

// Scopes have Zoho's form service.scope.operation. The sandbox knows two
// services, People and Recruit; a scope of any other service is "Enter a valid
// scope" in the console and ERROR_invalid_scope on /oauth/v2/auth, which is
// what a client asking Zoho for a misspelt scope would see.
//
// Matching is case-insensitive throughout: Zoho's own documents spell the same
// scope ZOHOPEOPLE / ZohoPeople and ZohoRecruit / ZohoRECRUIT, and write the
// operation both as ALL and as all.

// peopleScopeNames are People's scope names (API-FACTS §2.1: Zoho's scope page
// and the names a managed integration requests).
var peopleScopeNames = setOf("employee", "forms", "dashboard", "automation", "timetracker",
	"attendance", "leave", "performance", "assessment", "training", "announcement",
	"feeds", "files", "onboarding", "integration")

// peopleOperations are the operations a People scope ends with; People's scope
// page lists no scope without one.
var peopleOperations = setOf("all", "create", "read", "update", "delete")

// recruitScopes are Recruit's scope names with the parts each may name, as
// seed 002 lists them ("users.all", "settings.fields", "modules.candidate",
// ...), plus the modules Recruit's record pages name in scopes (API-FACTS §3.2).
var recruitScopes = map[string]map[string]bool{
	"users":    setOf(),
	"settings": setOf("custom_views", "related_lists", "modules", "fields", "layouts"),
	"modules": setOf("candidate", "client", "contact", "jobopening", "campaign", "task", "event",
		"call", "interview", "vendor", "custom", "notes", "activities", "assessment",
		"candidatestatus", "jobopeningstatus", "application", "review", "department",
		"submission", "custommodule"),
}

// recruitOperations are the operations a Recruit scope may end with. The
// record pages add WRITE to the usual four for inserts.
var recruitOperations = setOf("all", "read", "create", "update", "delete", "write")

// splitScopeList splits a comma-separated scope parameter ("A,B" or, as seed
// 004 writes it, "A, B") into its scopes. Spaces alone do not separate scopes:
// Zoho documents commas, so "A B" is one (invalid) scope, and a client that
// joins scopes with spaces learns it here rather than against Zoho.
func splitScopeList(param string) []string {
	var out []string
	for _, s := range strings.Split(param, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// invalidScopes returns the scopes of list that the sandbox does not know, in
// order; an empty result means every scope is valid.
func invalidScopes(list []string) []string {
	var bad []string
	for _, s := range list {
		if !isKnownScope(s) {
			bad = append(bad, s)
		}
	}
	return bad
}

// isKnownScope reports whether scope is a People or Recruit scope:
//
//	ZOHOPEOPLE.<name>.<operation>             ZOHOPEOPLE.forms.CREATE
//	ZohoRecruit.<name>.<operation>            ZohoRecruit.modules.ALL, ZohoRecruit.users.all
//	ZohoRecruit.<name>.<part>                 ZohoRecruit.settings.fields
//	ZohoRecruit.<name>.<part>.<operation>     ZohoRecruit.modules.candidate.READ
func isKnownScope(scope string) bool {
	p := strings.Split(strings.ToLower(scope), ".")
	switch {
	case len(p) < 3 || len(p) > 4:
		return false
	case p[0] == "zohopeople":
		return len(p) == 3 && peopleScopeNames[p[1]] && peopleOperations[p[2]]
	case p[0] == "zohorecruit":
		parts, ok := recruitScopes[p[1]]
		if !ok {
			return false
		}
		if len(p) == 3 {
			return recruitOperations[p[2]] || parts[p[2]]
		}
		return parts[p[2]] && recruitOperations[p[3]]
	}
	return false
}

// setOf returns a set holding the given strings.
func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}
