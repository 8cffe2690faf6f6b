package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"hrconnect"
)

// This file holds the queries of imports from Zoho Recruit: applicants by
// email, and saving one imported applicant with its application.

// emailsPerQuery caps the addresses of one ApplicantsByEmail query, well
// under every driver's limit of parameters.
const emailsPerQuery = 200

// ApplicantsByEmail returns the tenant's applicants whose email is one of
// emails, ignoring case (ASCII case: addresses Zoho accepts are ASCII), in
// no particular order. Empty addresses match nothing.
func (db *DB) ApplicantsByEmail(ctx context.Context, tenantID string, emails []string) ([]*hrconnect.Applicant, error) {
	var want []any
	seen := map[string]bool{}
	for _, e := range emails {
		if e = asciiLower(strings.TrimSpace(e)); e != "" && !seen[e] {
			seen[e] = true
			want = append(want, e)
		}
	}
	var out []*hrconnect.Applicant
	for len(want) > 0 {
		chunk := want[:min(len(want), emailsPerQuery)]
		want = want[len(chunk):]
		marks := make([]string, len(chunk))
		for i := range chunk {
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		rows, err := db.ro.QueryContext(ctx, `SELECT `+applicantColumns+` FROM applicants
			WHERE tenant_id = $1 AND lower(email) IN (`+strings.Join(marks, ", ")+`)`, append([]any{tenantID}, chunk...)...)
		if err != nil {
			return nil, fmt.Errorf("read applicants by email: %w", err)
		}
		for rows.Next() {
			a, err := scanApplicant(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read applicants by email: %w", err)
			}
			out = append(out, a)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read applicants by email: %w", err)
		}
	}
	return out, nil
}

// ImportApplicant saves an applicant imported from another system, in one
// transaction: it refuses (ECONFLICT, Field "email") when another applicant
// of the tenant has the same email ignoring case, inserts or replaces a by
// its ApplicantID, and, when jobPostID is set, applies it to that post at
// stageID unless it already has an application there. So an import never
// leaves an applicant without the application it asked for, nor two
// applicants with one address, even when two imports run at once. created
// reports whether the applicant was new.
func (db *DB) ImportApplicant(ctx context.Context, a *hrconnect.Applicant, jobPostID, stageID string) (created bool, err error) {
	switch {
	case a.TenantID == "":
		return false, hrconnect.Invalid("tenant_id", "An applicant needs a tenant.")
	case a.ApplicantID == "":
		return false, hrconnect.Invalid("applicant_id", "An applicant needs the ATS's applicant ID.")
	case strings.TrimSpace(a.Email) == "":
		return false, hrconnect.Invalid("email", "An imported applicant needs an email address.")
	case jobPostID != "" && stageID == "":
		return false, hrconnect.Invalid("stage_id", "Applying an imported applicant to a job post needs the stage.")
	}
	email := asciiLower(strings.TrimSpace(a.Email))
	now := truncTime(db.now())
	var createdAt time.Time
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if db.dialect.name == DriverPostgres {
			// SQLite's write transaction already excludes other writers;
			// on PostgreSQL two imports of one address queue here, so the
			// second sees the first's applicant.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
				"applicant-email/"+a.TenantID+"/"+email); err != nil {
				return fmt.Errorf("lock applicant email: %w", err)
			}
		}
		var holder string
		err := tx.QueryRowContext(ctx, `SELECT applicant_id FROM applicants
			WHERE tenant_id = $1 AND lower(email) = $2 AND applicant_id <> $3 ORDER BY applicant_id LIMIT 1`,
			a.TenantID, email, a.ApplicantID).Scan(&holder)
		switch {
		case err == nil:
			return &hrconnect.Error{Code: hrconnect.ECONFLICT, Field: "email",
				Message:    fmt.Sprintf("Applicant %s already has the email address %s.", holder, a.Email),
				Resolution: "It is the same person: use the existing applicant, or change one of the addresses."}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read applicant by email: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM applicants WHERE tenant_id = $1 AND applicant_id = $2`,
			a.TenantID, a.ApplicantID).Scan(&n); err != nil {
			return fmt.Errorf("read applicant: %w", err)
		}
		created = n == 0
		if createdAt, err = db.putApplicant(ctx, tx, a, now); err != nil {
			return err
		}
		if jobPostID == "" {
			return nil
		}
		if err := stageOfPost(ctx, tx, a.TenantID, jobPostID, stageID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE tenant_id = $1 AND applicant_id = $2 AND job_post_id = $3`,
			a.TenantID, a.ApplicantID, jobPostID).Scan(&n); err != nil {
			return fmt.Errorf("read applications: %w", err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO applications (tenant_id, id, applicant_id, job_post_id, stage_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.TenantID, newID("apn"), a.ApplicantID, jobPostID, stageID, timeArg(now), timeArg(now)); err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	a.CreatedAt, a.UpdatedAt = createdAt, now
	return created, nil
}

// asciiLower lower-cases ASCII letters only, as SQLite's lower() does, so
// that Go and both databases agree on what "ignoring case" means.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
