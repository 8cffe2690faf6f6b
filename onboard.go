package hrconnect

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Workflow is an ordered list of hiring stages that job posts use. A stage
// may carry an HR action: "when an application reaches this stage, create the
// employee in <connection>".
type Workflow struct {
	ID       string
	TenantID string
	Name     string
	// Stages are in hiring order; Position is their index.
	Stages    []*Stage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Stage is one step of a workflow.
type Stage struct {
	ID         string
	TenantID   string
	WorkflowID string
	Name       string
	Position   int
	// ConnectionID, when set, is the HR connection in which an applicant
	// reaching this stage is created as an employee.
	ConnectionID string
}

// Stage returns the workflow's stage with the given ID, or nil.
func (w *Workflow) Stage(id string) *Stage {
	for _, s := range w.Stages {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// LinkedConnections returns the IDs of the HR connections linked to the
// workflow's stages, once each, in stage order.
func (w *Workflow) LinkedConnections() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range w.Stages {
		if s.ConnectionID != "" && !seen[s.ConnectionID] {
			seen[s.ConnectionID] = true
			out = append(out, s.ConnectionID)
		}
	}
	return out
}

// JobPost is a vacancy; its applications move through its workflow's stages.
type JobPost struct {
	ID         string
	TenantID   string
	Title      string
	WorkflowID string
	// HRConnectionID is the HR provider chosen on the post, empty when none.
	// CanSelectHRConnection says whether a connection may be chosen.
	HRConnectionID string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// CanSelectHRConnection reports why the HR connection c may not be selected
// on a job post using workflow w, or nil when it may: seed 000 makes linking
// the connection to the workflow mandatory "for Zoho to be an available
// option on job posts". The error is EINVALID and says what to do.
func CanSelectHRConnection(w *Workflow, c *Connection) error {
	switch {
	case c == nil || w == nil:
		return Invalid("hr_connection_id", "Choose an HR connection and a workflow.")
	case c.TenantID != w.TenantID:
		return Errorf(ENOTFOUND, "connection %q not found in this tenant", c.ID)
	case c.Service != ServiceZohoPeople:
		return Invalid("hr_connection_id", "%s is not an HR connection: only Zoho People connections can onboard hires.", c.Name)
	case c.Status == StatusDisconnected:
		return Invalid("hr_connection_id", "%s is disconnected: connect it again before choosing it.", c.Name)
	}
	for _, id := range w.LinkedConnections() {
		if id == c.ID {
			return nil
		}
	}
	return &Error{Code: EINVALID, Field: "hr_connection_id",
		Message:    fmt.Sprintf("%s is not linked to the workflow %q.", c.Name, w.Name),
		Resolution: fmt.Sprintf("Open the workflow and link %s to the stage at which hires are created in it; it then becomes available on this job post.", c.Name)}
}

// Applicant is a person applying, with the core data the ATS holds.
type Applicant struct {
	TenantID string
	// ApplicantID is the ATS's own ID for the person; it identifies the
	// applicant in the tenant and becomes the employee's EmployeeID by
	// default.
	ApplicantID string
	FirstName   string
	Surname     string
	Email       string
	// Optional core data.
	Phone      string
	JobTitle   string
	Department string
	// StartDate and DateOfBirth are calendar dates (their time of day is
	// ignored); zero when unknown.
	StartDate   time.Time
	DateOfBirth time.Time
	// Custom holds the tenant's own applicant fields by key, for mappings to
	// Zoho's custom fields.
	Custom    map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Application is an applicant's application to a job post, at one stage of
// the post's workflow.
type Application struct {
	ID          string
	TenantID    string
	ApplicantID string
	JobPostID   string
	StageID     string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TransferState is where a transfer stands.
type TransferState string

const (
	// TransferPending: queued, or waiting for a retry after a passing fault.
	TransferPending TransferState = "pending"
	// TransferRunning: a worker is sending it.
	TransferRunning TransferState = "running"
	// TransferSucceeded: the employee exists in the HR system; ZohoRecordID
	// says which record.
	TransferSucceeded TransferState = "succeeded"
	// TransferFailed: a person must act (LastError and Resolution say how),
	// then retry it.
	TransferFailed TransferState = "failed"
	// TransferWaitingReconnect: the connection needs reconnecting; the
	// transfer resumes by itself once it is.
	TransferWaitingReconnect TransferState = "waiting_reconnect"
	// TransferWaitingLockout: Zoho locked the organisation's API out for a
	// while; the transfer resumes by itself when the lock ends.
	TransferWaitingLockout TransferState = "waiting_lockout"
)

// Done reports whether nothing more will happen to a transfer in state s
// unless a person retries it.
func (s TransferState) Done() bool { return s == TransferSucceeded || s == TransferFailed }

// RecordField is one field of the record sent to the HR system: the
// provider's field name and its value.
type RecordField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Transfer is the work of creating one applicant as an employee in one HR
// connection. There is at most one per application and connection.
type Transfer struct {
	ID            string
	TenantID      string
	ApplicationID string
	ApplicantID   string
	ConnectionID  string
	// ActorID is the user who moved the application, empty for the API or
	// hrconnect itself. Per-user connections act with their credentials.
	ActorID string
	State   TransferState
	// Attempts counts the worker runs that went to the HR system.
	Attempts int
	// Record is the record sent (or to be sent): never secrets, never
	// documents.
	Record []RecordField
	// Reply is the HR system's last answer, for the transfer log.
	Reply string
	// ZohoRecordID is the employee's record ID in Zoho People once it exists.
	ZohoRecordID string
	// LastError and Resolution say what went wrong and what a person can do;
	// empty once the transfer succeeds.
	LastError  string
	Resolution string
	// InsertUnsure is set while an insert has been sent whose outcome is not
	// known (no answer, or an answer that may come after Zoho stored the
	// record): the next attempt must look the employee up before inserting.
	InsertUnsure bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// FinishedAt is when it succeeded or failed; zero otherwise.
	FinishedAt time.Time
}

// TransferAttempt is one entry of a transfer's log.
type TransferAttempt struct {
	ID         int64
	TenantID   string
	TransferID string
	At         time.Time
	// Outcome is the state the attempt left the transfer in, or "linked"
	// when an existing employee was linked instead of inserted.
	Outcome string
	Message string
}

// ApplicantField names a field of Applicant that a mapping can read.
type ApplicantField string

// The applicant fields a mapping can use; custom fields are "custom:<key>".
const (
	FieldApplicantID ApplicantField = "applicant_id"
	FieldFirstName   ApplicantField = "first_name"
	FieldSurname     ApplicantField = "surname"
	FieldEmail       ApplicantField = "email"
	FieldPhone       ApplicantField = "phone"
	FieldJobTitle    ApplicantField = "job_title"
	FieldDepartment  ApplicantField = "department"
	FieldStartDate   ApplicantField = "start_date"
	FieldDateOfBirth ApplicantField = "date_of_birth"
)

// CustomField returns the ApplicantField of the tenant's custom field key.
func CustomField(key string) ApplicantField { return ApplicantField("custom:" + key) }

// Known reports whether f is an applicant field or a custom one.
func (f ApplicantField) Known() bool {
	switch f {
	case FieldApplicantID, FieldFirstName, FieldSurname, FieldEmail, FieldPhone,
		FieldJobTitle, FieldDepartment, FieldStartDate, FieldDateOfBirth:
		return true
	}
	key, ok := strings.CutPrefix(string(f), "custom:")
	return ok && key != ""
}

// Label returns the field's name as the ATS shows it ("Email Address").
func (f ApplicantField) Label() string {
	switch f {
	case FieldApplicantID:
		return "Applicant ID"
	case FieldFirstName:
		return "First Name"
	case FieldSurname:
		return "Surname"
	case FieldEmail:
		return "Email Address"
	case FieldPhone:
		return "Phone"
	case FieldJobTitle:
		return "Job Title"
	case FieldDepartment:
		return "Department"
	case FieldStartDate:
		return "Start Date"
	case FieldDateOfBirth:
		return "Date of Birth"
	}
	if k, ok := strings.CutPrefix(string(f), "custom:"); ok {
		return k
	}
	return string(f)
}

// FieldMap maps one HR field from an applicant field or a fixed value.
type FieldMap struct {
	// Target is the HR system's field link name ("EmailID", "Department",
	// or a custom field such as "Shirt_Size").
	Target string `json:"target"`
	// Source is the applicant field the value comes from; empty when Value
	// is a fixed value.
	Source ApplicantField `json:"source,omitempty"`
	// Value is a fixed value sent for every hire (when Source is empty).
	Value string `json:"value,omitempty"`
	// Mandatory fields must have a value, or the transfer fails before any
	// call to the HR system.
	Mandatory bool `json:"mandatory,omitempty"`
}

// FieldMapping is what one HR connection receives for each hire.
type FieldMapping struct {
	TenantID     string
	ConnectionID string
	// Form is the Zoho People form's link name: "employee".
	Form   string
	Fields []FieldMap
	// IsDirectAdd adds the employee as active at once (Zoho then needs a
	// password: hrconnect sends a random one that it never keeps, and the
	// employee sets their own); otherwise Zoho invites them.
	IsDirectAdd bool
	// IsNonUser adds an employee profile without a Zoho user account.
	IsNonUser bool
	UpdatedAt time.Time
}

// zohoMandatory are the employee form's fields Zoho People always needs.
var zohoMandatory = []string{"EmployeeID", "FirstName", "LastName", "EmailID"}

// Validate checks a mapping before it is saved: each target a field link
// name mapped once, never the file field Photo (documents are not
// transferred), each source an applicant field, and Zoho's four mandatory
// employee fields mapped. The error is EINVALID and names the field.
func (m *FieldMapping) Validate() error {
	if m.Form == "" {
		m.Form = "employee"
	}
	seen := map[string]bool{}
	for i, f := range m.Fields {
		switch {
		case !validLinkName(f.Target):
			return Invalid("fields", "Field %d: %q is not a Zoho People field link name (letters, digits and underscores).", i+1, f.Target)
		case f.Target == "Photo":
			return Invalid("fields", "Photo holds a file: documents and pictures are never transferred to Zoho.")
		case seen[f.Target]:
			return Invalid("fields", "%s is mapped twice.", f.Target)
		case f.Source != "" && !f.Source.Known():
			return Invalid("fields", "%s: %q is not an applicant field.", f.Target, f.Source)
		case f.Source == "" && f.Value == "" && f.Mandatory:
			return Invalid("fields", "%s is mandatory but has neither an applicant field nor a fixed value.", f.Target)
		}
		seen[f.Target] = true
	}
	if m.Form == "employee" {
		for _, t := range zohoMandatory {
			if !seen[t] {
				return Invalid("fields", "Map an applicant field to %s: Zoho People needs EmployeeID, FirstName, LastName and EmailID for every employee.", t)
			}
		}
	}
	return nil
}

func validLinkName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// DefaultFieldMapping returns seed 000's transferred fields, all mandatory:
// Applicant ID → EmployeeID, First Name → FirstName, Surname → LastName,
// Email Address → EmailID.
func DefaultFieldMapping(tenantID, connectionID string) *FieldMapping {
	return &FieldMapping{
		TenantID: tenantID, ConnectionID: connectionID, Form: "employee",
		Fields: []FieldMap{
			{Target: "EmployeeID", Source: FieldApplicantID, Mandatory: true},
			{Target: "FirstName", Source: FieldFirstName, Mandatory: true},
			{Target: "LastName", Source: FieldSurname, Mandatory: true},
			{Target: "EmailID", Source: FieldEmail, Mandatory: true},
		},
	}
}

// TransferFilter selects transfers. Zero fields match everything.
type TransferFilter struct {
	TenantID      string // required: no query crosses tenants
	ApplicationID string
	ConnectionID  string
	State         TransferState
	// Limit caps the result; 0 means the store's default.
	Limit int
}

// ApplicationFilter selects applications. Zero fields match everything.
type ApplicationFilter struct {
	TenantID    string // required: no query crosses tenants
	JobPostID   string
	ApplicantID string
	StageID     string
	// Limit caps the result; 0 means the store's default.
	Limit int
}

// OnboardStore persists workflows, job posts, applicants, applications,
// field mappings and transfers. Every method is scoped to one tenant.
type OnboardStore interface {
	// CreateWorkflow inserts w with its stages, assigning IDs, positions
	// and times. A stage's connection must belong to the tenant.
	CreateWorkflow(ctx context.Context, w *Workflow) error
	// Workflow returns a workflow with its stages, or ENOTFOUND.
	Workflow(ctx context.Context, tenantID, id string) (*Workflow, error)
	// Workflows lists the tenant's workflows with their stages, by name.
	Workflows(ctx context.Context, tenantID string) ([]*Workflow, error)
	// LinkStage sets (or, with connectionID empty, removes) a stage's HR action.
	LinkStage(ctx context.Context, tenantID, stageID, connectionID string) error

	// CreateJobPost inserts p, assigning ID and times.
	CreateJobPost(ctx context.Context, p *JobPost) error
	// JobPost returns a job post, or ENOTFOUND.
	JobPost(ctx context.Context, tenantID, id string) (*JobPost, error)
	// JobPosts lists the tenant's job posts, newest first.
	JobPosts(ctx context.Context, tenantID string) ([]*JobPost, error)
	// SetJobPostHRConnection records the HR connection chosen on a post;
	// callers check CanSelectHRConnection first.
	SetJobPostHRConnection(ctx context.Context, tenantID, postID, connectionID string) error

	// PutApplicant inserts or replaces an applicant by ApplicantID.
	PutApplicant(ctx context.Context, a *Applicant) error
	// Applicant returns an applicant by the ATS's ID, or ENOTFOUND.
	Applicant(ctx context.Context, tenantID, applicantID string) (*Applicant, error)
	// Applicants lists the tenant's applicants by applicant ID.
	Applicants(ctx context.Context, tenantID string) ([]*Applicant, error)

	// CreateApplication inserts an application, assigning ID and times.
	CreateApplication(ctx context.Context, a *Application) error
	// Application returns an application, or ENOTFOUND.
	Application(ctx context.Context, tenantID, id string) (*Application, error)
	// Applications lists the applications f selects, newest first.
	Applications(ctx context.Context, f ApplicationFilter) ([]*Application, error)

	// FieldMapping returns a connection's mapping, DefaultFieldMapping when
	// none was saved.
	FieldMapping(ctx context.Context, tenantID, connectionID string) (*FieldMapping, error)
	// SetFieldMapping saves a connection's mapping.
	SetFieldMapping(ctx context.Context, m *FieldMapping) error

	// Transfer returns a transfer, or ENOTFOUND.
	Transfer(ctx context.Context, tenantID, id string) (*Transfer, error)
	// Transfers lists the transfers f selects, newest first.
	Transfers(ctx context.Context, f TransferFilter) ([]*Transfer, error)
	// UpdateTransfer saves t's state, attempts, record, reply, record ID,
	// error, resolution, unsure flag and finish time and, when entry is not
	// nil, appends it to the transfer's log in the same transaction, so the
	// log never lags behind the state.
	UpdateTransfer(ctx context.Context, t *Transfer, entry *TransferAttempt) error
	// AddTransferAttempt appends an entry to a transfer's log.
	AddTransferAttempt(ctx context.Context, a *TransferAttempt) error
	// TransferAttempts returns a transfer's log, oldest first.
	TransferAttempts(ctx context.Context, tenantID, transferID string) ([]*TransferAttempt, error)

	// ConnectionBlockedUntil returns when the HR system's lock-out of a
	// connection ends (zero when none was recorded).
	ConnectionBlockedUntil(ctx context.Context, tenantID, connectionID string) (time.Time, error)
	// BlockConnection records that the HR system refuses the connection's
	// calls until the given time, so every transfer of it waits.
	BlockConnection(ctx context.Context, tenantID, connectionID string, until time.Time, reason string) error
}
