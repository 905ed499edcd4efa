package model

import (
	"bytes"
	"encoding/json"

	"github.com/go-json-experiment/json/jsontext"
)

// A JSONReader reads request JSON for the typed decoding of large
// variables (graph/vars.go). Each of its reads yields exactly what
// encoding/json (with UseNumber) and then gqlgen would make of the same
// input, or ok=false for anything it does not read that way: a duplicate
// name, invalid UTF-8, a value of another type. The caller then decodes the
// request the generic way, which also says what is wrong.
//
// Strings without escapes are sliced from one string copy of the whole
// input rather than allocated one by one (a 1000-row batch holds about
// 8,000 of them): they keep that copy alive while any of them is.
type JSONReader struct {
	d   *jsontext.Decoder
	src string
}

// NewJSONReader reads src, which must not change while it is read.
func NewJSONReader(src []byte) *JSONReader {
	// A bytes.Buffer is parsed in place, without copying; duplicate names
	// are found here, faster than by jsontext.
	return &JSONReader{d: jsontext.NewDecoder(bytes.NewBuffer(src), jsontext.AllowDuplicateNames(true)), src: string(src)}
}

// PeekKind is the kind of the next token: '{', '[', '"', '0', 't', 'f',
// 'n', '}' or ']'; 0 at an error or at the end.
func (r *JSONReader) PeekKind() jsontext.Kind { return r.d.PeekKind() }

// Token reads the next token if its kind is k (a delimiter or a null).
func (r *JSONReader) Token(k jsontext.Kind) bool {
	if r.d.PeekKind() != k {
		return false
	}
	_, err := r.d.ReadToken()
	return err == nil
}

// Skip reads past the next value.
func (r *JSONReader) Skip() bool { return r.d.SkipValue() == nil }

// Value reads the next value as encoding/json with UseNumber decodes one
// into an any: objects as map[string]any, arrays as []any, numbers as
// json.Number.
func (r *JSONReader) Value() (any, bool) {
	switch r.d.PeekKind() {
	case '"':
		return r.String()
	case '0':
		v, err := r.d.ReadValue()
		if err != nil {
			return nil, false
		}
		return json.Number(r.slice(v)), true
	case 't', 'f':
		t, err := r.d.ReadToken()
		if err != nil {
			return nil, false
		}
		return t.Bool(), true
	case 'n':
		_, err := r.d.ReadToken()
		return nil, err == nil
	case '{':
		return r.Object()
	case '[':
		if !r.Token('[') {
			return nil, false
		}
		a := []any{}
		for r.d.PeekKind() != ']' {
			v, ok := r.Value()
			if !ok {
				return nil, false
			}
			a = append(a, v)
		}
		return a, r.Token(']')
	}
	return nil, false
}

// Object reads an object as a map[string]any.
func (r *JSONReader) Object() (map[string]any, bool) {
	if !r.Token('{') {
		return nil, false
	}
	m := map[string]any{}
	for r.d.PeekKind() != '}' {
		k, ok := r.String()
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		if m[k], ok = r.Value(); !ok {
			return nil, false
		}
	}
	return m, r.Token('}')
}

// String reads a string (or an object's name).
func (r *JSONReader) String() (string, bool) {
	v, err := r.d.ReadValue()
	if err != nil || len(v) < 2 || v[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(v, '\\') < 0 {
		s := r.slice(v)
		return s[1 : len(s)-1], true
	}
	b, err := jsontext.AppendUnquote(nil, v)
	return string(b), err == nil
}

// slice is v, the value just read, as a slice of the source.
func (r *JSONReader) slice(v []byte) string {
	end := int(r.d.InputOffset())
	return r.src[end-len(v) : end]
}

// prospectInputFields are ProspectInput's text fields, by their GraphQL names.
var prospectInputFields = [...]string{"email", "linkedinUrl", "firstName", "lastName", "company", "title", "phone", "location"}

// ProspectInput reads one addProspects row (an object) into what GraphQL
// validation and UnmarshalGQLContext would make of it. Only strings and
// nulls are read for the text fields, and only an object or a null for
// customFields; anything else is left to the generic path (a number given
// as a text field is valid there, but rare).
func (r *JSONReader) ProspectInput() (*ProspectInput, bool) {
	if !r.Token('{') {
		return nil, false
	}
	// One allocation for the row and its texts.
	row := &struct {
		p     ProspectInput
		texts [len(prospectInputFields)]string
	}{}
	p := &row.p
	dst := [len(prospectInputFields)]**string{&p.Email, &p.LinkedinURL, &p.FirstName, &p.LastName, &p.Company, &p.Title, &p.Phone, &p.Location}
	var seen [len(prospectInputFields) + 1]bool
	for r.d.PeekKind() != '}' {
		name, ok := r.String()
		if !ok {
			return nil, false
		}
		i := 0
		for i < len(prospectInputFields) && prospectInputFields[i] != name {
			i++
		}
		if i == len(prospectInputFields) && name != "customFields" || seen[i] {
			return nil, false
		}
		seen[i] = true
		switch k := r.d.PeekKind(); {
		case k == 'n':
			ok = r.Token('n')
		case i == len(prospectInputFields) && k == '{':
			p.CustomFields, ok = r.Object()
		case i < len(prospectInputFields) && k == '"':
			row.texts[i], ok = r.String()
			*dst[i] = &row.texts[i]
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
	return p, r.Token('}')
}
