package onboard

import (
	"context"

	"hrconnect"
)

// ImportStore is what imports from Zoho Recruit need from the database
// beyond hrconnect.OnboardStore. *sqlstore.DB implements it.
type ImportStore interface {
	// ApplicantsByEmail returns the tenant's applicants whose email is one
	// of emails, ignoring case.
	ApplicantsByEmail(ctx context.Context, tenantID string, emails []string) ([]*hrconnect.Applicant, error)
	// ImportApplicant saves an imported applicant in one transaction,
	// refusing with ECONFLICT (Field "email") when another applicant of the
	// tenant has its email, and applies it to jobPostID at stageID (when
	// jobPostID is set) unless it already applied there. created reports
	// whether the applicant was new.
	ImportApplicant(ctx context.Context, a *hrconnect.Applicant, jobPostID, stageID string) (created bool, err error)
}
