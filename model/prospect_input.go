package model

import (
	"context"
	"encoding/json"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// ProspectInput is one row of addProspects (SPEC §5).
//
// It unmarshals itself: gqlgen's generated unmarshaller copies each row's
// map and allocates a path context per field, which for a 1000-row batch
// cost more CPU than validating the rows (issue 3's profile). This one
// reads the fields in the same order, with the same conversions, and builds
// a path only for an error, so errors and their paths are the same.
type ProspectInput struct {
	Email        *string        `json:"email,omitempty"`
	LinkedinURL  *string        `json:"linkedinUrl,omitempty"`
	FirstName    *string        `json:"firstName,omitempty"`
	LastName     *string        `json:"lastName,omitempty"`
	Company      *string        `json:"company,omitempty"`
	Title        *string        `json:"title,omitempty"`
	Phone        *string        `json:"phone,omitempty"`
	Location     *string        `json:"location,omitempty"`
	CustomFields map[string]any `json:"customFields,omitempty"`
	// CustomFieldsCompact is customFields when the row was read straight
	// from the request (JSONReader.ProspectInput): CustomFields is then nil.
	CustomFieldsCompact *CompactObject `json:"-"`
}

// UnmarshalGQLContext reads a validated input object (a map); v's fields
// were type-checked by validation, except customFields' contents. A row
// that DecodeProspectInput read straight from the request (httpapi/vars.go)
// is taken as it is.
func (p *ProspectInput) UnmarshalGQLContext(ctx context.Context, v any) error {
	if row, ok := v.(*ProspectInput); ok {
		*p = *row
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return scalarError("ProspectInput must be an object, got %s", jsonKind(v))
	}
	for i := range ProspectTexts {
		t := &ProspectTexts[i]
		raw, ok := m[t.Name]
		if !ok || raw == nil {
			continue
		}
		s, isString := raw.(string)
		if !isString {
			var err error
			if s, err = graphql.UnmarshalString(raw); err != nil {
				return graphql.ErrorOnPath(graphql.WithPathContext(ctx, graphql.NewPathWithField(t.Name)), err)
			}
		}
		*t.InputOf(p) = &s
	}
	if raw, ok := m[CustomFieldsField]; ok && raw != nil {
		cf, err := UnmarshalJSONObject(raw)
		if err != nil {
			return graphql.ErrorOnPath(graphql.WithPathContext(ctx, graphql.NewPathWithField(CustomFieldsField)), err)
		}
		p.CustomFields = cf
	}
	return nil
}

// MarshalGQLContext writes the row as JSON; gqlgen wants the pair, though
// no output field has this type.
func (p ProspectInput) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return json.NewEncoder(w).Encode(p)
}
