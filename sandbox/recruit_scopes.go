package sandbox

import "strings"

// Recruit operations, as the last part of a ZohoRecruit.modules.<module>.<op>
// scope or a group scope ZohoRecruit.modules.<OP>.
const (
	recruitOpRead   = "read"
	recruitOpCreate = "create"
)

// recruitScopeAllows reports whether a token with scopes may do op on module
// ("candidate"; seed 002 names modules in the singular). Granting scopes:
//
//	ZohoRecruit.modules.all                  every operation on every module
//	ZohoRecruit.modules.<OP>                 the group scope for OP (READ, CREATE, UPDATE, DELETE)
//	ZohoRecruit.modules.<module>             every operation on the module
//	ZohoRecruit.modules.<module>.all         the same
//	ZohoRecruit.modules.<module>.<OP>        OP on the module; WRITE covers CREATE and UPDATE
//
// The comparison ignores case throughout: Zoho's documents spell the service
// ZohoRecruit and ZohoRECRUIT and the operations ALL and all.
func recruitScopeAllows(scopes []string, module, op string) bool {
	for _, sc := range scopes {
		parts := strings.Split(strings.ToLower(sc), ".")
		if len(parts) < 3 || parts[0] != "zohorecruit" || parts[1] != "modules" {
			continue
		}
		switch len(parts) {
		case 3:
			if parts[2] == "all" || parts[2] == op || parts[2] == module {
				return true
			}
		case 4:
			if parts[2] != module {
				continue
			}
			if o := parts[3]; o == "all" || o == op || (o == "write" && op != recruitOpRead) {
				return true
			}
		}
	}
	return false
}
