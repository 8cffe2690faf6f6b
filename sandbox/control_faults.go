package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// faultSpec is the body of POST /_sandbox/faults: one fault for one endpoint,
// for the next Count calls or on each call with probability Rate.
type faultSpec struct {
	Endpoint     string   `json:"endpoint"`
	Kind         string   `json:"kind"`
	LatencyMS    int      `json:"latency_ms"`    // latency
	Status       int      `json:"status"`        // status: 400..599
	RefreshToken string   `json:"refresh_token"` // revoke: this refresh token ...
	ClientID     string   `json:"client_id"`     // ... or every refresh token of this client
	Count        int      `json:"count"`         // the next Count calls ...
	Rate         *float64 `json:"rate"`          // ... or each call with probability Rate (0..1)
	Seed         *uint64  `json:"seed"`          // the rate's random source; the fault's number when absent
}

// faultView is a fault as the control surface shows it.
type faultView struct {
	ID           string   `json:"id"`
	Endpoint     string   `json:"endpoint"`
	Kind         string   `json:"kind"`
	LatencyMS    int      `json:"latency_ms,omitempty"`
	Status       int      `json:"status,omitempty"`
	RefreshToken string   `json:"refresh_token,omitempty"`
	ClientID     string   `json:"client_id,omitempty"`
	Remaining    int      `json:"remaining,omitempty"` // calls left, for a count fault
	Rate         *float64 `json:"rate,omitempty"`
	Seed         *uint64  `json:"seed,omitempty"`
	Fired        int      `json:"fired"`
}

func viewFault(f *fault) faultView {
	v := faultView{
		ID: f.id, Endpoint: f.endpoint, Kind: string(f.kind), LatencyMS: int(f.latency / time.Millisecond),
		Status: f.status, RefreshToken: f.refreshToken, ClientID: f.clientID, Fired: f.fired,
	}
	if f.byRate {
		rate, seed := f.rate, f.seed
		v.Rate, v.Seed = &rate, &seed
	} else {
		v.Remaining = f.remaining
	}
	return v
}

// controlAddFault is POST /_sandbox/faults. Answer: the fault, with its ID.
func (s *Server) controlAddFault(w http.ResponseWriter, r *http.Request) {
	var spec faultSpec
	if !decodeControl(w, r, &spec, false) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, errs := s.newFaultLocked(spec)
	if errs != nil {
		writeControlErrors(w, http.StatusBadRequest, errs...)
		return
	}
	s.faults = append(s.faults, f)
	writeControlJSON(w, http.StatusOK, viewFault(f))
}

// newFaultLocked validates spec and builds its fault.
func (s *Server) newFaultLocked(spec faultSpec) (*fault, []string) {
	var errs []string
	if !slices.Contains(faultEndpoints, spec.Endpoint) {
		errs = append(errs, fmt.Sprintf("endpoint %q is not known; use one of %s", spec.Endpoint, strings.Join(faultEndpoints, ", ")))
	}
	f := &fault{endpoint: spec.Endpoint, kind: normaliseFaultKind(spec.Kind)}
	switch f.kind {
	case faultLatency:
		if spec.LatencyMS < 1 || spec.LatencyMS > 600_000 {
			errs = append(errs, fmt.Sprintf("latency_ms is %d; a latency fault needs 1 to 600000 milliseconds", spec.LatencyMS))
		}
		f.latency = time.Duration(spec.LatencyMS) * time.Millisecond
	case faultStatus:
		if spec.Status < 400 || spec.Status > 599 {
			errs = append(errs, fmt.Sprintf("status is %d; a status fault needs an HTTP error status from 400 to 599, such as 500 or 503", spec.Status))
		}
		f.status = spec.Status
	case faultDrop:
	case faultAccessDenied:
		if spec.Endpoint != "accounts.token" {
			errs = append(errs, "an access_denied fault only fits endpoint \"accounts.token\", the only endpoint that answers Access Denied")
		}
	case faultLockOut:
		if !strings.HasPrefix(spec.Endpoint, "people.") {
			errs = append(errs, "a lockout fault only fits the People endpoints (people.insertRecord, people.updateRecord, people.getRecords, people.getRecordByID)")
		}
	case faultRevoke:
		switch {
		case (spec.RefreshToken == "") == (spec.ClientID == ""):
			errs = append(errs, "a revoke fault needs exactly one of refresh_token (one refresh token) and client_id (every refresh token of the client)")
		case spec.RefreshToken != "" && s.refresh[spec.RefreshToken] == nil:
			errs = append(errs, "refresh_token is not a refresh token this sandbox issued")
		case spec.ClientID != "" && s.clients[spec.ClientID] == nil:
			errs = append(errs, fmt.Sprintf("client_id %q is not a client of this sandbox", spec.ClientID))
		}
		f.refreshToken, f.clientID = spec.RefreshToken, spec.ClientID
	default:
		errs = append(errs, fmt.Sprintf("kind %q is not known; use one of latency, status, drop, access_denied, lockout, revoke", spec.Kind))
	}
	switch {
	case spec.Rate != nil && spec.Count != 0:
		errs = append(errs, "give count (the next N calls) or rate (a probability per call), not both")
	case spec.Rate != nil:
		if *spec.Rate < 0 || *spec.Rate > 1 {
			errs = append(errs, fmt.Sprintf("rate is %v; it must be from 0 to 1", *spec.Rate))
		}
		f.byRate, f.rate = true, *spec.Rate
	case spec.Count < 1:
		errs = append(errs, fmt.Sprintf("count is %d; give count ≥ 1 (the next N calls) or rate from 0 to 1", spec.Count))
	default:
		f.remaining = spec.Count
	}
	if spec.Seed != nil && !f.byRate {
		errs = append(errs, "seed only goes with rate")
	}
	if errs != nil {
		return nil, errs
	}
	s.faultSeq++
	f.id = "f" + strconv.Itoa(s.faultSeq)
	if f.byRate {
		f.seed = uint64(s.faultSeq)
		if spec.Seed != nil {
			f.seed = *spec.Seed
		}
		f.rng = rand.New(rand.NewPCG(f.seed, 0x5eed))
	}
	return f, nil
}

// controlListFaults is GET /_sandbox/faults: {"faults":[…]}, in firing order.
func (s *Server) controlListFaults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := s.faultViewsLocked()
	s.mu.Unlock()
	writeControlJSON(w, http.StatusOK, map[string]any{"faults": list})
}

func (s *Server) faultViewsLocked() []faultView {
	list := make([]faultView, 0, len(s.faults))
	for _, f := range s.faults {
		list = append(list, viewFault(f))
	}
	return list
}

// controlClearFaults is DELETE /_sandbox/faults (every fault) and
// DELETE /_sandbox/faults/{id} (one). Answer: {"cleared": N}.
func (s *Server) controlClearFaults(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	n := len(s.faults)
	if id == "" {
		s.faults = nil
	} else {
		kept := s.faults[:0:0]
		for _, f := range s.faults {
			if f.id != id {
				kept = append(kept, f)
			}
		}
		s.faults = kept
	}
	n -= len(s.faults)
	s.mu.Unlock()
	if id != "" && n == 0 {
		writeControlErrors(w, http.StatusBadRequest, fmt.Sprintf("no fault %q; GET /_sandbox/faults lists them (count faults go once spent)", id))
		return
	}
	writeControlJSON(w, http.StatusOK, map[string]int{"cleared": n})
}
