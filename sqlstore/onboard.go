package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"hrconnect"
)

// This file holds the onboarding domain's setup: workflows and their stages,
// job posts, applicants, applications and field mappings. Transfers are in
// onboard_transfer.go.

var _ hrconnect.OnboardStore = (*DB)(nil)

// dateFormat is how applicants' calendar dates are stored.
const dateFormat = "2006-01-02"

func dateArg(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateFormat)
}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(dateFormat, s)
}

// CreateWorkflow inserts w and its stages in one transaction, assigning IDs
// ("wfl_…", "stg_…"), positions and times. A stage linked to a connection
// that is not the tenant's is ENOTFOUND.
func (db *DB) CreateWorkflow(ctx context.Context, w *hrconnect.Workflow) error {
	switch {
	case w.TenantID == "":
		return hrconnect.Invalid("tenant_id", "A workflow needs a tenant.")
	case w.Name == "":
		return hrconnect.Invalid("name", "Enter a name for the workflow.")
	}
	id := newID("wfl")
	now := truncTime(db.now())
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := requireTenant(ctx, tx, w.TenantID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO workflows (tenant_id, id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			w.TenantID, id, w.Name, timeArg(now), timeArg(now)); err != nil {
			return fmt.Errorf("create workflow: %w", err)
		}
		for i, s := range w.Stages {
			if s.Name == "" {
				return hrconnect.Invalid("stages", "Stage %d needs a name.", i+1)
			}
			if s.ConnectionID != "" {
				if err := requireConnection(ctx, tx, w.TenantID, s.ConnectionID); err != nil {
					return err
				}
			}
			s.ID, s.TenantID, s.WorkflowID, s.Position = newID("stg"), w.TenantID, id, i
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO stages (tenant_id, id, workflow_id, position, name, connection_id)
				VALUES ($1, $2, $3, $4, $5, $6)`, s.TenantID, s.ID, id, i, s.Name, s.ConnectionID); err != nil {
				return fmt.Errorf("create stage: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.ID, w.CreatedAt, w.UpdatedAt = id, now, now
	return nil
}

// requireConnection fails with ENOTFOUND unless the connection exists in the tenant.
func requireConnection(ctx context.Context, q querier, tenantID, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM connections WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&n); err != nil {
		return fmt.Errorf("read connection: %w", err)
	}
	if n == 0 {
		return connectionNotFound(id)
	}
	return nil
}

// Workflow returns a workflow with its stages in order, or ENOTFOUND.
func (db *DB) Workflow(ctx context.Context, tenantID, id string) (*hrconnect.Workflow, error) {
	return workflow(ctx, db.ro, tenantID, id)
}

func workflow(ctx context.Context, q querier, tenantID, id string) (*hrconnect.Workflow, error) {
	w := &hrconnect.Workflow{}
	err := q.QueryRowContext(ctx, `SELECT tenant_id, id, name, created_at, updated_at FROM workflows WHERE tenant_id = $1 AND id = $2`,
		tenantID, id).Scan(&w.TenantID, &w.ID, &w.Name, timeDest(&w.CreatedAt), timeDest(&w.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hrconnect.Errorf(hrconnect.ENOTFOUND, "workflow %q not found in this tenant", id)
	} else if err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	rows, err := q.QueryContext(ctx, `
		SELECT tenant_id, id, workflow_id, position, name, connection_id
		FROM stages WHERE tenant_id = $1 AND workflow_id = $2 ORDER BY position`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("read stages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s := &hrconnect.Stage{}
		if err := rows.Scan(&s.TenantID, &s.ID, &s.WorkflowID, &s.Position, &s.Name, &s.ConnectionID); err != nil {
			return nil, fmt.Errorf("read stages: %w", err)
		}
		w.Stages = append(w.Stages, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stages: %w", err)
	}
	return w, nil
}

// LinkStage sets a stage's HR action to connectionID, or removes it when
// connectionID is empty.
func (db *DB) LinkStage(ctx context.Context, tenantID, stageID, connectionID string) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if connectionID != "" {
			if err := requireConnection(ctx, tx, tenantID, connectionID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE stages SET connection_id = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, stageID, connectionID)
		if err != nil {
			return fmt.Errorf("link stage: %w", err)
		}
		return oneRow(res, "stage", stageID)
	})
}

// oneRow turns an UPDATE that changed no row into ENOTFOUND.
func oneRow(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if n == 0 {
		return hrconnect.Errorf(hrconnect.ENOTFOUND, "%s %q not found in this tenant", what, id)
	}
	return nil
}

// CreateJobPost inserts p, assigning its ID ("job_…") and times. Its
// workflow must exist in the tenant.
func (db *DB) CreateJobPost(ctx context.Context, p *hrconnect.JobPost) error {
	switch {
	case p.TenantID == "":
		return hrconnect.Invalid("tenant_id", "A job post needs a tenant.")
	case p.Title == "":
		return hrconnect.Invalid("title", "Enter the job post's title.")
	case p.WorkflowID == "":
		return hrconnect.Invalid("workflow_id", "Choose the workflow the job post uses.")
	}
	id := newID("job")
	now := truncTime(db.now())
	_, err := db.rw.ExecContext(ctx, `
		INSERT INTO job_posts (tenant_id, id, title, workflow_id, hr_connection_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.TenantID, id, p.Title, p.WorkflowID, p.HRConnectionID, timeArg(now), timeArg(now))
	if db.dialect.isForeignKeyViolation(err) {
		return hrconnect.Errorf(hrconnect.ENOTFOUND, "workflow %q not found in this tenant", p.WorkflowID)
	} else if err != nil {
		return fmt.Errorf("create job post: %w", err)
	}
	p.ID, p.CreatedAt, p.UpdatedAt = id, now, now
	return nil
}

// JobPost returns a job post, or ENOTFOUND.
func (db *DB) JobPost(ctx context.Context, tenantID, id string) (*hrconnect.JobPost, error) {
	p := &hrconnect.JobPost{}
	err := db.ro.QueryRowContext(ctx, `
		SELECT tenant_id, id, title, workflow_id, hr_connection_id, created_at, updated_at
		FROM job_posts WHERE tenant_id = $1 AND id = $2`, tenantID, id).
		Scan(&p.TenantID, &p.ID, &p.Title, &p.WorkflowID, &p.HRConnectionID, timeDest(&p.CreatedAt), timeDest(&p.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hrconnect.Errorf(hrconnect.ENOTFOUND, "job post %q not found in this tenant", id)
	} else if err != nil {
		return nil, fmt.Errorf("read job post: %w", err)
	}
	return p, nil
}

// SetJobPostHRConnection records the HR connection chosen on a job post
// (empty: none).
func (db *DB) SetJobPostHRConnection(ctx context.Context, tenantID, postID, connectionID string) error {
	res, err := db.rw.ExecContext(ctx, `UPDATE job_posts SET hr_connection_id = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
		tenantID, postID, connectionID, timeArg(db.now()))
	if err != nil {
		return fmt.Errorf("update job post: %w", err)
	}
	return oneRow(res, "job post", postID)
}

// PutApplicant inserts a, or replaces the applicant with its ApplicantID,
// setting its times.
func (db *DB) PutApplicant(ctx context.Context, a *hrconnect.Applicant) error {
	switch {
	case a.TenantID == "":
		return hrconnect.Invalid("tenant_id", "An applicant needs a tenant.")
	case a.ApplicantID == "":
		return hrconnect.Invalid("applicant_id", "An applicant needs the ATS's applicant ID.")
	}
	now := truncTime(db.now())
	created, err := db.putApplicant(ctx, db.rw, a, now)
	if err != nil {
		return err
	}
	a.CreatedAt, a.UpdatedAt = created, now
	return nil
}

// putApplicant inserts a or replaces the applicant with its ApplicantID, as
// of now, and returns when the applicant was first created.
func (db *DB) putApplicant(ctx context.Context, q querier, a *hrconnect.Applicant, now time.Time) (time.Time, error) {
	custom, err := json.Marshal(a.Custom)
	if err != nil || a.Custom == nil {
		custom = []byte("{}")
	}
	var created time.Time
	err = q.QueryRowContext(ctx, `
		INSERT INTO applicants (tenant_id, applicant_id, first_name, surname, email, phone, job_title, department,
			start_date, date_of_birth, custom, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
		ON CONFLICT (tenant_id, applicant_id) DO UPDATE SET first_name = excluded.first_name, surname = excluded.surname,
			email = excluded.email, phone = excluded.phone, job_title = excluded.job_title, department = excluded.department,
			start_date = excluded.start_date, date_of_birth = excluded.date_of_birth, custom = excluded.custom,
			updated_at = excluded.updated_at
		RETURNING created_at`,
		a.TenantID, a.ApplicantID, a.FirstName, a.Surname, a.Email, a.Phone, a.JobTitle, a.Department,
		dateArg(a.StartDate), dateArg(a.DateOfBirth), string(custom), timeArg(now)).Scan(timeDest(&created))
	if db.dialect.isForeignKeyViolation(err) {
		return created, tenantNotFound(a.TenantID)
	} else if err != nil {
		return created, fmt.Errorf("put applicant: %w", err)
	}
	return created, nil
}

// Applicant returns an applicant by the ATS's ID, or ENOTFOUND.
func (db *DB) Applicant(ctx context.Context, tenantID, applicantID string) (*hrconnect.Applicant, error) {
	a, err := scanApplicant(db.ro.QueryRowContext(ctx, `SELECT `+applicantColumns+`
		FROM applicants WHERE tenant_id = $1 AND applicant_id = $2`, tenantID, applicantID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hrconnect.Errorf(hrconnect.ENOTFOUND, "applicant %q not found in this tenant", applicantID)
	} else if err != nil {
		return nil, fmt.Errorf("read applicant: %w", err)
	}
	return a, nil
}

const applicantColumns = `tenant_id, applicant_id, first_name, surname, email, phone, job_title, department,
	start_date, date_of_birth, custom, created_at, updated_at`

func scanApplicant(row interface{ Scan(...any) error }) (*hrconnect.Applicant, error) {
	a := &hrconnect.Applicant{}
	var start, birth, custom string
	err := row.Scan(&a.TenantID, &a.ApplicantID, &a.FirstName, &a.Surname, &a.Email, &a.Phone, &a.JobTitle, &a.Department,
		&start, &birth, &custom, timeDest(&a.CreatedAt), timeDest(&a.UpdatedAt))
	if err != nil {
		return nil, err
	}
	if a.StartDate, err = parseDate(start); err != nil {
		return nil, fmt.Errorf("start date: %w", err)
	}
	if a.DateOfBirth, err = parseDate(birth); err != nil {
		return nil, fmt.Errorf("date of birth: %w", err)
	}
	if err := json.Unmarshal([]byte(custom), &a.Custom); err != nil {
		return nil, fmt.Errorf("custom fields: %w", err)
	}
	if len(a.Custom) == 0 {
		a.Custom = nil
	}
	return a, nil
}

// CreateApplication inserts a, assigning its ID ("apn_…") and times. The
// stage must belong to the job post's workflow.
func (db *DB) CreateApplication(ctx context.Context, a *hrconnect.Application) error {
	switch {
	case a.TenantID == "" || a.ApplicantID == "" || a.JobPostID == "" || a.StageID == "":
		return hrconnect.Invalid("application", "An application needs a tenant, an applicant, a job post and a stage.")
	}
	id := newID("apn")
	now := truncTime(db.now())
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := stageOfPost(ctx, tx, a.TenantID, a.JobPostID, a.StageID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO applications (tenant_id, id, applicant_id, job_post_id, stage_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.TenantID, id, a.ApplicantID, a.JobPostID, a.StageID, timeArg(now), timeArg(now))
		switch {
		case db.dialect.isForeignKeyViolation(err):
			return hrconnect.Errorf(hrconnect.ENOTFOUND, "applicant %q not found in this tenant", a.ApplicantID)
		case db.dialect.isUniqueViolation(err):
			return &hrconnect.Error{Code: hrconnect.ECONFLICT, Field: "job_post_id",
				Message:    fmt.Sprintf("Applicant %s has applied to this job post already.", a.ApplicantID),
				Resolution: "Move that application instead of creating another."}
		case err != nil:
			return fmt.Errorf("create application: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.ID, a.CreatedAt, a.UpdatedAt = id, now, now
	return nil
}

// stageOfPost fails unless stageID is a stage of the job post's workflow.
func stageOfPost(ctx context.Context, q querier, tenantID, postID, stageID string) error {
	var n int
	err := q.QueryRowContext(ctx, `
		SELECT count(*) FROM job_posts p JOIN stages s ON s.tenant_id = p.tenant_id AND s.workflow_id = p.workflow_id
		WHERE p.tenant_id = $1 AND p.id = $2 AND s.id = $3`, tenantID, postID, stageID).Scan(&n)
	if err != nil {
		return fmt.Errorf("read stage: %w", err)
	}
	if n == 0 {
		return hrconnect.Invalid("stage_id", "Stage %q is not a stage of the job post's workflow.", stageID)
	}
	return nil
}

const applicationColumns = `tenant_id, id, applicant_id, job_post_id, stage_id, created_at, updated_at`

func scanApplication(row interface{ Scan(...any) error }) (*hrconnect.Application, error) {
	a := &hrconnect.Application{}
	err := row.Scan(&a.TenantID, &a.ID, &a.ApplicantID, &a.JobPostID, &a.StageID, timeDest(&a.CreatedAt), timeDest(&a.UpdatedAt))
	return a, err
}

// Application returns an application, or ENOTFOUND.
func (db *DB) Application(ctx context.Context, tenantID, id string) (*hrconnect.Application, error) {
	return application(ctx, db.ro, tenantID, id)
}

func application(ctx context.Context, q querier, tenantID, id string) (*hrconnect.Application, error) {
	a, err := scanApplication(q.QueryRowContext(ctx, `SELECT `+applicationColumns+` FROM applications WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hrconnect.Errorf(hrconnect.ENOTFOUND, "application %q not found in this tenant", id)
	} else if err != nil {
		return nil, fmt.Errorf("read application: %w", err)
	}
	return a, nil
}

// FieldMapping returns a connection's field mapping, or
// hrconnect.DefaultFieldMapping when none was saved.
func (db *DB) FieldMapping(ctx context.Context, tenantID, connectionID string) (*hrconnect.FieldMapping, error) {
	m := &hrconnect.FieldMapping{}
	err := db.ro.QueryRowContext(ctx, `
		SELECT tenant_id, connection_id, form, fields, is_direct_add, is_non_user, updated_at
		FROM field_mappings WHERE tenant_id = $1 AND connection_id = $2`, tenantID, connectionID).
		Scan(&m.TenantID, &m.ConnectionID, &m.Form, jsonDest(&m.Fields), &m.IsDirectAdd, &m.IsNonUser, timeDest(&m.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return hrconnect.DefaultFieldMapping(tenantID, connectionID), nil
	} else if err != nil {
		return nil, fmt.Errorf("read field mapping: %w", err)
	}
	return m, nil
}

// SetFieldMapping saves (replacing) a connection's field mapping.
func (db *DB) SetFieldMapping(ctx context.Context, m *hrconnect.FieldMapping) error {
	if m.Form == "" {
		m.Form = "employee"
	}
	fields, err := jsonArg(m.Fields)
	if err != nil {
		return fmt.Errorf("save field mapping: %w", err)
	}
	now := truncTime(db.now())
	_, err = db.rw.ExecContext(ctx, `
		INSERT INTO field_mappings (tenant_id, connection_id, form, fields, is_direct_add, is_non_user, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, connection_id) DO UPDATE SET form = excluded.form, fields = excluded.fields,
			is_direct_add = excluded.is_direct_add, is_non_user = excluded.is_non_user, updated_at = excluded.updated_at`,
		m.TenantID, m.ConnectionID, m.Form, fields, m.IsDirectAdd, m.IsNonUser, timeArg(now))
	if db.dialect.isForeignKeyViolation(err) {
		return connectionNotFound(m.ConnectionID)
	} else if err != nil {
		return fmt.Errorf("save field mapping: %w", err)
	}
	m.UpdatedAt = now
	return nil
}
