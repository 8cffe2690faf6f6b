package sqlstore_test

import (
	"errors"
	"sync"
	"testing"

	"hrconnect"
)

// TestImportQueries holds both dialects to one behaviour for the queries
// of imports from Zoho Recruit.
func TestImportQueries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		t.Run("ApplicantsByEmail", func(t *testing.T) {
			t.Parallel()
			testApplicantsByEmail(t, newOnboardFixture(t, b))
		})
		t.Run("ImportApplicant", func(t *testing.T) {
			t.Parallel()
			testImportApplicant(t, newOnboardFixture(t, b))
		})
		t.Run("ConcurrentImportsOfOneAddress", func(t *testing.T) {
			t.Parallel()
			testConcurrentImports(t, newOnboardFixture(t, b))
		})
	})
}

func testApplicantsByEmail(t *testing.T, f *onboardFixture) {
	// The fixture's applicant is grace@example.com; another tenant's
	// applicant with the same address must not be found.
	must(t, f.db.PutApplicant(f.ctx, &hrconnect.Applicant{TenantID: f.other.ID, ApplicantID: "G-1", FirstName: "Grace", Surname: "Other", Email: "grace@example.com"}))
	must(t, f.db.PutApplicant(f.ctx, &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "A-2", FirstName: "Alan", Surname: "Turing", Email: "Alan.Turing@Example.com"}))
	// More addresses than one query takes, so the chunks are joined.
	emails := []string{"GRACE@example.com", " alan.turing@example.COM ", "", "nobody@example.com"}
	for i := range 450 {
		emails = append(emails, "x"+string(rune('a'+i%26))+"@example.org")
	}
	got, err := f.db.ApplicantsByEmail(f.ctx, f.tenant.ID, emails)
	must(t, err)
	ids := map[string]string{}
	for _, a := range got {
		if a.TenantID != f.tenant.ID {
			t.Fatalf("applicant of another tenant: %+v", a)
		}
		ids[a.ApplicantID] = a.Email
	}
	if len(got) != 2 || ids["A-1001"] != "grace@example.com" || ids["A-2"] != "Alan.Turing@Example.com" {
		t.Fatalf("ApplicantsByEmail = %v, want A-1001 and A-2", ids)
	}
	none, err := f.db.ApplicantsByEmail(f.ctx, f.tenant.ID, nil)
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("no addresses found %d applicants", len(none))
	}
}

func testImportApplicant(t *testing.T, f *onboardFixture) {
	first := f.workflow.Stages[0].ID
	a := &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "recruit-1", FirstName: "Ada", Surname: "Lovelace",
		Email: "ada@example.com", Custom: map[string]string{"recruit_candidate_id": "ZR_1_CAND"}}
	created, err := f.db.ImportApplicant(f.ctx, a, f.post.ID, first)
	must(t, err)
	if !created || a.CreatedAt.IsZero() {
		t.Fatalf("first import: created %v, %+v", created, a)
	}
	got, err := f.db.Applicant(f.ctx, f.tenant.ID, "recruit-1")
	must(t, err)
	if got.Email != "ada@example.com" || got.Custom["recruit_candidate_id"] != "ZR_1_CAND" {
		t.Fatalf("imported applicant: %+v", got)
	}
	apps := applicationsOf(t, f, "recruit-1")
	if len(apps) != 1 || apps[0] != first {
		t.Fatalf("applications after import: %v, want one at %s", apps, first)
	}

	// Again, changed: replaced, not created, and still one application.
	a.Surname, a.Email = "King", "ADA@example.com"
	created, err = f.db.ImportApplicant(f.ctx, a, f.post.ID, first)
	must(t, err)
	if created {
		t.Fatal("a second import of the same applicant ID reported it created")
	}
	if got, _ = f.db.Applicant(f.ctx, f.tenant.ID, "recruit-1"); got.Surname != "King" {
		t.Fatalf("re-import did not update: %+v", got)
	}
	if apps := applicationsOf(t, f, "recruit-1"); len(apps) != 1 {
		t.Fatalf("re-import made %d applications, want 1", len(apps))
	}

	// Another applicant ID with the address of an existing applicant, in
	// another case: refused, and nothing written.
	dup := &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "recruit-2", FirstName: "G", Surname: "H", Email: "Grace@Example.COM"}
	_, err = f.db.ImportApplicant(f.ctx, dup, f.post.ID, first)
	wantCode(t, err, hrconnect.ECONFLICT)
	if he := (*hrconnect.Error)(nil); !errors.As(err, &he) || he.Field != "email" {
		t.Fatalf("duplicate's error: %v", err)
	}
	_, err = f.db.Applicant(f.ctx, f.tenant.ID, "recruit-2")
	wantCode(t, err, hrconnect.ENOTFOUND)

	// A stage outside the post's workflow fails the whole import of the
	// applicant: no applicant without its application.
	other := &hrconnect.Workflow{TenantID: f.tenant.ID, Name: "Sales", Stages: []*hrconnect.Stage{{Name: "Applied"}}}
	must(t, f.db.CreateWorkflow(f.ctx, other))
	bad := &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "recruit-3", FirstName: "C", Surname: "B", Email: "cb@example.com"}
	_, err = f.db.ImportApplicant(f.ctx, bad, f.post.ID, other.Stages[0].ID)
	wantCode(t, err, hrconnect.EINVALID)
	_, err = f.db.Applicant(f.ctx, f.tenant.ID, "recruit-3")
	wantCode(t, err, hrconnect.ENOTFOUND)

	// Without a job post: the applicant only. Without an email: refused.
	solo := &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "recruit-4", FirstName: "D", Surname: "E", Email: "de@example.com"}
	_, err = f.db.ImportApplicant(f.ctx, solo, "", "")
	must(t, err)
	if apps := applicationsOf(t, f, "recruit-4"); len(apps) != 0 {
		t.Fatalf("import without a post made applications: %v", apps)
	}
	_, err = f.db.ImportApplicant(f.ctx, &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "recruit-5", Surname: "F"}, "", "")
	wantCode(t, err, hrconnect.EINVALID)
	// The same address in another tenant is no conflict.
	_, err = f.db.ImportApplicant(f.ctx, &hrconnect.Applicant{TenantID: f.other.ID, ApplicantID: "recruit-1", Surname: "L", Email: "ada@example.com"}, "", "")
	must(t, err)
}

// Two imports of one address under two applicant IDs at once: exactly one
// wins, on both databases.
func testConcurrentImports(t *testing.T, f *onboardFixture) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			a := &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "recruit-c" + string(rune('0'+i)), Surname: "Same", Email: "same@example.com"}
			_, errs[i] = f.db.ImportApplicant(f.ctx, a, "", "")
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch hrconnect.ErrorCode(err) {
		case "":
			ok++
		case hrconnect.ECONFLICT:
		default:
			t.Fatalf("concurrent import: %v", err)
		}
	}
	got, err := f.db.ApplicantsByEmail(f.ctx, f.tenant.ID, []string{"same@example.com"})
	must(t, err)
	if ok != 1 || len(got) != 1 {
		t.Fatalf("%d imports succeeded and %d applicants hold the address, want 1 and 1", ok, len(got))
	}
}

// applicationsOf returns the stage IDs of an applicant's applications.
func applicationsOf(t *testing.T, f *onboardFixture, applicantID string) []string {
	t.Helper()
	apps, err := f.db.Applications(f.ctx, hrconnect.ApplicationFilter{TenantID: f.tenant.ID, ApplicantID: applicantID})
	must(t, err)
	var out []string
	for _, a := range apps {
		out = append(out, a.StageID)
	}
	return out
}
