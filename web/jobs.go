package web

import (
	"net/http"
	"net/url"
	"strings"

	"hrconnect"
)

// jobList is GET /jobs: the tenant's job posts, and a form to add one.
func (s *Server) jobList(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderJobs(w, r, a, http.StatusOK, nil, nil)
}

func (s *Server) renderJobs(w http.ResponseWriter, r *http.Request, a *actor, status int, form url.Values, err error) error {
	ctx := r.Context()
	posts, lerr := s.onb.JobPosts(ctx, a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	wfs, lerr := s.onb.Workflows(ctx, a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	names, lerr := s.connectionNames(r, a)
	if lerr != nil {
		return lerr
	}
	wfNames := map[string]string{}
	for _, wf := range wfs {
		wfNames[wf.ID] = wf.Name
	}
	v := &view{Title: "Job posts", Nav: "jobs", Actor: a, Form: form,
		Data: map[string]any{"Posts": posts, "Workflows": wfs, "WorkflowNames": wfNames, "Connections": names}}
	if err != nil {
		v.withError(err, "")
	}
	s.render(w, r, status, "jobs", v)
	return nil
}

// jobCreate is POST /jobs: a title and the workflow its applications move
// through. The HR connection is chosen on the post's page, among those
// linked to that workflow.
func (s *Server) jobCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	p := &hrconnect.JobPost{TenantID: a.Tenant.ID, Title: strings.TrimSpace(r.PostFormValue("title")), WorkflowID: r.PostFormValue("workflow_id")}
	var err error
	if p.WorkflowID == "" {
		err = hrconnect.Invalid("workflow_id", "Choose the workflow that applications to this post move through.")
	} else {
		err = s.onb.CreateJobPost(r.Context(), p)
	}
	if err != nil {
		return s.renderJobs(w, r, a, formStatus(err), url.Values{"title": {p.Title}, "workflow_id": {p.WorkflowID}}, err)
	}
	s.audit(r, a, "job_post.created", p.ID, "Added the job post "+p.Title+".")
	s.flash(w, "The job post "+p.Title+" was added.")
	seeOther(w, r, "/jobs/"+p.ID)
	return nil
}

// refusal is an HR connection that cannot be chosen on a job post, and why.
type refusal struct {
	C   *hrconnect.Connection
	Err *hrconnect.Error
}

// jobPage is what a job post's page shows.
type jobPage struct {
	P *hrconnect.JobPost
	W *hrconnect.Workflow
	// Selectable are the HR connections linked to the post's workflow;
	// Refused the others, each with CanSelectHRConnection's reason.
	Selectable []*hrconnect.Connection
	Refused    []refusal
	// HRName names the chosen HR connection.
	HRName       string
	Applications []*applicationRow
}

// jobDetail is GET /jobs/{id}: the post, its workflow, the choice of its HR
// connection, and its applications.
func (s *Server) jobDetail(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderJob(w, r, a, http.StatusOK, nil)
}

func (s *Server) renderJob(w http.ResponseWriter, r *http.Request, a *actor, status int, err error) error {
	ctx := r.Context()
	p, lerr := s.onb.JobPost(ctx, a.Tenant.ID, r.PathValue("id"))
	if lerr != nil {
		return lerr
	}
	wf, lerr := s.onb.Workflow(ctx, a.Tenant.ID, p.WorkflowID)
	if lerr != nil {
		return lerr
	}
	pg := &jobPage{P: p, W: wf}
	conns, lerr := s.peopleConnections(r, a)
	if lerr != nil {
		return lerr
	}
	for _, c := range conns {
		if e := hrconnect.CanSelectHRConnection(wf, c); e != nil {
			pg.Refused = append(pg.Refused, refusal{C: c, Err: appError(e)})
		} else {
			pg.Selectable = append(pg.Selectable, c)
		}
	}
	if p.HRConnectionID != "" {
		pg.HRName = p.HRConnectionID
		if c, err := s.store.Connection(ctx, a.Tenant.ID, p.HRConnectionID); err == nil {
			pg.HRName = c.Name
		}
	}
	apps, lerr := s.onb.Applications(ctx, hrconnect.ApplicationFilter{TenantID: a.Tenant.ID, JobPostID: p.ID})
	if lerr != nil {
		return lerr
	}
	if pg.Applications, lerr = s.applicationRows(r, a, apps); lerr != nil {
		return lerr
	}
	v := &view{Title: "Job post: " + p.Title, Nav: "jobs", Actor: a, Data: pg, Form: url.Values{"hr_connection_id": {p.HRConnectionID}}}
	if err != nil {
		v.withError(err, "hr_connection_id")
	}
	s.render(w, r, status, "job", v)
	return nil
}

// jobHRConnection is POST /jobs/{id}/hr-connection: the post's HR provider,
// refused unless it is linked to a stage of the post's workflow.
func (s *Server) jobHRConnection(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	p, err := s.onb.JobPost(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	connID := strings.TrimSpace(r.PostFormValue("hr_connection_id"))
	if connID == "" {
		err = hrconnect.Invalid("hr_connection_id", "Choose the HR connection that hires of this post are created in.")
	} else {
		err = s.onb.SelectHRConnection(ctx, a.Tenant.ID, p.ID, connID)
	}
	if err != nil {
		if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
			// Another tenant's connection, or none: said at the field,
			// without telling which.
			err = hrconnect.Invalid("hr_connection_id", "There is no such HR connection here: choose one of the list.")
		}
		return s.renderJob(w, r, a, formStatus(err), err)
	}
	name := connID
	if c, err := s.store.Connection(ctx, a.Tenant.ID, connID); err == nil {
		name = c.Name
	}
	s.audit(r, a, "job_post.hr_connection", p.ID, "Hires of "+p.Title+" are created in "+name+".")
	s.flash(w, "Hires of "+p.Title+" are created in "+name+".")
	seeOther(w, r, "/jobs/"+p.ID)
	return nil
}
