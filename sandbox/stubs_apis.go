package sandbox

import "net/http"

// peopleData is one organisation's Zoho People records.
type peopleData struct{}

func newPeopleData() *peopleData { return &peopleData{} }

// recruitData is one organisation's Zoho Recruit records.
type recruitData struct{}

func newRecruitData() *recruitData { return &recruitData{} }

func (s *Server) routePeople(mux *http.ServeMux)  {}
func (s *Server) routeRecruit(mux *http.ServeMux) {}
