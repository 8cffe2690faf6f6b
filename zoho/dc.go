// Package zoho is hrconnect's client for Zoho's servers: Accounts (OAuth 2.0
// code exchange, refresh and revoke), People and Recruit. Every quirk of Zoho's
// APIs lives in this package and nowhere else: errors inside HTTP 200 bodies,
// the "Zoho-oauthtoken" authorization header, the People and Recruit response
// envelopes and their error codes, and the table of data centres.
package zoho

import (
	"fmt"
	"net/url"
	"strings"
)

// DataCentre is one of Zoho's data centres (DCs). A client, its users and their
// organisations live in exactly one; tokens issued in one DC are refused by the
// others.
type DataCentre struct {
	// Location is Zoho's short code for the DC, as sent in the "location"
	// parameter of an authorization redirect: "us", "eu", "in", ...
	Location string
	// Name is what a person sees when choosing the DC.
	Name string
	// AccountsURL is the Accounts server: OAuth authorization, token and revoke.
	AccountsURL string
	// APIDomain is the value Zoho returns as api_domain in token responses.
	// People and Recruit do not use it; it is kept to validate token replies.
	APIDomain string
	// PeopleURL is the Zoho People host.
	PeopleURL string
	// RecruitURL is the Zoho Recruit host.
	RecruitURL string
}

// dataCentres is the one table of Zoho's data centres. The Canadian People and
// Recruit hosts follow Zoho's Canadian accounts host (zohocloud.ca); they are
// not confirmed by Zoho's documents, so a correction is one line here.
var dataCentres = []DataCentre{
	{"us", "United States", "https://accounts.zoho.com", "https://www.zohoapis.com", "https://people.zoho.com", "https://recruit.zoho.com"},
	{"eu", "Europe", "https://accounts.zoho.eu", "https://www.zohoapis.eu", "https://people.zoho.eu", "https://recruit.zoho.eu"},
	{"in", "India", "https://accounts.zoho.in", "https://www.zohoapis.in", "https://people.zoho.in", "https://recruit.zoho.in"},
	{"au", "Australia", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au", "https://people.zoho.com.au", "https://recruit.zoho.com.au"},
	{"jp", "Japan", "https://accounts.zoho.jp", "https://www.zohoapis.jp", "https://people.zoho.jp", "https://recruit.zoho.jp"},
	{"ca", "Canada", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca", "https://people.zohocloud.ca", "https://recruit.zohocloud.ca"},
	{"sa", "Saudi Arabia", "https://accounts.zoho.sa", "https://www.zohoapis.sa", "https://people.zoho.sa", "https://recruit.zoho.sa"},
	{"uk", "United Kingdom", "https://accounts.zoho.uk", "https://www.zohoapis.uk", "https://people.zoho.uk", "https://recruit.zoho.uk"},
	{"cn", "China", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn", "https://people.zoho.com.cn", "https://recruit.zoho.com.cn"},
}

// DataCentres returns Zoho's data centres, in the order they are offered to people.
func DataCentres() []DataCentre {
	return append([]DataCentre(nil), dataCentres...)
}

// Locations returns the location codes of every data centre.
func Locations() []string {
	out := make([]string, len(dataCentres))
	for i, dc := range dataCentres {
		out[i] = dc.Location
	}
	return out
}

// LookupDC returns the real data centre with the given location code.
func LookupDC(location string) (DataCentre, bool) {
	location = strings.ToLower(strings.TrimSpace(location))
	for _, dc := range dataCentres {
		if dc.Location == location {
			return dc, true
		}
	}
	return DataCentre{}, false
}

// SandboxDC returns the data centre as served by an hrconnect sandbox at base
// (for example "http://127.0.0.1:9090"): the accounts server is base/<dc>/accounts,
// the People host base/<dc>/people and the Recruit host base/<dc>/recruit.
func SandboxDC(base, location string) (DataCentre, error) {
	real, ok := LookupDC(location)
	if !ok {
		return DataCentre{}, fmt.Errorf("unknown Zoho data centre %q: choose one of %s", location, strings.Join(Locations(), ", "))
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return DataCentre{}, fmt.Errorf("sandbox URL %q is not an http(s) URL such as http://127.0.0.1:9090", base)
	}
	root := strings.TrimRight(base, "/") + "/" + real.Location
	return DataCentre{
		Location:    real.Location,
		Name:        real.Name + " (sandbox)",
		AccountsURL: root + "/accounts",
		APIDomain:   root + "/api",
		PeopleURL:   root + "/people",
		RecruitURL:  root + "/recruit",
	}, nil
}
