package web

import (
	"net/http"
	"net/url"
	"strings"

	"hrconnect"
)

// workflowList is GET /workflows: the tenant's workflows, and a form to add
// one.
func (s *Server) workflowList(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderWorkflows(w, r, a, http.StatusOK, nil, nil)
}

func (s *Server) renderWorkflows(w http.ResponseWriter, r *http.Request, a *actor, status int, form url.Values, err error) error {
	wfs, lerr := s.onb.Workflows(r.Context(), a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	if form == nil {
		form = url.Values{"stages": {"Applied\nInterview\nOffer\nHired"}}
	}
	v := &view{Title: "Workflows", Nav: "workflows", Actor: a, Data: wfs, Form: form}
	if err != nil {
		v.withError(err, "")
	}
	s.render(w, r, status, "workflows", v)
	return nil
}

// stageNames splits the stages box: one stage per line, in hiring order,
// blank lines left out.
func stageNames(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// workflowCreate is POST /workflows: a name and its stages, one a line.
func (s *Server) workflowCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	wf := &hrconnect.Workflow{TenantID: a.Tenant.ID, Name: strings.TrimSpace(r.PostFormValue("name"))}
	for _, n := range stageNames(r.PostFormValue("stages")) {
		wf.Stages = append(wf.Stages, &hrconnect.Stage{Name: n})
	}
	if err := s.onb.CreateWorkflow(r.Context(), wf); err != nil {
		form := url.Values{"name": {wf.Name}, "stages": {r.PostFormValue("stages")}}
		return s.renderWorkflows(w, r, a, formStatus(err), form, err)
	}
	s.audit(r, a, "workflow.created", wf.ID, "Added the workflow "+wf.Name+".")
	s.flash(w, "The workflow "+wf.Name+" was added. Link the stage at which hires are made to your Zoho People connection.")
	seeOther(w, r, "/workflows/"+wf.ID)
	return nil
}

// workflowPage is what the workflow page shows.
type workflowPage struct {
	W *hrconnect.Workflow
	// Connections are those a stage can be linked to; Names names every
	// connection a stage may already be linked to.
	Connections []*hrconnect.Connection
	Names       map[string]string
	JobPosts    []*hrconnect.JobPost
}

// workflowDetail is GET /workflows/{id}: the stages in order, each with its
// HR action and, for managers, the control to link or unlink it.
func (s *Server) workflowDetail(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderWorkflow(w, r, a, http.StatusOK, nil, "")
}

// renderWorkflow shows the workflow page, with err next to the control of
// stage stageID when given.
func (s *Server) renderWorkflow(w http.ResponseWriter, r *http.Request, a *actor, status int, err error, stageID string) error {
	ctx := r.Context()
	wf, lerr := s.onb.Workflow(ctx, a.Tenant.ID, r.PathValue("id"))
	if lerr != nil {
		return lerr
	}
	p := &workflowPage{W: wf}
	if p.Connections, lerr = s.peopleConnections(r, a); lerr != nil {
		return lerr
	}
	if p.Names, lerr = s.connectionNames(r, a); lerr != nil {
		return lerr
	}
	posts, lerr := s.onb.JobPosts(ctx, a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	for _, jp := range posts {
		if jp.WorkflowID == wf.ID {
			p.JobPosts = append(p.JobPosts, jp)
		}
	}
	v := &view{Title: "Workflow: " + wf.Name, Nav: "workflows", Actor: a, Data: p}
	if err != nil {
		v.withError(err, "")
		v.Fields = map[string]*hrconnect.Error{"stage-" + stageID: v.Error}
	}
	s.render(w, r, status, "workflow", v)
	return nil
}

// stageLink is POST /workflows/{id}/stages/{stage}/link: "when an
// application reaches this stage, create the employee in <connection>", or,
// with no connection chosen, no HR action.
func (s *Server) stageLink(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	wf, err := s.onb.Workflow(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	st := wf.Stage(r.PathValue("stage"))
	if st == nil {
		return errNotFound
	}
	connID := strings.TrimSpace(r.PostFormValue("connection_id"))
	if err := s.onb.LinkStage(ctx, a.Tenant.ID, st.ID, connID); err != nil {
		return s.renderWorkflow(w, r, a, formStatus(err), err, st.ID)
	}
	if connID == "" {
		s.audit(r, a, "workflow.stage_unlinked", wf.ID, "The stage "+st.Name+" of "+wf.Name+" no longer creates employees.")
		s.flash(w, st.Name+" no longer creates employees.")
	} else {
		name := connID
		if c, err := s.store.Connection(ctx, a.Tenant.ID, connID); err == nil {
			name = c.Name
		}
		s.audit(r, a, "workflow.stage_linked", wf.ID, "When an application of "+wf.Name+" reaches "+st.Name+", the employee is created in "+name+".")
		s.flash(w, "When an application reaches "+st.Name+", the employee is now created in "+name+".")
	}
	seeOther(w, r, "/workflows/"+wf.ID)
	return nil
}
