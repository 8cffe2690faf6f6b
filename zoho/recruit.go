package zoho

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Limits of the Recruit v2 API.
const (
	// RecruitMaxPerPage is the largest page of records Recruit returns.
	RecruitMaxPerPage = 200
	// RecruitMaxInsert is the most records one insert call may carry.
	RecruitMaxInsert = 100

	recruitPath    = "/recruit/v2/Candidates"
	recruitService = "Zoho Recruit"
)

// RecruitRecord is one Recruit record: field API names ("First_Name",
// "Email") to values as Zoho sent them (strings, json.Number, booleans,
// nested objects such as Candidate_Owner).
type RecruitRecord map[string]any

// ID returns the record's "id".
func (r RecruitRecord) ID() string { return r.Get("id") }

// Get returns the text of field name: a string as is, a number in its
// digits, "" when absent or not a scalar.
func (r RecruitRecord) Get(name string) string {
	return PeopleRecord{Fields: r}.Get(name)
}

// PageInfo is Recruit's "info" of a page of records.
type PageInfo struct {
	Page        int
	PerPage     int
	Count       int
	MoreRecords bool
}

// CandidatePage is one page of candidates.
type CandidatePage struct {
	Records []RecruitRecord
	Info    PageInfo
}

// ListOptions page and shape a candidate listing.
type ListOptions struct {
	// Page is 1-based; 0 means 1.
	Page int
	// PerPage is at most RecruitMaxPerPage; 0 means RecruitMaxPerPage.
	PerPage int
	// Fields limits the fields returned (API names); nil means all.
	Fields []string
	// SortBy is a field API name, SortOrder "asc" or "desc".
	SortBy, SortOrder string
}

// CandidateSearch is a Recruit search: by email, or by criteria such as
// "(Email:equals:ada@example.com)" (see Criteria); Criteria wins when both
// are set. Page and PerPage are as in ListOptions.
type CandidateSearch struct {
	Email    string
	Criteria string
	Page     int
	PerPage  int
}

// RecordResult is Recruit's verdict on one record of an insert.
type RecordResult struct {
	// ID is the new record's ID on success.
	ID string
	// Code, Status and Message are Zoho's: "SUCCESS", "success",
	// "record added"; or "DUPLICATE_DATA", "error", ....
	Code, Status, Message string
	// Err is the record's classified error, nil on success.
	Err *Error
}

// Criteria returns one Recruit search condition, "(field:op:value)", with the
// characters Zoho's criteria syntax reserves escaped in value.
func Criteria(field, op, value string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, `,`, `\,`)
	return "(" + field + ":" + op + ":" + r.Replace(value) + ")"
}

// ListCandidates returns one page of candidates. A 204 (no records) is an
// empty page.
func (c *Client) ListCandidates(ctx context.Context, dc DataCentre, accessToken string, opts ListOptions) (CandidatePage, error) {
	const op = "recruit.listCandidates"
	v, err := pageParams(op, dc, opts.Page, opts.PerPage)
	if err != nil {
		return CandidatePage{}, err
	}
	if len(opts.Fields) > 0 {
		v.Set("fields", strings.Join(opts.Fields, ","))
	}
	if opts.SortBy != "" {
		v.Set("sort_by", opts.SortBy)
	}
	if opts.SortOrder != "" {
		v.Set("sort_order", opts.SortOrder)
	}
	return c.recruitPage(ctx, op, dc, accessToken, dc.RecruitURL+recruitPath+"?"+v.Encode())
}

// Candidates iterates over every candidate from opts.Page on, fetching page
// after page while Recruit says more_records. It stops at the first error,
// which it yields with an empty record.
func (c *Client) Candidates(ctx context.Context, dc DataCentre, accessToken string, opts ListOptions) iter.Seq2[RecruitRecord, error] {
	return func(yield func(RecruitRecord, error) bool) {
		if opts.Page == 0 {
			opts.Page = 1
		}
		for {
			p, err := c.ListCandidates(ctx, dc, accessToken, opts)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range p.Records {
				if !yield(r, nil) {
					return
				}
			}
			// An empty page ends the listing whatever more_records says,
			// so a confused server cannot keep the loop going.
			if !p.Info.MoreRecords || len(p.Records) == 0 {
				return
			}
			opts.Page++
		}
	}
}

// GetCandidate returns the candidate with the given ID; a missing one is an
// *Error matching ErrNotFound.
func (c *Client) GetCandidate(ctx context.Context, dc DataCentre, accessToken, id string) (RecruitRecord, error) {
	const op = "recruit.getCandidate"
	if id == "" {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassConfig, Message: "No candidate ID to look up."}
	}
	p, err := c.recruitPage(ctx, op, dc, accessToken, dc.RecruitURL+recruitPath+"/"+url.PathEscape(id))
	if err != nil {
		return nil, err
	}
	if len(p.Records) == 0 {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassData, Code: "NOT_FOUND",
			Message: "Zoho Recruit has no candidate " + clip(id, 40) + ".", Resolution: "The candidate may have been deleted or merged in Zoho Recruit."}
	}
	return p.Records[0], nil
}

// SearchCandidates returns one page of candidates matching s. No match (204)
// is an empty page.
func (c *Client) SearchCandidates(ctx context.Context, dc DataCentre, accessToken string, s CandidateSearch) (CandidatePage, error) {
	const op = "recruit.searchCandidates"
	v, err := pageParams(op, dc, s.Page, s.PerPage)
	if err != nil {
		return CandidatePage{}, err
	}
	switch {
	case s.Criteria != "":
		v.Set("criteria", s.Criteria)
	case s.Email != "":
		v.Set("email", s.Email)
	default:
		return CandidatePage{}, &Error{Op: op, DC: dc.Location, Class: ClassConfig, Message: "A Recruit search needs an email or criteria."}
	}
	return c.recruitPage(ctx, op, dc, accessToken, dc.RecruitURL+recruitPath+"/search?"+v.Encode())
}

// InsertCandidates adds up to RecruitMaxInsert candidates in one call and
// returns Recruit's verdict on each, in order: a record Zoho refused has its
// classified Err (DUPLICATE_DATA, MANDATORY_NOT_FOUND, INVALID_DATA are
// ClassData, naming the field). More records than RecruitMaxInsert are refused
// before anything is sent, so that a caller never has to work out which part
// of a split batch went through; call once per chunk instead. trigger, when
// not nil, is sent as Recruit's "trigger" (an empty slice skips workflows).
func (c *Client) InsertCandidates(ctx context.Context, dc DataCentre, accessToken string, records []RecruitRecord, trigger []string) ([]RecordResult, error) {
	const op = "recruit.insertCandidates"
	if err := c.checkRecruit(op, dc, accessToken); err != nil {
		return nil, err
	}
	if len(records) == 0 || len(records) > RecruitMaxInsert {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassConfig,
			Message:    "Zoho Recruit takes 1 to " + strconv.Itoa(RecruitMaxInsert) + " records per insert; this call had " + strconv.Itoa(len(records)) + ".",
			Resolution: "Send the records in chunks of at most " + strconv.Itoa(RecruitMaxInsert) + "."}
	}
	payload := map[string]any{"data": records}
	if trigger != nil {
		payload["trigger"] = trigger
	}
	body, jerr := json.Marshal(payload)
	if jerr != nil {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassData, Err: jerr,
			Message: "A candidate holds a value that cannot be sent as JSON.", Resolution: "Check the candidate's fields."}
	}
	rep, err := c.send(ctx, "POST", dc.RecruitURL+recruitPath, accessToken, "application/json", body)
	if err != nil {
		return nil, transportError(op, dc.Location, recruitService, ctxErr(ctx, err)).scrub(accessToken)
	}
	defer rep.release()
	r, zerr := decodeRecruit(op, dc.Location, rep.status, rep.body.Bytes())
	if zerr != nil {
		return nil, zerr.scrub(accessToken)
	}
	if len(r.Data) != len(records) {
		return nil, badReply(op, dc.Location, recruitService)
	}
	out := make([]RecordResult, len(r.Data))
	for i, raw := range r.Data {
		var item recruitItem
		if json.Unmarshal(raw, &item) != nil {
			out[i] = RecordResult{Err: badReply(op, dc.Location, recruitService)}
			continue
		}
		res := RecordResult{Code: string(item.Code), Status: string(item.Status), Message: string(item.Message)}
		if strings.EqualFold(res.Status, "success") {
			res.ID = string(item.Details.ID)
		} else {
			res.Err = recruitError(op, dc.Location, rep.status, res.Code, res.Message, item.Details.APIName, true)
		}
		out[i] = res
	}
	return out, nil
}

// pageParams checks a page and page size and returns them as parameters.
func pageParams(op string, dc DataCentre, page, perPage int) (url.Values, *Error) {
	if page < 0 || perPage < 0 || perPage > RecruitMaxPerPage {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassConfig,
			Message:    "Zoho Recruit pages hold at most " + strconv.Itoa(RecruitMaxPerPage) + " records, from page 1.",
			Resolution: "Ask for " + strconv.Itoa(RecruitMaxPerPage) + " or fewer records a page."}
	}
	if page == 0 {
		page = 1
	}
	if perPage == 0 {
		perPage = RecruitMaxPerPage
	}
	return url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}, nil
}

func (c *Client) checkRecruit(op string, dc DataCentre, accessToken string) *Error {
	if err := c.checkDC(op, dc); err != nil {
		return err
	}
	if accessToken == "" {
		return &Error{Op: op, DC: dc.Location, Class: ClassReauth, Message: "There is no access token.", Resolution: "Refresh the access token first."}
	}
	return nil
}

// recruitPage GETs a Recruit URL that answers with a page of records.
func (c *Client) recruitPage(ctx context.Context, op string, dc DataCentre, accessToken, u string) (CandidatePage, error) {
	if err := c.checkRecruit(op, dc, accessToken); err != nil {
		return CandidatePage{}, err
	}
	rep, err := c.send(ctx, "GET", u, accessToken, "", nil)
	if err != nil {
		return CandidatePage{}, transportError(op, dc.Location, recruitService, ctxErr(ctx, err)).scrub(accessToken)
	}
	defer rep.release()
	r, zerr := decodeRecruit(op, dc.Location, rep.status, rep.body.Bytes())
	if zerr != nil {
		return CandidatePage{}, zerr.scrub(accessToken)
	}
	p := CandidatePage{Info: r.info()}
	if len(r.Data) > 0 {
		p.Records = make([]RecruitRecord, 0, len(r.Data))
		for _, raw := range r.Data {
			var rec RecruitRecord
			if decodeUseNumber(raw, &rec) != nil || rec == nil {
				return CandidatePage{}, badReply(op, dc.Location, recruitService)
			}
			p.Records = append(p.Records, rec)
		}
	}
	return p, nil
}

// recruitReply is every Recruit v2 reply: {"data":[…],"info":{…}} on
// success; {"code","details","message","status":"error"} for a refused call.
type recruitReply struct {
	Data []json.RawMessage `json:"data"`
	Info *struct {
		Page        flexInt  `json:"page"`
		PerPage     flexInt  `json:"per_page"`
		Count       flexInt  `json:"count"`
		MoreRecords flexBool `json:"more_records"`
	} `json:"info"`
	Code    flexString    `json:"code"`
	Details recruitDetail `json:"details"`
	Message flexString    `json:"message"`
	Status  flexString    `json:"status"`
}

func (r *recruitReply) info() PageInfo {
	if r.Info == nil {
		return PageInfo{Count: len(r.Data)}
	}
	return PageInfo{Page: int(r.Info.Page), PerPage: int(r.Info.PerPage), Count: int(r.Info.Count), MoreRecords: bool(r.Info.MoreRecords)}
}

// recruitItem is one entry of an insert's "data".
type recruitItem struct {
	Code    flexString    `json:"code"`
	Details recruitDetail `json:"details"`
	Message flexString    `json:"message"`
	Status  flexString    `json:"status"`
}

// recruitDetail holds the "details" fields hrconnect uses.
type recruitDetail struct {
	ID      flexString `json:"id"`
	APIName flexString `json:"api_name"`
}

// UnmarshalJSON accepts any JSON for details, keeping only an object's id and
// api_name: Zoho sends {} or an object, and a surprise there must not fail a
// reply whose verdicts are readable.
func (d *recruitDetail) UnmarshalJSON(b []byte) error {
	type plain recruitDetail
	var p plain
	if json.Unmarshal(b, &p) == nil {
		*d = recruitDetail(p)
	}
	return nil
}

// decodeRecruit reads a Recruit reply of any HTTP status. 204 is an empty
// reply, not an error.
func decodeRecruit(op, dc string, status int, body []byte) (recruitReply, *Error) {
	var r recruitReply
	if status == http.StatusNoContent || (len(body) == 0 && status >= 200 && status < 300) {
		return r, nil
	}
	if err := json.Unmarshal(body, &r); err != nil {
		if status == http.StatusUnauthorized {
			return r, reauthError(op, dc, status, "", "", recruitService)
		}
		return r, serverError(op, dc, recruitService, status)
	}
	if strings.EqualFold(string(r.Status), "error") || (r.Data == nil && r.Code != "") || status < 200 || (status > 299 && r.Data == nil) {
		return r, recruitError(op, dc, status, string(r.Code), string(r.Message), r.Details.APIName, false)
	}
	return r, nil
}

// recruitError classifies a Recruit error code (CRM v2 conventions). perRecord
// is true for one record's verdict within an insert.
func recruitError(op, dc string, status int, code, zmsg string, apiName flexString, perRecord bool) *Error {
	e := &Error{Op: op, DC: dc, HTTPStatus: status, Code: clip(code, 64), ZohoMessage: clip(zmsg, 300), Field: clip(string(apiName), 64)}
	the := "a field"
	if e.Field != "" {
		the = e.Field
	}
	switch strings.ToUpper(code) {
	case "DUPLICATE_DATA":
		e.Class = ClassData
		e.Message = "Zoho Recruit already has a candidate with this " + the + "."
		e.Resolution = "If it is the same person, use the existing candidate; otherwise change " + the + "."
	case "MANDATORY_NOT_FOUND":
		e.Class = ClassData
		e.Message = "Zoho Recruit needs a value for " + the + "."
		e.Resolution = "Fill in " + the + " and try again."
	case "INVALID_DATA":
		e.Class = ClassData
		e.Message = "Zoho Recruit does not accept the value of " + the + "."
		e.Resolution = "Correct " + the + " and try again."
	case "NOT_FOUND", "RECORD_NOT_FOUND":
		e.Class = ClassData
		e.Code = "NOT_FOUND"
		e.Message = "Zoho Recruit has no such record."
		e.Resolution = "The record may have been deleted or merged in Zoho Recruit."
	case "OAUTH_SCOPE_MISMATCH", "INVALID_OAUTHSCOPE", "NO_PERMISSION":
		e.Class = ClassConfig
		e.Message = "The connection may not do this in Zoho Recruit (scope or permission)."
		e.Resolution = "Reconnect the account with the scope " + ScopeRecruitCandidates + ", as a user allowed to manage candidates."
	case "INVALID_MODULE", "INVALID_URL_PATTERN", "INVALID_REQUEST_METHOD", "LIMIT_EXCEEDED", "NOT_SUPPORTED", "INVALID_REQUEST", "REQUIRED_PARAM_MISSING", "INVALID_QUERY":
		e.Class = ClassConfig
		e.Message = "Zoho Recruit refused the request as hrconnect built it."
		e.Resolution = "This is a fault in hrconnect's request or settings; contact support with this message."
	case "TOO_MANY_REQUESTS", "INTERNAL_ERROR":
		e.Class = ClassRetry
		e.Message = "Zoho Recruit could not take the request now."
		e.Resolution = "hrconnect retries on its own; if it lasts, check Zoho's status page and the account's API credits."
	default:
		switch {
		case isScopeError(code, zmsg):
			e.Class = ClassConfig
			e.Message = "The connection's token does not have the Zoho Recruit scope this call needs."
			e.Resolution = "Reconnect the account with the scope " + ScopeRecruitCandidates + "."
		case isTokenError(code, zmsg) || (!perRecord && status == http.StatusUnauthorized):
			return reauthError(op, dc, status, code, zmsg, recruitService)
		case !perRecord && (status == http.StatusTooManyRequests || status >= 500):
			se := serverError(op, dc, recruitService, status)
			se.Code, se.ZohoMessage = e.Code, e.ZohoMessage
			return se
		case perRecord:
			e.Class = ClassData
			e.Message = "Zoho Recruit refused the record."
			e.Resolution = "Read Zoho's message and correct the record."
		default:
			e.Class = ClassConfig
			e.Message = "Zoho Recruit refused the request."
			e.Resolution = "Read Zoho's message; if it does not explain the problem, contact support with it."
		}
	}
	if e.ZohoMessage != "" {
		e.Message += " Zoho says: " + e.ZohoMessage
	}
	return e
}

// flexBool decodes true, false, and the strings "true" and "false".
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = flexBool(strings.EqualFold(string(s), "true"))
	return nil
}
