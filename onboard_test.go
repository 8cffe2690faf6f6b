package hrconnect_test

import (
	"strings"
	"testing"

	"hrconnect"
)

func TestCanSelectHRConnection(t *testing.T) {
	people := &hrconnect.Connection{ID: "con_1", TenantID: "ten_1", Name: "Zoho People", Service: hrconnect.ServiceZohoPeople, Status: hrconnect.StatusConnected}
	linked := &hrconnect.Workflow{TenantID: "ten_1", Name: "Engineering", Stages: []*hrconnect.Stage{{ID: "s1", Name: "Applied"}, {ID: "s2", Name: "Hired", ConnectionID: "con_1"}}}
	unlinked := &hrconnect.Workflow{TenantID: "ten_1", Name: "Sales", Stages: []*hrconnect.Stage{{ID: "s3", Name: "Hired"}}}
	recruit := *people
	recruit.Service = hrconnect.ServiceZohoRecruit
	gone := *people
	gone.Status = hrconnect.StatusDisconnected
	other := *people
	other.TenantID = "ten_2"

	if err := hrconnect.CanSelectHRConnection(linked, people); err != nil {
		t.Fatalf("linked connection refused: %v", err)
	}
	for _, tt := range []struct {
		name string
		w    *hrconnect.Workflow
		c    *hrconnect.Connection
		code string
		want string
	}{
		{"not linked", unlinked, people, hrconnect.EINVALID, "not linked to the workflow \"Sales\""},
		{"not HR", linked, &recruit, hrconnect.EINVALID, "not an HR connection"},
		{"disconnected", linked, &gone, hrconnect.EINVALID, "disconnected"},
		{"other tenant", linked, &other, hrconnect.ENOTFOUND, "not found"},
		{"nil", linked, nil, hrconnect.EINVALID, "Choose"},
	} {
		err := hrconnect.CanSelectHRConnection(tt.w, tt.c)
		if hrconnect.ErrorCode(err) != tt.code || !strings.Contains(hrconnect.ErrorMessage(err), tt.want) {
			t.Errorf("%s: %v (code %s), want %s containing %q", tt.name, err, hrconnect.ErrorCode(err), tt.code, tt.want)
		}
	}
	if got := linked.Stage("s2"); got == nil || got.ConnectionID != "con_1" {
		t.Fatalf("Stage(s2) = %+v", got)
	}
	if hrconnect.FieldEmail.Label() != "Email Address" || hrconnect.CustomField("shirt").Label() != "shirt" {
		t.Fatal("labels")
	}
}

func TestFieldMappingValidate(t *testing.T) {
	if err := hrconnect.DefaultFieldMapping("ten_1", "con_1").Validate(); err != nil {
		t.Fatalf("default mapping: %v", err)
	}
	for _, tt := range []struct {
		name string
		add  hrconnect.FieldMap
		drop bool
		want string
	}{
		{"bad target", hrconnect.FieldMap{Target: "Shirt Size", Value: "M"}, false, "not a Zoho People field link name"},
		{"photo", hrconnect.FieldMap{Target: "Photo", Source: hrconnect.CustomField("cv")}, false, "never transferred"},
		{"twice", hrconnect.FieldMap{Target: "EmailID", Source: hrconnect.FieldEmail}, false, "mapped twice"},
		{"unknown source", hrconnect.FieldMap{Target: "Tags", Source: "resume"}, false, "not an applicant field"},
		{"empty mandatory", hrconnect.FieldMap{Target: "Department", Mandatory: true}, false, "neither"},
		{"no email", hrconnect.FieldMap{}, true, "Map an applicant field to EmailID"},
	} {
		m := hrconnect.DefaultFieldMapping("ten_1", "con_1")
		if tt.drop {
			m.Fields = m.Fields[:3]
		} else {
			m.Fields = append(m.Fields, tt.add)
		}
		err := m.Validate()
		if hrconnect.ErrorCode(err) != hrconnect.EINVALID || !strings.Contains(hrconnect.ErrorMessage(err), tt.want) {
			t.Errorf("%s: %v, want EINVALID containing %q", tt.name, err, tt.want)
		}
	}
	m := hrconnect.DefaultFieldMapping("ten_1", "con_1")
	m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Shirt_Size", Source: hrconnect.CustomField("shirt")},
		hrconnect.FieldMap{Target: "Source_of_hire", Value: "ATS", Mandatory: true})
	if err := m.Validate(); err != nil {
		t.Fatalf("custom and fixed fields: %v", err)
	}
}
