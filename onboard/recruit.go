package onboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/zoho"
)

// MaxRecruitImport is the most candidates one import reads from Zoho Recruit
// when RecruitFilter.Limit is 0: it bounds the work (and the API credits) of
// a single call; an import that reaches it says so, and running it again
// goes on where the duplicates end.
const MaxRecruitImport = 10000

// RecruitApplicantPrefix starts the Applicant ID of every applicant imported
// from Zoho Recruit, followed by the candidate's record ID ("recruit-" +
// 18 digits): Recruit's record IDs never change and are unique across its
// organisations, and the prefix keeps them apart from the ATS's own IDs.
// The candidate's human-facing number (Candidate_ID, "ZR_12_CAND") is kept
// as the custom field recruit_candidate_id, for a mapping that prefers it.
const RecruitApplicantPrefix = "recruit-"

// The custom applicant fields an import fills, for field mappings.
const (
	CustomRecruitID          = "recruit_id"           // the candidate's record ID
	CustomRecruitCandidateID = "recruit_candidate_id" // Candidate_ID, "ZR_12_CAND"
	CustomRecruitStatus      = "recruit_status"       // Candidate_Status at the import
)

// RecruitFilter selects the candidates an import reads, and says what to do
// with them.
type RecruitFilter struct {
	// Status is the Candidate_Status to import, such as "Hired" (compared
	// ignoring case, as Recruit does); empty imports every status.
	Status string
	// Criteria narrows the candidates further with Recruit's own search
	// syntax, "(field:operator:value)" joined by "and" or "or" inside
	// parentheses, e.g. "(Source:equals:Referral)". Optional.
	Criteria string
	// Limit is the most candidates read (0: MaxRecruitImport).
	Limit int
	// PerPage is the size of Recruit's pages (0: 200, Recruit's largest).
	PerPage int
	ImportOptions
}

// ImportOptions say what else an import does.
type ImportOptions struct {
	// JobPostID, when set, applies every imported applicant to this job post
	// at the first stage of its workflow (unless it already applied there).
	JobPostID string
	// UserID is the user importing: a per-user connection then reads Recruit
	// with their own credentials; empty uses the owner's.
	UserID string
}

// ImportOutcome is what an import did with one candidate.
type ImportOutcome string

const (
	// ImportCreated: a new applicant.
	ImportCreated ImportOutcome = "imported"
	// ImportUpdated: the applicant an earlier import made from the same
	// candidate, refreshed from Recruit.
	ImportUpdated ImportOutcome = "updated"
	// ImportDuplicate: another applicant (of the ATS, or an earlier
	// candidate of the same import) has the email address, ignoring case;
	// nothing was written. ApplicantID names that applicant.
	ImportDuplicate ImportOutcome = "duplicate"
	// ImportSkipped: the candidate cannot become an applicant (no email, a
	// malformed one, no first or last name); Reason says what to fix in Recruit.
	ImportSkipped ImportOutcome = "skipped"
)

// ImportItem is one candidate of an import.
type ImportItem struct {
	// CandidateID is the candidate's record ID in Zoho Recruit;
	// CandidateNumber its Candidate_ID ("ZR_12_CAND").
	CandidateID     string
	CandidateNumber string
	Name            string
	Email           string
	Outcome         ImportOutcome
	// ApplicantID is the applicant made or updated, or for a duplicate the
	// applicant that has the address already.
	ApplicantID string
	// Reason says why a candidate was a duplicate or skipped.
	Reason string
}

// ImportResult is what an import did, candidate by candidate in Recruit's
// order, with the counts of each outcome.
type ImportResult struct {
	// Read is how many candidates Recruit returned; Pages how many pages.
	Read, Pages int
	Imported    int
	Updated     int
	Duplicates  int
	Skipped     int
	// Truncated is set when the import stopped at its limit while Recruit
	// had more candidates.
	Truncated bool
	Items     []ImportItem
}

func (r *ImportResult) add(it ImportItem) {
	switch it.Outcome {
	case ImportCreated:
		r.Imported++
	case ImportUpdated:
		r.Updated++
	case ImportDuplicate:
		r.Duplicates++
	case ImportSkipped:
		r.Skipped++
	}
	r.Items = append(r.Items, it)
}

// ImportFromRecruit imports candidates of the tenant's Zoho Recruit
// connection as applicants: the candidates f selects, page by page, each
// saved on its own (so a failure part-way keeps what was imported, and
// running the import again updates those and goes on). A candidate whose
// email address an applicant of the tenant has already, ignoring case, or an
// earlier candidate of the same import, is a duplicate and left alone; one
// without a usable address is skipped with the reason. A refused access
// token is refreshed once and the call retried; a connection whose grant is
// gone returns an error matching connect.ErrNeedsReconnect.
//
// On an error after the first page the result holds what was done so far.
func (s *Service) ImportFromRecruit(ctx context.Context, tenantID, connectionID string, f RecruitFilter) (*ImportResult, error) {
	conn, err := s.store.Connection(ctx, tenantID, connectionID)
	if err != nil {
		return nil, err
	}
	if err := checkRecruitConnection(conn); err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	var stageID string
	if f.JobPostID != "" {
		if stageID, err = s.firstStage(ctx, tenantID, f.JobPostID); err != nil {
			return nil, err
		}
	}
	dc, err := s.zoho.Directory().DC(conn.DataCentre)
	if err != nil {
		return nil, &hrconnect.Error{Code: hrconnect.EINVALID, Field: "connection_id", Message: err.Error(),
			Resolution: "Reconnect the account and choose its data centre.", Err: err}
	}
	key := hrconnect.CredentialKey{TenantID: tenantID, ConnectionID: connectionID}
	if conn.PerUser {
		key.UserID = cmp.Or(f.UserID, conn.OwnerID)
	}
	im := &recruitImport{svc: s, f: f, key: key, dc: dc, stageID: stageID,
		res: &ImportResult{}, seen: map[string]string{}}
	if im.token, err = s.tokens.AccessToken(ctx, key); err != nil {
		return nil, err
	}
	if err := im.run(ctx); err != nil {
		if im.res.Pages == 0 {
			return nil, err
		}
		return im.res, err
	}
	return im.res, nil
}

// checkRecruitConnection refuses a connection that cannot be imported from.
func checkRecruitConnection(c *hrconnect.Connection) error {
	switch {
	case c.Service != hrconnect.ServiceZohoRecruit:
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "connection_id",
			Message:    fmt.Sprintf("%s is not a Zoho Recruit connection: candidates are imported from Zoho Recruit.", c.Name),
			Resolution: "Choose the tenant's Zoho Recruit connection, or connect Zoho Recruit first."}
	case c.Status == hrconnect.StatusDisconnected:
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "connection_id",
			Message:    fmt.Sprintf("%s is disconnected.", c.Name),
			Resolution: "Connect it again, then import."}
	}
	return nil
}

// check validates the filter before any call to Recruit.
func (f *RecruitFilter) check() error {
	f.Status, f.Criteria = strings.TrimSpace(f.Status), strings.TrimSpace(f.Criteria)
	switch {
	case f.Limit < 0:
		return hrconnect.Invalid("limit", "The limit must be 0 (up to %d candidates) or more.", MaxRecruitImport)
	case f.PerPage < 0 || f.PerPage > zoho.RecruitMaxPerPage:
		return hrconnect.Invalid("per_page", "Zoho Recruit pages hold 1 to %d candidates (0 means %d).", zoho.RecruitMaxPerPage, zoho.RecruitMaxPerPage)
	case len(f.Status) > 100:
		return hrconnect.Invalid("status", "The candidate status is longer than any Recruit status (100 characters).")
	case len(f.Criteria) > 2000:
		return hrconnect.Invalid("criteria", "The criteria are longer than 2,000 characters: narrow them with the status or fewer conditions.")
	case f.Criteria != "" && !strings.HasPrefix(f.Criteria, "("):
		return hrconnect.Invalid("criteria", "Write criteria in Recruit's syntax, in parentheses: (field:operator:value), e.g. (Source:equals:Referral).")
	}
	if f.Limit == 0 || f.Limit > MaxRecruitImport {
		f.Limit = MaxRecruitImport
	}
	if f.PerPage == 0 {
		f.PerPage = zoho.RecruitMaxPerPage
	}
	return nil
}

// criteria returns the Recruit search of the filter, "" to list every
// candidate.
func (f *RecruitFilter) criteria() string {
	var status string
	if f.Status != "" {
		status = zoho.Criteria("Candidate_Status", "equals", f.Status)
	}
	switch {
	case status == "":
		return f.Criteria
	case f.Criteria == "":
		return status
	}
	// The tenant's criteria stay one group, whatever they join with.
	return "(" + status + "and(" + f.Criteria + "))"
}

// firstStage returns the first stage of the job post's workflow.
func (s *Service) firstStage(ctx context.Context, tenantID, postID string) (string, error) {
	p, err := s.store.JobPost(ctx, tenantID, postID)
	if err != nil {
		return "", err
	}
	w, err := s.store.Workflow(ctx, tenantID, p.WorkflowID)
	if err != nil {
		return "", err
	}
	if len(w.Stages) == 0 {
		return "", hrconnect.Invalid("job_post_id", "The workflow %q of job post %q has no stages: add one, then import.", w.Name, p.Title)
	}
	return w.Stages[0].ID, nil
}

// recruitImport is one run of ImportFromRecruit.
type recruitImport struct {
	svc     *Service
	f       RecruitFilter
	key     hrconnect.CredentialKey
	dc      zoho.DataCentre
	token   string
	stageID string
	res     *ImportResult
	// seen maps the lower-cased addresses handled so far to the applicant
	// that has them, for duplicates within the import.
	seen map[string]string
}

// run reads page after page until Recruit has no more, the limit is reached,
// or a page comes back empty; the page count is bounded by the limit too.
func (im *recruitImport) run(ctx context.Context) error {
	crit := im.f.criteria()
	maxPages := im.f.Limit/im.f.PerPage + 1
	for page := 1; page <= maxPages; page++ {
		var p zoho.CandidatePage
		err := im.call(ctx, func(token string) (err error) {
			if crit == "" {
				p, err = im.svc.zoho.ListCandidates(ctx, im.dc, token, zoho.ListOptions{Page: page, PerPage: im.f.PerPage})
			} else {
				p, err = im.svc.zoho.SearchCandidates(ctx, im.dc, token, zoho.CandidateSearch{Criteria: crit, Page: page, PerPage: im.f.PerPage})
			}
			return err
		})
		if err != nil {
			return im.recruitError(err, page)
		}
		im.res.Pages++
		recs := p.Records
		if left := im.f.Limit - im.res.Read; len(recs) > left {
			recs = recs[:left]
			im.res.Truncated = true
		}
		im.res.Read += len(recs)
		if err := im.page(ctx, recs); err != nil {
			return err
		}
		if len(p.Records) == 0 || !p.Info.MoreRecords {
			return nil
		}
		if im.res.Read >= im.f.Limit {
			im.res.Truncated = true
			return nil
		}
	}
	im.res.Truncated = true
	return nil
}

// call runs fn with the access token and, when Recruit refuses it, once
// more with the token manager's fresh one.
func (im *recruitImport) call(ctx context.Context, fn func(token string) error) error {
	err := fn(im.token)
	if zoho.ClassOf(err) != zoho.ClassReauth {
		return err
	}
	tok, terr := im.svc.tokens.Rejected(ctx, im.key, im.token)
	if terr != nil {
		return terr
	}
	im.token = tok
	return fn(tok)
}

// recruitError turns a failed Recruit call into an error a person can act
// on; the token manager's errors are already such.
func (im *recruitImport) recruitError(err error, page int) error {
	var he *hrconnect.Error
	var ze *zoho.Error
	if errors.As(err, &he) || !errors.As(err, &ze) {
		return err
	}
	e := &hrconnect.Error{Message: fmt.Sprintf("Reading page %d of the candidates from Zoho Recruit failed: %s", page, ze.Message),
		Resolution: ze.Resolution, Err: err}
	switch ze.Class {
	case zoho.ClassRetry:
		e.Code = hrconnect.EUNAVAILABLE
		e.Resolution = "Try the import again in a few minutes: the candidates imported so far stay, and are updated, not duplicated."
	case zoho.ClassReauth:
		e.Code = hrconnect.EUNAVAILABLE
		e.Resolution = "Zoho Recruit refused a freshly refreshed access token; try again, and check the connection if it lasts."
	case zoho.ClassReconnect:
		e.Code = hrconnect.ECONFLICT
		e.Err = errors.Join(connect.ErrNeedsReconnect, err)
		e.Resolution = "Open the connection and reconnect it with new credentials."
	default:
		e.Code = hrconnect.EINVALID
		if ze.Code == "INVALID_QUERY" && im.f.Criteria != "" {
			e.Field = "criteria"
			e.Resolution = "Correct the criteria: (field:operator:value) with the operators equals, not_equal, starts_with or in, and groups joined by and or or."
		}
	}
	return e
}

// page imports one page of candidates, in order.
func (im *recruitImport) page(ctx context.Context, recs []zoho.RecruitRecord) error {
	s := im.svc
	items := make([]ImportItem, len(recs))
	applicants := make([]*hrconnect.Applicant, len(recs))
	var emails []string
	for i, rec := range recs {
		items[i], applicants[i] = candidateApplicant(im.key.TenantID, rec)
		if applicants[i] != nil {
			emails = append(emails, applicants[i].Email)
		}
	}
	// One query per page finds the addresses the tenant's applicants have.
	existing, err := s.store.ApplicantsByEmail(ctx, im.key.TenantID, emails)
	if err != nil {
		return err
	}
	holders := map[string][]*hrconnect.Applicant{}
	for _, a := range existing {
		k := lowerASCII(strings.TrimSpace(a.Email))
		holders[k] = append(holders[k], a)
	}
	for i, a := range applicants {
		it := items[i]
		if a == nil {
			im.res.add(it)
			continue
		}
		k := lowerASCII(a.Email)
		var same *hrconnect.Applicant
		holder := ""
		for _, h := range holders[k] {
			if h.ApplicantID == a.ApplicantID {
				same = h
			} else if holder == "" {
				holder = h.ApplicantID
			}
		}
		switch {
		case im.seen[k] != "":
			it.Outcome, it.ApplicantID = ImportDuplicate, im.seen[k]
			it.Reason = fmt.Sprintf("An earlier candidate of this import has the same email address (ignoring case), and became applicant %s.", im.seen[k])
		case holder != "":
			it.Outcome, it.ApplicantID = ImportDuplicate, holder
			it.Reason = fmt.Sprintf("Applicant %s already has this email address (ignoring case); it was left as it is.", holder)
		default:
			if err := im.save(ctx, a, same, &it); err != nil {
				return err
			}
		}
		if it.Outcome != ImportSkipped {
			im.seen[k] = cmp.Or(im.seen[k], it.ApplicantID)
		}
		im.res.add(it)
	}
	return nil
}

// save writes one applicant, keeping what Recruit does not hold (start
// date, department, the tenant's own custom fields) from the applicant an
// earlier import made, and sets the item's outcome.
func (im *recruitImport) save(ctx context.Context, a, prev *hrconnect.Applicant, it *ImportItem) error {
	s := im.svc
	if prev == nil {
		// The candidate's address may have changed in Recruit since.
		old, err := s.store.Applicant(ctx, a.TenantID, a.ApplicantID)
		if err == nil {
			prev = old
		} else if hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			return err
		}
	}
	if prev != nil {
		a.Department, a.StartDate, a.DateOfBirth = prev.Department, prev.StartDate, prev.DateOfBirth
		a.Phone, a.JobTitle = cmp.Or(a.Phone, prev.Phone), cmp.Or(a.JobTitle, prev.JobTitle)
		custom := make(map[string]string, len(prev.Custom)+len(a.Custom))
		for k, v := range prev.Custom {
			custom[k] = v
		}
		for k, v := range a.Custom {
			custom[k] = v
		}
		a.Custom = custom
	}
	created, err := s.store.ImportApplicant(ctx, a, im.f.JobPostID, im.stageID)
	var he *hrconnect.Error
	switch {
	case errors.As(err, &he) && he.Code == hrconnect.ECONFLICT && he.Field == "email":
		// Another import, or a person, took the address since the page was read.
		it.Outcome, it.Reason = ImportDuplicate, he.Message
		return nil
	case err != nil:
		return fmt.Errorf("import candidate %s: %w", it.CandidateID, err)
	case created:
		it.Outcome = ImportCreated
	default:
		it.Outcome = ImportUpdated
	}
	it.ApplicantID = a.ApplicantID
	return nil
}

// candidateApplicant turns a Recruit candidate into an applicant: record ID
// (prefixed) as Applicant ID, First_Name, Last_Name, Email (or, when it is
// empty, Secondary_Email), Phone (or Mobile), Current_Job_Title, and the
// candidate's record ID, number and status as custom fields. A candidate
// that cannot be an applicant gets a nil applicant and an item that says
// why.
func candidateApplicant(tenantID string, rec zoho.RecruitRecord) (ImportItem, *hrconnect.Applicant) {
	get := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(rec.Get(n)); v != "" {
				return v
			}
		}
		return ""
	}
	id := strings.TrimSpace(rec.ID())
	first, last := get("First_Name"), get("Last_Name")
	it := ImportItem{CandidateID: id, CandidateNumber: get("Candidate_ID"), Email: get("Email", "Secondary_Email"),
		Name: strings.TrimSpace(first + " " + last), Outcome: ImportSkipped}
	switch {
	case id == "":
		it.Reason = "Zoho Recruit sent a candidate without a record ID."
	case it.Email == "":
		it.Reason = "The candidate has no email address in Zoho Recruit: add one there and import again."
	case !validEmail(it.Email) || !isASCII(it.Email):
		it.Reason = fmt.Sprintf("The candidate's email address %q is not a valid address: correct it in Zoho Recruit (a plain address such as name@example.com) and import again.", it.Email)
	case first == "":
		it.Reason = "The candidate has no first name in Zoho Recruit (Zoho People needs one): add it there and import again."
	case last == "":
		it.Reason = "The candidate has no last name in Zoho Recruit: add one there and import again."
	}
	if it.Reason != "" {
		return it, nil
	}
	it.Outcome = ""
	a := &hrconnect.Applicant{TenantID: tenantID, ApplicantID: RecruitApplicantPrefix + id,
		FirstName: first, Surname: last, Email: it.Email,
		Phone: get("Phone", "Mobile"), JobTitle: get("Current_Job_Title"),
		Custom: map[string]string{CustomRecruitID: id}}
	if it.CandidateNumber != "" {
		a.Custom[CustomRecruitCandidateID] = it.CandidateNumber
	}
	if st := get("Candidate_Status"); st != "" {
		a.Custom[CustomRecruitStatus] = st
	}
	// The same checks as an applicant entered in the ATS.
	if err := normalizeApplicant(a); err != nil {
		it.Outcome = ImportSkipped
		it.Reason = "The candidate cannot be an applicant: " + hrconnect.ErrorMessage(err) + " Correct it in Zoho Recruit and import again."
		return it, nil
	}
	return it, a
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// lowerASCII lower-cases ASCII letters only, as the store compares
// addresses (imported addresses are ASCII).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
