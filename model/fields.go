package model

import "github.com/99designs/gqlgen/graphql"

// The Prospect field table. Every place that handles a prospect's profile
// field by field derives what it does from ProspectTexts: the input
// decoding (ProspectInput's unmarshaller, JSONReader.ProspectInput), the
// row rules and the patch (roster), the insert's columns and the update's
// (db), the list's columns (db) and the list writer (graph), and the
// message template placeholders (msgtemplate). Adding a text field to
// Prospect is: the schema (Prospect, ProspectInput, ProspectPatch), a
// migration adding its column, one row here, `go generate ./...`.
// TestFieldTableMatchesSchema (graph) fails when the schema and the table
// disagree.

// TextField is one text field of a prospect's profile: a nullable string
// in Prospect, ProspectInput and ProspectPatch, a text column in prospects.
type TextField struct {
	// Name is the field's GraphQL name.
	Name string
	// Column is its column in the prospects table.
	Column string
	// Placeholder is its message-template name: %first_name%.
	Placeholder string
	// Identity marks the two identities (SPEC §5): the campaign's channel
	// makes one of them required and the other optional.
	Identity bool
	// InsertGroup groups the columns a batch's insert leaves out together
	// when no row of the batch has them (db/add.go): 2⁵ statement shapes.
	InsertGroup int
	// Of, InputOf, PatchOf and PreviewOf are the field in a Prospect, a
	// ProspectInput, a ProspectPatch and an import preview's row
	// (ImportPreviewRow).
	Of        func(*Prospect) **string
	InputOf   func(*ProspectInput) **string
	PatchOf   func(*ProspectPatch) *graphql.Omittable[*string]
	PreviewOf func(*ImportPreviewRow) **string
}

// ProspectTexts are the profile's text fields, the identities first, in the
// order the API has always listed them.
var ProspectTexts = [...]TextField{
	{Name: "email", Column: "email", Placeholder: "email", Identity: true, InsertGroup: 0,
		Of:        func(p *Prospect) **string { return &p.Email },
		InputOf:   func(p *ProspectInput) **string { return &p.Email },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.Email },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.Email }},
	{Name: "linkedinUrl", Column: "linkedin_url", Placeholder: "linkedin_url", Identity: true, InsertGroup: 1,
		Of:        func(p *Prospect) **string { return &p.LinkedinURL },
		InputOf:   func(p *ProspectInput) **string { return &p.LinkedinURL },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.LinkedinURL },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.LinkedinURL }},
	{Name: "firstName", Column: "first_name", Placeholder: "first_name", InsertGroup: 2,
		Of:        func(p *Prospect) **string { return &p.FirstName },
		InputOf:   func(p *ProspectInput) **string { return &p.FirstName },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.FirstName },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.FirstName }},
	{Name: "lastName", Column: "last_name", Placeholder: "last_name", InsertGroup: 2,
		Of:        func(p *Prospect) **string { return &p.LastName },
		InputOf:   func(p *ProspectInput) **string { return &p.LastName },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.LastName },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.LastName }},
	{Name: "company", Column: "company", Placeholder: "company", InsertGroup: 2,
		Of:        func(p *Prospect) **string { return &p.Company },
		InputOf:   func(p *ProspectInput) **string { return &p.Company },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.Company },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.Company }},
	{Name: "title", Column: "title", Placeholder: "title", InsertGroup: 3,
		Of:        func(p *Prospect) **string { return &p.Title },
		InputOf:   func(p *ProspectInput) **string { return &p.Title },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.Title },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.Title }},
	{Name: "phone", Column: "phone", Placeholder: "phone", InsertGroup: 3,
		Of:        func(p *Prospect) **string { return &p.Phone },
		InputOf:   func(p *ProspectInput) **string { return &p.Phone },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.Phone },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.Phone }},
	{Name: "location", Column: "location", Placeholder: "location", InsertGroup: 3,
		Of:        func(p *Prospect) **string { return &p.Location },
		InputOf:   func(p *ProspectInput) **string { return &p.Location },
		PatchOf:   func(p *ProspectPatch) *graphql.Omittable[*string] { return &p.Location },
		PreviewOf: func(p *ImportPreviewRow) **string { return &p.Location }},
}

// The fields besides the texts. Their handling is their own (custom fields
// have their rules and their JSON; the others are the server's), so they
// are named here only so that the table can be held to the schema.
const (
	// CustomFieldsField is in Prospect, ProspectInput and ProspectPatch;
	// its column is custom_fields, its insert group the one after the
	// texts' (CustomFieldsInsertGroup).
	CustomFieldsField       = "customFields"
	CustomFieldsInsertGroup = 4
	// OtherIdentityInsertGroup is the insert group of other_identity, the
	// normalized captured identity (Prospect.OtherIdentity): the LinkedIn
	// URL's. On an EMAIL campaign it is there exactly when the URL is; on a
	// LINKEDIN one that group is always in (the URL is required).
	OtherIdentityInsertGroup = 1
)

// ProspectSystemFields are the fields of Prospect that no client writes.
var ProspectSystemFields = [...]string{"id", "campaignId", "status", "stage", "createdAt", "updatedAt"}

// TextFieldNamed is the text field of that GraphQL name, if there is one.
func TextFieldNamed(name string) (int, bool) {
	for i := range ProspectTexts {
		if ProspectTexts[i].Name == name {
			return i, true
		}
	}
	return 0, false
}
