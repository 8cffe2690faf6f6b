package api

import (
	"fmt"
	"net/http"

	"hrconnect"
	"hrconnect/onboard"
)

// importRequest is the body of POST /connections/{id}/import.
type importRequest struct {
	Status    string `json:"status"`
	Criteria  string `json:"criteria"`
	Limit     int    `json:"limit"`
	JobPostID string `json:"job_post_id"`
}

// importItemJSON is one candidate of an import.
type importItemJSON struct {
	CandidateID     string `json:"candidate_id"`
	CandidateNumber string `json:"candidate_number,omitempty"`
	Name            string `json:"name"`
	Email           string `json:"email,omitempty"`
	Outcome         string `json:"outcome"`
	ApplicantID     string `json:"applicant_id,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// importReply is what an import did.
type importReply struct {
	Read       int              `json:"read"`
	Pages      int              `json:"pages"`
	Imported   int              `json:"imported"`
	Updated    int              `json:"updated"`
	Duplicates int              `json:"duplicates"`
	Skipped    int              `json:"skipped"`
	Truncated  bool             `json:"truncated"`
	Items      []importItemJSON `json:"items"`
}

// importCandidates imports a Zoho Recruit connection's candidates as
// applicants (onboard.Service.ImportFromRecruit).
func (s *server) importCandidates(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in importRequest
	if err := decode(w, r, &in, true); err != nil {
		return err
	}
	if s.onboard == nil {
		return &hrconnect.Error{Code: hrconnect.EUNAVAILABLE, Message: "Importing from Zoho Recruit is not set up on this server.",
			Resolution: "Run hrconnect serve, which sets up onboarding."}
	}
	id := r.PathValue("id")
	res, err := s.onboard.ImportFromRecruit(r.Context(), p.tenant(), id, onboard.RecruitFilter{
		Status: in.Status, Criteria: in.Criteria, Limit: in.Limit,
		ImportOptions: onboard.ImportOptions{JobPostID: in.JobPostID, UserID: p.user()},
	})
	if err != nil {
		return err
	}
	s.audit(r, p.audit("connection.imported", id, fmt.Sprintf("imported %d, updated %d, %d duplicates, %d skipped of %d candidates",
		res.Imported, res.Updated, res.Duplicates, res.Skipped, res.Read)))
	out := importReply{Read: res.Read, Pages: res.Pages, Imported: res.Imported, Updated: res.Updated,
		Duplicates: res.Duplicates, Skipped: res.Skipped, Truncated: res.Truncated, Items: []importItemJSON{}}
	for _, it := range res.Items {
		out.Items = append(out.Items, importItemJSON{CandidateID: it.CandidateID, CandidateNumber: it.CandidateNumber, Name: it.Name,
			Email: it.Email, Outcome: string(it.Outcome), ApplicantID: it.ApplicantID, Reason: it.Reason})
	}
	return writeJSON(w, http.StatusOK, out)
}
