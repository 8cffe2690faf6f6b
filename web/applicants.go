package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"hrconnect"
)

// applicantFields are the applicant form's fields, in the form's order.
var applicantFields = []string{"applicant_id", "first_name", "surname", "email", "phone", "job_title", "department", "start_date", "date_of_birth", "custom"}

// applicantList is GET /applicants.
func (s *Server) applicantList(w http.ResponseWriter, r *http.Request, a *actor) error {
	list, err := s.onb.Applicants(r.Context(), a.Tenant.ID)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "applicants", &view{Title: "Applicants", Nav: "applicants", Actor: a, Data: list})
	return nil
}

// applicantNew is GET /applicants/new: the empty applicant form.
func (s *Server) applicantNew(w http.ResponseWriter, r *http.Request, a *actor) error {
	s.render(w, r, http.StatusOK, "applicant_new", &view{Title: "New applicant", Nav: "applicants", Actor: a, Form: url.Values{}})
	return nil
}

// applicantForm reads the applicant form into an applicant of a's tenant,
// and the values to put back into the form. Dates come as YYYY-MM-DD (what
// date inputs send); custom fields as "key: value" lines.
func applicantForm(r *http.Request, a *actor) (*hrconnect.Applicant, url.Values, error) {
	form := url.Values{}
	for _, k := range applicantFields {
		form.Set(k, strings.TrimSpace(r.PostFormValue(k)))
	}
	ap := &hrconnect.Applicant{TenantID: a.Tenant.ID, ApplicantID: form.Get("applicant_id"),
		FirstName: form.Get("first_name"), Surname: form.Get("surname"), Email: form.Get("email"),
		Phone: form.Get("phone"), JobTitle: form.Get("job_title"), Department: form.Get("department")}
	var err error
	if ap.StartDate, err = formDate(form, "start_date", "start date"); err != nil {
		return nil, form, err
	}
	if ap.DateOfBirth, err = formDate(form, "date_of_birth", "date of birth"); err != nil {
		return nil, form, err
	}
	if ap.Custom, err = customFields(form.Get("custom")); err != nil {
		return nil, form, err
	}
	return ap, form, nil
}

func formDate(form url.Values, field, what string) (time.Time, error) {
	v := form.Get(field)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, &hrconnect.Error{Code: hrconnect.EINVALID, Field: field,
			Message:    fmt.Sprintf("%q is not a date.", v),
			Resolution: "Enter the " + what + " as year-month-day, such as 2026-01-05, or leave it empty."}
	}
	return t, nil
}

// customFields parses "key: value" lines; blank lines are left out.
func customFields(text string) (map[string]string, error) {
	var out map[string]string
	for i, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, &hrconnect.Error{Code: hrconnect.EINVALID, Field: "custom",
				Message:    fmt.Sprintf("Line %d of the custom fields is not \"key: value\".", i+1),
				Resolution: "Write one custom field per line, its key, a colon and its value, such as \"shirt_size: M\"."}
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}

// customText writes custom fields back as the form's "key: value" lines.
func customText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, m[k])
	}
	return b.String()
}

// applicantValues fills the form with a saved applicant.
func applicantValues(ap *hrconnect.Applicant) url.Values {
	return url.Values{"applicant_id": {ap.ApplicantID}, "first_name": {ap.FirstName}, "surname": {ap.Surname},
		"email": {ap.Email}, "phone": {ap.Phone}, "job_title": {ap.JobTitle}, "department": {ap.Department},
		"start_date": {dateValue(ap.StartDate)}, "date_of_birth": {dateValue(ap.DateOfBirth)}, "custom": {customText(ap.Custom)}}
}

func dateValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// applicantCreate is POST /applicants. An Applicant ID already taken is
// refused at its field rather than overwriting that person.
func (s *Server) applicantCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	ap, form, err := applicantForm(r, a)
	if err == nil && ap.ApplicantID != "" {
		if old, lerr := s.onb.Applicant(r.Context(), a.Tenant.ID, ap.ApplicantID); lerr == nil {
			err = &hrconnect.Error{Code: hrconnect.EINVALID, Field: "applicant_id",
				Message:    fmt.Sprintf("There is already an applicant with the ID %s (%s %s).", old.ApplicantID, old.FirstName, old.Surname),
				Resolution: "Give this person another ID, or open the existing applicant from the list to change them."}
		} else if hrconnect.ErrorCode(lerr) != hrconnect.ENOTFOUND {
			return lerr
		}
	}
	if err == nil {
		err = s.onb.PutApplicant(r.Context(), ap)
	}
	if err != nil {
		v := &view{Title: "New applicant", Nav: "applicants", Actor: a, Form: form}
		s.render(w, r, formStatus(err), "applicant_new", v.withError(err, ""))
		return nil
	}
	s.flash(w, ap.FirstName+" "+ap.Surname+" was added. Apply them to a job post below.")
	seeOther(w, r, "/applicants/"+url.PathEscape(ap.ApplicantID))
	return nil
}

// applicantUpdate is POST /applicants/{id}: the applicant's data changed.
// The Applicant ID is the path's: it names the person and cannot change.
func (s *Server) applicantUpdate(w http.ResponseWriter, r *http.Request, a *actor) error {
	old, err := s.onb.Applicant(r.Context(), a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ap, form, err := applicantForm(r, a)
	if err == nil {
		ap.ApplicantID = old.ApplicantID
		err = s.onb.PutApplicant(r.Context(), ap)
	}
	if err != nil {
		form.Set("applicant_id", old.ApplicantID)
		return s.renderApplicant(w, r, a, old, form, formStatus(err), err, "")
	}
	s.flash(w, ap.FirstName+" "+ap.Surname+" is saved.")
	seeOther(w, r, "/applicants/"+url.PathEscape(ap.ApplicantID))
	return nil
}

// applicantPage is what an applicant's page shows.
type applicantPage struct {
	A            *hrconnect.Applicant
	Applications []*applicationRow
	// JobPosts are the posts the applicant has not applied to yet.
	JobPosts []*hrconnect.JobPost
}

// applicantDetail is GET /applicants/{id}: the applicant's data (editable),
// their applications with their stages and transfers, and applying to a job
// post.
func (s *Server) applicantDetail(w http.ResponseWriter, r *http.Request, a *actor) error {
	ap, err := s.onb.Applicant(r.Context(), a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderApplicant(w, r, a, ap, applicantValues(ap), http.StatusOK, nil, "")
}

// renderApplicant shows the applicant's page with the form values given and
// err, shown next to the field named field (or the one err names).
func (s *Server) renderApplicant(w http.ResponseWriter, r *http.Request, a *actor, ap *hrconnect.Applicant, form url.Values, status int, err error, field string) error {
	ctx := r.Context()
	apps, lerr := s.onb.Applications(ctx, hrconnect.ApplicationFilter{TenantID: a.Tenant.ID, ApplicantID: ap.ApplicantID})
	if lerr != nil {
		return lerr
	}
	p := &applicantPage{A: ap}
	if p.Applications, lerr = s.applicationRows(r, a, apps); lerr != nil {
		return lerr
	}
	posts, lerr := s.onb.JobPosts(ctx, a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	applied := map[string]bool{}
	for _, app := range apps {
		applied[app.JobPostID] = true
	}
	for _, jp := range posts {
		if !applied[jp.ID] {
			p.JobPosts = append(p.JobPosts, jp)
		}
	}
	v := &view{Title: ap.FirstName + " " + ap.Surname, Nav: "applicants", Actor: a, Data: p, Form: form}
	if err != nil {
		v.withError(err, field)
		if field != "" {
			v.Fields = map[string]*hrconnect.Error{field: v.Error}
		}
	}
	s.render(w, r, status, "applicant", v)
	return nil
}

// applicantApply is POST /applicants/{id}/apply: an application to a job
// post, at the first stage of its workflow.
func (s *Server) applicantApply(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	ap, err := s.onb.Applicant(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	postID := r.PostFormValue("job_post_id")
	var app *hrconnect.Application
	if postID == "" {
		err = hrconnect.Invalid("job_post_id", "Choose the job post %s applies to.", ap.FirstName)
	} else {
		app, err = s.onb.Apply(ctx, a.Tenant.ID, ap.ApplicantID, postID)
	}
	if err != nil {
		if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
			err = hrconnect.Invalid("job_post_id", "There is no such job post here: choose one of the list.")
		}
		return s.renderApplicant(w, r, a, ap, applicantValues(ap), formStatus(err), err, "job_post_id")
	}
	msg := ap.FirstName + " applied."
	if jp, err := s.onb.JobPost(ctx, a.Tenant.ID, app.JobPostID); err == nil {
		msg = ap.FirstName + " applied to " + jp.Title + "."
	}
	s.flash(w, msg)
	seeOther(w, r, "/applicants/"+url.PathEscape(ap.ApplicantID))
	return nil
}

// applicationMove is POST /applications/{id}/move: the application to
// another stage of its post's workflow. Moving into a linked stage creates
// the transfer (in the same transaction); the flash says so.
func (s *Server) applicationMove(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	app, err := s.onb.Application(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ap, err := s.onb.Applicant(ctx, a.Tenant.ID, app.ApplicantID)
	if err != nil {
		return err
	}
	jp, err := s.onb.JobPost(ctx, a.Tenant.ID, app.JobPostID)
	if err != nil {
		return err
	}
	wf, err := s.onb.Workflow(ctx, a.Tenant.ID, jp.WorkflowID)
	if err != nil {
		return err
	}
	field := "stage-" + app.ID
	st := wf.Stage(r.PostFormValue("stage_id"))
	if st == nil {
		err := hrconnect.Invalid("stage_id", "Choose a stage of the workflow %s.", wf.Name)
		return s.renderApplicant(w, r, a, ap, applicantValues(ap), formStatus(err), err, field)
	}
	t, err := s.onb.MoveApplicationBy(ctx, a.Tenant.ID, app.ID, st.ID, a.User.ID)
	if err != nil {
		return s.renderApplicant(w, r, a, ap, applicantValues(ap), formStatus(err), err, field)
	}
	msg := ap.FirstName + "'s application to " + jp.Title + " is at " + st.Name + "."
	if t != nil {
		name := t.ConnectionID
		if c, err := s.store.Connection(ctx, a.Tenant.ID, t.ConnectionID); err == nil {
			name = c.Name
		}
		msg += " The employee is being created in " + name + ": see the transfer below."
	}
	s.flash(w, msg)
	seeOther(w, r, "/applicants/"+url.PathEscape(ap.ApplicantID))
	return nil
}

// applicationRow is an application as pages list it: its applicant, post,
// stage, the other stages it can move to, and its transfers.
type applicationRow struct {
	App       *hrconnect.Application
	Applicant *hrconnect.Applicant
	Post      *hrconnect.JobPost
	Workflow  *hrconnect.Workflow
	Stage     *hrconnect.Stage
	Transfers []*hrconnect.Transfer
}

// NextStageID is the stage after the application's, which the move form
// offers first; empty at the last stage.
func (r *applicationRow) NextStageID() string {
	for i, st := range r.Workflow.Stages {
		if st.ID == r.App.StageID && i+1 < len(r.Workflow.Stages) {
			return r.Workflow.Stages[i+1].ID
		}
	}
	return ""
}

// applicationRows looks up what the rows of apps show, each post, workflow
// and applicant once.
func (s *Server) applicationRows(r *http.Request, a *actor, apps []*hrconnect.Application) ([]*applicationRow, error) {
	ctx := r.Context()
	posts := map[string]*hrconnect.JobPost{}
	wfs := map[string]*hrconnect.Workflow{}
	people := map[string]*hrconnect.Applicant{}
	var out []*applicationRow
	for _, app := range apps {
		row := &applicationRow{App: app}
		var err error
		if row.Post = posts[app.JobPostID]; row.Post == nil {
			if row.Post, err = s.onb.JobPost(ctx, a.Tenant.ID, app.JobPostID); err != nil {
				return nil, err
			}
			posts[app.JobPostID] = row.Post
		}
		if row.Workflow = wfs[row.Post.WorkflowID]; row.Workflow == nil {
			if row.Workflow, err = s.onb.Workflow(ctx, a.Tenant.ID, row.Post.WorkflowID); err != nil {
				return nil, err
			}
			wfs[row.Post.WorkflowID] = row.Workflow
		}
		if row.Applicant = people[app.ApplicantID]; row.Applicant == nil {
			if row.Applicant, err = s.onb.Applicant(ctx, a.Tenant.ID, app.ApplicantID); err != nil {
				return nil, err
			}
			people[app.ApplicantID] = row.Applicant
		}
		row.Stage = row.Workflow.Stage(app.StageID)
		if row.Transfers, err = s.onb.Transfers(ctx, hrconnect.TransferFilter{TenantID: a.Tenant.ID, ApplicationID: app.ID}); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}
