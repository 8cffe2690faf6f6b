package hrconnect

import "time"

// Tenant is a client company of the ATS. Every other row belongs to exactly one.
type Tenant struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Permission is something a user may do beyond reading.
type Permission string

// PermIntegrations is "Integrations Management": needed to set up, change or
// remove a connection (seed 000).
const PermIntegrations Permission = "integrations_management"

// User is a person of a tenant.
type User struct {
	ID          string
	TenantID    string
	Email       string
	Name        string
	Permissions []Permission
	CreatedAt   time.Time
}

// Can reports whether the user holds permission p.
func (u *User) Can(p Permission) bool {
	for _, q := range u.Permissions {
		if q == p {
			return true
		}
	}
	return false
}
