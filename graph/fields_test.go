package graph

import (
	"slices"
	"testing"

	"roster/model"
)

// TestFieldTableMatchesSchema holds the Prospect field table
// (model.ProspectTexts) to the schema: every field of Prospect,
// ProspectInput, ProspectPatch and ImportPreviewRow has its row (a text
// field, customFields, or for Prospect and the preview's row a field the
// server sets), and every row its fields, each a nullable String.
func TestFieldTableMatchesSchema(t *testing.T) {
	schema := NewExecutableSchema(Config{Resolvers: &Resolver{}}).Schema()
	var texts []string
	for _, f := range model.ProspectTexts {
		texts = append(texts, f.Name)
	}
	for _, tc := range []struct {
		typ  string
		want []string
	}{
		{"Prospect", slices.Concat(texts, []string{model.CustomFieldsField}, model.ProspectSystemFields[:])},
		{"ProspectInput", append(slices.Clone(texts), model.CustomFieldsField)},
		{"ProspectPatch", append(slices.Clone(texts), model.CustomFieldsField)},
		{"ImportPreviewRow", slices.Concat(texts, []string{model.CustomFieldsField, "line", "problems"})},
	} {
		def := schema.Types[tc.typ]
		if def == nil {
			t.Fatalf("no type %s in the schema", tc.typ)
		}
		var got []string
		for _, f := range def.Fields {
			got = append(got, f.Name)
			if slices.Contains(texts, f.Name) && (f.Type.NonNull || f.Type.NamedType != "String") {
				t.Errorf("%s.%s is %s: the field table's texts are nullable Strings", tc.typ, f.Name, f.Type)
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s's fields in the schema:\n%v\nin the field table (model/fields.go):\n%v", tc.typ, got, want)
		}
	}
	// Each text field's placeholder is its column, as templates name them.
	for _, f := range model.ProspectTexts {
		if f.Placeholder != f.Column || f.Of == nil || f.InputOf == nil || f.PatchOf == nil || f.PreviewOf == nil {
			t.Errorf("row %s: placeholder %q, column %q, accessors set: %v", f.Name, f.Placeholder, f.Column,
				f.Of != nil && f.InputOf != nil && f.PatchOf != nil && f.PreviewOf != nil)
		}
	}
}
