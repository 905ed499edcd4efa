package model

import (
	"bytes"
	"encoding/json"

	"github.com/go-json-experiment/json/jsontext"
)

// The functions below read request JSON with a jsontext.Decoder for the
// typed decoding of large variables (graph/vars.go). Each yields exactly
// what encoding/json (with UseNumber) and then gqlgen would make of the
// same input, or ok=false for anything it does not read that way: a
// duplicate name, invalid UTF-8, a value of another type. The caller then
// decodes the request the generic way, which also says what is wrong. The
// decoder must allow duplicate names (jsontext.AllowDuplicateNames): these
// functions find them themselves, faster.

// DecodeJSON reads the next value as encoding/json with UseNumber decodes
// one into an any: objects as map[string]any, arrays as []any, numbers as
// json.Number.
func DecodeJSON(d *jsontext.Decoder) (any, bool) {
	switch d.PeekKind() {
	case '"':
		return readString(d)
	case '0':
		v, err := d.ReadValue()
		if err != nil {
			return nil, false
		}
		return json.Number(v), true
	case 't', 'f':
		t, err := d.ReadToken()
		if err != nil {
			return nil, false
		}
		return t.Bool(), true
	case 'n':
		_, err := d.ReadToken()
		return nil, err == nil
	case '{':
		return decodeObject(d)
	case '[':
		if _, err := d.ReadToken(); err != nil {
			return nil, false
		}
		a := []any{}
		for d.PeekKind() != ']' {
			v, ok := DecodeJSON(d)
			if !ok {
				return nil, false
			}
			a = append(a, v)
		}
		_, err := d.ReadToken()
		return a, err == nil
	}
	return nil, false
}

func decodeObject(d *jsontext.Decoder) (map[string]any, bool) {
	if _, err := d.ReadToken(); err != nil {
		return nil, false
	}
	m := map[string]any{}
	for d.PeekKind() != '}' {
		k, ok := readString(d)
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		if m[k], ok = DecodeJSON(d); !ok {
			return nil, false
		}
	}
	_, err := d.ReadToken()
	return m, err == nil
}

// readString reads a string (or an object's name).
func readString(d *jsontext.Decoder) (string, bool) {
	v, err := d.ReadValue()
	if err != nil || len(v) < 2 || v[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), true
	}
	b, err := jsontext.AppendUnquote(nil, v)
	return string(b), err == nil
}

// ReadString reads a string, or a null as "".
func ReadString(d *jsontext.Decoder) (string, bool) {
	if d.PeekKind() == 'n' {
		_, err := d.ReadToken()
		return "", err == nil
	}
	return readString(d)
}

// prospectInputFields are ProspectInput's text fields, by their GraphQL names.
var prospectInputFields = [...]string{"email", "linkedinUrl", "firstName", "lastName", "company", "title", "phone", "location"}

// DecodeProspectInput reads one addProspects row (an object) into what
// GraphQL validation and UnmarshalGQLContext would make of it. Only
// strings and nulls are read for the text fields, and only an object or a
// null for customFields; anything else is left to the generic path (a
// number given as a text field is valid there, but rare).
func DecodeProspectInput(d *jsontext.Decoder) (*ProspectInput, bool) {
	if d.PeekKind() != '{' {
		return nil, false
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, false
	}
	p := &ProspectInput{}
	texts := [len(prospectInputFields)]**string{&p.Email, &p.LinkedinURL, &p.FirstName, &p.LastName, &p.Company, &p.Title, &p.Phone, &p.Location}
	var seen [len(prospectInputFields) + 1]bool
	for d.PeekKind() != '}' {
		name, ok := readString(d)
		if !ok {
			return nil, false
		}
		if name == "customFields" {
			if seen[len(prospectInputFields)] {
				return nil, false
			}
			seen[len(prospectInputFields)] = true
			switch d.PeekKind() {
			case 'n':
				if _, err := d.ReadToken(); err != nil {
					return nil, false
				}
			case '{':
				if p.CustomFields, ok = decodeObject(d); !ok {
					return nil, false
				}
			default:
				return nil, false
			}
			continue
		}
		i := 0
		for i < len(prospectInputFields) && prospectInputFields[i] != name {
			i++
		}
		if i == len(prospectInputFields) || seen[i] {
			return nil, false
		}
		seen[i] = true
		switch d.PeekKind() {
		case 'n':
			if _, err := d.ReadToken(); err != nil {
				return nil, false
			}
		case '"':
			s, ok := readString(d)
			if !ok {
				return nil, false
			}
			*texts[i] = &s
		default:
			return nil, false
		}
	}
	_, err := d.ReadToken()
	return p, err == nil
}
