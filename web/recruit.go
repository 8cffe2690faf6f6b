package web

import (
	"fmt"
	"net/http"

	"hrconnect"
	"hrconnect/onboard"
)

// recruitConnection is the tenant's Zoho Recruit connection of the request's
// path; ENOTFOUND for another kind, since only Recruit has candidates.
func (s *Server) recruitConnection(r *http.Request, a *actor) (*hrconnect.Connection, error) {
	c, err := s.store.Connection(r.Context(), a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if c.Service != hrconnect.ServiceZohoRecruit {
		return nil, hrconnect.Errorf(hrconnect.ENOTFOUND, "%s is not a Zoho Recruit connection: only those have candidates to import.", c.Name)
	}
	return c, nil
}

// importSubmit is POST /connections/{id}/import: the candidates of a Zoho
// Recruit connection that the form selects (by status, by Recruit criteria)
// become applicants, deduplicated by email, optionally applying to a job
// post; the page then lists what happened to each candidate.
func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request, a *actor) error {
	if s.onb == nil {
		return errNotFound
	}
	c, err := s.recruitConnection(r, a)
	if err != nil {
		return err
	}
	res, err := s.onb.ImportFromRecruit(r.Context(), a.Tenant.ID, c.ID, onboard.RecruitFilter{
		Status:        r.PostFormValue("status"),
		Criteria:      r.PostFormValue("criteria"),
		ImportOptions: onboard.ImportOptions{JobPostID: r.PostFormValue("job_post_id"), UserID: a.User.ID},
	})
	if err != nil {
		return err
	}
	s.audit(r, a, "connection.imported", c.ID, fmt.Sprintf("Imported candidates from %s: %d new, %d updated, %d duplicates, %d skipped of %d read.",
		c.Name, res.Imported, res.Updated, res.Duplicates, res.Skipped, res.Read))
	s.render(w, r, http.StatusOK, "recruit_import", &view{Title: "Imported from " + c.Name, Nav: "connections", Actor: a,
		Data: map[string]any{"C": c, "R": res}})
	return nil
}
