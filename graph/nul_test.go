package graph_test

// NUL characters (SPEC §4): what PostgreSQL cannot store is bad input. A
// NUL in any text, in any string or key of custom fields, or in a campaign's
// name is a BAD_USER_INPUT userError naming the field, and nothing is
// written; a NUL makes the other identity invalid, so it is left out.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"roster/httpapi"
)

// nulPath is one way addProspects' rows are decoded: the typed rows of
// httpapi/vars.go, or gqlgen's generic way.
type nulPath struct {
	name  string
	srv   fastServer
	typed bool
	adds  atomic.Int64 // requests sent that the typed rows must have read
}

// nulPaths starts a server of each kind.
func nulPaths(t *testing.T) []*nulPath {
	typed, generic := serverPair(t, func(o *httpapi.Options) { o.NoTypedRows = true })
	return []*nulPath{{name: "typed rows", srv: typed, typed: true}, {name: "generic", srv: generic}}
}

// on is a client of the path's server acting as a's subject.
func (p *nulPath) on(t *testing.T, a *api) *api {
	return &api{t: t, url: p.srv.url, sub: a.sub, token: a.token}
}

// requireTypedUsed checks, once the path's subtests are done, that the
// typed rows read every add sent to the typed server and none went the
// generic way.
func (p *nulPath) requireTypedUsed(t *testing.T, before int) {
	t.Helper()
	want := 0
	if p.typed {
		want = int(p.adds.Load())
	}
	if got := p.srv.counter(t, "roster_add_typed_rows_total") - before; got != want {
		t.Fatalf("%s: the typed rows read %d adds, want %d", p.name, got, want)
	}
}

// nulRequireRowError checks the one userError of a batch refused for a NUL
// in prospects[index].field.
func nulRequireRowError(t testing.TB, res addResult, index int, field string) {
	t.Helper()
	requireRowErrors(t, res, []rowWant{{index, field}})
	if msg := res.UserErrors[0].Message; !strings.Contains(msg, fmt.Sprintf("prospects[%d].%s contains a NUL character", index, field)) {
		t.Fatalf("message %q does not say prospects[%d].%s contains a NUL character", msg, index, field)
	}
}

// nulTextFields are ProspectInput's and ProspectPatch's text fields other
// than the identities.
var nulTextFields = []string{"firstName", "lastName", "company", "title", "phone", "location"}

// TestAddProspectsNUL: a NUL in any field of a row refuses the whole
// batch with a userError at that row and field, on both decoding paths,
// dry or not; nothing is written, and no error is internal.
func TestAddProspectsNUL(t *testing.T) {
	t.Parallel()
	type tc struct {
		name    string
		channel string
		bad     map[string]any // row 3 of the batch; rows 0 to 2 are good
		field   string
	}
	var cases []tc
	for _, f := range nulTextFields {
		for _, v := range []string{"a\x00b", "\x00", "  \x00  ", "\x00" + strings.Repeat("x", 600)} {
			cases = append(cases, tc{fmt.Sprintf("%s %q", f, truncateName(v)), "EMAIL",
				map[string]any{"email": "bad@example.com", f: v}, f})
		}
	}
	cf := func(v any) map[string]any { return map[string]any{"email": "bad@example.com", "customFields": v} }
	cases = append(cases,
		tc{"email, the required identity", "EMAIL", map[string]any{"email": "jane\x00@example.com"}, "email"},
		tc{"email, a NUL alone", "EMAIL", map[string]any{"email": "\x00"}, "email"},
		tc{"linkedinUrl, the required identity", "LINKEDIN", map[string]any{"linkedinUrl": "linkedin.com/in/ja\x00ne"}, "linkedinUrl"},
		tc{"linkedinUrl, a NUL in the query", "LINKEDIN", map[string]any{"linkedinUrl": "linkedin.com/in/jane?x=\x00"}, "linkedinUrl"},
		tc{"customFields value", "EMAIL", cf(map[string]any{"k": "a\x00b"}), "customFields"},
		tc{"customFields value, LinkedIn campaign", "LINKEDIN",
			map[string]any{"linkedinUrl": "linkedin.com/in/bad", "customFields": map[string]any{"k": "\x00"}}, "customFields"},
		tc{"customFields nested object value", "EMAIL", cf(map[string]any{"k": map[string]any{"n": map[string]any{"m": "\x00"}}}), "customFields"},
		tc{"customFields nested array value", "EMAIL", cf(map[string]any{"k": []any{"ok", 1, []any{true, "x\x00"}}}), "customFields"},
		tc{"customFields nested key", "EMAIL", cf(map[string]any{"k": map[string]any{"n\x00": 1}}), "customFields"},
		tc{"customFields nested key in an array", "EMAIL", cf(map[string]any{"k": []any{map[string]any{"\x00": nil}}}), "customFields"},
		tc{"customFields key", "EMAIL", cf(map[string]any{"k\x00": 1}), "customFields"},
		// One userError per row, at its first bad field; its message
		// says every problem.
		tc{"every field of the row", "EMAIL", map[string]any{
			"email": "a\x00@example.com", "linkedinUrl": "\x00", "firstName": "\x00", "lastName": "\x00", "company": "\x00",
			"title": "\x00", "phone": "\x00", "location": "\x00", "customFields": map[string]any{"k": "\x00"},
		}, "email"},
	)
	paths := nulPaths(t)
	for _, p := range paths {
		before := p.srv.counter(t, "roster_add_typed_rows_total")
		t.Run(p.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					a := p.on(t, newAPI(t))
					good := []map[string]any{channelRow(c.channel, 0), channelRow(c.channel, 1), channelRow(c.channel, 2)}
					id := seedCampaign(t, a, c.channel, good[:1])
					p.adds.Add(1)
					rows := append(good, c.bad)
					for _, dry := range []bool{true, false} {
						res := a.add(id, rows, dry)
						p.adds.Add(1)
						nulRequireRowError(t, res, 3, c.field)
						if res.DryRun != dry {
							t.Fatalf("dryRun %v, want %v", res.DryRun, dry)
						}
						requireWroteNothing(t, a, res, id, 1)
					}
					if res := a.add(id, rows[:3], false); res.Imported != 2 || res.Duplicates != 1 {
						t.Fatalf("the batch without its bad row: %+v", res)
					}
					p.adds.Add(1)
				})
			}
		})
		p.requireTypedUsed(t, before)
	}

	t.Run("several rows", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		id := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
		rows := []map[string]any{
			{"email": "a@example.com"},
			{"email": "b@example.com", "title": "x\x00"},
			{"email": "c@example.com"},
			{"email": "d@example.com", "customFields": map[string]any{"k": []any{"\x00"}}},
			{"email": "e@example.com", "company": strings.Repeat("c", 501)},
		}
		res := a.add(id, rows, false)
		requireRowErrors(t, res, []rowWant{{1, "title"}, {3, "customFields"}, {4, "company"}})
		requireWroteNothing(t, a, res, id, 1)
	})
}

func truncateName(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// TestAddProspectsNULOtherIdentity: a NUL makes the other identity
// invalid, and an invalid other identity is left out (SPEC §5): the row is
// imported without it, on both decoding paths.
func TestAddProspectsNULOtherIdentity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, channel string
		row           map[string]any
		email, url    *string
	}{
		{"email campaign, url with a NUL", "EMAIL",
			map[string]any{"email": "jane@example.com", "linkedinUrl": "linkedin.com/in/ja\x00ne"}, ptr("jane@example.com"), nil},
		{"email campaign, url a NUL alone", "EMAIL",
			map[string]any{"email": "jane@example.com", "linkedinUrl": "\x00"}, ptr("jane@example.com"), nil},
		{"linkedin campaign, email with a NUL", "LINKEDIN",
			map[string]any{"linkedinUrl": "linkedin.com/in/jane", "email": "jane@example.com\x00"}, nil, ptr("linkedin.com/in/jane")},
	}
	for _, p := range nulPaths(t) {
		before := p.srv.counter(t, "roster_add_typed_rows_total")
		t.Run(p.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					a := p.on(t, newAPI(t))
					id := a.createCampaign(c.channel)
					for _, dry := range []bool{true, false} {
						res := a.add(id, []map[string]any{c.row}, dry)
						p.adds.Add(1)
						if len(res.UserErrors) != 0 || res.Imported != 1 {
							t.Fatalf("dry run %v: the other identity must never fail a row: %+v", dry, res)
						}
					}
					stored := listAll(t, a, id)
					if len(stored) != 1 || deref(stored[0].Email) != deref(c.email) || deref(stored[0].LinkedinURL) != deref(c.url) {
						t.Fatalf("stored %+v, want email %q linkedinUrl %q", stored, deref(c.email), deref(c.url))
					}
					requireStatsMatchRoster(t, id)
				})
			}
		})
		p.requireTypedUsed(t, before)
	}
}

// TestUpdateProspectNUL: a NUL in any field of a patch is a userError at
// input.<field>, and nothing is written; the prospect stays as it was and
// takes a valid update afterwards (a patch holding a NUL in customFields
// used to be accepted, stored as the six characters \u0000, and break
// every later update of the prospect).
func TestUpdateProspectNUL(t *testing.T) {
	t.Parallel()
	type tcase struct {
		name    string
		channel string
		in      map[string]any
		field   string
	}
	var cases []tcase
	for _, f := range nulTextFields {
		for _, v := range []string{"a\x00b", "\x00", " \x00 "} {
			cases = append(cases, tcase{fmt.Sprintf("%s %q", f, v), "EMAIL", map[string]any{f: v}, f})
		}
	}
	cf := func(v map[string]any) map[string]any { return map[string]any{"customFields": v} }
	cases = append(cases,
		tcase{"email, the required identity", "EMAIL", map[string]any{"email": "jane\x00@example.com"}, "email"},
		tcase{"email, a NUL alone", "EMAIL", map[string]any{"email": "\x00"}, "email"},
		tcase{"linkedinUrl, the other identity given", "EMAIL", map[string]any{"linkedinUrl": "linkedin.com/in/ja\x00ne"}, "linkedinUrl"},
		tcase{"linkedinUrl, the required identity", "LINKEDIN", map[string]any{"linkedinUrl": "linkedin.com/in/jane#\x00"}, "linkedinUrl"},
		tcase{"email, the other identity given", "LINKEDIN", map[string]any{"email": "\x00jane@example.com"}, "email"},
		tcase{"customFields value", "EMAIL", cf(map[string]any{"k": "x\x00y"}), "customFields"},
		tcase{"customFields value replacing a kept one", "EMAIL", cf(map[string]any{"keep": "\x00"}), "customFields"},
		tcase{"customFields nested object value", "EMAIL", cf(map[string]any{"nested": map[string]any{"x": "\x00"}}), "customFields"},
		tcase{"customFields nested array value", "EMAIL", cf(map[string]any{"k": []any{[]any{"\x00"}}}), "customFields"},
		tcase{"customFields nested key", "EMAIL", cf(map[string]any{"nested": map[string]any{"z\x00": 1}}), "customFields"},
		tcase{"customFields key", "EMAIL", cf(map[string]any{"k\x00": 1}), "customFields"},
		// Refused where the patch is read, though the merge would drop it.
		tcase{"customFields key removed", "EMAIL", cf(map[string]any{"k\x00": nil}), "customFields"},
		tcase{"customFields nested key removed", "EMAIL", cf(map[string]any{"nested": map[string]any{"x\x00": nil}}), "customFields"},
		tcase{"customFields value, LinkedIn campaign", "LINKEDIN", cf(map[string]any{"k": "\x00"}), "customFields"},
		// A valid change beside the bad one: nothing of the patch is written.
		tcase{"good fields and a NUL", "EMAIL", map[string]any{
			"firstName": "Changed", "email": "changed@example.com", "customFields": map[string]any{"a": 2}, "location": "\x00",
		}, "location"},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, p, _ := updateFixture(a, tc.channel)
			before := ownerSnapshot(t, a.sub)
			res := patchProspect(a, c, p.ID, tc.in)
			e := requireOneError(t, res.UserErrors, "BAD_USER_INPUT", "input", tc.field)
			if want := "input." + tc.field + " contains a NUL character"; !strings.Contains(e.Message, want) {
				t.Fatalf("message %q does not say %q", e.Message, want)
			}
			if e.Index != nil {
				t.Fatalf("index %d on an updateProspect userError", *e.Index)
			}
			if res.Prospect != nil {
				t.Fatalf("a prospect came back with the userError: %+v", res.Prospect)
			}
			requireUnchanged(t, a.sub, before)
			requireStatsMatchRoster(t, c)
			if got := getProspect(a, c, p.ID); !nulSameProspect(got, &p) {
				t.Fatalf("prospect after the refused patch %+v, want %+v", profileOf(got), profileOf(&p))
			}
			// The prospect takes a valid update afterwards.
			res = patchProspect(a, c, p.ID, map[string]any{"firstName": "After", "customFields": map[string]any{"after": true}})
			requireNoErrors(t, res.UserErrors)
			if res.Prospect == nil || deref(res.Prospect.FirstName) != "After" || res.Prospect.CustomFields["after"] != true ||
				res.Prospect.CustomFields["keep"] != "k" {
				t.Fatalf("the valid update after: %+v", res.Prospect)
			}
		})
	}
}

// nulSameProspect: the same profile, status and updatedAt.
func nulSameProspect(a, b *prospect) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := profileOf(a), profileOf(b)
	for k, v := range x {
		if y[k] != v {
			return false
		}
	}
	return a.UpdatedAt == b.UpdatedAt && a.Status == b.Status
}

// TestCreateCampaignNUL: a NUL in the name is a userError at input.name,
// and no campaign is created.
func TestCreateCampaignNUL(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a\x00b", "\x00", "  \x00  ", "\x00" + strings.Repeat("n", 300)} {
		t.Run(fmt.Sprintf("%q", truncateName(name)), func(t *testing.T) {
			t.Parallel()
			for _, e := range requireNameRefused(t, name) {
				if !strings.Contains(e.Message, "input.name contains a NUL character") {
					t.Fatalf("message %q does not say input.name contains a NUL character", e.Message)
				}
			}
		})
	}
}

// TestUpdateProspectKeepsBackslashU0000: the six characters \u0000 (a
// backslash, then "u0000") are storable text, not a NUL: added (on both
// decoding paths) or patched in, they are stored and answered as sent, and
// the prospect takes later updates. Bun's jsonb literal used to turn them
// into a NUL escape in the UPDATE, so every update of such a prospect
// failed with an internal error.
func TestUpdateProspectKeepsBackslashU0000(t *testing.T) {
	t.Parallel()
	const six = `x\u0000y`
	for _, p := range nulPaths(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			a := p.on(t, newAPI(t))
			c := a.createCampaign("EMAIL")
			res := a.add(c, []map[string]any{{"email": "six@example.com", "firstName": six,
				"customFields": map[string]any{"k": six, "n": map[string]any{six: []any{six}}}}}, false)
			if res.Imported != 1 {
				t.Fatalf("add: %+v", res)
			}
			id := res.Prospects[0].ID
			requireSix := func(got *prospect, added bool) {
				t.Helper()
				want := map[string]any{"k": six, "n": map[string]any{six: []any{six}}}
				if added {
					want["added"] = six
				}
				gotJSON, _ := json.Marshal(got.CustomFields)
				wantJSON, _ := json.Marshal(want)
				if string(gotJSON) != string(wantJSON) || deref(got.FirstName) != six {
					t.Fatalf("customFields %s firstName %q, want %s and %q", gotJSON, deref(got.FirstName), wantJSON, six)
				}
			}
			requireSix(getProspect(a, c, id), false)
			for _, u := range []struct {
				patch map[string]any
				added bool
			}{
				{map[string]any{"company": "Acme"}, false},
				{map[string]any{"customFields": map[string]any{"added": six}}, true},
				{map[string]any{"lastName": six}, true},
			} {
				r := patchProspect(a, c, id, u.patch)
				requireNoErrors(t, r.UserErrors)
				requireSix(r.Prospect, u.added)
			}
			requireSix(getProspect(a, c, id), true)
			if got := sqlString(t, `SELECT custom_fields->>'k' FROM prospects WHERE id = ?`, id); got != six {
				t.Fatalf("stored %q, want the six characters %q", got, six)
			}
			if got := sqlString(t, `SELECT last_name FROM prospects WHERE id = ?`, id); got != six {
				t.Fatalf("stored last name %q, want %q", got, six)
			}
		})
	}
}

// TestRenderTemplateNUL: a template is never stored, so a NUL in it is
// rendered like any other character, never an internal error.
func TestRenderTemplateNUL(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	res := a.add(c, []map[string]any{{"email": "jane@example.com", "firstName": "Jane"}}, false)
	var out struct {
		RenderTemplate *struct {
			Text    string   `json:"text"`
			Missing []string `json:"missing"`
		} `json:"renderTemplate"`
	}
	a.query(`query($c: UUID!, $p: UUID!, $t: String!) { renderTemplate(campaignId: $c, prospectId: $p, template: $t) { text missing } }`,
		map[string]any{"c": c, "p": res.Prospects[0].ID, "t": "Hi\x00 %first_name%\x00%company%"}, &out)
	if r := out.RenderTemplate; r == nil || r.Text != "Hi\x00 Jane\x00" || !slices.Equal(r.Missing, []string{"%company%"}) {
		t.Fatalf("rendered %+v", r)
	}
}

// TestNULInQueryArguments: a NUL anywhere else a client can put one (an
// argument of any query or mutation, a GraphQL string literal, the
// document, the operation name) ends with the contract's code, never an
// internal error: arguments are UUIDs, enums, cursors and numbers, which
// refuse a NUL as any other bad value, and the texts that are stored go
// through the row rules.
func TestNULInQueryArguments(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	pid := a.add(c, emails("jane@example.com"), false).Prospects[0].ID
	q := func(query string) string { b, _ := json.Marshal(query); return string(b) }
	cases := []struct {
		name, body string
		code       string // the top-level error's code, or "" for data
		userError  string // the payload's userError field path, or ""
	}{
		{"a cursor", `{"query":` + q(`query($c: UUID!, $a: Cursor) { prospects(campaignId: $c, after: $a) { totalCount } }`) + `,"variables":{"c":"` + c + `","a":"AQ\u0000"}}`, "BAD_USER_INPUT", ""},
		{"a cursor, nodes read", `{"query":` + q(`query($c: UUID!, $a: Cursor) { prospects(campaignId: $c, after: $a) { nodes { id } } }`) + `,"variables":{"c":"` + c + `","a":"\u0000"}}`, "BAD_USER_INPUT", ""},
		{"a campaign id", `{"query":` + q(`query($c: UUID!) { prospects(campaignId: $c) { totalCount } }`) + `,"variables":{"c":"` + c[:35] + `\u0000"}}`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"a prospect id", `{"query":` + q(`query($c: UUID!, $p: UUID!) { prospect(campaignId: $c, id: $p) { id } }`) + `,"variables":{"c":"` + c + `","p":"\u0000"}}`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"a campaign status", `{"query":` + q(`query($s: CampaignStatus) { campaigns(status: $s) { totalCount } }`) + `,"variables":{"s":"DRAFT\u0000"}}`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"a prospect status", `{"query":` + q(`query($c: UUID!, $s: ProspectStatus) { prospects(campaignId: $c, status: $s) { totalCount } }`) + `,"variables":{"c":"` + c + `","s":"\u0000"}}`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"a transition", `{"query":` + q(`mutation($c: UUID!, $to: CampaignStatus!) { transitionCampaign(id: $c, to: $to) { userErrors { code } } }`) + `,"variables":{"c":"` + c + `","to":"LAUNCHING\u0000"}}`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"ids to remove", `{"query":` + q(`mutation($c: UUID!, $ids: [UUID!]!) { removeProspects(campaignId: $c, ids: $ids) { removed } }`) + `,"variables":{"c":"` + c + `","ids":["\u0000"]}}`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"the document", `{"query":"{ campaigns { totalCount } }\u0000"}`, "GRAPHQL_PARSE_FAILED", ""},
		{"the operation name", `{"query":"query A { campaigns { totalCount } }","operationName":"A\u0000"}`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"a name as a string literal", `{"query":` + q(`mutation { createCampaign(input: {name: "a\u0000b", channel: EMAIL}) { userErrors { code field } } }`) + `}`, "", `["input","name"]`},
		{"a row as a literal", `{"query":` + q(`mutation($c: UUID!) { addProspects(campaignId: $c, prospects: [{email: "a@example.com", company: "\u0000"}]) { userErrors { code field } } }`) + `,"variables":{"c":"` + c + `"}}`, "", `["prospects","0","company"]`},
		{"a patch as a literal", `{"query":` + q(`mutation($c: UUID!, $p: UUID!) { updateProspect(campaignId: $c, id: $p, input: {customFields: {a: {b: "\u0000"}}}) { userErrors { code field } } }`) + `,"variables":{"c":"` + c + `","p":"` + pid + `"}}`, "", `["input","customFields"]`},
		{"a template", `{"query":` + q(`query($c: UUID!, $p: UUID!, $t: String!) { renderTemplate(campaignId: $c, prospectId: $p, template: $t) { text } }`) + `,"variables":{"c":"` + c + `","p":"` + pid + `","t":"\u0000%email%"}}`, "", ""},
		{"an unused variable and its name", `{"query":"{ campaigns { totalCount } }","variables":{"\u0000":"\u0000"}}`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := htResponse(t, htDo(t, http.MethodPost, a.url, "/graphql", []byte(tc.body), htBearer(a.token)))
			for _, e := range r.Errors {
				if e.Code() == "INTERNAL_SERVER_ERROR" {
					t.Fatalf("an internal error: %+v", r.Errors)
				}
			}
			switch {
			case tc.code != "":
				if len(r.Errors) != 1 || r.Errors[0].Code() != tc.code {
					t.Fatalf("HTTP %d errors %+v, want one %s", r.Status, r.Errors, tc.code)
				}
			case len(r.Errors) != 0 || r.Status != http.StatusOK:
				t.Fatalf("HTTP %d errors %+v", r.Status, r.Errors)
			case tc.userError != "":
				if want := `{"code":"BAD_USER_INPUT","field":` + tc.userError + `}`; !strings.Contains(string(r.Data), want) {
					t.Fatalf("data %s, want the userError %s", r.Data, want)
				}
			}
		})
	}
	// A GET of the list, which the list's fast path may answer.
	u := "/graphql?query=" + url.QueryEscape(`query($c: UUID!, $a: Cursor) { prospects(campaignId: $c, after: $a) { nodes { id } } }`) +
		"&variables=" + url.QueryEscape(`{"c":"`+c+`","a":"\u0000"}`)
	if r := htResponse(t, htDo(t, http.MethodGet, a.url, u, nil, htBearer(a.token))); len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Fatalf("GET with a NUL cursor: HTTP %d errors %+v", r.Status, r.Errors)
	}
	// Nothing of the refused mutations was written.
	if n := sqlInt(t, `SELECT count(*) FROM campaigns WHERE owner = ?`, a.sub); n != 1 {
		t.Fatalf("%d campaigns, want 1", n)
	}
	if p := getProspect(a, c, pid); p == nil || len(p.CustomFields) != 0 || p.Company != nil {
		t.Fatalf("the prospect changed: %+v", p)
	}
	requireStatsMatchRoster(t, c)
	if got := campaignOf(t, a, c).Stats["total"]; got != 1 {
		t.Fatalf("stats total %d, want 1", got)
	}
}
