package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hrconnect"
)

// hireInBrowser continues a newcomer's path once Zoho People is connected
// (the browser shows the connection's page): a workflow whose Hired stage
// is linked to the connection, a job post choosing it, an applicant who
// applies and is moved to Hired, and the transfer page showing it
// succeeded with the Zoho record ID of the employee the sandbox now holds.
func hireInBrowser(t *testing.T, tab context.Context, a *app) {
	t.Helper()
	loc, err := chromedp.Run(tab, chromedp.Location())
	must(t, err)
	connID := loc[strings.LastIndex(loc, "/")+1:]
	hired := chromedp.Search(`//tr[td[@class="stage-name"][text()="Hired"]]`)

	do(t, tab, "add a workflow",
		chromedp.Click(css(`nav a[href="/workflows"]`)),
		chromedp.WaitVisible(css("textarea#stages")),
		chromedp.SendKeys(css("#name"), "Engineering"),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("table#stages")),
	)
	do(t, tab, "link Hired to Zoho People",
		chromedp.SetValue(hired+"//select", connID),
		chromedp.Click(hired+"//button"),
		// The workflow's page already shows a flash: wait for the link.
		chromedp.WaitVisible(hired+`//p[@class="hr-action"]/a`),
	)
	if got, err := chromedp.Run(tab, chromedp.Text(hired+`//p[@class="hr-action"]`)); err != nil || !strings.Contains(got, "create the employee in Zoho People") {
		t.Errorf("the Hired stage says %q (%v)", got, err)
	}
	shot(t, tab, "08-workflow-linked")

	do(t, tab, "add a job post",
		chromedp.Click(css(`nav a[href="/jobs"]`)),
		chromedp.WaitVisible(css("#title")),
		chromedp.SendKeys(css("#title"), "Go engineer"),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#hr_connection_id")),
		chromedp.SetValue(css("#hr_connection_id"), connID),
		chromedp.Click(css("#choose-hr")),
		chromedp.WaitVisible(chromedp.Search(`//td[@id="hr-connection"][text()="Zoho People"]`)),
	)
	if got := text(t, tab, "#hr-connection"); got != "Zoho People" {
		t.Errorf("the job post's HR connection is %q", got)
	}
	shot(t, tab, "09-job-post")

	do(t, tab, "add an applicant",
		chromedp.Click(css(`nav a[href="/applicants"]`)),
		chromedp.Click(css("#new-applicant")),
		chromedp.WaitVisible(css("#applicant_id")),
		chromedp.SendKeys(css("#applicant_id"), "A-100"),
		chromedp.SendKeys(css("#first_name"), "Grace"),
		chromedp.SendKeys(css("#surname"), "Hopper"),
		chromedp.SendKeys(css("#email"), "grace@acme.test"),
		chromedp.SendKeys(css("#job_title"), "Engineer"),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#apply-form")),
	)
	shot(t, tab, "10-applicant")
	do(t, tab, "apply", chromedp.Click(css("#apply")), chromedp.WaitVisible(css("#applications")))
	if got := text(t, tab, "#applications td.stage"); got != "Applied" {
		t.Errorf("the new application is at %q", got)
	}
	hiredOption, err := chromedp.Run(tab, chromedp.Evaluate[string](`[...document.querySelector("form.move select").options].find(o => o.text.startsWith("Hired")).value`))
	must(t, err)
	do(t, tab, "move to Hired",
		chromedp.SetValue(css("form.move select"), hiredOption),
		chromedp.Click(css("form.move button")),
		chromedp.WaitVisible(css("a.transfer-link")),
	)
	if got := text(t, tab, "#flash"); !strings.Contains(got, "The employee is being created in Zoho People") {
		t.Errorf("after the move the flash says %q", got)
	}
	shot(t, tab, "11-moved-to-hired")

	do(t, tab, "open the transfer", chromedp.Click(css("a.transfer-link")), chromedp.WaitVisible(css("#transfer-state")))
	// The page reloads itself until the transfer is done; look for 20 s.
	state := ""
	for range 80 {
		if s, err := chromedp.Run(tab, chromedp.Text(css("#transfer-state"))); err == nil {
			if state = strings.TrimSpace(s); state == "Succeeded" || state == "Failed" {
				break
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	if state != "Succeeded" {
		shot(t, tab, "failed")
		t.Fatalf("the transfer page says %q", state)
	}
	recordID := text(t, tab, "#zoho-record-id")
	shot(t, tab, "12-transfer-succeeded")

	emps := a.employees()
	if len(emps) != 1 {
		t.Fatalf("%d employees in the sandbox, want 1", len(emps))
	}
	if emps[0].ID != recordID {
		t.Errorf("the transfer page shows record %q; the sandbox holds %q", recordID, emps[0].ID)
	}
	for k, v := range map[string]string{"EmployeeID": "A-100", "FirstName": "Grace", "LastName": "Hopper", "EmailID": "grace@acme.test"} {
		if emps[0].Fields[k] != v {
			t.Errorf("employee %s = %q, want %q", k, emps[0].Fields[k], v)
		}
	}
	tenants, err := a.db.Tenants(testContext(t))
	must(t, err)
	ts, err := a.onb.Transfers(testContext(t), hrconnect.TransferFilter{TenantID: tenants[0].ID})
	must(t, err)
	if len(ts) != 1 || ts[0].ZohoRecordID != recordID || ts[0].State != hrconnect.TransferSucceeded {
		t.Errorf("stored transfers %+v", ts)
	}

	do(t, tab, "preview the field mapping",
		chromedp.Navigate(a.url+"/connections/"+connID),
		chromedp.Click(css("#field-mapping")),
		chromedp.WaitVisible(css("#no-documents")),
		chromedp.Click(css("#preview")),
		chromedp.WaitVisible(css("#preview-record")),
	)
	if got := text(t, tab, "#preview-record"); !strings.Contains(got, "grace@acme.test") || !strings.Contains(got, "A-100") {
		t.Errorf("the preview shows %q", got)
	}
	shot(t, tab, "13-field-mapping")
}
