package api

import (
	"net/http"
	"strings"
	"time"

	"hrconnect"
)

// documentsNote is said wherever the API shows what goes to Zoho People.
const documentsNote = "Documents (CVs, pictures, attachments) are never transferred to Zoho People: only the fields of this mapping are sent."

// recordFieldJSON is one field of a record sent to Zoho People.
type recordFieldJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// transferJSON is a transfer: one applicant into one HR connection. Its
// record is what was (or will be) sent, never a password or a document.
type transferJSON struct {
	ID            string            `json:"id"`
	ApplicationID string            `json:"application_id"`
	ApplicantID   string            `json:"applicant_id"`
	ConnectionID  string            `json:"connection_id"`
	ActorID       string            `json:"actor_id,omitempty"`
	State         string            `json:"state"`
	Attempts      int               `json:"attempts"`
	Record        []recordFieldJSON `json:"record"`
	Reply         string            `json:"reply,omitempty"`
	ZohoRecordID  string            `json:"zoho_record_id,omitempty"`
	LastError     string            `json:"last_error,omitempty"`
	Resolution    string            `json:"resolution,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	FinishedAt    *time.Time        `json:"finished_at,omitempty"`
}

func toTransferJSON(t *hrconnect.Transfer) transferJSON {
	out := transferJSON{ID: t.ID, ApplicationID: t.ApplicationID, ApplicantID: t.ApplicantID, ConnectionID: t.ConnectionID,
		ActorID: t.ActorID, State: string(t.State), Attempts: t.Attempts, Record: []recordFieldJSON{}, Reply: t.Reply,
		ZohoRecordID: t.ZohoRecordID, LastError: t.LastError, Resolution: t.Resolution,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, FinishedAt: timePtr(t.FinishedAt)}
	for _, f := range t.Record {
		out.Record = append(out.Record, recordFieldJSON{Name: f.Name, Value: f.Value})
	}
	return out
}

// attemptJSON is one entry of a transfer's log.
type attemptJSON struct {
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Message string    `json:"message,omitempty"`
}

// transferDetail is a transfer with its log, oldest entry first.
type transferDetail struct {
	Transfer transferJSON  `json:"transfer"`
	Log      []attemptJSON `json:"log"`
}

func (s *server) listTransfers(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	limit, err := limitParam(r, 100, 1000)
	if err != nil {
		return err
	}
	ts, err := s.onboard.Transfers(r.Context(), hrconnect.TransferFilter{TenantID: p.tenant(), State: hrconnect.TransferState(q.Get("state")),
		ApplicationID: q.Get("application_id"), ConnectionID: q.Get("connection_id"), Limit: limit})
	if err != nil {
		return err
	}
	out := []transferJSON{}
	for _, t := range ts {
		out = append(out, toTransferJSON(t))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"transfers": out})
}

func (s *server) getTransfer(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	t, err := s.onboard.Transfer(ctx, p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	log, err := s.onboard.TransferLog(ctx, p.tenant(), t.ID)
	if err != nil {
		return err
	}
	out := transferDetail{Transfer: toTransferJSON(t), Log: []attemptJSON{}}
	for _, a := range log {
		out.Log = append(out.Log, attemptJSON{At: a.At, Outcome: a.Outcome, Message: a.Message})
	}
	return writeJSON(w, http.StatusOK, out)
}

// retryTransfer restarts a failed transfer, after its cause was fixed.
func (s *server) retryTransfer(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in struct{}
	if err := decode(w, r, &in, true); err != nil {
		return err
	}
	t, err := s.onboard.Retry(r.Context(), p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTransferJSON(t))
}

// fieldMapJSON is one mapped field: a Zoho field from an applicant field
// (source) or a fixed value.
type fieldMapJSON struct {
	Target    string `json:"target"`
	Source    string `json:"source,omitempty"`
	Value     string `json:"value,omitempty"`
	Mandatory bool   `json:"mandatory"`
}

// fieldMappingJSON is what a connection receives for each hire.
type fieldMappingJSON struct {
	ConnectionID string         `json:"connection_id"`
	Form         string         `json:"form"`
	Fields       []fieldMapJSON `json:"fields"`
	IsDirectAdd  bool           `json:"is_direct_add"`
	IsNonUser    bool           `json:"is_non_user"`
	// Default says that nothing was saved: this is seed 000's mapping.
	Default bool `json:"default"`
	// DocumentsTransferred is always false; Note says so in words.
	DocumentsTransferred bool       `json:"documents_transferred"`
	Note                 string     `json:"note"`
	UpdatedAt            *time.Time `json:"updated_at,omitempty"`
}

func toFieldMappingJSON(m *hrconnect.FieldMapping) fieldMappingJSON {
	out := fieldMappingJSON{ConnectionID: m.ConnectionID, Form: m.Form, Fields: []fieldMapJSON{}, IsDirectAdd: m.IsDirectAdd,
		IsNonUser: m.IsNonUser, Default: m.UpdatedAt.IsZero(), Note: documentsNote, UpdatedAt: timePtr(m.UpdatedAt)}
	for _, f := range m.Fields {
		out.Fields = append(out.Fields, fieldMapJSON{Target: f.Target, Source: string(f.Source), Value: f.Value, Mandatory: f.Mandatory})
	}
	return out
}

func (s *server) getFieldMapping(w http.ResponseWriter, r *http.Request, p *principal) error {
	m, err := s.onboard.FieldMapping(r.Context(), p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toFieldMappingJSON(m))
}

type putFieldMappingRequest struct {
	Form        string         `json:"form"`
	Fields      []fieldMapJSON `json:"fields"`
	IsDirectAdd bool           `json:"is_direct_add"`
	IsNonUser   bool           `json:"is_non_user"`
}

// putFieldMapping replaces a connection's mapping, after checking it
// (hrconnect.FieldMapping.Validate: Zoho's four mandatory fields mapped,
// each field once, known applicant fields, never the file field Photo).
func (s *server) putFieldMapping(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in putFieldMappingRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	// The connection first: another tenant's is 404, whatever the body.
	if _, err := s.onboard.FieldMapping(r.Context(), p.tenant(), r.PathValue("id")); err != nil {
		return err
	}
	form := strings.TrimSpace(in.Form)
	if form != "" && form != "employee" {
		return hrconnect.Invalid("form", "Only the employee form can receive hires; leave form out or send \"employee\".")
	}
	m := &hrconnect.FieldMapping{TenantID: p.tenant(), ConnectionID: r.PathValue("id"), Form: "employee",
		IsDirectAdd: in.IsDirectAdd, IsNonUser: in.IsNonUser}
	for _, f := range in.Fields {
		m.Fields = append(m.Fields, hrconnect.FieldMap{Target: strings.TrimSpace(f.Target), Source: hrconnect.ApplicantField(strings.TrimSpace(f.Source)),
			Value: f.Value, Mandatory: f.Mandatory})
	}
	if err := s.onboard.SetFieldMapping(r.Context(), m); err != nil {
		return err
	}
	s.audit(r, p.audit("field_mapping.updated", m.ConnectionID, ""))
	return writeJSON(w, http.StatusOK, toFieldMappingJSON(m))
}

// previewJSON is the exact record a transfer of the applicant would send now.
type previewJSON struct {
	ConnectionID         string            `json:"connection_id"`
	ApplicantID          string            `json:"applicant_id"`
	Form                 string            `json:"form"`
	Fields               []recordFieldJSON `json:"fields"`
	IsDirectAdd          bool              `json:"is_direct_add"`
	IsNonUser            bool              `json:"is_non_user"`
	DocumentsTransferred bool              `json:"documents_transferred"`
	Note                 string            `json:"note"`
}

// previewFieldMapping shows the record that transferring the applicant
// (?applicant_id=) would send; an applicant whose record cannot succeed is
// the 422 the transfer would fail with.
func (s *server) previewFieldMapping(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	connID := r.PathValue("id")
	applicantID := r.URL.Query().Get("applicant_id")
	if applicantID == "" {
		return hrconnect.Invalid("applicant_id", "Say whose record to preview: ?applicant_id=…")
	}
	// The connection first, so another tenant's is 404 whatever the applicant.
	if _, err := s.onboard.FieldMapping(ctx, p.tenant(), connID); err != nil {
		return err
	}
	pv, err := s.onboard.Preview(ctx, p.tenant(), applicantID, connID)
	if err != nil {
		return withField(err, "applicant_id")
	}
	out := previewJSON{ConnectionID: connID, ApplicantID: applicantID, Form: pv.Form, Fields: []recordFieldJSON{},
		IsDirectAdd: pv.IsDirectAdd, IsNonUser: pv.IsNonUser, Note: documentsNote}
	for _, f := range pv.Fields {
		out.Fields = append(out.Fields, recordFieldJSON{Name: f.Name, Value: f.Value})
	}
	return writeJSON(w, http.StatusOK, out)
}
