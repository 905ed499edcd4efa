package csvimport

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"roster/model"
)

// aliases are the headers each field is recognized by (SPEC §13), in
// their folded form (fold).
var aliases = map[string]model.ProspectField{
	"email": model.ProspectFieldEmail, "emailaddress": model.ProspectFieldEmail, "workemail": model.ProspectFieldEmail,
	"linkedin": model.ProspectFieldLinkedinURL, "linkedinurl": model.ProspectFieldLinkedinURL,
	"linkedinprofile": model.ProspectFieldLinkedinURL, "profileurl": model.ProspectFieldLinkedinURL,
	"firstname": model.ProspectFieldFirstName, "givenname": model.ProspectFieldFirstName,
	"lastname": model.ProspectFieldLastName, "surname": model.ProspectFieldLastName, "familyname": model.ProspectFieldLastName,
	"company": model.ProspectFieldCompany, "companyname": model.ProspectFieldCompany, "organization": model.ProspectFieldCompany,
	"title": model.ProspectFieldTitle, "jobtitle": model.ProspectFieldTitle, "position": model.ProspectFieldTitle,
	"phone": model.ProspectFieldPhone, "phonenumber": model.ProspectFieldPhone, "mobile": model.ProspectFieldPhone,
	"location": model.ProspectFieldLocation, "city": model.ProspectFieldLocation, "country": model.ProspectFieldLocation,
}

// A ProspectField names a row of model.ProspectTexts by its column,
// upper-cased (FIRST_NAME is first_name): the one rule below, so the enum
// needs no table of its own (TestProspectFieldsAreTheTable).

// TextField is f's entry of model.ProspectTexts (nil for none).
func TextField(f model.ProspectField) *model.TextField { return textFields[f] }

// textFields is that rule applied once: TextField is asked for every cell
// of a file, and upper-casing every column name each time was a fifth of
// an import's CPU.
var textFields = func() map[model.ProspectField]*model.TextField {
	m := make(map[model.ProspectField]*model.TextField, len(model.ProspectTexts))
	for i := range model.ProspectTexts {
		m[model.ProspectField(strings.ToUpper(model.ProspectTexts[i].Column))] = &model.ProspectTexts[i]
	}
	return m
}()

// FieldOf is the ProspectField of a model.ProspectTexts name ("" for none).
func FieldOf(name string) model.ProspectField {
	for i := range model.ProspectTexts {
		if model.ProspectTexts[i].Name == name {
			return model.ProspectField(strings.ToUpper(model.ProspectTexts[i].Column))
		}
	}
	return ""
}

// fold is a header as the aliases compare it: lowercased, without spaces,
// '_' or '-'.
func fold(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if r == ' ' || r == '_' || r == '-' || r == '\t' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maxKeyLen is a custom-field key's longest (SPEC §6).
const maxKeyLen = 64

// CustomKey is a header as a custom field's key (SPEC §13): lowercased,
// each run of characters outside a-z 0-9 _ - made one '_', at most 64
// characters; "" for a blank header.
func CustomKey(h string) string {
	var b strings.Builder
	run := false
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
			run = false
			continue
		}
		if !run {
			b.WriteByte('_')
		}
		run = true
	}
	k := b.String()
	return k[:min(len(k), maxKeyLen)]
}

// validKey is a key `%custom_fields.<key>%` can name (SPEC §6).
func validKey(k string) bool {
	if len(k) < 1 || len(k) > maxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// RequiredField is the field a channel requires (SPEC §5).
func RequiredField(ch model.Channel) model.ProspectField {
	if ch == model.ChannelLinkedin {
		return model.ProspectFieldLinkedinURL
	}
	return model.ProspectFieldEmail
}

// Map decides each header column's fate (SPEC §13): the overrides first
// (an explicit field beats an automatic one), then the aliases (the first
// column for a field wins), then a custom field keyed by the header. It
// returns one ColumnMapping per column, in the header's order, and
// BAD_USER_INPUT userErrors for an override naming a column the header
// lacks, giving not exactly one fate, a bad custom key, two overrides for
// one column or one field, and for a file without a column for the
// channel's required identity (the mapping is returned then too).
func Map(header []string, overrides []*model.ColumnMappingInput, ch model.Channel) ([]*model.ColumnMapping, error) {
	out := make([]*model.ColumnMapping, len(header))
	for i, h := range header {
		// The header is stored (the job's mapping, its errors' columns):
		// what PostgreSQL cannot hold is refused here (SPEC §4).
		if model.StorableText(h) != nil || !utf8.ValidString(h) {
			return nil, model.Fail(model.UserErrorCodeBadUserInput, []string{"file"},
				"the header's column %d holds a NUL character or bytes that are not UTF-8: save the file as UTF-8 or UTF-16", i+1)
		}
	}
	var errs model.UserErrors
	bad := func(i int, field string, format string, args ...any) {
		path := []string{"mapping", strconv.Itoa(i)}
		if field != "" {
			path = append(path, field)
		}
		errs = append(errs, model.NewUserError(model.UserErrorCodeBadUserInput, path, "mapping[%d] "+format, append([]any{i}, args...)...))
	}
	taken := map[model.ProspectField]bool{}
	explicitKeys := map[string]bool{}
	for i, o := range overrides {
		col := findColumn(header, o.Column)
		if col < 0 {
			bad(i, "column", "names the column %q, which the file's header lacks", model.Truncate(o.Column, 70))
			continue
		}
		if out[col] != nil {
			bad(i, "column", "maps the column %q a second time", header[col])
			continue
		}
		ignore := o.Ignore != nil && *o.Ignore
		n := 0
		for _, set := range []bool{o.Field != nil, o.CustomField != nil, ignore} {
			if set {
				n++
			}
		}
		if n != 1 {
			bad(i, "", "must give exactly one of field, customField or ignore: true")
			continue
		}
		m := &model.ColumnMapping{Column: header[col]}
		switch {
		case o.Field != nil:
			if taken[*o.Field] {
				bad(i, "field", "maps a second column to %s", *o.Field)
				continue
			}
			taken[*o.Field] = true
			f := *o.Field
			m.Field = &f
		case o.CustomField != nil:
			k := strings.TrimSpace(*o.CustomField)
			if !validKey(k) {
				bad(i, "customField", "is not a custom-field key: keys are 1 to 64 letters, digits, _ or -")
				continue
			}
			explicitKeys[k] = true
			m.CustomField = &k
		default:
			m.Ignored = true
		}
		out[col] = m
	}
	for i, h := range header {
		if out[i] != nil {
			continue
		}
		if f, ok := aliases[fold(h)]; ok && !taken[f] {
			taken[f] = true
			out[i] = &model.ColumnMapping{Column: h, Field: &f}
		}
	}
	used := explicitKeys
	for i, h := range header {
		if out[i] != nil {
			continue
		}
		k := CustomKey(h)
		if k == "" {
			out[i] = &model.ColumnMapping{Column: h, Ignored: true} // a column without a header holds nothing to name
			continue
		}
		k = uniqueKey(k, used)
		used[k] = true
		out[i] = &model.ColumnMapping{Column: h, CustomField: &k}
	}
	if len(errs) > 0 {
		return out, errs
	}
	if req := RequiredField(ch); !taken[req] {
		return out, model.Fail(model.UserErrorCodeBadUserInput, []string{"mapping"},
			"the file has no column for %s, which %s campaigns require: name one %q, or map one with mapping",
			req, ch, TextField(req).Name)
	}
	return out, nil
}

// findColumn is the first column named name (trimmed), exactly, else
// ignoring case; -1 when none is.
func findColumn(header []string, name string) int {
	name = strings.TrimSpace(name)
	for i, h := range header {
		if h == name {
			return i
		}
	}
	for i, h := range header {
		if strings.EqualFold(h, name) {
			return i
		}
	}
	return -1
}

// uniqueKey is k, or k with the first free suffix _2, _3, … when another
// column already has k (two headers may fold to one key).
func uniqueKey(k string, used map[string]bool) string {
	if !used[k] {
		return k
	}
	for n := 2; ; n++ {
		s := "_" + strconv.Itoa(n)
		c := k[:min(len(k), maxKeyLen-len(s))] + s
		if !used[c] {
			return c
		}
	}
}
