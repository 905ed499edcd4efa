package graph_test

// updateProspect (SPEC §7): patches of each field, identity changes and their
// dedup, custom fields' merge and limits, what is refused.

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// profileOf is a prospect's profile fields, for comparisons.
func profileOf(p *prospect) map[string]any {
	s := func(v *string) any {
		if v == nil {
			return nil
		}
		return *v
	}
	cf, _ := json.Marshal(p.CustomFields)
	return map[string]any{
		"email": s(p.Email), "linkedinUrl": s(p.LinkedinURL), "firstName": s(p.FirstName),
		"lastName": s(p.LastName), "company": s(p.Company), "title": s(p.Title),
		"phone": s(p.Phone), "location": s(p.Location), "customFields": string(cf),
	}
}

// compactJSON normalizes a JSON object text (Go sorts map keys).
func compactJSON(t testing.TB, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

var textFields = []string{"firstName", "lastName", "company", "title", "phone", "location"}

const fixtureCustomFields = `{"a": 1, "keep": "k", "nested": {"x": 1, "y": 2}}`

// updateFixture makes a DRAFT campaign of the channel (EMAIL when
// empty) with two prospects: the target, every field set, and another one. The target's
// updated_at is set far in the past so that an update visibly moves it.
func updateFixture(a *api, channel string) (c string, target, other prospect) {
	t := a.t
	t.Helper()
	if channel == "" {
		channel = "EMAIL"
	}
	var cf map[string]any
	_ = json.Unmarshal([]byte(fixtureCustomFields), &cf)
	full := map[string]any{
		"firstName": "Jane", "lastName": "Doe", "company": "Acme", "title": "CTO",
		"phone": "+33 1 23 45 67 89", "location": "Paris", "customFields": cf,
	}
	var second map[string]any
	if channel == "LINKEDIN" {
		full["linkedinUrl"] = "https://www.linkedin.com/in/jane-doe"
		full["email"] = "jane.doe@example.com"
		second = map[string]any{"linkedinUrl": "linkedin.com/in/other-person", "firstName": "Other"}
	} else {
		full["email"] = "Jane.Doe@Example.com"
		full["linkedinUrl"] = "https://www.linkedin.com/in/jane-doe"
		second = map[string]any{"email": "other@example.com", "firstName": "Other", "linkedinUrl": "linkedin.com/in/other-person"}
	}
	c = a.createCampaign(channel)
	res := a.add(c, []map[string]any{full, second}, false)
	if res.Imported != 2 || len(res.UserErrors) != 0 {
		t.Fatalf("fixture add: %+v", res)
	}
	sqlExec(t, `UPDATE prospects SET updated_at = '2001-02-03T04:05:06Z' WHERE campaign_id = ?`, c)
	target, other = *getProspect(a, c, res.Prospects[0].ID), *getProspect(a, c, res.Prospects[1].ID)
	if target.Email == nil || target.LinkedinURL == nil || target.Location == nil || len(target.CustomFields) != 3 {
		t.Fatalf("fixture prospect lacks fields: %+v", target)
	}
	return c, target, other
}

func TestUpdateProspect(t *testing.T) {
	t.Parallel()
	long500 := strings.Repeat("é", 500)
	type change = map[string]any // field -> expected value (nil: cleared)
	cases := []struct {
		name    string
		channel string
		in      map[string]any
		want    change
		// identity is the normalized identity the row must hold after.
		identity string
	}{
		{name: "empty patch keeps everything", in: map[string]any{}, want: change{}},
		{name: "omitted fields stay", in: map[string]any{"firstName": "Janet"}, want: change{"firstName": "Janet"}},
		{name: "explicit null clears", in: map[string]any{"lastName": nil}, want: change{"lastName": nil}},
		{name: "blank string clears", in: map[string]any{"company": "   "}, want: change{"company": nil}},
		{name: "empty string clears", in: map[string]any{"phone": ""}, want: change{"phone": nil}},
		{name: "trimmed", in: map[string]any{"title": " \t VP Sales \n"}, want: change{"title": "VP Sales"}},
		{name: "500 characters", in: map[string]any{"location": long500}, want: change{"location": long500}},
		{name: "500 characters after trimming", in: map[string]any{"phone": "   " + long500 + "   "}, want: change{"phone": long500}},
		{
			name: "every text field cleared",
			in:   map[string]any{"firstName": nil, "lastName": nil, "company": "", "title": " ", "phone": nil, "location": nil},
			want: change{"firstName": nil, "lastName": nil, "company": nil, "title": nil, "phone": nil, "location": nil},
		},
		{
			name: "several fields at once",
			in:   map[string]any{"firstName": " Ann ", "lastName": nil, "company": "Initech"},
			want: change{"firstName": "Ann", "lastName": nil, "company": "Initech"},
		},
		{name: "other identity cleared by null", in: map[string]any{"linkedinUrl": nil}, want: change{"linkedinUrl": nil}},
		{name: "other identity cleared by blank", in: map[string]any{"linkedinUrl": "  "}, want: change{"linkedinUrl": nil}},
		{
			name: "other identity set, stored trimmed as submitted",
			in:   map[string]any{"linkedinUrl": "  linkedin.com/in/New-Slug  "},
			want: change{"linkedinUrl": "linkedin.com/in/New-Slug"},
		},
		{
			name: "other identity may equal another prospect's",
			in:   map[string]any{"linkedinUrl": "https://www.linkedin.com/in/other-person"},
			want: change{"linkedinUrl": "https://www.linkedin.com/in/other-person"},
		},
		{
			name:     "required identity to its own case variant",
			in:       map[string]any{"email": "  JANE.DOE@example.COM "},
			want:     change{"email": "JANE.DOE@example.COM"},
			identity: "jane.doe@example.com",
		},
		{
			name:     "required identity to a new address",
			in:       map[string]any{"email": "New.Address@example.com"},
			want:     change{"email": "New.Address@example.com"},
			identity: "new.address@example.com",
		},
		{
			name: "customFields: a key is set",
			in:   map[string]any{"customFields": map[string]any{"b": "two", "a": 5}},
			want: change{"customFields": `{"a": 5, "b": "two", "keep": "k", "nested": {"x": 1, "y": 2}}`},
		},
		{
			name: "customFields: null removes a key",
			in:   map[string]any{"customFields": map[string]any{"a": nil}},
			want: change{"customFields": `{"keep": "k", "nested": {"x": 1, "y": 2}}`},
		},
		{
			name: "customFields: nested objects merge",
			in:   map[string]any{"customFields": map[string]any{"nested": map[string]any{"x": nil, "z": []any{1, 2}}}},
			want: change{"customFields": `{"a": 1, "keep": "k", "nested": {"y": 2, "z": [1, 2]}}`},
		},
		{
			name: "customFields: a value changes type",
			in:   map[string]any{"customFields": map[string]any{"keep": map[string]any{"deep": true}, "nested": "flat"}},
			want: change{"customFields": `{"a": 1, "keep": {"deep": true}, "nested": "flat"}`},
		},
		{
			name: "customFields: removing an absent key",
			in:   map[string]any{"customFields": map[string]any{"missing": nil}},
			want: change{},
		},
		{name: "customFields: empty object", in: map[string]any{"customFields": map[string]any{}}, want: change{}},
		{name: "customFields: explicit null clears all", in: map[string]any{"customFields": nil}, want: change{"customFields": `{}`}},
		{
			name: "customFields: keys of 64 characters, digits, _ and -",
			in:   map[string]any{"customFields": map[string]any{strings.Repeat("k", 64): 1, "A_b-9": "v"}},
			want: change{"customFields": `{"a": 1, "keep": "k", "nested": {"x": 1, "y": 2}, "A_b-9": "v", "` + strings.Repeat("k", 64) + `": 1}`},
		},
		// LINKEDIN campaigns: linkedinUrl is the required identity.
		{
			name: "linkedin: email (other identity) cleared", channel: "LINKEDIN",
			in: map[string]any{"email": nil}, want: change{"email": nil},
		},
		{
			name: "linkedin: email set", channel: "LINKEDIN",
			in: map[string]any{"email": " jd@example.org "}, want: change{"email": "jd@example.org"},
		},
		{
			name: "linkedin: required identity to its own variant", channel: "LINKEDIN",
			in:       map[string]any{"linkedinUrl": " HTTP://UK.LinkedIn.com/in/Jane-Doe/?trk=x "},
			want:     change{"linkedinUrl": "HTTP://UK.LinkedIn.com/in/Jane-Doe/?trk=x"},
			identity: "https://www.linkedin.com/in/jane-doe",
		},
		{
			name: "linkedin: required identity to a new profile", channel: "LINKEDIN",
			in:       map[string]any{"linkedinUrl": "linkedin.com/in/Someone-Else"},
			want:     change{"linkedinUrl": "linkedin.com/in/Someone-Else"},
			identity: "https://www.linkedin.com/in/someone-else",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, before, other := updateFixture(a, tc.channel)
			statsBefore := sqlString(t, `SELECT stats::text FROM campaigns WHERE id = ?`, c)

			res := patchProspect(a, c, before.ID, tc.in)
			requireNoErrors(t, res.UserErrors)
			if res.Prospect == nil {
				t.Fatal("no prospect in the payload")
			}
			want := profileOf(&before)
			for k, v := range tc.want {
				if k == "customFields" {
					v = compactJSON(t, v.(string))
				}
				want[k] = v
			}
			for _, p := range []*prospect{res.Prospect, getProspect(a, c, before.ID)} {
				if got := profileOf(p); !reflect.DeepEqual(got, want) {
					t.Fatalf("profile\n got %v\nwant %v", got, want)
				}
				if p.ID != before.ID || p.CampaignID != c || p.CreatedAt != before.CreatedAt {
					t.Fatalf("id, campaignId or createdAt moved: %+v, before %+v", p, before)
				}
				if p.Status != "PENDING" || p.Stage != "QUEUED" {
					t.Fatalf("status %s stage %s", p.Status, p.Stage)
				}
				if requireUTC(t, "updatedAt", p.UpdatedAt).Year() <= 2001 {
					t.Fatalf("updatedAt did not move: %s", p.UpdatedAt)
				}
			}
			if tc.identity != "" {
				if id := sqlString(t, `SELECT identity FROM prospects WHERE id = ?`, before.ID); id != tc.identity {
					t.Fatalf("identity %q, want %q", id, tc.identity)
				}
			}
			// The other prospect is untouched, and so are the stats.
			if got := getProspect(a, c, other.ID); !reflect.DeepEqual(got, &other) {
				t.Fatalf("other prospect changed: %+v, was %+v", got, other)
			}
			if s := sqlString(t, `SELECT stats::text FROM campaigns WHERE id = ?`, c); s != statsBefore {
				t.Fatalf("stats moved: %s, was %s", s, statsBefore)
			}
			requireStatsMatchRoster(t, c)
		})
	}
}

// TestUpdateProspectIdentityFreed checks that a changed identity frees the
// old one and takes the new one for deduplication.
func TestUpdateProspectIdentityFreed(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c, p, _ := updateFixture(a, "EMAIL")
	requireNoErrors(t, patchProspect(a, c, p.ID, map[string]any{"email": "moved@example.com"}).UserErrors)
	res := a.add(c, emails("jane.doe@EXAMPLE.com", "MOVED@example.com"), false)
	if res.Imported != 1 || res.Duplicates != 1 || res.DuplicateRows[0].Reason != "ALREADY_ON_ROSTER" ||
		res.DuplicateRows[0].Index != 1 || res.DuplicateRows[0].Prospect == nil || res.DuplicateRows[0].Prospect.ID != p.ID {
		t.Fatalf("add after the identity moved: %+v", res)
	}
	requireStatsMatchRoster(t, c)
}

func TestUpdateProspectRejected(t *testing.T) {
	t.Parallel()
	long501 := strings.Repeat("é", 501)
	type tcase struct {
		name    string
		channel string
		in      map[string]any
		code    string
		field   []string
	}
	cases := []tcase{
		{name: "required identity null", in: map[string]any{"email": nil}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "required identity empty", in: map[string]any{"email": ""}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "required identity blank", in: map[string]any{"email": " \t "}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "required identity invalid", in: map[string]any{"email": "not-an-email"}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "required identity with a display name", in: map[string]any{"email": "Jane <jane@example.com>"}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "required identity over 500 characters", in: map[string]any{"email": strings.Repeat("a", 600) + "@example.com"}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "other identity invalid", in: map[string]any{"linkedinUrl": "https://example.com/in/jane"}, code: "BAD_USER_INPUT", field: []string{"input", "linkedinUrl"}},
		{name: "other identity not a profile", in: map[string]any{"linkedinUrl": "https://www.linkedin.com/company/acme"}, code: "BAD_USER_INPUT", field: []string{"input", "linkedinUrl"}},
		{name: "other identity garbage", in: map[string]any{"linkedinUrl": "not a url"}, code: "BAD_USER_INPUT", field: []string{"input", "linkedinUrl"}},
		{name: "duplicate of another's identity", in: map[string]any{"email": "other@example.com"}, code: "DUPLICATE_PROSPECT", field: []string{"input", "email"}},
		{name: "duplicate of a case variant of another's", in: map[string]any{"email": "  OTHER@Example.COM "}, code: "DUPLICATE_PROSPECT", field: []string{"input", "email"}},
		{name: "customFields key with a space", in: map[string]any{"customFields": map[string]any{"bad key": 1}}, code: "BAD_USER_INPUT", field: []string{"input", "customFields"}},
		{name: "customFields key with a dot", in: map[string]any{"customFields": map[string]any{"a.b": 1}}, code: "BAD_USER_INPUT", field: []string{"input", "customFields"}},
		{name: "customFields empty key", in: map[string]any{"customFields": map[string]any{"": 1}}, code: "BAD_USER_INPUT", field: []string{"input", "customFields"}},
		{name: "customFields 65-character key", in: map[string]any{"customFields": map[string]any{strings.Repeat("k", 65): 1}}, code: "BAD_USER_INPUT", field: []string{"input", "customFields"}},
		// A valid change beside a bad one: nothing of the patch is written.
		{name: "good field and bad identity", in: map[string]any{"firstName": "Changed", "email": "nope"}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "good field and too-long field", in: map[string]any{"firstName": "Changed", "customFields": map[string]any{"x": 1}, "title": long501}, code: "BAD_USER_INPUT", field: []string{"input", "title"}},
		{name: "good field and duplicate", in: map[string]any{"company": "Changed", "email": "other@example.com"}, code: "DUPLICATE_PROSPECT", field: []string{"input", "email"}},
		// LINKEDIN campaigns.
		{name: "linkedin: required identity null", channel: "LINKEDIN", in: map[string]any{"linkedinUrl": nil}, code: "BAD_USER_INPUT", field: []string{"input", "linkedinUrl"}},
		{name: "linkedin: required identity blank", channel: "LINKEDIN", in: map[string]any{"linkedinUrl": "   "}, code: "BAD_USER_INPUT", field: []string{"input", "linkedinUrl"}},
		{name: "linkedin: required identity invalid", channel: "LINKEDIN", in: map[string]any{"linkedinUrl": "https://linkedin.com/in/"}, code: "BAD_USER_INPUT", field: []string{"input", "linkedinUrl"}},
		{name: "linkedin: other identity invalid", channel: "LINKEDIN", in: map[string]any{"email": "jane@"}, code: "BAD_USER_INPUT", field: []string{"input", "email"}},
		{name: "linkedin: duplicate of a variant of another's", channel: "LINKEDIN", in: map[string]any{"linkedinUrl": "http://www.LinkedIn.com/in/Other-Person/?x=1"}, code: "DUPLICATE_PROSPECT", field: []string{"input", "linkedinUrl"}},
	}
	for _, f := range textFields {
		cases = append(cases, tcase{
			name: f + " over 500 characters", in: map[string]any{f: long501},
			code: "BAD_USER_INPUT", field: []string{"input", f},
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, p, _ := updateFixture(a, tc.channel)
			before := ownerSnapshot(t, a.sub)
			res := patchProspect(a, c, p.ID, tc.in)
			requireOneError(t, res.UserErrors, tc.code, tc.field...)
			if res.Prospect != nil {
				t.Fatalf("a prospect came back with the userError: %+v", res.Prospect)
			}
			requireUnchanged(t, a.sub, before)
			requireStatsMatchRoster(t, c)
		})
	}
}

// TestUpdateProspectCustomFieldKeys: a merge patch that removes a key with
// a name no prospect could hold is harmless (the merged result is what the
// rules apply to); a merged result with a bad key cannot happen.
func TestUpdateProspectCustomFieldKeys(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c, p, _ := updateFixture(a, "EMAIL")
	res := patchProspect(a, c, p.ID, map[string]any{"customFields": map[string]any{"bad key": nil, "ok": 1}})
	requireNoErrors(t, res.UserErrors)
	if got, want := profileOf(res.Prospect)["customFields"], compactJSON(t, `{"a": 1, "keep": "k", "nested": {"x": 1, "y": 2}, "ok": 1}`); got != want {
		t.Fatalf("customFields %s, want %s", got, want)
	}
}

// TestUpdateProspectCustomFieldsSize: the 4096-byte limit applies to the
// merged result, in bytes of compact UTF-8 JSON.
func TestUpdateProspectCustomFieldsSize(t *testing.T) {
	t.Parallel()
	// {"k":"<s>"} is 8 bytes plus s.
	cases := []struct {
		name  string
		start map[string]any
		patch map[string]any
		ok    bool
	}{
		{"each part fits, the merge does not",
			map[string]any{"blob": strings.Repeat("x", 3000)}, map[string]any{"more": strings.Repeat("y", 1100)}, false},
		{"room made by removing a key",
			map[string]any{"blob": strings.Repeat("x", 3000)}, map[string]any{"blob": nil, "more": strings.Repeat("y", 3500)}, true},
		{"exactly 4096 bytes",
			map[string]any{}, map[string]any{"k": strings.Repeat("x", 4088)}, true},
		{"4097 bytes",
			map[string]any{}, map[string]any{"k": strings.Repeat("x", 4089)}, false},
		{"4096 bytes of two-byte characters",
			map[string]any{}, map[string]any{"k": strings.Repeat("é", 2044)}, true},
		{"2045 two-byte characters are 4098 bytes",
			map[string]any{}, map[string]any{"k": strings.Repeat("é", 2045)}, false},
		{"replacing a value with a bigger one",
			map[string]any{"k": strings.Repeat("x", 4000)}, map[string]any{"k": strings.Repeat("x", 4089)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := a.createCampaign("EMAIL")
			add := a.add(c, []map[string]any{{"email": "big@example.com", "customFields": tc.start}}, false)
			if add.Imported != 1 {
				t.Fatalf("add: %+v", add)
			}
			id := add.Prospects[0].ID
			before := ownerSnapshot(t, a.sub)
			res := patchProspect(a, c, id, map[string]any{"customFields": tc.patch})
			if !tc.ok {
				requireOneError(t, res.UserErrors, "BAD_USER_INPUT", "input", "customFields")
				requireUnchanged(t, a.sub, before)
				return
			}
			requireNoErrors(t, res.UserErrors)
			n := sqlInt(t, `SELECT octet_length(custom_fields::text) FROM prospects WHERE id = ?`, id)
			if n == 0 || res.Prospect == nil {
				t.Fatalf("nothing stored: %+v", res)
			}
			for k, v := range tc.patch {
				if got, ok := res.Prospect.CustomFields[k]; v == nil && ok || v != nil && got != v {
					t.Fatalf("customFields[%q] = %v", k, got)
				}
			}
		})
	}
}

// TestUpdateProspectKeepsNumbersExact: "values are any JSON", so a merge
// patch must not round the integers a client stored (JSON numbers beyond
// 2^53 included) nor the ones it adds.
func TestUpdateProspectKeepsNumbersExact(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	add := a.add(c, []map[string]any{{"email": "n@example.com",
		"customFields": map[string]any{"big": json.Number("12345678901234567890"), "f": json.Number("0.1")}}}, false)
	if add.Imported != 1 {
		t.Fatalf("add: %+v", add)
	}
	r := a.do(updateMutation, map[string]any{"c": c, "id": add.Prospects[0].ID,
		"in": map[string]any{"customFields": map[string]any{"more": json.Number("9007199254740993"), "neg": json.Number("-9223372036854775809")}}})
	if len(r.Errors) != 0 {
		t.Fatalf("errors %+v", r.Errors)
	}
	for _, want := range []string{`"big":12345678901234567890`, `"more":9007199254740993`, `"neg":-9223372036854775809`, `"f":0.1`} {
		if !strings.Contains(string(r.Data), want) {
			t.Fatalf("%s lost %s", r.Data, want)
		}
		if stored := sqlString(t, `SELECT custom_fields::text FROM prospects WHERE id = ?`, add.Prospects[0].ID); !strings.Contains(strings.ReplaceAll(stored, " ", ""), want) {
			t.Fatalf("stored %s lost %s", stored, want)
		}
	}
}

// TestUpdateProspectNeverMovesStatus: a profile edit keeps the status the
// sending engine gave, and the stats with it.
func TestUpdateProspectNeverMovesStatus(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c, p, _ := updateFixture(a, "EMAIL")
	sqlExec(t, `UPDATE prospects SET status = 'replied' WHERE id = ?`, p.ID)
	requireStatsMatchRoster(t, c)
	stats := sqlString(t, `SELECT stats::text FROM campaigns WHERE id = ?`, c)
	res := patchProspect(a, c, p.ID, map[string]any{"firstName": "Still", "email": "still@example.com", "customFields": nil})
	requireNoErrors(t, res.UserErrors)
	if res.Prospect.Status != "REPLIED" || res.Prospect.Stage != "TERMINAL" {
		t.Fatalf("status %s stage %s", res.Prospect.Status, res.Prospect.Stage)
	}
	if st := sqlString(t, `SELECT status FROM prospects WHERE id = ?`, p.ID); st != "replied" {
		t.Fatalf("stored status %q", st)
	}
	if s := sqlString(t, `SELECT stats::text FROM campaigns WHERE id = ?`, c); s != stats {
		t.Fatalf("stats %s, were %s", s, stats)
	}
	requireStatsMatchRoster(t, c)

	// status is not part of a patch at all.
	before := ownerSnapshot(t, a.sub)
	r := a.do(updateMutation, map[string]any{"c": c, "id": p.ID, "in": map[string]any{"status": "PENDING"}})
	if len(r.Errors) == 0 {
		t.Fatalf("a patch with status was accepted: %s", r.Data)
	}
	requireUnchanged(t, a.sub, before)
}

func TestUpdateProspectNotFound(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c, p, _ := updateFixture(a, "EMAIL")
	c2, p2s := campaignIn(a, "EMAIL", "DRAFT", 1)
	p2 := p2s[0]
	before := ownerSnapshot(t, a.sub)
	cases := []struct {
		name, campaign, id string
		field              []string
	}{
		{"unknown prospect id", c, uuid.NewString(), []string{"id"}},
		{"prospect of another campaign", c, p2.ID, []string{"id"}},
		{"prospect under the other campaign's id", c2, p.ID, []string{"id"}},
		{"unknown campaign", uuid.NewString(), p.ID, []string{"campaignId"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := asSubject(t, a.sub)
			res := patchProspect(b, tc.campaign, tc.id, map[string]any{"firstName": "Ghost"})
			requireOneError(t, res.UserErrors, "NOT_FOUND", tc.field...)
			if res.Prospect != nil {
				t.Fatalf("prospect %+v", res.Prospect)
			}
		})
	}
	requireUnchanged(t, a.sub, before)
}
