package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// A JSONReader reads request JSON for the typed decoding of large
// variables (httpapi/vars.go). Each of its reads yields exactly what
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

// End reads past the value just read: true when only whitespace follows it
// (encoding/json's Unmarshal refuses anything else).
func (r *JSONReader) End() bool {
	_, err := r.d.ReadToken()
	return errors.Is(err, io.EOF)
}

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

// ProspectInput reads one addProspects row (an object) into what GraphQL
// validation and UnmarshalGQLContext would make of it, except that
// customFields comes as a CompactObject rather than a map. Only strings and
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
		texts [len(ProspectTexts)]string
	}{}
	p := &row.p
	// seen[len(ProspectTexts)] is customFields'.
	var seen [len(ProspectTexts) + 1]bool
	for r.d.PeekKind() != '}' {
		name, ok := r.String()
		if !ok {
			return nil, false
		}
		i, isText := TextFieldNamed(name)
		if !isText {
			i = len(ProspectTexts)
		}
		if !isText && name != CustomFieldsField || seen[i] {
			return nil, false
		}
		seen[i] = true
		switch k := r.d.PeekKind(); {
		case k == 'n':
			ok = r.Token('n')
		case !isText && k == '{':
			p.CustomFieldsCompact, ok = r.CompactObject()
		case isText && k == '"':
			row.texts[i], ok = r.String()
			*ProspectTexts[i].InputOf(p) = &row.texts[i]
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
	return p, r.Token('}')
}

// A CompactObject is a JSON object as CompactJSON writes its decoding
// (keys sorted, compact, strings escaped as encoding/json escapes them),
// read without making it a map, with what checking it needs: its keys and
// every number literal in it (SPEC §6 counts numbers as stored).
type CompactObject struct {
	JSON []byte
	// Keys are its own keys (not nested objects'), sorted.
	Keys []string
	// Numbers are the number literals anywhere in it, as written.
	Numbers []string
}

// CompactObject reads an object. Duplicate names, which a map would
// collapse, give ok=false.
func (r *JSONReader) CompactObject() (*CompactObject, bool) {
	o := &CompactObject{}
	var ok bool
	o.JSON, ok = r.appendCompactObject(make([]byte, 0, 64), &o.Numbers, &o.Keys)
	return o, ok
}

// member is one name and value of an object being compacted: the value's
// compact bytes are vals[start:end].
type member struct {
	name       string
	start, end int
}

// appendCompactObject appends the next object, compact with its names
// sorted, and its number literals to nums; its names to names, when given.
func (r *JSONReader) appendCompactObject(b []byte, nums, names *[]string) ([]byte, bool) {
	if !r.Token('{') {
		return nil, false
	}
	var stack [8]member
	members := stack[:0]
	var vals []byte
	for r.d.PeekKind() != '}' {
		name, ok := r.String()
		if !ok {
			return nil, false
		}
		start := len(vals)
		if vals, ok = r.appendCompact(vals, nums); !ok {
			return nil, false
		}
		members = append(members, member{name, start, len(vals)})
	}
	if !r.Token('}') {
		return nil, false
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
	b = append(b, '{')
	for i, m := range members {
		if i > 0 {
			if m.name == members[i-1].name {
				return nil, false // a duplicate name
			}
			b = append(b, ',')
		}
		b = append(appendJSONString(b, m.name), ':')
		b = append(b, vals[m.start:m.end]...)
		if names != nil {
			*names = append(*names, m.name)
		}
	}
	return append(b, '}'), true
}

// appendCompact appends the next value as CompactJSON writes its decoding.
func (r *JSONReader) appendCompact(b []byte, nums *[]string) ([]byte, bool) {
	switch r.d.PeekKind() {
	case '"':
		s, ok := r.String()
		return appendJSONString(b, s), ok
	case '0', 't', 'f', 'n':
		v, err := r.d.ReadValue()
		if err != nil {
			return nil, false
		}
		lit := r.slice(v)
		if v[0] != 't' && v[0] != 'f' && v[0] != 'n' {
			*nums = append(*nums, lit)
		}
		return append(b, lit...), true
	case '{':
		return r.appendCompactObject(b, nums, nil)
	case '[':
		if !r.Token('[') {
			return nil, false
		}
		b = append(b, '[')
		for i := 0; r.d.PeekKind() != ']'; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = r.appendCompact(b, nums); !ok {
				return nil, false
			}
		}
		return append(b, ']'), r.Token(']')
	}
	return nil, false
}
