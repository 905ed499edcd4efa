package graph_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Template tools: Query.renderTemplate and Query.customFieldKeys, over the
// real HTTP handler and database.

type ttRendered struct {
	Text    string   `json:"text"`
	Missing []string `json:"missing"`
	Unknown []string `json:"unknown"`
}

const ttRenderQuery = `query($c: UUID!, $p: UUID!, $t: String!) {
	renderTemplate(campaignId: $c, prospectId: $p, template: $t) { text missing unknown } }`

// ttRender renders a template that must not fail; nil when the API says null.
func ttRender(a *api, c, p, template string) *ttRendered {
	a.t.Helper()
	var out struct {
		RenderTemplate *ttRendered `json:"renderTemplate"`
	}
	a.query(ttRenderQuery, map[string]any{"c": c, "p": p, "t": template}, &out)
	return out.RenderTemplate
}

type ttKey struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

const ttKeysQuery = `query($c: UUID!) { customFieldKeys(campaignId: $c) { key count } }`

func ttKeys(a *api, c string) []ttKey {
	a.t.Helper()
	var out struct {
		CustomFieldKeys []ttKey `json:"customFieldKeys"`
	}
	a.query(ttKeysQuery, map[string]any{"c": c}, &out)
	if out.CustomFieldKeys == nil {
		a.t.Fatalf("customFieldKeys is null")
	}
	return out.CustomFieldKeys
}

// ttAdd adds rows that must all be imported and returns their ids.
func ttAdd(a *api, c string, rows ...map[string]any) []string {
	a.t.Helper()
	res := a.add(c, rows, false)
	if len(res.UserErrors) > 0 || res.Imported != len(rows) {
		a.t.Fatalf("add: imported %d of %d, %+v", res.Imported, len(rows), res.UserErrors)
	}
	ids := make([]string, len(res.Prospects))
	for i, p := range res.Prospects {
		ids[i] = p.ID
	}
	return ids
}

const ttEveryPlaceholder = "%first_name%|%last_name%|%company%|%title%|%email%|%linkedin_url%|%location%|%phone%"

func TestRenderTemplate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := ttAdd(a, c,
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
		got := ttRender(a, c, jane, ttEveryPlaceholder)
		want := &ttRendered{
			Text:    "Jane|Doe|Acme|CTO|jane@acme.example|linkedin.com/in/jane-doe|Zürich|+41 44 000 00 00",
			Missing: []string{}, Unknown: []string{},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("missing fields", func(t *testing.T) {
		t.Parallel()
		got := ttRender(a, c, bob, ttEveryPlaceholder+" %first_name%")
		want := &ttRendered{
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
		got := ttRender(a, c, jane, "%custom_fields.pet_name% %custom_fields.team-size% %custom_fields.big% "+
			"%custom_fields.vip% %custom_fields.tags% %custom_fields.address% "+
			"[%custom_fields.nothing%][%custom_fields.blank%][%custom_fields.absent%]")
		want := &ttRendered{
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
		got := ttRender(a, c, jane, "Hi %frist_name%, 20% off for %company% %FIRST_NAME% %frist_name%")
		want := &ttRendered{
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
		got := ttRender(a, c, jane, tmpl)
		if want := "Jane" + strings.Repeat("é", 10_000-len("%first_name%")); got == nil || got.Text != want {
			t.Fatalf("a 10,000-character template did not render")
		}
	})

	t.Run("template over the limit is BAD_USER_INPUT", func(t *testing.T) {
		t.Parallel()
		r := a.do(ttRenderQuery, map[string]any{"c": c, "p": jane, "t": strings.Repeat("é", 10_001)})
		requireTopError(t, r, "renderTemplate", "BAD_USER_INPUT")
		if msg := r.Errors[0].Message; !strings.Contains(msg, "template") || !strings.Contains(msg, "10000") {
			t.Fatalf("message %q does not say what is wrong", msg)
		}
	})

	t.Run("after an edit", func(t *testing.T) {
		t.Parallel()
		a2 := newAPI(t)
		c2 := a2.createCampaign("LINKEDIN")
		id := ttAdd(a2, c2, map[string]any{"linkedinUrl": "linkedin.com/in/sam", "firstName": "Sam"})[0]
		if res := mtUpdate(a2, c2, id, map[string]any{"firstName": nil, "customFields": map[string]any{"team": "Ops"}}); len(res.UserErrors) > 0 {
			t.Fatalf("update: %+v", res.UserErrors)
		}
		got := ttRender(a2, c2, id, "%first_name% %custom_fields.team%")
		want := &ttRendered{Text: " Ops", Missing: []string{"%first_name%"}, Unknown: []string{}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("works once the roster is frozen", func(t *testing.T) {
		t.Parallel()
		a2 := newAPI(t)
		c2 := a2.createCampaign("EMAIL")
		id := ttAdd(a2, c2, map[string]any{"email": "kim@example.com", "firstName": "Kim"})[0]
		if _, errs := a2.transition(c2, "LAUNCHING"); len(errs) > 0 {
			t.Fatalf("launch: %+v", errs)
		}
		if got := ttRender(a2, c2, id, "Hi %first_name%"); got == nil || got.Text != "Hi Kim" {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestRenderTemplateOwnership(t *testing.T) {
	t.Parallel()
	alice, mallory := newAPI(t), newAPI(t)
	c := alice.createCampaign("EMAIL")
	id := ttAdd(alice, c, map[string]any{"email": "jane@example.com", "firstName": "Jane"})[0]
	other := alice.createCampaign("EMAIL")
	const absent = "01900000-0000-7000-8000-000000000000"

	if got := ttRender(alice, c, id, "%first_name%"); got == nil || got.Text != "Jane" {
		t.Fatalf("the owner's render: %+v", got)
	}
	tests := []struct {
		name     string
		as       *api
		campaign string
		prospect string
	}{
		{"another subject's campaign", mallory, c, id},
		{"a prospect of another campaign", alice, other, id},
		{"an absent campaign", alice, absent, id},
		{"an absent prospect", alice, c, absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.as.do(ttRenderQuery, map[string]any{"c": tt.campaign, "p": tt.prospect, "t": "%first_name%"})
			if r.Status != http.StatusOK || len(r.Errors) > 0 || string(r.Data) != `{"renderTemplate":null}` {
				t.Fatalf("want renderTemplate null and no error, got HTTP %d %s %+v", r.Status, r.Data, r.Errors)
			}
		})
	}
}

func TestCustomFieldKeys(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")

	if got := ttKeys(a, c); len(got) != 0 {
		t.Fatalf("empty roster: got %+v, want []", got)
	}

	ids := ttAdd(a, c,
		map[string]any{"email": "p1@example.com", "customFields": map[string]any{"team": "a", "seats": 3, "b_key": "x", "Z-key": true}},
		map[string]any{"email": "p2@example.com", "customFields": map[string]any{"team": "b", "seats": 0, "a_key": "y"}},
		map[string]any{"email": "p3@example.com", "customFields": map[string]any{"team": "c", "note": nil, "empty": "\u00a0\t\u3000 "}},
		map[string]any{"email": "p4@example.com"},
	)
	// Counts desc, then key in byte order ("Z-key" < "a_key" < "b_key");
	// null and blank values ("note", "empty") are no value.
	want := []ttKey{{"team", 3}, {"seats", 2}, {"Z-key", 1}, {"a_key", 1}, {"b_key", 1}}
	if got := ttKeys(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("after adds: got %+v, want %+v", got, want)
	}

	// A merge patch removing a key (and one setting a new one).
	res := mtUpdate(a, c, ids[0], map[string]any{"customFields": map[string]any{"team": nil, "b_key": nil, "note": "hi"}})
	if len(res.UserErrors) > 0 {
		t.Fatalf("update: %+v", res.UserErrors)
	}
	want = []ttKey{{"seats", 2}, {"team", 2}, {"Z-key", 1}, {"a_key", 1}, {"note", 1}}
	if got := ttKeys(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("after updateProspect: got %+v, want %+v", got, want)
	}

	// Removing prospects takes their keys away.
	if r := removeProspects(a, c, ids[:2]); r.Removed != 2 {
		t.Fatalf("remove: %+v", r)
	}
	want = []ttKey{{"team", 1}}
	if got := ttKeys(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("after removeProspects: got %+v, want %+v", got, want)
	}

	// Other campaigns' keys never leak in.
	c2 := a.createCampaign("EMAIL")
	ttAdd(a, c2, map[string]any{"email": "q@example.com", "customFields": map[string]any{"elsewhere": 1}})
	if got := ttKeys(a, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("with another campaign's keys: got %+v, want %+v", got, want)
	}
}

func TestCustomFieldKeysNotFound(t *testing.T) {
	t.Parallel()
	alice, mallory := newAPI(t), newAPI(t)
	c := alice.createCampaign("EMAIL")
	ttAdd(alice, c, map[string]any{"email": "jane@example.com", "customFields": map[string]any{"team": "a"}})

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
			requireTopError(t, tt.as.do(ttKeysQuery, map[string]any{"c": tt.campaign}), "customFieldKeys", "NOT_FOUND")
		})
	}
}
