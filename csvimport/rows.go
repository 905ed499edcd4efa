package csvimport

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"roster/model"
	"roster/roster"
)

// Problem is what makes a row invalid, in the file's terms: the column at
// fault (empty when none is) and what is wrong.
type Problem struct {
	Column  string
	Message string
}

// Row is a record turned into an addProspects row (nil when the record
// itself is bad: a quote out of place, more cells than the header, a cell
// that is not UTF-8), with its line.
type Row struct {
	Line     int
	Input    *model.ProspectInput
	Problems []Problem
}

// ToRow maps a record's cells by the columns' mapping (SPEC §13): a cell
// of a field's column is that field (blank is absent, as for any text), a
// cell of a custom field's column is that key's string value (trimmed; a
// blank cell leaves its key out); missing cells are blank.
func ToRow(cols []*model.ColumnMapping, rec Record) Row {
	row := Row{Line: rec.Line}
	if rec.Err != nil {
		row.Problems = []Problem{{Message: fmt.Sprintf("cannot be read as CSV: %v", rec.Err)}}
		return row
	}
	if len(rec.Cells) > len(cols) {
		row.Problems = []Problem{{Message: fmt.Sprintf("the row has %d cells; the header has %d", len(rec.Cells), len(cols))}}
		return row
	}
	in := &model.ProspectInput{}
	var custom []keyValue
	for i, cell := range rec.Cells {
		c := cols[i]
		if c.Ignored {
			continue
		}
		if !utf8.ValidString(cell) {
			row.Problems = append(row.Problems, Problem{Column: c.Column, Message: "is not valid UTF-8 (save the file as UTF-8 or UTF-16)"})
			continue
		}
		if c.Field != nil {
			v := cell
			*TextField(*c.Field).InputOf(in) = &v
			continue
		}
		if v := strings.TrimSpace(cell); v != "" && c.CustomField != nil {
			custom = append(custom, keyValue{*c.CustomField, v})
		}
	}
	if len(row.Problems) == 0 {
		in.CustomFieldsCompact = compactObject(custom)
		row.Input = in
	}
	return row
}

type keyValue struct{ key, value string }

// compactObject is the custom fields of a row as the row rules take an
// object read straight from a request (model.CompactObject: its compact
// JSON and its sorted keys), so that a million rows are not each made a
// map and encoded back. The values are strings: no numbers.
func compactObject(kvs []keyValue) *model.CompactObject {
	slices.SortStableFunc(kvs, func(a, b keyValue) int { return strings.Compare(a.key, b.key) })
	o := &model.CompactObject{JSON: make([]byte, 0, 16*len(kvs)+2), Keys: make([]string, len(kvs))}
	o.JSON = append(o.JSON, '{')
	for i, kv := range kvs {
		if i > 0 {
			o.JSON = append(o.JSON, ',')
		}
		o.JSON = appendJSONString(o.JSON, kv.key)
		o.JSON = append(o.JSON, ':')
		o.JSON = appendJSONString(o.JSON, kv.value)
		o.Keys[i] = kv.key
	}
	o.JSON = append(o.JSON, '}')
	return o
}

// appendJSONString appends s as a JSON string (s is valid UTF-8: ToRow
// refuses a cell that is not).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Check is each row under the row rules of a ch campaign (roster.CheckRows,
// what addProspects applies), one check per row: a row that is no input
// (its record was bad) is invalid with no problem of the rules, its own
// Problems saying why. What a job writes and what a preview shows.
func Check(ch model.Channel, rows []Row) []roster.RowCheck {
	var inputs []*model.ProspectInput
	for _, r := range rows {
		if r.Input != nil {
			inputs = append(inputs, r.Input)
		}
	}
	checked := roster.CheckRows(ch, inputs)
	out := make([]roster.RowCheck, len(rows))
	k := 0
	for i, r := range rows {
		if r.Input != nil {
			out[i] = checked[k]
			k++
		}
	}
	return out
}

// CustomFields is a row's custom fields as a map (a preview shows them).
func (r Row) CustomFields() map[string]any {
	m := map[string]any{}
	if r.Input != nil && r.Input.CustomFieldsCompact != nil {
		_ = json.Unmarshal(r.Input.CustomFieldsCompact.JSON, &m)
	}
	return m
}

// ColumnOf is the column that holds a field of the row, by its
// model.ProspectTexts name or "customFields" (the first custom column);
// "" when none does.
func ColumnOf(cols []*model.ColumnMapping, name string) string {
	f := FieldOf(name)
	for _, c := range cols {
		if f != "" && c.Field != nil && *c.Field == f || f == "" && name == model.CustomFieldsField && c.CustomField != nil {
			return c.Column
		}
	}
	return ""
}

// ProblemText is a problem's message as a person reads it: the column's
// name (quoted) before what is wrong with it.
func ProblemText(column, msg string) string {
	if column == "" {
		return msg
	}
	return fmt.Sprintf("%q %s", column, msg)
}
