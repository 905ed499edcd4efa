// Package msgtemplate renders the placeholders of an outreach message
// template (`%first_name%`, `%custom_fields.<key>%`) for one prospect, as
// the message editor previews it. It is pure: no I/O, no clock.
//
// A placeholder is `%name%` where name is one of the prospect's fields or
// `custom_fields.` and a key of SPEC §6 (1 to 64 of A-Z a-z 0-9 _ -), exact
// and case-sensitive. The template is read left to right and each `%` is
// tried as the start of a placeholder, as a regular expression over the known
// names would match: the `%` that closes something which is not a placeholder
// can still open one ("20%off%first_name%" renders the first name).
package msgtemplate

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"roster/model"
)

// MaxLength is the longest template accepted, in Unicode characters: a
// message is far shorter, and the bound keeps a render (each placeholder
// expands to at most a 500-character field or a 4 KiB custom value) small.
const MaxLength = 10_000

// customPrefix opens a custom-field placeholder.
const customPrefix = "custom_fields."

// maxKeyLen is the longest custom-field key (SPEC §6).
const maxKeyLen = 64

// fields maps each profile placeholder to the prospect's value (the field
// table: model.ProspectTexts).
var fields = func() map[string]func(p *model.Prospect) *string {
	m := make(map[string]func(p *model.Prospect) *string, len(model.ProspectTexts))
	for i := range model.ProspectTexts {
		f := &model.ProspectTexts[i]
		m[f.Placeholder] = func(p *model.Prospect) *string { return *f.Of(p) }
	}
	return m
}()

// Whitespace is what a blank value is made of: exactly the characters
// unicode.IsSpace reports, spelled out so that SQL (btrim with this set)
// decides "blank" as Go does, whatever the database's locale.
const Whitespace = "\t\n\v\f\r \u0085\u00a0\u1680" +
	"\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" +
	"\u2028\u2029\u202f\u205f\u3000"

// Blank reports whether s is empty or only whitespace: a value that would
// leave a hole in the message.
func Blank(s string) bool { return strings.Trim(s, Whitespace) == "" }

// Validate refuses a template longer than MaxLength characters, as the
// top-level BAD_USER_INPUT error.
func Validate(template string) error {
	if n := utf8.RuneCountInString(template); n > MaxLength {
		return &model.InputError{
			Message: fmt.Sprintf("template is %d characters long; at most %d are allowed", n, MaxLength),
		}
	}
	return nil
}

// Render replaces every known placeholder of template with p's value. A
// placeholder without a value renders as "" and is listed in Missing. A
// `%token%` that is not a known placeholder stays as written, and is listed
// in Unknown when it starts with a letter (so "5%-10%" is plain text). Both
// lists hold each token once, as written, in order of first appearance, and
// are never nil.
func Render(template string, p *model.Prospect) *model.RenderedTemplate {
	var (
		out     strings.Builder
		missing = newList()
		unknown = newList()
	)
	out.Grow(len(template))
	for i := 0; i < len(template); {
		pct := strings.IndexByte(template[i:], '%')
		if pct < 0 {
			out.WriteString(template[i:])
			break
		}
		out.WriteString(template[i : i+pct])
		i += pct
		// template[i] is '%'; name is the run of name characters after it.
		j := i + 1
		for j < len(template) && isNameByte(template[j]) {
			j++
		}
		name := template[i+1 : j]
		if j == len(template) || template[j] != '%' || name == "" {
			// No closing '%' right after a name: plain text.
			out.WriteString(template[i:j])
			i = j
			continue
		}
		token := template[i : j+1]
		value, known, ok := lookup(name, p)
		if !known {
			if isLetter(name[0]) {
				unknown.add(token)
			}
			// Leave the token as written, but let its closing '%' open
			// the next placeholder.
			out.WriteString(template[i:j])
			i = j
			continue
		}
		if !ok {
			missing.add(token)
		}
		out.WriteString(value)
		i = j + 1
	}
	return &model.RenderedTemplate{Text: out.String(), Missing: missing.items, Unknown: unknown.items}
}

// lookup finds name's value on p: known says whether name is a placeholder
// at all, ok whether it has a value.
func lookup(name string, p *model.Prospect) (value string, known, ok bool) {
	if field, found := fields[name]; found {
		v := field(p)
		if v == nil || Blank(*v) {
			return "", true, false
		}
		return *v, true, true
	}
	key, found := strings.CutPrefix(name, customPrefix)
	if !found || !validKey(key) {
		return "", false, false
	}
	v, present := p.CustomFields[key]
	if !present {
		return "", true, false
	}
	value, ok = customValue(v)
	return value, true, ok
}

// customValue is how a custom-field value reads in a message: a string as
// is, any other JSON value as compact JSON (numbers exactly as stored,
// true/false, objects with sorted keys). Null and blank strings have no value.
func customValue(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		if Blank(v) {
			return "", false
		}
		return v, true
	}
	b, err := model.CompactJSON(v)
	if err != nil {
		// Values come from jsonb, so they always encode; if one did not,
		// saying it is missing beats sending a broken message.
		return "", false
	}
	return string(b), true
}

// validKey is SPEC §6's custom-field key: 1 to 64 of A-Z a-z 0-9 _ -.
func validKey(k string) bool {
	if k == "" || len(k) > maxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !isLetter(c) && !isDigit(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isNameByte is a character a `%token%` may hold: a key's, and the dot of
// `custom_fields.`.
func isNameByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '-' || c == '.'
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// list keeps strings once each, in order of first appearance.
type list struct {
	items []string
	seen  map[string]bool
}

func newList() list { return list{items: []string{}, seen: map[string]bool{}} }

func (l *list) add(s string) {
	if !l.seen[s] {
		l.seen[s] = true
		l.items = append(l.items, s)
	}
}
