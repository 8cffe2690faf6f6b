package sandbox

import "strings"

// People operations, as the last part of a ZOHOPEOPLE.forms.<op> scope.
const (
	peopleOpCreate = "create"
	peopleOpRead   = "read"
	peopleOpUpdate = "update"
)

// peopleScopeAllows reports whether a token with scopes may do op on form:
// ZOHOPEOPLE.forms.ALL or ZOHOPEOPLE.forms.<op> for every form, and
// ZOHOPEOPLE.employee.ALL for the employee form. Scopes are compared without
// regard to case: Zoho's own documents spell the service ZOHOPEOPLE and
// ZohoPeople and the operation ALL and all.
func peopleScopeAllows(scopes []string, form, op string) bool {
	for _, sc := range scopes {
		service, rest, ok := strings.Cut(sc, ".")
		if !ok || !strings.EqualFold(service, "ZOHOPEOPLE") {
			continue
		}
		name, operation, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		switch {
		case strings.EqualFold(name, "forms") && (strings.EqualFold(operation, "all") || strings.EqualFold(operation, op)):
			return true
		case strings.EqualFold(name, "employee") && strings.EqualFold(operation, "all") && form == "employee":
			return true
		}
	}
	return false
}
