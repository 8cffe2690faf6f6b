package onboard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"hrconnect"
)

// This file is the ATS side of onboarding: workflows and their links to HR
// connections, job posts, applicants and applications. The pages and the
// REST API call these methods; each checks its input with a message a
// person can act on and is scoped to one tenant (another tenant's ID is
// ENOTFOUND, never a sign that the thing exists).

// Limits on what the ATS sends, so that a page or a list stays readable.
const (
	maxNameLen   = 200 // workflow, stage and job post names; applicant names
	maxStages    = 50
	maxIDLen     = 100 // an applicant ID
	maxCustom    = 50  // custom fields per applicant
	maxCustomLen = 1000
)

// CreateWorkflow checks and creates a workflow with its stages, assigning
// IDs and positions. The name and the stage names are trimmed; a workflow
// needs at least one stage, and its stage names must differ (ignoring
// case). A stage may be linked at once (Stage.ConnectionID): the connection
// must be one of the tenant's Zoho People connections.
func (s *Service) CreateWorkflow(ctx context.Context, w *hrconnect.Workflow) error {
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" {
		return hrconnect.Invalid("name", "Enter a name for the workflow.")
	}
	if err := checkName("name", "the workflow's name", w.Name); err != nil {
		return err
	}
	switch {
	case len(w.Stages) == 0:
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "stages", Message: "A workflow needs at least one stage.",
			Resolution: "Add its hiring stages in order, for example Applied, Interview, Offer, Hired."}
	case len(w.Stages) > maxStages:
		return hrconnect.Invalid("stages", "A workflow has at most %d stages; this one has %d.", maxStages, len(w.Stages))
	}
	seen := map[string]int{}
	for i, st := range w.Stages {
		if st == nil {
			return hrconnect.Invalid("stages", "Stage %d is empty: give it a name.", i+1)
		}
		st.Name = strings.TrimSpace(st.Name)
		if st.Name == "" {
			return hrconnect.Invalid("stages", "Stage %d needs a name.", i+1)
		}
		if err := checkName("stages", fmt.Sprintf("the name of stage %d", i+1), st.Name); err != nil {
			return err
		}
		key := strings.ToLower(st.Name)
		if j, dup := seen[key]; dup {
			return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "stages",
				Message:    fmt.Sprintf("Stages %d and %d are both named %q.", j+1, i+1, st.Name),
				Resolution: "Give each stage of a workflow its own name."}
		}
		seen[key] = i
		if st.ConnectionID != "" {
			if _, err := s.hrConnection(ctx, w.TenantID, st.ConnectionID, "stages"); err != nil {
				return err
			}
		}
	}
	return s.store.CreateWorkflow(ctx, w)
}

// Workflows lists the tenant's workflows with their stages, by name.
func (s *Service) Workflows(ctx context.Context, tenantID string) ([]*hrconnect.Workflow, error) {
	return s.store.Workflows(ctx, tenantID)
}

// Workflow returns one of the tenant's workflows with its stages, or ENOTFOUND.
func (s *Service) Workflow(ctx context.Context, tenantID, id string) (*hrconnect.Workflow, error) {
	return s.store.Workflow(ctx, tenantID, id)
}

// LinkStage links a stage to an HR connection ("when an application reaches
// this stage, create the employee in it"), or unlinks it when connectionID
// is empty. The connection must be one of the tenant's Zoho People
// connections and not disconnected. The action fires on a move into the
// stage: applications already there are not transferred by linking.
// Unlinking leaves job posts that chose the connection as they are; their
// moves into the stage then create no transfer.
func (s *Service) LinkStage(ctx context.Context, tenantID, stageID, connectionID string) error {
	connectionID = strings.TrimSpace(connectionID)
	if connectionID != "" {
		if _, err := s.hrConnection(ctx, tenantID, connectionID, "connection_id"); err != nil {
			return err
		}
	}
	return s.store.LinkStage(ctx, tenantID, stageID, connectionID)
}

// hrConnection returns the tenant's connection id when it can onboard hires:
// a Zoho People connection that is not disconnected. Errors name field.
func (s *Service) hrConnection(ctx context.Context, tenantID, id, field string) (*hrconnect.Connection, error) {
	c, err := s.store.Connection(ctx, tenantID, id)
	if err != nil {
		return nil, withField(err, field)
	}
	switch {
	case c.Service != hrconnect.ServiceZohoPeople:
		return nil, &hrconnect.Error{Code: hrconnect.EINVALID, Field: field,
			Message:    fmt.Sprintf("%s is not an HR connection: only Zoho People connections can create employees.", c.Name),
			Resolution: "Choose a Zoho People connection, or connect Zoho People first."}
	case c.Status == hrconnect.StatusDisconnected:
		return nil, &hrconnect.Error{Code: hrconnect.EINVALID, Field: field,
			Message:    fmt.Sprintf("%s is disconnected.", c.Name),
			Resolution: "Connect it again before linking it."}
	}
	return c, nil
}

// CreateJobPost checks and creates a job post on one of the tenant's
// workflows. HRConnectionID is optional; when set, the connection must be
// selectable (hrconnect.CanSelectHRConnection: linked to a stage of the
// workflow), and the error says why it is not.
func (s *Service) CreateJobPost(ctx context.Context, p *hrconnect.JobPost) error {
	p.Title = strings.TrimSpace(p.Title)
	p.WorkflowID = strings.TrimSpace(p.WorkflowID)
	p.HRConnectionID = strings.TrimSpace(p.HRConnectionID)
	if p.Title == "" {
		return hrconnect.Invalid("title", "Enter the job post's title.")
	}
	if err := checkName("title", "the title", p.Title); err != nil {
		return err
	}
	if p.WorkflowID == "" {
		return hrconnect.Invalid("workflow_id", "Choose the workflow the job post uses.")
	}
	w, err := s.store.Workflow(ctx, p.TenantID, p.WorkflowID)
	if err != nil {
		return withField(err, "workflow_id")
	}
	if p.HRConnectionID != "" {
		c, err := s.store.Connection(ctx, p.TenantID, p.HRConnectionID)
		if err != nil {
			return withField(err, "hr_connection_id")
		}
		if err := hrconnect.CanSelectHRConnection(w, c); err != nil {
			return err
		}
	}
	return s.store.CreateJobPost(ctx, p)
}

// JobPosts lists the tenant's job posts, newest first.
func (s *Service) JobPosts(ctx context.Context, tenantID string) ([]*hrconnect.JobPost, error) {
	return s.store.JobPosts(ctx, tenantID)
}

// JobPost returns one of the tenant's job posts, or ENOTFOUND.
func (s *Service) JobPost(ctx context.Context, tenantID, id string) (*hrconnect.JobPost, error) {
	return s.store.JobPost(ctx, tenantID, id)
}

// PutApplicant checks an applicant and creates it, or replaces the one with
// the same ApplicantID (the ATS's own ID) in the tenant. Text is trimmed.
// The applicant ID (letters, digits, '.', '-', '_'), first name, surname and
// a plain email address are required; the rest is optional.
func (s *Service) PutApplicant(ctx context.Context, a *hrconnect.Applicant) error {
	if err := normalizeApplicant(a); err != nil {
		return err
	}
	return s.store.PutApplicant(ctx, a)
}

// normalizeApplicant trims an applicant's text and checks it.
func normalizeApplicant(a *hrconnect.Applicant) error {
	for _, p := range []*string{&a.ApplicantID, &a.FirstName, &a.Surname, &a.Email, &a.Phone, &a.JobTitle, &a.Department} {
		*p = strings.TrimSpace(*p)
	}
	if err := CheckApplicantID(a.ApplicantID); err != nil {
		return err
	}
	for _, f := range []struct{ field, label, v string }{
		{"first_name", "First Name", a.FirstName}, {"surname", "Surname", a.Surname},
	} {
		if f.v == "" {
			return hrconnect.Invalid(f.field, "Enter the applicant's %s.", f.label)
		}
		if err := checkName(f.field, f.label, f.v); err != nil {
			return err
		}
	}
	switch {
	case a.Email == "":
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "email", Message: "Enter the applicant's Email Address.",
			Resolution: "Zoho People needs an email address for every employee."}
	case !validEmail(a.Email):
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "email",
			Message:    fmt.Sprintf("Email Address %q is not a valid email address.", clip(a.Email)),
			Resolution: "Enter a plain address such as name@example.com, without a name or angle brackets."}
	}
	for _, f := range []struct{ field, label, v string }{
		{"phone", "Phone", a.Phone}, {"job_title", "Job Title", a.JobTitle}, {"department", "Department", a.Department},
	} {
		if err := checkName(f.field, f.label, f.v); err != nil {
			return err
		}
	}
	if len(a.Custom) > maxCustom {
		return hrconnect.Invalid("custom", "An applicant has at most %d custom fields; this one has %d.", maxCustom, len(a.Custom))
	}
	for k, v := range a.Custom {
		if !validLinkName(k) {
			return hrconnect.Invalid("custom", "Custom field %q: a key is letters, digits and underscores, at most 100 characters.", clip(k))
		}
		if len(v) > maxCustomLen || !utf8.ValidString(v) {
			return hrconnect.Invalid("custom", "Custom field %s: the value must be text of at most %d bytes.", k, maxCustomLen)
		}
	}
	return nil
}

// CheckApplicantID reports whether id can be an applicant ID: 1 to 100
// letters, digits, '.', '-' or '_'. It becomes the employee's EmployeeID and
// a part of URLs, hence the narrow alphabet.
func CheckApplicantID(id string) error {
	bad := id == "" || len(id) > maxIDLen
	for _, c := range id {
		if !(c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) || c == '.' || c == '-' || c == '_') {
			bad = true
		}
	}
	if id == "" {
		return hrconnect.Invalid("applicant_id", "Enter the applicant ID: the ATS's own ID for the person.")
	}
	if bad {
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "applicant_id",
			Message:    fmt.Sprintf("%q is not a valid applicant ID.", clip(id)),
			Resolution: "Use 1 to 100 letters, digits, '.', '-' or '_': it becomes the employee's EmployeeID in Zoho People."}
	}
	return nil
}

// Applicants lists the tenant's applicants by applicant ID.
func (s *Service) Applicants(ctx context.Context, tenantID string) ([]*hrconnect.Applicant, error) {
	return s.store.Applicants(ctx, tenantID)
}

// Applicant returns one of the tenant's applicants by the ATS's ID, or ENOTFOUND.
func (s *Service) Applicant(ctx context.Context, tenantID, applicantID string) (*hrconnect.Applicant, error) {
	return s.store.Applicant(ctx, tenantID, applicantID)
}

// Apply creates the application of an applicant to a job post, at the first
// stage of the post's workflow. Both must be the tenant's (ENOTFOUND naming
// the field otherwise); an applicant applies to a post once (ECONFLICT).
// An HR action fires on a move into a stage, so a first stage that is linked
// transfers nobody until an application is moved into it.
func (s *Service) Apply(ctx context.Context, tenantID, applicantID, jobPostID string) (*hrconnect.Application, error) {
	applicantID, jobPostID = strings.TrimSpace(applicantID), strings.TrimSpace(jobPostID)
	switch {
	case applicantID == "":
		return nil, hrconnect.Invalid("applicant_id", "Choose the applicant who applies.")
	case jobPostID == "":
		return nil, hrconnect.Invalid("job_post_id", "Choose the job post applied to.")
	}
	if _, err := s.store.Applicant(ctx, tenantID, applicantID); err != nil {
		return nil, withField(err, "applicant_id")
	}
	p, err := s.store.JobPost(ctx, tenantID, jobPostID)
	if err != nil {
		return nil, withField(err, "job_post_id")
	}
	w, err := s.store.Workflow(ctx, tenantID, p.WorkflowID)
	if err != nil {
		return nil, err
	}
	if len(w.Stages) == 0 {
		return nil, hrconnect.Invalid("job_post_id", "The job post's workflow %q has no stages.", w.Name)
	}
	prior, err := s.store.Applications(ctx, hrconnect.ApplicationFilter{TenantID: tenantID, ApplicantID: applicantID, JobPostID: jobPostID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(prior) > 0 {
		return nil, &hrconnect.Error{Code: hrconnect.ECONFLICT, Field: "job_post_id",
			Message:    fmt.Sprintf("Applicant %s has applied to %q already (application %s).", applicantID, p.Title, prior[0].ID),
			Resolution: "Move that application instead of creating another."}
	}
	a := &hrconnect.Application{TenantID: tenantID, ApplicantID: applicantID, JobPostID: jobPostID, StageID: w.Stages[0].ID}
	if err := s.store.CreateApplication(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Applications lists the applications f selects (f.TenantID is required),
// newest first.
func (s *Service) Applications(ctx context.Context, f hrconnect.ApplicationFilter) ([]*hrconnect.Application, error) {
	return s.store.Applications(ctx, f)
}

// Application returns one of the tenant's applications, or ENOTFOUND.
func (s *Service) Application(ctx context.Context, tenantID, id string) (*hrconnect.Application, error) {
	return s.store.Application(ctx, tenantID, id)
}

// Transfers lists the transfers f selects (f.TenantID is required), newest
// first. An unknown state is EINVALID.
func (s *Service) Transfers(ctx context.Context, f hrconnect.TransferFilter) ([]*hrconnect.Transfer, error) {
	if f.State != "" && !knownState(f.State) {
		return nil, &hrconnect.Error{Code: hrconnect.EINVALID, Field: "state",
			Message:    fmt.Sprintf("%q is not a transfer state.", clip(string(f.State))),
			Resolution: "Use pending, running, succeeded, failed, waiting_reconnect or waiting_lockout."}
	}
	return s.store.Transfers(ctx, f)
}

func knownState(st hrconnect.TransferState) bool {
	switch st {
	case hrconnect.TransferPending, hrconnect.TransferRunning, hrconnect.TransferSucceeded,
		hrconnect.TransferFailed, hrconnect.TransferWaitingReconnect, hrconnect.TransferWaitingLockout:
		return true
	}
	return false
}

// Transfer returns one of the tenant's transfers, or ENOTFOUND.
func (s *Service) Transfer(ctx context.Context, tenantID, id string) (*hrconnect.Transfer, error) {
	return s.store.Transfer(ctx, tenantID, id)
}

// TransferLog returns a transfer's log, oldest first; ENOTFOUND when the
// transfer is not the tenant's.
func (s *Service) TransferLog(ctx context.Context, tenantID, transferID string) ([]*hrconnect.TransferAttempt, error) {
	if _, err := s.store.Transfer(ctx, tenantID, transferID); err != nil {
		return nil, err
	}
	return s.store.TransferAttempts(ctx, tenantID, transferID)
}

// FieldMapping returns the field mapping of one of the tenant's
// connections: the saved one, or seed 000's default
// (hrconnect.DefaultFieldMapping) when none was saved.
func (s *Service) FieldMapping(ctx context.Context, tenantID, connectionID string) (*hrconnect.FieldMapping, error) {
	if _, err := s.store.Connection(ctx, tenantID, connectionID); err != nil {
		return nil, err
	}
	return s.store.FieldMapping(ctx, tenantID, connectionID)
}

// checkName refuses text that is too long or holds control characters;
// callers check emptiness, which only some fields forbid.
func checkName(field, label, v string) error {
	if utf8.RuneCountInString(v) > maxNameLen {
		return hrconnect.Invalid(field, "%s is too long: at most %d characters.", capitalize(label), maxNameLen)
	}
	for _, c := range v {
		if unicode.IsControl(c) || c == utf8.RuneError {
			return hrconnect.Invalid(field, "%s holds a control character or invalid text: use plain text.", capitalize(label))
		}
	}
	return nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// withField names field in an *hrconnect.Error that names none, so that a
// problem detail points at the input that referred to the missing thing.
func withField(err error, field string) error {
	var e *hrconnect.Error
	if errors.As(err, &e) && e.Field == "" {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// clip shortens text quoted back in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}
