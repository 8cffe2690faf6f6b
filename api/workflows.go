package api

import (
	"net/http"
	"time"

	"hrconnect"
)

// stageJSON is one stage of a workflow; connection_id is its HR action.
type stageJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Position     int    `json:"position"`
	ConnectionID string `json:"connection_id,omitempty"`
}

// workflowJSON is a workflow with its stages in hiring order.
type workflowJSON struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Stages    []stageJSON `json:"stages"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

func toWorkflowJSON(w *hrconnect.Workflow) workflowJSON {
	out := workflowJSON{ID: w.ID, Name: w.Name, Stages: []stageJSON{}, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	for _, s := range w.Stages {
		out.Stages = append(out.Stages, stageJSON{ID: s.ID, Name: s.Name, Position: s.Position, ConnectionID: s.ConnectionID})
	}
	return out
}

func (s *server) listWorkflows(w http.ResponseWriter, r *http.Request, p *principal) error {
	ws, err := s.onboard.Workflows(r.Context(), p.tenant())
	if err != nil {
		return err
	}
	out := []workflowJSON{}
	for _, wf := range ws {
		out = append(out, toWorkflowJSON(wf))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"workflows": out})
}

type createWorkflowRequest struct {
	Name   string `json:"name"`
	Stages []struct {
		Name         string `json:"name"`
		ConnectionID string `json:"connection_id"`
	} `json:"stages"`
}

func (s *server) createWorkflow(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in createWorkflowRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	wf := &hrconnect.Workflow{TenantID: p.tenant(), Name: in.Name}
	for _, st := range in.Stages {
		wf.Stages = append(wf.Stages, &hrconnect.Stage{Name: st.Name, ConnectionID: st.ConnectionID})
	}
	if err := s.onboard.CreateWorkflow(r.Context(), wf); err != nil {
		return err
	}
	s.audit(r, p.audit("workflow.created", wf.ID, wf.Name))
	return writeJSON(w, http.StatusCreated, toWorkflowJSON(wf))
}

func (s *server) getWorkflow(w http.ResponseWriter, r *http.Request, p *principal) error {
	wf, err := s.onboard.Workflow(r.Context(), p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWorkflowJSON(wf))
}

type linkStageRequest struct {
	ConnectionID string `json:"connection_id"`
}

// linkStage links a stage of the workflow to an HR connection; the reply is
// the workflow.
func (s *server) linkStage(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in linkStageRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if in.ConnectionID == "" {
		return hrconnect.Invalid("connection_id", "Say which Zoho People connection to link (GET %s/connections?service=zoho_people lists them); to unlink, send DELETE.", Prefix)
	}
	return s.setLink(w, r, p, in.ConnectionID)
}

func (s *server) unlinkStage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.setLink(w, r, p, "")
}

func (s *server) setLink(w http.ResponseWriter, r *http.Request, p *principal, connID string) error {
	ctx := r.Context()
	wf, err := s.onboard.Workflow(ctx, p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	stageID := r.PathValue("stage_id")
	if wf.Stage(stageID) == nil {
		return hrconnect.Errorf(hrconnect.ENOTFOUND, "stage %q is not a stage of the workflow %q", stageID, wf.Name)
	}
	if err := s.onboard.LinkStage(ctx, p.tenant(), stageID, connID); err != nil {
		return err
	}
	if connID == "" {
		s.audit(r, p.audit("stage.unlinked", stageID, wf.Name))
	} else {
		s.audit(r, p.audit("stage.linked", stageID, wf.Name+" → "+connID))
	}
	if wf, err = s.onboard.Workflow(ctx, p.tenant(), wf.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWorkflowJSON(wf))
}

// jobPostJSON is a job post; hr_connection_id is its HR provider.
type jobPostJSON struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	WorkflowID     string    `json:"workflow_id"`
	HRConnectionID string    `json:"hr_connection_id,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toJobPostJSON(j *hrconnect.JobPost) jobPostJSON {
	return jobPostJSON{ID: j.ID, Title: j.Title, WorkflowID: j.WorkflowID, HRConnectionID: j.HRConnectionID, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
}

func (s *server) listJobPosts(w http.ResponseWriter, r *http.Request, p *principal) error {
	posts, err := s.onboard.JobPosts(r.Context(), p.tenant())
	if err != nil {
		return err
	}
	out := []jobPostJSON{}
	for _, j := range posts {
		out = append(out, toJobPostJSON(j))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"job_posts": out})
}

type createJobPostRequest struct {
	Title          string `json:"title"`
	WorkflowID     string `json:"workflow_id"`
	HRConnectionID string `json:"hr_connection_id"`
}

func (s *server) createJobPost(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in createJobPostRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	j := &hrconnect.JobPost{TenantID: p.tenant(), Title: in.Title, WorkflowID: in.WorkflowID, HRConnectionID: in.HRConnectionID}
	if err := s.onboard.CreateJobPost(r.Context(), j); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toJobPostJSON(j))
}

func (s *server) getJobPost(w http.ResponseWriter, r *http.Request, p *principal) error {
	j, err := s.onboard.JobPost(r.Context(), p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toJobPostJSON(j))
}

type setHRConnectionRequest struct {
	HRConnectionID string `json:"hr_connection_id"`
}

// setJobPostHRConnection chooses the post's HR connection; a connection that
// is not linked to the post's workflow is refused with the reason and what
// to do (hrconnect.CanSelectHRConnection).
func (s *server) setJobPostHRConnection(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in setHRConnectionRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	if in.HRConnectionID == "" {
		return hrconnect.Invalid("hr_connection_id", "Say which Zoho People connection the job post uses.")
	}
	// The post first: another tenant's post is 404 whatever the connection.
	if _, err := s.onboard.JobPost(ctx, p.tenant(), id); err != nil {
		return err
	}
	if err := s.onboard.SelectHRConnection(ctx, p.tenant(), id, in.HRConnectionID); err != nil {
		return withField(err, "hr_connection_id")
	}
	j, err := s.onboard.JobPost(ctx, p.tenant(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toJobPostJSON(j))
}
