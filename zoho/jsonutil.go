package zoho

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// flexString decodes a JSON string, number or boolean into its text, and null
// into "". Zoho writes the same field as 7052 in one reply and "7052" in
// another, and record IDs as strings or as numbers too large for a float64.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		// Most of Zoho's strings hold no escapes: take them as they are
		// rather than through encoding/json's reflection.
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
			*f = flexString(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '-' || ('0' <= b[0] && b[0] <= '9') || string(b) == "true" || string(b) == "false":
		// A number keeps its exact digits: an 18-digit ID must not pass
		// through a float64.
		*f = flexString(b)
	default:
		// An object or array where a scalar belongs: keep nothing rather than
		// fail the whole reply over a field hrconnect only reports.
		*f = ""
	}
	return nil
}

// flexInt decodes a JSON number or a string holding one; anything else is 0.
type flexInt int64

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if n, ok := parseDigits(b); ok {
		*f = flexInt(n)
		return nil
	}
	n, err := strconv.ParseFloat(string(b), 64)
	if err != nil || n != n || n > 1<<53 || n < -(1<<53) {
		*f = 0
		return nil
	}
	*f = flexInt(n)
	return nil
}

// parseDigits parses a short run of decimal digits, with an optional minus,
// without allocating; ok is false for anything else.
func parseDigits(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// appendJSONString appends s to b as a JSON string, for the one shape
// hrconnect builds on every insert (a flat object of strings) without
// encoding/json's reflection. Unlike encoding/json it leaves <, > and &
// alone: the text is never embedded in HTML, and Zoho's lenient parser should
// see the plain characters.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendQueryEscape appends s to b escaped for an
// application/x-www-form-urlencoded body, as url.QueryEscape does, without
// url.QueryEscape's intermediate string.
func appendQueryEscape[S ~string | ~[]byte](b []byte, s S) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		}
	}
	return b
}
