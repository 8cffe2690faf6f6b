package sqlstore_test

import (
	"sync"
	"testing"

	"hrconnect"
)

// An applicant applies to a job post once, even when the applications are
// sent at the same instant: the store refuses all but one with ECONFLICT.
func TestOneApplicationPerPost(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		f := newOnboardFixture(t, b)
		again := &hrconnect.Application{TenantID: f.tenant.ID, ApplicantID: f.applicant.ApplicantID, JobPostID: f.post.ID, StageID: f.app.StageID}
		if err := f.db.CreateApplication(f.ctx, again); hrconnect.ErrorCode(err) != hrconnect.ECONFLICT {
			t.Fatalf("a second application to the same post: %v, want ECONFLICT", err)
		}

		a := &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "A-2002", FirstName: "Alan", Surname: "Turing", Email: "alan@example.com"}
		must(t, f.db.PutApplicant(f.ctx, a))
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- f.db.CreateApplication(f.ctx, &hrconnect.Application{TenantID: f.tenant.ID, ApplicantID: a.ApplicantID, JobPostID: f.post.ID, StageID: f.app.StageID})
			}()
		}
		wg.Wait()
		close(errs)
		created := 0
		for err := range errs {
			switch {
			case err == nil:
				created++
			case hrconnect.ErrorCode(err) != hrconnect.ECONFLICT:
				t.Errorf("concurrent application: %v", err)
			}
		}
		apps, err := f.db.Applications(f.ctx, hrconnect.ApplicationFilter{TenantID: f.tenant.ID, ApplicantID: a.ApplicantID})
		must(t, err)
		if created != 1 || len(apps) != 1 {
			t.Fatalf("%d applications created, %d stored, from %d sent at once; want 1", created, len(apps), n)
		}
	})
}
