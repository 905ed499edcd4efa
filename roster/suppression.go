package roster

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"roster/identity"
	"roster/model"
)

// SuppressionPlan is a validated addSuppressions call (SPEC §11): the
// entries to write, and how many repeat an earlier entry of the call.
type SuppressionPlan struct {
	// Entries are the call's distinct entries (kind and normalized value),
	// each at its first submission, in submission order; Kind, Value,
	// Normalized and Reason are set, the rest is the store's.
	Entries []*model.Suppression
	// Repeated counts the entries that repeat an earlier one of the call:
	// they count as already suppressed.
	Repeated int
}

// normalizers validate and normalize a value of each kind.
var normalizers = map[model.SuppressionKind]func(string) (string, string, error){
	model.SuppressionKindEmail:    identity.Email,
	model.SuppressionKindDomain:   identity.Domain,
	model.SuppressionKindLinkedin: identity.LinkedInURL,
}

// InferKind is the kind of a value given without one (SPEC §11): a URL on
// linkedin.com (or a subdomain) is LINKEDIN; a value that starts with @ or
// has no @ is DOMAIN; anything else EMAIL. The value is then validated as
// that kind, so "linkedin.com/company/acme" is a LINKEDIN value refused as
// not a profile, and "jane.example.com" a DOMAIN.
func InferKind(value string) model.SuppressionKind {
	v := strings.TrimSpace(value)
	switch {
	case identity.OnLinkedIn(v):
		return model.SuppressionKindLinkedin
	case strings.HasPrefix(v, "@") || !strings.Contains(v, "@"):
		return model.SuppressionKindDomain
	}
	return model.SuppressionKindEmail
}

// PlanSuppressions checks an addSuppressions call: 1 to
// MaxSuppressionEntries entries, each value valid for its kind (given or
// inferred) and at most MaxTextLen characters, each reason trimmed (blank =
// none) and at most MaxTextLen characters. Any problem is a BAD_USER_INPUT
// userError (one per bad entry, with its index and the path
// ["entries", i, field]), and the whole call is refused.
func PlanSuppressions(in []*model.SuppressionInput) (*SuppressionPlan, error) {
	if n := len(in); n < 1 || n > MaxSuppressionEntries {
		return nil, model.Fail(model.UserErrorCodeBadUserInput, []string{"entries"},
			"entries must hold 1 to %d entries; got %d", MaxSuppressionEntries, n)
	}
	plan := &SuppressionPlan{Entries: make([]*model.Suppression, 0, len(in))}
	errs := rowErrors{list: "entries"}
	type key struct {
		kind       model.SuppressionKind
		normalized string
	}
	seen := make(map[key]bool, len(in))
	for i, e := range in {
		s, ok := checkEntry(i, e, &errs)
		if !ok || len(errs.errs) > 0 {
			continue // once the call is refused, only its errors matter
		}
		k := key{s.Kind, s.Normalized}
		if seen[k] {
			plan.Repeated++
			continue
		}
		seen[k] = true
		plan.Entries = append(plan.Entries, s)
	}
	if len(errs.errs) > 0 {
		return nil, errs.errs
	}
	return plan, nil
}

// checkEntry validates one entry, reporting every problem of it into errs.
func checkEntry(i int, e *model.SuppressionInput, errs *rowErrors) (*model.Suppression, bool) {
	ok := true
	kind := InferKind(e.Value)
	if e.Kind != nil {
		kind = *e.Kind
	}
	s := &model.Suppression{Kind: kind}
	normalize, known := normalizers[kind]
	trimmed := strings.TrimSpace(e.Value)
	switch n := utf8.RuneCountInString(trimmed); {
	case !known:
		errs.add(i, "kind", "%q is not a suppression kind", model.Truncate(string(kind), 20))
		ok = false
	case n > MaxTextLen:
		errs.add(i, "value", "is %d characters long; at most %d are allowed", n, MaxTextLen)
		ok = false
	default:
		var err error
		s.Value, s.Normalized, err = normalize(e.Value)
		switch {
		case errors.Is(err, identity.ErrBlank):
			errs.add(i, "value", "must not be blank")
			ok = false
		case err != nil:
			errs.add(i, "value", "%v", kindError(kind, err))
			ok = false
		}
	}
	reason, err := cleanText(e.Reason)
	if err != nil {
		errs.add(i, "reason", "%v", err)
		ok = false
	}
	s.Reason = reason
	return s, ok
}

// kindError says which kind a value was read as when the kind was
// inferred, so "acme" refused as a domain says so.
func kindError(kind model.SuppressionKind, err error) error {
	return fmt.Errorf("%w (read as %s)", err, kind)
}
