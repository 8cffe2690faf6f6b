package sandbox

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// People's documents show inputData and searchParams in a relaxed JSON:
// unquoted keys, single-quoted strings ({Single_Line_1:'a1'}), while real
// clients send strict JSON. This file parses both with one small parser: the
// relaxed grammar is a superset of JSON's, so strict JSON needs no second pass,
// and the insert hot path avoids encoding/json's reflection.
//
// Accepted beyond JSON: keys and strings in single quotes, bare keys, and bare
// values (any run of characters other than white space and {}[],:'"), which
// cover numbers, true, false and null as well as Zoho's unquoted examples.

// relaxedField is one key and its value, in the order they were written.
type relaxedField struct {
	key   string
	value any // string, bool, nil, []any, or []relaxedField for an object
}

// relaxedBare is a bare (unquoted) value other than true, false and null,
// such as a number; it is kept as written.
type relaxedBare string

// parseRelaxedObject parses one object, the whole of s.
func parseRelaxedObject(s string) ([]relaxedField, error) {
	p := relaxedParser{s: s}
	obj, err := p.object()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.i < len(p.s) {
		return nil, p.errorf("unexpected %q after the object", p.s[p.i])
	}
	return obj, nil
}

// parseRelaxedObjects parses objects joined by sep, as in searchParams'
// {…}|{…}. A sep inside a quoted string does not split.
func parseRelaxedObjects(s string, sep byte) ([][]relaxedField, error) {
	p := relaxedParser{s: s}
	var out [][]relaxedField
	for {
		obj, err := p.object()
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
		p.skipSpace()
		if p.i == len(p.s) {
			return out, nil
		}
		if p.s[p.i] != sep {
			return nil, p.errorf("expected %q between objects, found %q", sep, p.s[p.i])
		}
		p.i++
	}
}

type relaxedParser struct {
	s string
	i int
}

func (p *relaxedParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *relaxedParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// expect consumes c after optional white space.
func (p *relaxedParser) expect(c byte) error {
	p.skipSpace()
	if p.i >= len(p.s) {
		return p.errorf("expected %q, found the end", c)
	}
	if p.s[p.i] != c {
		return p.errorf("expected %q, found %q", c, p.s[p.i])
	}
	p.i++
	return nil
}

// peek returns the next non-space byte, or 0 at the end.
func (p *relaxedParser) peek() byte {
	p.skipSpace()
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *relaxedParser) object() ([]relaxedField, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	fields := []relaxedField{}
	if p.peek() == '}' {
		p.i++
		return fields, nil
	}
	for {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		fields = append(fields, relaxedField{key: key, value: v})
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return fields, nil
		case 0:
			return nil, p.errorf("unterminated object")
		default:
			return nil, p.errorf("expected ',' or '}', found %q", p.s[p.i])
		}
	}
}

func (p *relaxedParser) key() (string, error) {
	switch c := p.peek(); c {
	case '"', '\'':
		return p.quoted()
	case 0:
		return "", p.errorf("expected a key, found the end")
	default:
		k := p.bare()
		if k == "" {
			return "", p.errorf("expected a key, found %q", c)
		}
		return k, nil
	}
}

func (p *relaxedParser) value() (any, error) {
	switch c := p.peek(); c {
	case '"', '\'':
		return p.quoted()
	case '{':
		return p.object()
	case '[':
		return p.array()
	case 0:
		return nil, p.errorf("expected a value, found the end")
	default:
		b := p.bare()
		switch b {
		case "":
			return nil, p.errorf("expected a value, found %q", c)
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return relaxedBare(b), nil
	}
}

func (p *relaxedParser) array() ([]any, error) {
	p.i++ // '['
	out := []any{}
	if p.peek() == ']' {
		p.i++
		return out, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, nil
		case 0:
			return nil, p.errorf("unterminated array")
		default:
			return nil, p.errorf("expected ',' or ']', found %q", p.s[p.i])
		}
	}
}

// bare consumes an unquoted word.
func (p *relaxedParser) bare() string {
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', '{', '}', '[', ']', ',', ':', '\'', '"':
			return p.s[start:p.i]
		}
		p.i++
	}
	return p.s[start:p.i]
}

// quoted consumes a string in double or single quotes with JSON's escapes
// (and \' for single-quoted strings).
func (p *relaxedParser) quoted() (string, error) {
	q := p.s[p.i]
	p.i++
	start := p.i
	// Fast path: no escapes, the common case for field values.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == q {
			p.i++
			return p.s[start : p.i-1], nil
		}
		if c == '\\' {
			break
		}
		p.i++
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		p.i++ // the backslash
		if p.i >= len(p.s) {
			break
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\'', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate must be followed by \uDC00-\uDFFF.
				if !strings.HasPrefix(p.s[p.i:], `\u`) {
					return "", p.errorf("lone surrogate \\u%04X", r)
				}
				p.i += 2
				r2, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", p.errorf("invalid surrogate pair")
				}
			}
			b.WriteRune(r)
		default:
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
	return "", errors.New("unterminated string")
}

func (p *relaxedParser) hex4() (rune, error) {
	if p.i+4 > len(p.s) {
		return 0, p.errorf("short \\u escape")
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, p.errorf("invalid \\u escape %q", p.s[p.i:p.i+4])
	}
	p.i += 4
	return rune(n), nil
}
