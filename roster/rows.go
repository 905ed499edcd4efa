package roster

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"roster/identity"
	"roster/model"
)

// customFieldKey says whether k is what `%custom_fields.<key>%` in a
// message template can name: 1 to 64 of A-Z a-z 0-9 _ - (a loop, not a
// regexp: it runs for every key of every row of a batch).
func customFieldKey(k string) bool {
	if len(k) < 1 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// rowErrors collects the userErrors of a batch: one per bad row (SPEC §4),
// at most maxUserErrors. A row's userError points at its first bad field and
// its message lists every problem of the row, so a CSV preview can show them
// all at once.
type rowErrors struct {
	errs model.UserErrors
	// list is the argument the rows came in, "prospects" when empty.
	list string
	// problems, when not nil, also gets each problem by field (an import
	// job's row, CheckRows).
	problems *[]FieldProblem
}

func (r *rowErrors) add(index int, field string, format string, args ...any) {
	if r.problems != nil {
		*r.problems = append(*r.problems, FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	list := r.list
	if list == "" {
		list = "prospects"
	}
	problem := fmt.Sprintf("%s[%d].%s %s", list, index, field, fmt.Sprintf(format, args...))
	if n := len(r.errs); n > 0 && *r.errs[n-1].Index == index {
		r.errs[n-1].Message += "; " + problem
		return
	}
	if len(r.errs) >= maxUserErrors {
		return
	}
	e := model.NewUserError(model.UserErrorCodeBadUserInput,
		[]string{list, strconv.Itoa(index), field}, "%s", problem)
	e.Index = &index
	r.errs = append(r.errs, e)
}

func (r *rowErrors) full() bool { return len(r.errs) >= maxUserErrors }

// cleanText trims a text field; blank counts as absent (SPEC §6). A NUL is
// refused (SPEC §4), among spaces too: it is not whitespace.
func cleanText(s *string) (*string, error) {
	if s == nil {
		return nil, nil
	}
	if err := model.StorableText(*s); err != nil {
		return nil, err
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil, nil
	}
	if n := utf8.RuneCountInString(t); n > MaxTextLen {
		return nil, fmt.Errorf("is %d characters long; at most %d are allowed", n, MaxTextLen)
	}
	return &t, nil
}

// checkCustomFields enforces SPEC §6 on a whole custom-fields object, and
// SPEC §4 (no NUL in any string or key), and returns it as compact JSON
// (what is stored and answered).
func checkCustomFields(m map[string]any) ([]byte, error) {
	b, err := model.CompactJSON(m)
	if err != nil {
		return nil, fmt.Errorf("is not valid JSON")
	}
	return checkCustomFieldsJSON(b, slices.Sorted(maps.Keys(m)), exponentGrowth(m))
}

// checkCompactFields is checkCustomFields for an object read straight from
// the request, never made a map: the same checks, the same errors.
func checkCompactFields(o *model.CompactObject) ([]byte, error) {
	growth := 0
	for _, n := range o.Numbers {
		growth += numberGrowth(n)
	}
	return checkCustomFieldsJSON(o.JSON, o.Keys, growth)
}

// checkCustomFieldKeys reports the first of keys (sorted) that is not a
// custom-field key.
func checkCustomFieldKeys(keys []string) error {
	for _, k := range keys {
		if !customFieldKey(k) {
			return fmt.Errorf("has the key %q; keys are 1 to 64 letters, digits, _ or -", model.Truncate(k, 70))
		}
	}
	return nil
}

// checkCustomFieldsJSON checks the compact form b of an object whose own
// keys are keys (sorted) and whose numbers gain growth bytes once written
// out in full: jsonb must be able to store it (a NUL is reported as such,
// in a key too), its keys must be custom-field keys, and it is bounded.
func checkCustomFieldsJSON(b []byte, keys []string, growth int) ([]byte, error) {
	if err := model.StorableJSON(b); err != nil {
		return nil, err
	}
	if err := checkCustomFieldKeys(keys); err != nil {
		return nil, err
	}
	if len(b) > MaxCustomFieldBytes {
		return nil, fmt.Errorf("is %d bytes as compact JSON; at most %d are allowed", len(b), MaxCustomFieldBytes)
	}
	// PostgreSQL's jsonb stores numbers in full: 1e1000 is 5 bytes here and
	// 1001 there. Count what the exponents expand to, so the limit bounds
	// what is stored.
	if n := len(b) + growth; n > MaxCustomFieldBytes {
		return nil, fmt.Errorf("is %d bytes once its numbers are written out in full; at most %d are allowed", n, MaxCustomFieldBytes)
	}
	return b, nil
}

// exponentGrowth is how many bytes v's numbers gain when written without an
// exponent (an upper bound: |exponent| digits each).
func exponentGrowth(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 0
		for _, x := range v {
			n += exponentGrowth(x)
		}
		return n
	case []any:
		n := 0
		for _, x := range v {
			n += exponentGrowth(x)
		}
		return n
	case json.Number:
		return numberGrowth(string(v))
	case float64:
		return numberGrowth(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return 0
}

func numberGrowth(s string) int {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return 0
	}
	exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
	if err != nil {
		return MaxCustomFieldBytes + 1 // an exponent too large to parse
	}
	return max(exp, -exp)
}

// ptr is a pointer to a copy of s: taking &trimmed in the loops below
// would move trimmed to the heap on every pass, set or not (a thousand
// allocations a batch for the absent other identity).
func ptr(s string) *string { return &s }

// identityFuncs pick the normalizer of each identity field.
var identityFuncs = map[string]func(string) (string, string, error){
	"email":       identity.Email,
	"linkedinUrl": identity.LinkedInURL,
}

// RequiredIdentity names the field a channel requires (SPEC §5).
func RequiredIdentity(ch model.Channel) string {
	if ch == model.ChannelLinkedin {
		return "linkedinUrl"
	}
	return "email"
}

// newProspect turns one submitted row into a prospect ready to insert, or
// reports every problem of the row into errs and returns nil.
func newProspect(ch model.Channel, index int, in *model.ProspectInput, errs *rowErrors) *model.Prospect {
	p := &model.Prospect{Status: model.ProspectStatusPending, CustomFields: in.CustomFields}
	ok := true
	required := RequiredIdentity(ch)
	for i := range model.ProspectTexts {
		f := &model.ProspectTexts[i]
		raw := *f.InputOf(in)
		if !f.Identity {
			v, err := cleanText(raw)
			if err != nil {
				errs.add(index, f.Name, "%v", err)
				ok = false
				continue
			}
			*f.Of(p) = v
			continue
		}
		var trimmed, normalized string
		var err error
		if raw != nil {
			// A NUL makes an identity invalid (SPEC §4): refused when
			// required, left out when not.
			err = model.StorableText(*raw)
			if n := utf8.RuneCountInString(strings.TrimSpace(*raw)); err == nil && n > MaxTextLen {
				err = fmt.Errorf("is %d characters long; at most %d are allowed", n, MaxTextLen)
			} else if err == nil {
				trimmed, normalized, err = identityFuncs[f.Name](*raw)
			}
		}
		switch {
		case f.Name != required:
			// The other identity is kept when valid and silently left out
			// when not (SPEC §5).
			if raw != nil && err == nil {
				*f.Of(p) = ptr(trimmed)
				p.OtherIdentity = ptr(normalized)
			}
		case raw == nil || errors.Is(err, identity.ErrBlank):
			errs.add(index, f.Name, "is required on %s campaigns", ch)
			ok = false
		case err != nil:
			errs.add(index, f.Name, "%v", err)
			ok = false
		default:
			*f.Of(p) = ptr(trimmed)
			p.Identity = normalized
		}
	}
	var js []byte
	var err error
	if c := in.CustomFieldsCompact; c != nil {
		js, err = checkCompactFields(c)
	} else {
		if p.CustomFields == nil {
			p.CustomFields = map[string]any{}
		}
		js, err = checkCustomFields(p.CustomFields)
	}
	if err != nil {
		errs.add(index, "customFields", "%v", err)
		ok = false
	} else {
		p.CustomFieldsRaw = js // encoded once: stored and answered as is
	}
	if !ok {
		return nil
	}
	return p
}

// ApplyPatch applies a ProspectPatch to p (SPEC §6): omitted fields stay, an
// explicit null (or blank) clears, the required identity cannot be cleared,
// an explicitly given other identity must be valid, and customFields is
// merged as an RFC 7396 merge patch. It reports the first problem as a
// BAD_USER_INPUT userError with a path under "input".
func ApplyPatch(ch model.Channel, p *model.Prospect, patch model.ProspectPatch) error {
	bad := func(field, format string, args ...any) error {
		return model.Fail(model.UserErrorCodeBadUserInput, []string{"input", field},
			"input.%s %s", field, fmt.Sprintf(format, args...))
	}
	required := RequiredIdentity(ch)
	for i := range model.ProspectTexts {
		f := &model.ProspectTexts[i]
		in := f.PatchOf(&patch)
		if !in.IsSet() {
			continue
		}
		if !f.Identity {
			v, err := cleanText(in.Value())
			if err != nil {
				return bad(f.Name, "%v", err)
			}
			*f.Of(p) = v
			continue
		}
		v := in.Value()
		if v == nil || strings.TrimSpace(*v) == "" {
			if f.Name == required {
				return bad(f.Name, "cannot be cleared: it is the required identity on %s campaigns", ch)
			}
			*f.Of(p) = nil
			p.OtherIdentity = nil
			continue
		}
		if err := model.StorableText(*v); err != nil {
			return bad(f.Name, "%v", err)
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(*v)); n > MaxTextLen {
			return bad(f.Name, "is %d characters long; at most %d are allowed", n, MaxTextLen)
		}
		trimmed, normalized, err := identityFuncs[f.Name](*v)
		if err != nil {
			return bad(f.Name, "%v", err)
		}
		*f.Of(p) = ptr(trimmed)
		if f.Name == required {
			p.Identity = normalized
		} else {
			p.OtherIdentity = ptr(normalized)
		}
	}
	if patch.CustomFields.IsSet() {
		merged, err := mergeCustomFields(p.CustomFields, patch.CustomFields.Value())
		if err != nil {
			return bad("customFields", "%v", err)
		}
		js, err := checkCustomFields(merged)
		if err != nil {
			return bad("customFields", "%v", err)
		}
		p.CustomFields, p.CustomFieldsRaw = merged, js
	}
	return nil
}

// mergeCustomFields applies patch to doc as an RFC 7396 JSON merge patch. An
// explicit null patch clears every field (the merge-patch result of null,
// which a prospect stores as the empty object). A patch holding a NUL
// anywhere is refused as it is read (SPEC §4), even in a key it removes,
// and the result is never a value jsonb refuses.
func mergeCustomFields(doc, patch map[string]any) (map[string]any, error) {
	if patch == nil {
		return map[string]any{}, nil
	}
	if doc == nil {
		doc = map[string]any{}
	}
	d, err := model.CompactJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("cannot be merged: %w", err)
	}
	pt, err := model.CompactJSON(patch)
	if err != nil {
		return nil, fmt.Errorf("is not valid JSON")
	}
	if err := model.StorableJSON(pt); err != nil {
		return nil, err
	}
	out, err := jsonpatch.MergePatch(d, pt)
	if err != nil {
		return nil, fmt.Errorf("cannot be merged as a JSON merge patch")
	}
	if err := model.StorableJSON(out); err != nil {
		return nil, err // only a doc that did not come from jsonb holds one
	}
	merged := map[string]any{}
	if err := decodeJSON(out, &merged); err != nil {
		return nil, fmt.Errorf("cannot be merged as a JSON merge patch")
	}
	return merged, nil
}
