package sandbox

import (
	"fmt"
	"net/http"
	"strings"
)

// userSpec is the body of POST /_sandbox/users.
type userSpec struct {
	DC       string   `json:"dc"`
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Orgs     []string `json:"orgs"` // organisation IDs or names in the DC; the default organisation when empty
}

// orgSpec is the body of POST /_sandbox/orgs.
type orgSpec struct {
	DC    string   `json:"dc"`
	Name  string   `json:"name"`
	Users []string `json:"users"` // emails of the DC's users who join it
}

// userView is a user as the control surface shows it.
type userView struct {
	ID    string    `json:"id"`
	DC    string    `json:"dc"`
	Email string    `json:"email"`
	Orgs  []orgView `json:"orgs"`
}

func viewUser(u *user) userView {
	v := userView{ID: u.id, DC: u.dc, Email: u.email, Orgs: []orgView{}}
	for _, o := range u.orgs {
		v.Orgs = append(v.Orgs, orgView{ID: o.id, Name: o.name})
	}
	return v
}

// controlAddUser is POST /_sandbox/users: a Zoho account that can sign in on
// the redirect flow's sign-in page. Answer: the user.
func (s *Server) controlAddUser(w http.ResponseWriter, r *http.Request) {
	var spec userSpec
	if !decodeControl(w, r, &spec, false) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []string
	d := s.dcs[spec.DC]
	if d == nil {
		errs = append(errs, fmt.Sprintf("dc %q is not a data centre", spec.DC))
	}
	email := strings.ToLower(strings.TrimSpace(spec.Email))
	if at := strings.Index(email, "@"); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t") {
		errs = append(errs, fmt.Sprintf("email %q is not an email address", spec.Email))
	} else if d != nil && d.users[email] != nil {
		errs = append(errs, fmt.Sprintf("email %q already has an account in %s", spec.Email, spec.DC))
	}
	if spec.Password == "" {
		errs = append(errs, "password is empty; give the password the sign-in page will ask for")
	}
	var orgs []*org
	if d != nil {
		if len(spec.Orgs) == 0 {
			orgs = []*org{d.defaultOrg}
		}
		for _, want := range spec.Orgs {
			if o := findOrg(d, want); o != nil {
				orgs = append(orgs, o)
			} else {
				errs = append(errs, fmt.Sprintf("org %q is not an organisation of %s; create it with POST /_sandbox/orgs", want, spec.DC))
			}
		}
	}
	if errs != nil {
		writeControlErrors(w, http.StatusBadRequest, errs...)
		return
	}
	u := &user{id: s.nextIDLocked(), dc: spec.DC, email: email, password: spec.Password, orgs: orgs}
	d.users[email] = u
	writeControlJSON(w, http.StatusOK, viewUser(u))
}

// controlAddOrg is POST /_sandbox/orgs: a new organisation in a DC, with
// its own People and Recruit records, joined by the users named. Answer:
// {"id","dc","name"}.
func (s *Server) controlAddOrg(w http.ResponseWriter, r *http.Request) {
	var spec orgSpec
	if !decodeControl(w, r, &spec, false) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []string
	d := s.dcs[spec.DC]
	if d == nil {
		errs = append(errs, fmt.Sprintf("dc %q is not a data centre", spec.DC))
	}
	name := strings.TrimSpace(spec.Name)
	if name == "" {
		errs = append(errs, "name is empty; give the organisation a name")
	} else if d != nil && findOrg(d, name) != nil {
		errs = append(errs, fmt.Sprintf("an organisation named %q already exists in %s", name, spec.DC))
	}
	var members []*user
	for _, e := range spec.Users {
		if d == nil {
			break
		}
		if u := d.users[strings.ToLower(strings.TrimSpace(e))]; u != nil {
			members = append(members, u)
		} else {
			errs = append(errs, fmt.Sprintf("user %q has no account in %s; create it with POST /_sandbox/users", e, spec.DC))
		}
	}
	if errs != nil {
		writeControlErrors(w, http.StatusBadRequest, errs...)
		return
	}
	o := s.newOrgLocked(d, name)
	for _, u := range members {
		u.orgs = append(u.orgs, o)
	}
	writeControlJSON(w, http.StatusOK, map[string]string{"id": o.id, "dc": o.dc, "name": o.name})
}

// findOrg returns the DC's organisation with ID or name want, or nil.
func findOrg(d *dataCentre, want string) *org {
	if o := d.orgs[want]; o != nil {
		return o
	}
	for _, o := range d.orgs {
		if strings.EqualFold(o.name, want) {
			return o
		}
	}
	return nil
}
