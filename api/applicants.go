package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"hrconnect"
	"hrconnect/onboard"
)

// applicantJSON is an applicant; dates are calendar dates, YYYY-MM-DD.
type applicantJSON struct {
	ApplicantID string            `json:"applicant_id"`
	FirstName   string            `json:"first_name"`
	Surname     string            `json:"surname"`
	Email       string            `json:"email"`
	Phone       string            `json:"phone,omitempty"`
	JobTitle    string            `json:"job_title,omitempty"`
	Department  string            `json:"department,omitempty"`
	StartDate   string            `json:"start_date,omitempty"`
	DateOfBirth string            `json:"date_of_birth,omitempty"`
	Custom      map[string]string `json:"custom,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func toApplicantJSON(a *hrconnect.Applicant) applicantJSON {
	return applicantJSON{ApplicantID: a.ApplicantID, FirstName: a.FirstName, Surname: a.Surname, Email: a.Email,
		Phone: a.Phone, JobTitle: a.JobTitle, Department: a.Department, StartDate: dateString(a.StartDate),
		DateOfBirth: dateString(a.DateOfBirth), Custom: a.Custom, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func (s *server) listApplicants(w http.ResponseWriter, r *http.Request, p *principal) error {
	as, err := s.onboard.Applicants(r.Context(), p.tenant())
	if err != nil {
		return err
	}
	out := []applicantJSON{}
	for _, a := range as {
		out = append(out, toApplicantJSON(a))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"applicants": out})
}

// putApplicantRequest is an applicant's data; the applicant ID is the path's.
type putApplicantRequest struct {
	FirstName   string            `json:"first_name"`
	Surname     string            `json:"surname"`
	Email       string            `json:"email"`
	Phone       string            `json:"phone"`
	JobTitle    string            `json:"job_title"`
	Department  string            `json:"department"`
	StartDate   string            `json:"start_date"`
	DateOfBirth string            `json:"date_of_birth"`
	Custom      map[string]string `json:"custom"`
}

// parseDateField reads a calendar date, YYYY-MM-DD; empty is no date.
func parseDateField(field, label, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, &hrconnect.Error{Code: hrconnect.EINVALID, Field: field,
			Message:    label + " " + quote(v) + " is not a date.",
			Resolution: "Send it as YYYY-MM-DD, for example 2026-01-05."}
	}
	return t, nil
}

// putApplicant creates the applicant with the path's ID, or replaces its
// data: 201 when created, 200 when replaced. The ATS calls it whenever an
// applicant changes, so the data a transfer sends is current.
func (s *server) putApplicant(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("applicant_id")
	if err := onboard.CheckApplicantID(id); err != nil {
		return err
	}
	var in putApplicantRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	a := &hrconnect.Applicant{TenantID: p.tenant(), ApplicantID: id, FirstName: in.FirstName, Surname: in.Surname, Email: in.Email,
		Phone: in.Phone, JobTitle: in.JobTitle, Department: in.Department, Custom: in.Custom}
	var err error
	if a.StartDate, err = parseDateField("start_date", "Start Date", in.StartDate); err != nil {
		return err
	}
	if a.DateOfBirth, err = parseDateField("date_of_birth", "Date of Birth", in.DateOfBirth); err != nil {
		return err
	}
	if err := s.onboard.PutApplicant(r.Context(), a); err != nil {
		return err
	}
	status := http.StatusOK
	if a.CreatedAt.Equal(a.UpdatedAt) {
		status = http.StatusCreated
	}
	return writeJSON(w, status, toApplicantJSON(a))
}

func (s *server) getApplicant(w http.ResponseWriter, r *http.Request, p *principal) error {
	a, err := s.onboard.Applicant(r.Context(), p.tenant(), r.PathValue("applicant_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toApplicantJSON(a))
}

// applicationJSON is an application: an applicant on a job post, at a stage.
type applicationJSON struct {
	ID          string    `json:"id"`
	ApplicantID string    `json:"applicant_id"`
	JobPostID   string    `json:"job_post_id"`
	StageID     string    `json:"stage_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toApplicationJSON(a *hrconnect.Application) applicationJSON {
	return applicationJSON{ID: a.ID, ApplicantID: a.ApplicantID, JobPostID: a.JobPostID, StageID: a.StageID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func (s *server) listApplications(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	limit, err := limitParam(r, 100, 1000)
	if err != nil {
		return err
	}
	apps, err := s.onboard.Applications(r.Context(), hrconnect.ApplicationFilter{TenantID: p.tenant(),
		JobPostID: q.Get("job_post_id"), ApplicantID: q.Get("applicant_id"), StageID: q.Get("stage_id"), Limit: limit})
	if err != nil {
		return err
	}
	out := []applicationJSON{}
	for _, a := range apps {
		out = append(out, toApplicationJSON(a))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"applications": out})
}

type createApplicationRequest struct {
	ApplicantID string `json:"applicant_id"`
	JobPostID   string `json:"job_post_id"`
}

// createApplication applies an applicant to a job post, at the first stage
// of its workflow.
func (s *server) createApplication(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in createApplicationRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	a, err := s.onboard.Apply(r.Context(), p.tenant(), in.ApplicantID, in.JobPostID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toApplicationJSON(a))
}

func (s *server) getApplication(w http.ResponseWriter, r *http.Request, p *principal) error {
	a, err := s.onboard.Application(r.Context(), p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toApplicationJSON(a))
}

type moveApplicationRequest struct {
	StageID string `json:"stage_id"`
}

// moveReply is an application after a move, with the stage's transfer when
// the stage is linked to an HR connection.
type moveReply struct {
	Application applicationJSON `json:"application"`
	Transfer    *transferJSON   `json:"transfer,omitempty"`
}

// moveApplication moves an application to a stage of its post's workflow.
// Into a linked stage, the transfer and its job are created in the same
// transaction; the reply shows the transfer (pending: the employee is
// created shortly after, GET /transfers/{id} follows it).
func (s *server) moveApplication(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in moveApplicationRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if strings.TrimSpace(in.StageID) == "" {
		return hrconnect.Invalid("stage_id", "Say which stage to move the application to (GET %s/workflows/{id} lists a workflow's stages).", Prefix)
	}
	ctx := r.Context()
	id := r.PathValue("id")
	t, err := s.onboard.MoveApplicationBy(ctx, p.tenant(), id, in.StageID, p.user())
	if err != nil {
		return err
	}
	a, err := s.onboard.Application(ctx, p.tenant(), id)
	if err != nil {
		return err
	}
	out := moveReply{Application: toApplicationJSON(a)}
	if t != nil {
		tj := toTransferJSON(t)
		out.Transfer = &tj
	}
	return writeJSON(w, http.StatusOK, out)
}

// withField names field in an *hrconnect.Error that names none, so that a
// problem points at the input at fault (a connection that is not found is
// the body's hr_connection_id, not the path's post).
func withField(err error, field string) error {
	var e *hrconnect.Error
	if errors.As(err, &e) && e.Field == "" {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// quote quotes a value shown back in a message, cut to a readable length.
func quote(v string) string {
	if r := []rune(v); len(r) > 60 {
		v = string(r[:60]) + "…"
	}
	return "\"" + v + "\""
}
