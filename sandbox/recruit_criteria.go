package sandbox

import (
	"errors"
	"fmt"
	"strings"
)

// Recruit's search criteria follow Zoho CRM's: (field:operator:value), joined
// by and/or inside parentheses, for example
//
//	(Email:equals:a@example.com)
//	((Last_Name:starts_with:Sm)and(Candidate_Status:equals:New))
//	(Last_Name:equals:Smith)or(Last_Name:equals:Jones)
//
// A value may list several alternatives separated by commas; "(", ")", ","
// and "\" inside a value are escaped with a backslash. Mixing and and or in
// one group is refused, so that precedence never has to be guessed: nest
// groups instead. Text comparisons ignore case.

// recruitCriterion is a parsed criteria expression.
type recruitCriterion interface {
	match(c *candidate) bool
}

// recruitCondition is one (field:operator:value).
type recruitCondition struct {
	field, op string
	values    []string
}

// recruitGroup joins conditions with and (all) or or (any).
type recruitGroup struct {
	all   bool
	parts []recruitCriterion
}

// recruitOperators are the criteria operators the sandbox implements.
var recruitOperators = map[string]func(v string, values []string) bool{
	"equals":    recruitEqualsAny,
	"in":        recruitEqualsAny,
	"not_equal": func(v string, values []string) bool { return !recruitEqualsAny(v, values) },
	"starts_with": func(v string, values []string) bool {
		for _, x := range values {
			if strings.HasPrefix(strings.ToLower(v), strings.ToLower(x)) {
				return true
			}
		}
		return false
	},
}

// recruitEqualsAny reports whether v is one of values, ignoring case.
func recruitEqualsAny(v string, values []string) bool {
	for _, x := range values {
		if strings.EqualFold(v, x) {
			return true
		}
	}
	return false
}

func (c recruitCondition) match(cand *candidate) bool {
	return recruitOperators[c.op](cand.text(c.field), c.values)
}

func (g recruitGroup) match(cand *candidate) bool {
	for _, p := range g.parts {
		if p.match(cand) != g.all {
			return !g.all
		}
	}
	return g.all
}

// parseRecruitCriteria parses criteria; known tells which field names exist.
func parseRecruitCriteria(s string, known func(string) bool) (recruitCriterion, error) {
	p := criteriaParser{s: s, known: known}
	c, err := p.list()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.i < len(p.s) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.i:], p.i)
	}
	return c, nil
}

type criteriaParser struct {
	s     string
	i     int
	known func(string) bool
}

func (p *criteriaParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// list parses term (and|or term)*.
func (p *criteriaParser) list() (recruitCriterion, error) {
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	parts := []recruitCriterion{first}
	conn := ""
	for {
		p.skipSpace()
		rest := strings.ToLower(p.s[p.i:])
		var c string
		switch {
		case strings.HasPrefix(rest, "and"):
			c = "and"
		case strings.HasPrefix(rest, "or"):
			c = "or"
		default:
			if len(parts) == 1 {
				return first, nil
			}
			return recruitGroup{all: conn == "and", parts: parts}, nil
		}
		if conn != "" && c != conn {
			return nil, errors.New("and and or cannot be mixed in one group; nest them in parentheses")
		}
		conn = c
		p.i += len(c)
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		parts = append(parts, t)
	}
}

// term parses (list) or (field:operator:value).
func (p *criteriaParser) term() (recruitCriterion, error) {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, fmt.Errorf("expected '(' at offset %d", p.i)
	}
	p.i++
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		inner, err := p.list()
		if err != nil {
			return nil, err
		}
		if p.skipSpace(); p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, fmt.Errorf("expected ')' at offset %d", p.i)
		}
		p.i++
		return inner, nil
	}
	field, err := p.word()
	if err != nil {
		return nil, err
	}
	if !p.known(field) {
		return nil, fmt.Errorf("unknown field %q", field)
	}
	op, err := p.word()
	if err != nil {
		return nil, err
	}
	op = strings.ToLower(op)
	if recruitOperators[op] == nil {
		return nil, fmt.Errorf("unsupported operator %q", op)
	}
	values, err := p.values()
	if err != nil {
		return nil, err
	}
	return recruitCondition{field: field, op: op, values: values}, nil
}

// word reads a field or operator name and the ':' after it.
func (p *criteriaParser) word() (string, error) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ':' {
		c := p.s[p.i]
		if !emailAlnum(c) && c != '_' && c != '$' {
			return "", fmt.Errorf("unexpected %q at offset %d", c, p.i)
		}
		p.i++
	}
	if p.i >= len(p.s) || p.i == start {
		return "", fmt.Errorf("expected name:operator:value at offset %d", start)
	}
	p.i++ // ':'
	return p.s[start : p.i-1], nil
}

// values reads the comma-separated values up to the unescaped ')'.
func (p *criteriaParser) values() ([]string, error) {
	var out []string
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if p.i >= len(p.s) {
				return nil, errors.New("criteria end in an escape")
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case ',':
			out = append(out, b.String())
			b.Reset()
		case ')':
			return append(out, b.String()), nil
		default:
			b.WriteByte(c)
		}
	}
	return nil, errors.New("a condition is missing its ')'")
}
