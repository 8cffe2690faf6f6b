package sandbox

import "net/http"

// routePeople registers Zoho People under every DC's People host,
// http://ADDR/{dc}/people, with both of Zoho's path prefixes (/people/api/…
// and /api/…; they behave the same, and the uri in answers is always /api/…),
// and the control endpoint that seeds employees.
func (s *Server) routePeople(mux *http.ServeMux) {
	for _, prefix := range []string{"/{dc}/people/people/api", "/{dc}/people/api"} {
		mux.HandleFunc("POST "+prefix+"/forms/json/{form}/insertRecord", s.peopleInsertRecord)
		mux.HandleFunc("POST "+prefix+"/forms/json/{form}/updateRecord", s.peopleUpdateRecord)
		mux.HandleFunc("GET "+prefix+"/forms/{form}/getRecords", s.peopleGetRecords)
		mux.HandleFunc("GET "+prefix+"/forms/{form}/getRecordByID", s.peopleGetRecordByID)
	}
	mux.HandleFunc("POST /_sandbox/people/employees", s.seedPeopleEmployees)
}
