package sandbox

import (
	"net/http"
	"strings"
)

// peopleParams returns the request's parameters from the query string and a
// form body (URL-encoded or multipart), body first, as Zoho takes inputData,
// recordId and the flags from either.
func peopleParams(r *http.Request) (func(string) string, bool) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, false
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.Form.Get, true
}

// peopleFlag reports whether a flag such as isDirectAdd is set.
func peopleFlag(v string) bool { return strings.EqualFold(strings.TrimSpace(v), "true") }

// parsePeopleInput checks inputData against form and returns its fields,
// trimmed; blank values are kept as "" (an update clears such a field). The
// checks follow Zoho's documented codes, in this order: 7016 unparsable or
// missing, 7013 unknown field, 7050 a value that is not a single value,
// 7052 a mandatory field without a value (every mandatory field on insert,
// only those present on update), 7053 an email field that is not an address.
func parsePeopleInput(form *peopleForm, inputData string, insert bool) (map[string]string, *peopleError) {
	if strings.TrimSpace(inputData) == "" {
		return nil, newPeopleError(peopleCodeInvalidInput, "Invalid input data: inputData is missing")
	}
	raw, err := parseRelaxedObject(inputData)
	if err != nil {
		return nil, newPeopleError(peopleCodeInvalidInput, "Invalid input data: "+err.Error())
	}
	vals := make(map[string]string, len(raw)+1)
	for _, f := range raw {
		if !form.known[f.key] {
			return nil, newPeopleError(peopleCodeInvalidField, "Field name is invalid: "+f.key)
		}
		var v string
		switch x := f.value.(type) {
		case string:
			v = x
		case relaxedBare:
			v = string(x)
		case bool:
			if x {
				v = "true"
			} else {
				v = "false"
			}
		case nil:
			v = ""
		default: // arrays and objects: tabular sections are not modelled
			return nil, newPeopleError(peopleCodeBadFieldValue, "Invalid value for the field "+f.key)
		}
		vals[f.key] = strings.TrimSpace(v)
	}
	for _, m := range form.mandatory {
		v, present := vals[m]
		if v == "" && (insert || present) {
			return nil, newPeopleError(peopleCodeMandatory, "Mandatory field missing: "+m+" needs a value")
		}
	}
	for _, e := range form.emails {
		if v := vals[e]; v != "" && !zohoEmailValid(v) {
			return nil, newPeopleError(peopleCodeInvalidEmail, "Invalid email address in "+e+": "+v)
		}
	}
	return vals, nil
}

// zohoEmailValid is a plain check of an address: one '@', a local part of
// ordinary characters without leading, trailing or doubled dots, and a domain
// of at least two labels of letters, digits and inner hyphens, the last made
// of at least two letters. It is stricter than RFC 5322 on purpose: Zoho
// refuses display names, quoted local parts and bare hosts as well.
func zohoEmailValid(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at > 64 || len(s) > 254 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !emailAlnum(c) && !strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", rune(c)) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !emailAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if emailDigit(tld[i]) {
			return false
		}
	}
	return true
}

func emailDigit(c byte) bool { return '0' <= c && c <= '9' }

func emailAlnum(c byte) bool {
	return emailDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
