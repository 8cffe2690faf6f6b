package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"hrconnect"
	"hrconnect/onboard"
)

// coreSources are the applicant fields a mapping can read, in the form's
// order; custom fields ("custom:<key>") are added from the applicants'.
var coreSources = []hrconnect.ApplicantField{
	hrconnect.FieldApplicantID, hrconnect.FieldFirstName, hrconnect.FieldSurname, hrconnect.FieldEmail,
	hrconnect.FieldPhone, hrconnect.FieldJobTitle, hrconnect.FieldDepartment, hrconnect.FieldStartDate, hrconnect.FieldDateOfBirth,
}

// zohoRequired are the employee fields Zoho People needs for everyone: the
// page marks them and keeps them mandatory.
var zohoRequired = map[string]bool{"EmployeeID": true, "FirstName": true, "LastName": true, "EmailID": true}

// blankRows is how many empty rows the mapping form offers for new fields.
const blankRows = 3

// maxRows caps the rows read from a submitted mapping form.
const maxRows = 200

// mappingRow is one row of the mapping form.
type mappingRow struct {
	hrconnect.FieldMap
	// Required: Zoho People needs this field for every employee.
	Required bool
}

// mappingPage is what the field-mapping page shows.
type mappingPageData struct {
	C       *hrconnect.Connection
	M       *hrconnect.FieldMapping
	Rows    []mappingRow
	Sources []hrconnect.ApplicantField
	// Applicants are offered for the preview; Chosen is the one previewed.
	Applicants []*hrconnect.Applicant
	Chosen     string
	Preview    *onboard.Preview
	// PreviewError is why the chosen applicant's record could not be sent.
	PreviewError *hrconnect.Error
}

// mappingConnection returns the tenant's Zoho People connection of the
// path: only those have a field mapping.
func (s *Server) mappingConnection(r *http.Request, a *actor) (*hrconnect.Connection, error) {
	c, err := s.store.Connection(r.Context(), a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if c.Service != hrconnect.ServiceZohoPeople {
		return nil, hrconnect.Errorf(hrconnect.ENOTFOUND, "%s is not a Zoho People connection: only those have a field mapping.", c.Name)
	}
	return c, nil
}

// mappingPage is GET /connections/{id}/mapping[?applicant=]: the saved
// mapping (seed 000's defaults until one is saved), the form to change it,
// and the exact record a chosen applicant would be sent as.
func (s *Server) mappingPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	c, err := s.mappingConnection(r, a)
	if err != nil {
		return err
	}
	m, err := s.onb.FieldMapping(r.Context(), a.Tenant.ID, c.ID)
	if err != nil {
		return err
	}
	return s.renderMapping(w, r, a, c, m, http.StatusOK, nil)
}

func (s *Server) renderMapping(w http.ResponseWriter, r *http.Request, a *actor, c *hrconnect.Connection, m *hrconnect.FieldMapping, status int, err error) error {
	ctx := r.Context()
	p := &mappingPageData{C: c, M: m, Chosen: r.URL.Query().Get("applicant")}
	var lerr error
	if p.Applicants, lerr = s.onb.Applicants(ctx, a.Tenant.ID); lerr != nil {
		return lerr
	}
	p.Sources = slices.Clone(coreSources)
	custom := map[hrconnect.ApplicantField]bool{}
	for _, ap := range p.Applicants {
		for k := range ap.Custom {
			custom[hrconnect.CustomField(k)] = true
		}
	}
	for _, f := range m.Fields {
		if strings.HasPrefix(string(f.Source), "custom:") {
			custom[f.Source] = true
		}
	}
	extra := make([]hrconnect.ApplicantField, 0, len(custom))
	for f := range custom {
		extra = append(extra, f)
	}
	slices.Sort(extra)
	p.Sources = append(p.Sources, extra...)
	for _, f := range m.Fields {
		p.Rows = append(p.Rows, mappingRow{FieldMap: f, Required: zohoRequired[f.Target]})
	}
	for range blankRows {
		p.Rows = append(p.Rows, mappingRow{})
	}
	if p.Chosen != "" {
		pv, perr := s.onb.Preview(ctx, a.Tenant.ID, p.Chosen, c.ID)
		switch {
		case perr == nil:
			p.Preview = pv
		case hrconnect.ErrorCode(perr) == hrconnect.EINVALID:
			p.PreviewError = appError(perr)
		default:
			return perr
		}
	}
	v := &view{Title: "Field mapping: " + c.Name, Nav: "connections", Actor: a, Data: p}
	if err != nil {
		v.withError(err, "fields")
	}
	s.render(w, r, status, "mapping", v)
	return nil
}

// mappingSubmit is POST /connections/{id}/mapping: the rows of the form
// (a row with no Zoho field is left out, as is one marked to remove) and
// the two flags, checked by FieldMapping.Validate and saved.
func (s *Server) mappingSubmit(w http.ResponseWriter, r *http.Request, a *actor) error {
	c, err := s.mappingConnection(r, a)
	if err != nil {
		return err
	}
	m := &hrconnect.FieldMapping{TenantID: a.Tenant.ID, ConnectionID: c.ID, Form: "employee",
		IsDirectAdd: r.PostFormValue("is_direct_add") == "yes", IsNonUser: r.PostFormValue("is_non_user") == "yes"}
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	n = min(max(n, 0), maxRows)
	for i := range n {
		get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k + "_" + strconv.Itoa(i))) }
		f := hrconnect.FieldMap{Target: get("target"), Source: hrconnect.ApplicantField(get("source")), Mandatory: get("mandatory") == "yes"}
		if f.Source == "" {
			f.Value = get("value")
		}
		if f.Target == "" || get("remove") == "yes" {
			continue
		}
		if zohoRequired[f.Target] {
			f.Mandatory = true
		}
		m.Fields = append(m.Fields, f)
	}
	if err := s.onb.SetFieldMapping(r.Context(), m); err != nil {
		return s.renderMapping(w, r, a, c, m, formStatus(err), err)
	}
	s.audit(r, a, "mapping.updated", c.ID, "Changed the field mapping of "+c.Name+".")
	s.flash(w, "The field mapping of "+c.Name+" is saved.")
	seeOther(w, r, "/connections/"+c.ID+"/mapping")
	return nil
}
