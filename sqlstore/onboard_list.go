package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"hrconnect"
)

// This file holds the onboarding domain's lists, for the pages and the REST
// API. Every list is scoped to one tenant and capped.

// DefaultListLimit is how many rows a list returns at most when its filter
// sets no limit.
const DefaultListLimit = 1000

// Workflows lists the tenant's workflows with their stages in order, by
// name. Two queries in all, whatever the number of workflows.
func (db *DB) Workflows(ctx context.Context, tenantID string) ([]*hrconnect.Workflow, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT tenant_id, id, name, created_at, updated_at FROM workflows
		WHERE tenant_id = $1 ORDER BY name, id LIMIT $2`, tenantID, DefaultListLimit)
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Workflow
	byID := map[string]*hrconnect.Workflow{}
	for rows.Next() {
		w := &hrconnect.Workflow{}
		if err := rows.Scan(&w.TenantID, &w.ID, &w.Name, timeDest(&w.CreatedAt), timeDest(&w.UpdatedAt)); err != nil {
			return nil, fmt.Errorf("list workflows: %w", err)
		}
		out = append(out, w)
		byID[w.ID] = w
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return nil, nil
	}
	srows, err := db.ro.QueryContext(ctx, `SELECT tenant_id, id, workflow_id, position, name, connection_id
		FROM stages WHERE tenant_id = $1 ORDER BY workflow_id, position`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list stages: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		s := &hrconnect.Stage{}
		if err := srows.Scan(&s.TenantID, &s.ID, &s.WorkflowID, &s.Position, &s.Name, &s.ConnectionID); err != nil {
			return nil, fmt.Errorf("list stages: %w", err)
		}
		if w := byID[s.WorkflowID]; w != nil {
			w.Stages = append(w.Stages, s)
		}
	}
	if err := srows.Err(); err != nil {
		return nil, fmt.Errorf("list stages: %w", err)
	}
	return out, nil
}

// JobPosts lists the tenant's job posts, newest first.
func (db *DB) JobPosts(ctx context.Context, tenantID string) ([]*hrconnect.JobPost, error) {
	rows, err := db.ro.QueryContext(ctx, `
		SELECT tenant_id, id, title, workflow_id, hr_connection_id, created_at, updated_at
		FROM job_posts WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID, DefaultListLimit)
	if err != nil {
		return nil, fmt.Errorf("list job posts: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.JobPost
	for rows.Next() {
		p := &hrconnect.JobPost{}
		if err := rows.Scan(&p.TenantID, &p.ID, &p.Title, &p.WorkflowID, &p.HRConnectionID, timeDest(&p.CreatedAt), timeDest(&p.UpdatedAt)); err != nil {
			return nil, fmt.Errorf("list job posts: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list job posts: %w", err)
	}
	return out, nil
}

// Applicants lists the tenant's applicants by applicant ID.
func (db *DB) Applicants(ctx context.Context, tenantID string) ([]*hrconnect.Applicant, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+applicantColumns+` FROM applicants
		WHERE tenant_id = $1 ORDER BY applicant_id LIMIT $2`, tenantID, DefaultListLimit)
	if err != nil {
		return nil, fmt.Errorf("list applicants: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Applicant
	for rows.Next() {
		a, err := scanApplicant(rows)
		if err != nil {
			return nil, fmt.Errorf("list applicants: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list applicants: %w", err)
	}
	return out, nil
}

// Applications lists the applications f selects, newest first.
func (db *DB) Applications(ctx context.Context, f hrconnect.ApplicationFilter) ([]*hrconnect.Application, error) {
	if f.TenantID == "" {
		return nil, hrconnect.Invalid("tenant_id", "Listing applications needs a tenant.")
	}
	where := []string{"tenant_id = $1"}
	args := []any{f.TenantID}
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.JobPostID != "" {
		add("job_post_id = $%d", f.JobPostID)
	}
	if f.ApplicantID != "" {
		add("applicant_id = $%d", f.ApplicantID)
	}
	if f.StageID != "" {
		add("stage_id = $%d", f.StageID)
	}
	limit := f.Limit
	if limit <= 0 || limit > DefaultListLimit {
		limit = DefaultListLimit
	}
	args = append(args, limit)
	rows, err := db.ro.QueryContext(ctx, `SELECT `+applicationColumns+` FROM applications WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, fmt.Errorf("list applications: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return out, nil
}
