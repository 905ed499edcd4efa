package graph_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Template tools: Query.renderTemplate and Query.customFieldKeys, over the
// real HTTP handler and database.

type renderedTemplate struct {
	Text    string   `json:"text"`
	Missing []string `json:"missing"`
	Unknown []string `json:"unknown"`
}

const renderQuery = `query($c: UUID!, $p: UUID!, $t: String!) {
	renderTemplate(campaignId: $c, prospectId: $p, template: $t) { text missing unknown } }`

// renderOf renders a template that must not fail; nil when the API says null.
func renderOf(a *api, c, p, template string) *renderedTemplate {
	a.t.Helper()
	var out struct {
		RenderTemplate *renderedTemplate `json:"renderTemplate"`
	}
	a.query(renderQuery, map[string]any{"c": c, "p": p, "t": template}, &out)
	return out.RenderTemplate
}

type fieldKey struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

const keysQuery = `query($c: UUID!) { customFieldKeys(campaignId: $c) { key count } }`

func keysOf(a *api, c string) []fieldKey {
	a.t.Helper()
	var out struct {
		CustomFieldKeys []fieldKey `json:"customFieldKeys"`
	}
	a.query(keysQuery, map[string]any{"c": c}, &out)
	if out.CustomFieldKeys == nil {
		a.t.Fatalf("customFieldKeys is null")
	}
	return out.CustomFieldKeys
}

const everyPlaceholder = "%first_name%|%last_name%|%company%|%title%|%email%|%linkedin_url%|%location%|%phone%"

func TestRenderTemplate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := addIDs(a, c,
		map[string]any{
			"email": "jane@acme.example", "linkedinUrl": "linkedin.com/in/jane-doe",
			"firstName": "Jane", "lastName": "Doe", "company": "Acme", "title": "CTO",
			"location": "Zürich", "phone": "+41 44 000 00 00",
			"customFields": map[string]any{
				"pet_name": "Rex", "team-size": 12, "big": json.Number("12345678901234567890"),
				"vip": true, "tags": []any{"a", 1}, "address": map[string]any{"city": "Zürich", "zip": "8001"},
				"nothing": nil, "blank": "  ",
			},
		},
		map[string]any{"email": "bob@example.com", "firstName": "  ", "company": "Initech"},
	)
	jane, bob := ids[0], ids[1]

	t.Run("every field", func(t *testing.T) {
		t.Parallel()
		got := renderOf(a, c, jane, everyPlaceholder)
		want := &renderedTemplate{
			Text:    "Jane|Doe|Acme|CTO|jane@acme.example|linkedin.com/in/jane-doe|Zürich|+41 44 000 00 00",
			Missing: []string{}, Unknown: []string{},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("missing fields", func(t *testing.T) {
		t.Parallel()
		got := renderOf(a, c, bob, everyPlaceholder+" %first_name%")
		want := &renderedTemplate{
			Text: "||Initech||bob@example.com||| ",
			Missing: []string{"%first_name%", "%last_name%", "%title%", "%linkedin_url%",
				"%location%", "%phone%"},
			Unknown: []string{},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("custom fields of each JSON type", func(t *testing.T) {
		t.Parallel()
		got := renderOf(a, c, jane, "%custom_fields.pet_name% %custom_fields.team-size% %custom_fields.big% "+
			"%custom_fields.vip% %custom_fields.tags% %custom_fields.address% "+
			"[%custom_fields.nothing%][%custom_fields.blank%][%custom_fields.absent%]")
		want := &renderedTemplate{
			Text:    `Rex 12 12345678901234567890 true ["a",1] {"city":"Zürich","zip":"8001"} [][][]`,
			Missing: []string{"%custom_fields.nothing%", "%custom_fields.blank%", "%custom_fields.absent%"},
			Unknown: []string{},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("unknown placeholders stay and are listed", func(t *testing.T) {
		t.Parallel()
		got := renderOf(a, c, jane, "Hi %frist_name%, 20% off for %company% %FIRST_NAME% %frist_name%")
		want := &renderedTemplate{
			Text:    "Hi %frist_name%, 20% off for Acme %FIRST_NAME% %frist_name%",
			Missing: []string{}, Unknown: []string{"%frist_name%", "%FIRST_NAME%"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("template at the limit", func(t *testing.T) {
		t.Parallel()
		tmpl := "%first_name%" + strings.Repeat("é", 10_000-len("%first_name%"))
		got := renderOf(a, c, jane, tmpl)
		if want := "Jane" + strings.Repeat("é", 10_000-len("%first_name%")); got == nil || got.Text != want {
			t.Fatalf("a 10,000-character template did not render")
		}
	})

	t.Run("template over the limit is BAD_USER_INPUT", func(t *testing.T) {
		t.Parallel()
		r := a.do(renderQuery, map[string]any{"c": c, "p": jane, "t": strings.Repeat("é", 10_001)})
		requireTopError(t, r, "renderTemplate", "BAD_USER_INPUT")
		if msg := r.Errors[0].Message; !strings.Contains(msg, "template") || !strings.Contains(msg, "10000") {
			t.Fatalf("message %q does not say what is wrong", msg)
		}
	})

	t.Run("after an edit", func(t *testing.T) {
		t.Parallel()
		a2 := newAPI(t)
		c2 := a2.createCampaign("LINKEDIN")
		id := addIDs(a2, c2, map[string]any{"linkedinUrl": "linkedin.com/in/sam", "firstName": "Sam"})[0]
		if res := patchProspect(a2, c2, id, map[string]any{"firstName": nil, "customFields": map[string]any{"team": "Ops"}}); len(res.UserErrors) > 0 {
			t.Fatalf("update: %+v", res.UserErrors)
		}
		got := renderOf(a2, c2, id, "%first_name% %custom_fields.team%")
		want := &renderedTemplate{Text: " Ops", Missing: []string{"%first_name%"}, Unknown: []string{}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("works once the roster is frozen", func(t *testing.T) {
		t.Parallel()
		a2 := newAPI(t)
		c2 := a2.createCampaign("EMAIL")
		id := addIDs(a2, c2, map[string]any{"email": "kim@example.com", "firstName": "Kim"})[0]
		if _, errs := a2.transition(c2, "LAUNCHING"); len(errs) > 0 {
			t.Fatalf("launch: %+v", errs)
		}
		if got := renderOf(a2, c2, id, "Hi %first_name%"); got == nil || got.Text != "Hi Kim" {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestCustomFieldKeys(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")

	if got := keysOf(a, c); len(got) != 0 {
		t.Fatalf("empty roster: got %+v, want []", got)
	}

	ids := addIDs(a, c,
		map[string]any{"email": "p1@example.com", "customFields": map[string]any{"team": "a", "seats": 3, "b_key": "x", "Z-key": true}},
		map[string]any{"email": "p2@example.com", "customFields": map[string]any{"team": "b", "seats": 0, "a_key": "y"}},
		map[string]any{"email": "p3@example.com", "customFields": map[string]any{"team": "c", "note": nil, "empty": "\u00a0\t\u3000 "}},
		map[string]any{"email": "p4@example.com"},
	)
	// Counts desc, then key in byte order ("Z-key" < "a_key" < "b_key");
	// null and blank values ("note", "empty") are no value.
	want := []fieldKey{{"team", 3}, {"seats", 2}, {"Z-key", 1}, {"a_key", 1}, {"b_key", 1}}
	if got := keysOf(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("after adds: got %+v, want %+v", got, want)
	}

	// A merge patch removing a key (and one setting a new one).
	res := patchProspect(a, c, ids[0], map[string]any{"customFields": map[string]any{"team": nil, "b_key": nil, "note": "hi"}})
	if len(res.UserErrors) > 0 {
		t.Fatalf("update: %+v", res.UserErrors)
	}
	want = []fieldKey{{"seats", 2}, {"team", 2}, {"Z-key", 1}, {"a_key", 1}, {"note", 1}}
	if got := keysOf(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("after updateProspect: got %+v, want %+v", got, want)
	}

	// Removing prospects takes their keys away.
	if r := removeProspects(a, c, ids[:2]); r.Removed != 2 {
		t.Fatalf("remove: %+v", r)
	}
	want = []fieldKey{{"team", 1}}
	if got := keysOf(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("after removeProspects: got %+v, want %+v", got, want)
	}

	// Other campaigns' keys never leak in.
	c2 := a.createCampaign("EMAIL")
	addIDs(a, c2, map[string]any{"email": "q@example.com", "customFields": map[string]any{"elsewhere": 1}})
	if got := keysOf(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("with another campaign's keys: got %+v, want %+v", got, want)
	}
}

func TestCustomFieldKeysNotFound(t *testing.T) {
	t.Parallel()
	alice, mallory := newAPI(t), newAPI(t)
	c := alice.createCampaign("EMAIL")
	addIDs(alice, c, map[string]any{"email": "jane@example.com", "customFields": map[string]any{"team": "a"}})

	tests := []struct {
		name     string
		as       *api
		campaign string
	}{
		{"another subject's campaign", mallory, c},
		{"an absent campaign", alice, "01900000-0000-7000-8000-000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireTopError(t, tt.as.do(keysQuery, map[string]any{"c": tt.campaign}), "customFieldKeys", "NOT_FOUND")
		})
	}
}
