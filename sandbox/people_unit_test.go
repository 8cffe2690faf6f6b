package sandbox

import (
	"reflect"
	"testing"
)

func TestParseRelaxedObject(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []relaxedField
	}{
		{`{}`, []relaxedField{}},
		{`{"a":"x","b":"y"}`, []relaxedField{{"a", "x"}, {"b", "y"}}},
		{` { a : 'x' , "b":"it's" } `, []relaxedField{{"a", "x"}, {"b", "it's"}}},
		{`{a:'it\'s',b:"q\"uote"}`, []relaxedField{{"a", "it's"}, {"b", `q"uote`}}},
		{`{"e":"\u00e9\n\t\/\\","s":"\ud83d\ude00"}`, []relaxedField{{"e", "é\n\t/\\"}, {"s", "😀"}}},
		{`{n:12.5e3,t:true,f:false,z:null}`, []relaxedField{{"n", relaxedBare("12.5e3")}, {"t", true}, {"f", false}, {"z", nil}}},
		{`{a:[1,'x'],o:{k:'v'}}`, []relaxedField{{"a", []any{relaxedBare("1"), "x"}}, {"o", []relaxedField{{"k", "v"}}}}},
		{`{d:15-Jun-2026}`, []relaxedField{{"d", relaxedBare("15-Jun-2026")}}},
	} {
		got, err := parseRelaxedObject(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":"x"`, `{"a":"x"} extra`, `{"a":"x" "b":"y"}`, `{"a":"\q"}`, `{"a":"\ud83d"}`, `{a:'x}`, `{:1}`} {
		if got, err := parseRelaxedObject(bad); err == nil {
			t.Errorf("%q parsed as %#v, want an error", bad, got)
		}
	}
	objs, err := parseRelaxedObjects(`{f:'a|b'}|{f:'c'}`, '|')
	if err != nil || len(objs) != 2 || objs[0][0].value != "a|b" || objs[1][0].value != "c" {
		t.Errorf("joined objects: %#v %v", objs, err)
	}
	if _, err := parseRelaxedObjects(`{f:'a'}|`, '|'); err == nil {
		t.Error("a trailing separator was accepted")
	}
}

func TestZohoEmailValid(t *testing.T) {
	for _, ok := range []string{"a@example.com", "first.last+tag@sub.example.co.uk", "o'neil@example.ie", "x_y-z@a-b.io"} {
		if !zohoEmailValid(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "a", "@example.com", "a@", "a@b", "a@@example.com", "a@b@example.com", ".a@example.com", "a.@example.com", "a..b@example.com", "a b@example.com", "Ada <a@example.com>", "a@-example.com", "a@example.c", "a@example.123", "a@example..com"} {
		if zohoEmailValid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPeopleScopeAllows(t *testing.T) {
	for _, c := range []struct {
		scopes   []string
		form, op string
		want     bool
	}{
		{[]string{"ZOHOPEOPLE.forms.ALL"}, "employee", peopleOpCreate, true},
		{[]string{"zohopeople.FORMS.all"}, "department", peopleOpRead, true},
		{[]string{"ZOHOPEOPLE.forms.READ"}, "employee", peopleOpRead, true},
		{[]string{"ZOHOPEOPLE.forms.READ"}, "employee", peopleOpCreate, false},
		{[]string{"ZOHOPEOPLE.forms.CREATE"}, "employee", peopleOpUpdate, false},
		{[]string{"ZOHOPEOPLE.forms.UPDATE"}, "employee", peopleOpUpdate, true},
		{[]string{"ZOHOPEOPLE.employee.ALL"}, "employee", peopleOpUpdate, true},
		{[]string{"ZOHOPEOPLE.employee.ALL"}, "designation", peopleOpRead, false},
		{[]string{"ZOHOPEOPLE.leave.ALL", "ZOHOPEOPLE.forms.CREATE"}, "employee", peopleOpCreate, true},
		{[]string{"ZohoRecruit.forms.ALL"}, "employee", peopleOpCreate, false},
		{[]string{"ZOHOPEOPLE.forms"}, "employee", peopleOpCreate, false},
		{nil, "employee", peopleOpRead, false},
	} {
		if got := peopleScopeAllows(c.scopes, c.form, c.op); got != c.want {
			t.Errorf("%v %s %s = %v, want %v", c.scopes, c.op, c.form, got, c.want)
		}
	}
}
