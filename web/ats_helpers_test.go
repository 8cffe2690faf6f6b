package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"hrconnect"
)

// sbEmployee is a Zoho People record as the sandbox's state shows it.
type sbEmployee struct {
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields"`
}

// employees returns the employees of the EU data centre's default
// organisation, where connections made with a Self Client act.
func (a *app) employees() []sbEmployee {
	a.t.Helper()
	res, err := http.Get(a.sbURL + "/_sandbox/state")
	must(a.t, err)
	defer res.Body.Close()
	var st struct {
		DataCentres []struct {
			Location   string `json:"location"`
			DefaultOrg string `json:"default_org"`
			Orgs       []struct {
				ID     string                  `json:"id"`
				People map[string][]sbEmployee `json:"people"`
			} `json:"orgs"`
		} `json:"data_centres"`
	}
	must(a.t, json.NewDecoder(res.Body).Decode(&st))
	for _, dc := range st.DataCentres {
		if dc.Location != "eu" {
			continue
		}
		for _, o := range dc.Orgs {
			if o.ID == dc.DefaultOrg {
				return o.People["employee"]
			}
		}
	}
	return nil
}

// waitTransfer waits (up to 20 s) for the transfer to be done and returns it.
func (a *app) waitTransfer(tenantID, id string) *hrconnect.Transfer {
	a.t.Helper()
	ctx := testContext(a.t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		t, err := a.onb.Transfer(ctx, tenantID, id)
		must(a.t, err)
		if t.State.Done() {
			return t
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("transfer %s still %s after 20 s (last error %q)", id, t.State, t.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// location returns the path a 303 leads to.
func location(t *testing.T, res *http.Response, body string) string {
	t.Helper()
	wantStatus(t, res, http.StatusSeeOther, body)
	return res.Header.Get("Location")
}

// wantFieldError checks that the page shows msg next to the form field
// named field: in the message element the field's aria-describedby names.
func wantFieldError(t *testing.T, body, field, msg string) {
	t.Helper()
	if wantFieldMessage(t, body, field, msg) && !strings.Contains(body, `aria-describedby="`+field+`-error"`) {
		t.Errorf("no form control points at %s-error with aria-describedby", field)
	}
}

// wantFieldMessage checks that the page shows msg in the message element of
// the field named field, for pages that offer no control for it (a job post
// whose workflow has no HR connection linked offers none to choose), and
// reports whether it does.
func wantFieldMessage(t *testing.T, body, field, msg string) bool {
	t.Helper()
	re := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">(.*?)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Errorf("no error shown at the field %s; body:\n%s", field, clip(body))
		return false
	}
	if !strings.Contains(m[1], msg) {
		t.Errorf("at the field %s the page says %q, want %q", field, m[1], msg)
		return false
	}
	return true
}
