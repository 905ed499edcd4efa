package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/db/dbtest"
)

// ---------------------------------------------------------------------------
// Helpers of this file (prefixed mt so they never clash with other files).

type mtUpdateResult struct {
	Prospect   *prospect   `json:"prospect"`
	UserErrors []userError `json:"userErrors"`
}

const mtUpdateMutation = `mutation($c: UUID!, $id: UUID!, $in: ProspectPatch!) {
	updateProspect(campaignId: $c, id: $id, input: $in) {
		prospect { ` + prospectFields + ` } userErrors { code message field index } } }`

// mtUpdate runs updateProspect with the patch as a variable, so that a key
// absent from in is omitted and a key holding nil is an explicit null.
func mtUpdate(a *api, c, id string, in map[string]any) mtUpdateResult {
	a.t.Helper()
	var out struct {
		UpdateProspect mtUpdateResult `json:"updateProspect"`
	}
	a.query(mtUpdateMutation, map[string]any{"c": c, "id": id, "in": in}, &out)
	return out.UpdateProspect
}

// mtRequireUTC checks an RFC 3339 timestamp in UTC and returns it.
func mtRequireUTC(t testing.TB, what, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s %q is not RFC 3339: %v", what, s, err)
	}
	if !strings.HasSuffix(s, "Z") || ts.Location() != time.UTC {
		t.Fatalf("%s %q is not in UTC", what, s)
	}
	if ts.IsZero() || ts.Year() < 2000 {
		t.Fatalf("%s %q is not a real time", what, s)
	}
	return ts
}

var mtStatKeys = []string{"total", "pending", "sent", "connectionSent", "connected", "messageSent",
	"replied", "bounced", "completed", "timedOut", "cancelled", "inFlight", "terminal"}

func mtRequireStats(t testing.TB, got map[string]int, total int) {
	t.Helper()
	for _, k := range mtStatKeys {
		want := 0
		if k == "total" || k == "pending" {
			want = total
		}
		if v, ok := got[k]; !ok || v != want {
			t.Fatalf("stats %v: %s = %d, want %d (all PENDING)", got, k, v, want)
		}
	}
}

// ---------------------------------------------------------------------------
// createCampaign

func TestCreateCampaignRejectsBadNames(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, value string }{
		{"empty", ""},
		{"spaces", "   "},
		{"whitespace of every kind", " \t\n\r\u00a0\u2003 "},
		{"201 ASCII characters", strings.Repeat("n", 201)},
		{"201 two-byte characters", strings.Repeat("é", 201)},
		{"201 emoji", strings.Repeat("🚀", 201)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			for _, ch := range []string{"EMAIL", "LINKEDIN"} {
				res := a.create(tc.value, ch)
				requireOneError(t, res.UserErrors, "BAD_USER_INPUT", "input", "name")
				if res.Campaign != nil {
					t.Fatalf("a campaign came back with the userError: %+v", res.Campaign)
				}
			}
			if n := sqlInt(t, `SELECT count(*) FROM campaigns WHERE owner = ?`, a.sub); n != 0 {
				t.Fatalf("%d campaigns were created", n)
			}
		})
	}
}

func TestCreateCampaign(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, value, channel, want string
	}{
		{"plain", "Spring outreach", "EMAIL", "Spring outreach"},
		{"linkedin", "LinkedIn push", "LINKEDIN", "LinkedIn push"},
		{"one character", "x", "EMAIL", "x"},
		{"200 ASCII characters", strings.Repeat("n", 200), "EMAIL", strings.Repeat("n", 200)},
		// Characters, not bytes: 200 × 2 bytes and 200 × 4 bytes are fine.
		{"200 two-byte characters", strings.Repeat("é", 200), "EMAIL", strings.Repeat("é", 200)},
		{"200 emoji", strings.Repeat("🚀", 200), "LINKEDIN", strings.Repeat("🚀", 200)},
		// Not in the contract: the name is trimmed as every text field is
		// (SPEC §6), so surrounding spaces neither count nor are stored.
		{"200 characters inside spaces", "  " + strings.Repeat("é", 200) + "  ", "EMAIL", strings.Repeat("é", 200)},
		{"trimmed", "  Q3 — relance  ", "EMAIL", "Q3 — relance"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			res := a.create(tc.value, tc.channel)
			requireNoErrors(t, res.UserErrors)
			c := res.Campaign
			if c == nil {
				t.Fatal("no campaign")
			}
			if _, err := uuid.Parse(c.ID); err != nil {
				t.Fatalf("id %q: %v", c.ID, err)
			}
			if c.Name != tc.want || c.Channel != tc.channel || c.Status != "DRAFT" || c.RosterFrozen {
				t.Fatalf("campaign %+v; want name %q, %s, DRAFT, not frozen", c, tc.want, tc.channel)
			}
			mtRequireStats(t, c.Stats, 0)
			created := mtRequireUTC(t, "createdAt", c.CreatedAt)
			updated := mtRequireUTC(t, "updatedAt", c.UpdatedAt)
			if updated.Before(created) {
				t.Fatalf("updatedAt %s before createdAt %s", c.UpdatedAt, c.CreatedAt)
			}
			// Stored as said, owned by the caller, and readable back.
			var owner, name, status, channel string
			err := dbtest.DB(t).QueryRowContext(context.Background(),
				`SELECT owner, name, status, channel FROM campaigns WHERE id = ?`, c.ID).Scan(&owner, &name, &status, &channel)
			if err != nil {
				t.Fatal(err)
			}
			if owner != a.sub || name != tc.want || status != "draft" || channel != strings.ToLower(tc.channel) {
				t.Fatalf("stored owner %q name %q status %q channel %q", owner, name, status, channel)
			}
			got := getCampaign(a, c.ID)
			if got == nil || got.Name != tc.want || got.CreatedAt != c.CreatedAt || got.UpdatedAt != c.UpdatedAt {
				t.Fatalf("read back %+v, created %+v", got, c)
			}
			requireStatsMatchRoster(t, c.ID)
		})
	}
}

// ---------------------------------------------------------------------------
// transitionCampaign

func TestTransitionCampaignAllowedMoves(t *testing.T) {
	t.Parallel()
	paths := map[string][]string{
		"through pause to completed":   {"LAUNCHING", "ACTIVE", "PAUSED", "ACTIVE", "PAUSED", "COMPLETED"},
		"active to completed":          {"LAUNCHING", "ACTIVE", "COMPLETED"},
		"pause and resume then finish": {"LAUNCHING", "ACTIVE", "PAUSED", "ACTIVE", "COMPLETED"},
	}
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, _ := campaignIn(a, "EMAIL", "DRAFT", 2)
			prev := sqlString(t, `SELECT updated_at::text FROM campaigns WHERE id = ?`, c)
			for _, to := range path {
				got, errs := a.transition(c, to)
				requireNoErrors(t, errs)
				if got == nil || got.ID != c || got.Status != to || !got.RosterFrozen {
					t.Fatalf("to %s: campaign %+v", to, got)
				}
				if st := sqlString(t, `SELECT status FROM campaigns WHERE id = ?`, c); st != strings.ToLower(to) {
					t.Fatalf("to %s: stored status %q", to, st)
				}
				now := sqlString(t, `SELECT updated_at::text FROM campaigns WHERE id = ?`, c)
				if now == prev {
					t.Fatalf("to %s: updated_at did not move", to)
				}
				prev = now
				// A move keeps the roster and its stats.
				mtRequireStats(t, got.Stats, 2)
				requireStatsMatchRoster(t, c)
				if rc := getCampaign(a, c); rc == nil || rc.Status != to || !rc.RosterFrozen {
					t.Fatalf("read back after %s: %+v", to, rc)
				}
			}
		})
	}
}

func TestTransitionCampaignToCurrentStatusIsNoOp(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"DRAFT", "LAUNCHING", "ACTIVE", "PAUSED", "COMPLETED"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, _ := campaignIn(a, "EMAIL", status, 1)
			before := ownerSnapshot(t, a.sub)
			got, errs := a.transition(c, status)
			requireNoErrors(t, errs)
			if got == nil || got.Status != status || got.RosterFrozen != (status != "DRAFT") {
				t.Fatalf("campaign %+v", got)
			}
			requireUnchanged(t, a.sub, before)
		})
	}
	t.Run("DRAFT with an empty roster", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		c := a.createCampaign("LINKEDIN")
		got, errs := a.transition(c, "DRAFT")
		requireNoErrors(t, errs)
		if got == nil || got.Status != "DRAFT" || got.RosterFrozen {
			t.Fatalf("campaign %+v", got)
		}
	})
}

func TestTransitionCampaignInvalidMoves(t *testing.T) {
	t.Parallel()
	cases := []struct{ from, to string }{
		{"DRAFT", "ACTIVE"}, {"DRAFT", "PAUSED"}, {"DRAFT", "COMPLETED"},
		{"LAUNCHING", "DRAFT"}, {"LAUNCHING", "PAUSED"}, {"LAUNCHING", "COMPLETED"},
		{"ACTIVE", "DRAFT"}, {"ACTIVE", "LAUNCHING"},
		{"PAUSED", "DRAFT"}, {"PAUSED", "LAUNCHING"},
		{"COMPLETED", "DRAFT"}, {"COMPLETED", "LAUNCHING"}, {"COMPLETED", "ACTIVE"}, {"COMPLETED", "PAUSED"},
	}
	for _, tc := range cases {
		t.Run(tc.from+"->"+tc.to, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, _ := campaignIn(a, "EMAIL", tc.from, 1)
			before := ownerSnapshot(t, a.sub)
			got, errs := a.transition(c, tc.to)
			requireOneCode(t, errs, "INVALID_TRANSITION")
			// The payload shows where the campaign still is.
			if got != nil && got.Status != tc.from {
				t.Fatalf("payload campaign %+v, want status %s", got, tc.from)
			}
			requireUnchanged(t, a.sub, before)
		})
	}
}

func TestTransitionCampaignEmptyRoster(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(a *api, c string)
	}{
		{"never filled", func(*api, string) {}},
		{"emptied by clearProspects", func(a *api, c string) {
			a.add(c, emails("a@example.com", "b@example.com"), false)
			requireNoErrors(a.t, clearRoster(a, c).UserErrors)
		}},
		{"emptied by removeProspects", func(a *api, c string) {
			res := a.add(c, emails("a@example.com"), false)
			requireNoErrors(a.t, removeProspects(a, c, []string{res.Prospects[0].ID}).UserErrors)
		}},
		{"only a dry run", func(a *api, c string) {
			a.add(c, emails("a@example.com"), true)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := a.createCampaign("EMAIL")
			tc.setup(a, c)
			before := ownerSnapshot(t, a.sub)
			got, errs := a.transition(c, "LAUNCHING")
			requireOneCode(t, errs, "EMPTY_ROSTER")
			if got != nil && (got.Status != "DRAFT" || got.RosterFrozen) {
				t.Fatalf("payload campaign %+v, want DRAFT", got)
			}
			requireUnchanged(t, a.sub, before)
			if rc := getCampaign(a, c); rc.Status != "DRAFT" || rc.RosterFrozen {
				t.Fatalf("campaign %+v", rc)
			}
			// The roster still takes adds, and then the launch goes through.
			if res := a.add(c, emails("late@example.com"), false); res.Imported != 1 {
				t.Fatalf("add after EMPTY_ROSTER: %+v", res)
			}
			moveCampaign(a, c, "LAUNCHING")
		})
	}
}

func TestTransitionCampaignNotFound(t *testing.T) {
	t.Parallel()
	owner := newAPI(t)
	theirs, _ := campaignIn(owner, "EMAIL", "DRAFT", 1)
	before := ownerSnapshot(t, owner.sub)
	for name, id := range map[string]string{"unknown id": uuid.NewString(), "another subject's campaign": theirs} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			for _, to := range []string{"LAUNCHING", "DRAFT", "COMPLETED"} {
				got, errs := a.transition(id, to)
				requireOneError(t, errs, "NOT_FOUND", "id")
				if got != nil {
					t.Fatalf("payload shows a campaign: %+v", got)
				}
			}
		})
	}
	t.Cleanup(func() { requireUnchanged(t, owner.sub, before) })
}

// ---------------------------------------------------------------------------
// updateProspect

// mtProfile is a prospect's profile fields, for comparisons.
func mtProfile(p *prospect) map[string]any {
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

// mtJSON normalizes a JSON object text (Go sorts map keys).
func mtJSON(t testing.TB, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

var mtTextFields = []string{"firstName", "lastName", "company", "title", "phone", "location"}

const mtFixtureCustomFields = `{"a": 1, "keep": "k", "nested": {"x": 1, "y": 2}}`

// mtUpdateFixture makes a DRAFT campaign of the channel with two
// prospects: the target, every field set, and another one. The target's
// updated_at is set far in the past so that an update visibly moves it.
func mtUpdateFixture(a *api, channel string) (c string, target, other prospect) {
	t := a.t
	t.Helper()
	var cf map[string]any
	_ = json.Unmarshal([]byte(mtFixtureCustomFields), &cf)
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
			channel := tc.channel
			if channel == "" {
				channel = "EMAIL"
			}
			a := newAPI(t)
			c, before, other := mtUpdateFixture(a, channel)
			statsBefore := sqlString(t, `SELECT stats::text FROM campaigns WHERE id = ?`, c)

			res := mtUpdate(a, c, before.ID, tc.in)
			requireNoErrors(t, res.UserErrors)
			if res.Prospect == nil {
				t.Fatal("no prospect in the payload")
			}
			want := mtProfile(&before)
			for k, v := range tc.want {
				if k == "customFields" {
					v = mtJSON(t, v.(string))
				}
				want[k] = v
			}
			for _, p := range []*prospect{res.Prospect, getProspect(a, c, before.ID)} {
				if got := mtProfile(p); !reflect.DeepEqual(got, want) {
					t.Fatalf("profile\n got %v\nwant %v", got, want)
				}
				if p.ID != before.ID || p.CampaignID != c || p.CreatedAt != before.CreatedAt {
					t.Fatalf("id, campaignId or createdAt moved: %+v, before %+v", p, before)
				}
				if p.Status != "PENDING" || p.Stage != "QUEUED" {
					t.Fatalf("status %s stage %s", p.Status, p.Stage)
				}
				if mtRequireUTC(t, "updatedAt", p.UpdatedAt).Year() <= 2001 {
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
	c, p, _ := mtUpdateFixture(a, "EMAIL")
	requireNoErrors(t, mtUpdate(a, c, p.ID, map[string]any{"email": "moved@example.com"}).UserErrors)
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
	for _, f := range mtTextFields {
		cases = append(cases, tcase{
			name: f + " over 500 characters", in: map[string]any{f: long501},
			code: "BAD_USER_INPUT", field: []string{"input", f},
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			channel := tc.channel
			if channel == "" {
				channel = "EMAIL"
			}
			a := newAPI(t)
			c, p, _ := mtUpdateFixture(a, channel)
			before := ownerSnapshot(t, a.sub)
			res := mtUpdate(a, c, p.ID, tc.in)
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
	c, p, _ := mtUpdateFixture(a, "EMAIL")
	res := mtUpdate(a, c, p.ID, map[string]any{"customFields": map[string]any{"bad key": nil, "ok": 1}})
	requireNoErrors(t, res.UserErrors)
	if got, want := mtProfile(res.Prospect)["customFields"], mtJSON(t, `{"a": 1, "keep": "k", "nested": {"x": 1, "y": 2}, "ok": 1}`); got != want {
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
			res := mtUpdate(a, c, id, map[string]any{"customFields": tc.patch})
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
	r := a.do(mtUpdateMutation, map[string]any{"c": c, "id": add.Prospects[0].ID,
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
	c, p, _ := mtUpdateFixture(a, "EMAIL")
	sqlExec(t, `UPDATE prospects SET status = 'replied' WHERE id = ?`, p.ID)
	requireStatsMatchRoster(t, c)
	stats := sqlString(t, `SELECT stats::text FROM campaigns WHERE id = ?`, c)
	res := mtUpdate(a, c, p.ID, map[string]any{"firstName": "Still", "email": "still@example.com", "customFields": nil})
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
	r := a.do(mtUpdateMutation, map[string]any{"c": c, "id": p.ID, "in": map[string]any{"status": "PENDING"}})
	if len(r.Errors) == 0 {
		t.Fatalf("a patch with status was accepted: %s", r.Data)
	}
	requireUnchanged(t, a.sub, before)
}

func TestUpdateProspectNotFound(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c, p, _ := mtUpdateFixture(a, "EMAIL")
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
			res := mtUpdate(b, tc.campaign, tc.id, map[string]any{"firstName": "Ghost"})
			requireOneError(t, res.UserErrors, "NOT_FOUND", tc.field...)
			if res.Prospect != nil {
				t.Fatalf("prospect %+v", res.Prospect)
			}
		})
	}
	requireUnchanged(t, a.sub, before)
}

// ---------------------------------------------------------------------------
// Frozen rosters

func TestRosterFrozen(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name string
		run  func(a *api, c string, ps []prospect) (*campaign, []userError)
	}{
		{"addProspects", func(a *api, c string, _ []prospect) (*campaign, []userError) {
			r := a.add(c, emails("new@example.com"), false)
			if r.Imported != 0 || len(r.Prospects) != 0 || len(r.DuplicateRows) != 0 {
				a.t.Fatalf("frozen add reported work: %+v", r)
			}
			return r.Campaign, r.UserErrors
		}},
		{"addProspects dry run", func(a *api, c string, _ []prospect) (*campaign, []userError) {
			r := a.add(c, emails("new@example.com"), true)
			return r.Campaign, r.UserErrors
		}},
		{"updateProspect", func(a *api, c string, ps []prospect) (*campaign, []userError) {
			r := mtUpdate(a, c, ps[0].ID, map[string]any{"firstName": "Frozen"})
			if r.Prospect != nil {
				a.t.Fatalf("frozen update returned %+v", r.Prospect)
			}
			return nil, r.UserErrors
		}},
		{"removeProspects", func(a *api, c string, ps []prospect) (*campaign, []userError) {
			r := removeProspects(a, c, []string{ps[0].ID, ps[1].ID})
			if r.Removed != 0 {
				a.t.Fatalf("frozen remove removed %d", r.Removed)
			}
			return r.Campaign, r.UserErrors
		}},
		{"clearProspects", func(a *api, c string, _ []prospect) (*campaign, []userError) {
			r := clearRoster(a, c)
			if r.Removed != 0 {
				a.t.Fatalf("frozen clear removed %d", r.Removed)
			}
			return r.Campaign, r.UserErrors
		}},
	}
	for _, status := range []string{"LAUNCHING", "ACTIVE", "PAUSED", "COMPLETED"} {
		for _, op := range ops {
			t.Run(status+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				a := newAPI(t)
				c, ps := campaignIn(a, "EMAIL", status, 2)
				before := ownerSnapshot(t, a.sub)
				got, errs := op.run(a, c, ps)
				requireOneCode(t, errs, "ROSTER_FROZEN")
				// The payload's campaign, when the payload has one, says why.
				if got != nil && (got.Status != status || !got.RosterFrozen || got.Stats["total"] != 2) {
					t.Fatalf("payload campaign %+v", got)
				}
				requireUnchanged(t, a.sub, before)
				requireStatsMatchRoster(t, c)
			})
		}
	}
}

// ---------------------------------------------------------------------------
// removeProspects and clearProspects

func TestRemoveProspects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// ids picks the ids to send from the roster (mine) and another
		// campaign of the same owner (theirs).
		ids        func(mine, theirs []prospect) []string
		removed    int
		removedIdx []int // indexes of mine that must be gone
	}{
		{"one id", func(m, _ []prospect) []string { return []string{m[0].ID} }, 1, []int{0}},
		{"several ids", func(m, _ []prospect) []string { return []string{m[1].ID, m[3].ID, m[4].ID} }, 3, []int{1, 3, 4}},
		{"duplicates counted once", func(m, _ []prospect) []string {
			return []string{m[2].ID, m[2].ID, m[0].ID, m[2].ID, m[0].ID}
		}, 2, []int{0, 2}},
		{"unknown ids ignored", func(m, _ []prospect) []string {
			return []string{uuid.NewString(), m[1].ID, uuid.NewString()}
		}, 1, []int{1}},
		{"only unknown ids", func(_, _ []prospect) []string { return []string{uuid.NewString()} }, 0, nil},
		{"another campaign's ids ignored", func(m, o []prospect) []string {
			return []string{o[0].ID, m[4].ID, o[1].ID}
		}, 1, []int{4}},
		{"500 ids", func(m, o []prospect) []string {
			ids := []string{m[0].ID, m[1].ID, o[0].ID}
			for len(ids) < 500 {
				ids = append(ids, uuid.NewString())
			}
			return ids
		}, 2, []int{0, 1}},
		{"all of them", func(m, _ []prospect) []string {
			var ids []string
			for _, p := range m {
				ids = append(ids, p.ID)
			}
			return ids
		}, 5, []int{0, 1, 2, 3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, mine := campaignIn(a, "EMAIL", "DRAFT", 5)
			other, theirs := campaignIn(a, "EMAIL", "DRAFT", 2)
			otherBefore := sqlString(t, `SELECT (SELECT stats::text FROM campaigns WHERE id = ?) || (SELECT jsonb_agg(to_jsonb(p) ORDER BY id)::text FROM prospects p WHERE campaign_id = ?)`, other, other)

			res := removeProspects(a, c, tc.ids(mine, theirs))
			requireNoErrors(t, res.UserErrors)
			if res.Removed != tc.removed {
				t.Fatalf("removed %d, want %d", res.Removed, tc.removed)
			}
			left := 5 - tc.removed
			if res.Campaign == nil || res.Campaign.ID != c || res.Campaign.Status != "DRAFT" {
				t.Fatalf("payload campaign %+v", res.Campaign)
			}
			mtRequireStats(t, res.Campaign.Stats, left)
			if n := rosterCount(t, c); n != left {
				t.Fatalf("%d prospects left, want %d", n, left)
			}
			gone := map[int]bool{}
			for _, i := range tc.removedIdx {
				gone[i] = true
			}
			for i, p := range mine {
				present := sqlInt(t, `SELECT count(*) FROM prospects WHERE id = ?`, p.ID) == 1
				if present == gone[i] {
					t.Fatalf("prospect %d present=%v, want %v", i, present, !gone[i])
				}
			}
			requireStatsMatchRoster(t, c)
			if s := sqlString(t, `SELECT (SELECT stats::text FROM campaigns WHERE id = ?) || (SELECT jsonb_agg(to_jsonb(p) ORDER BY id)::text FROM prospects p WHERE campaign_id = ?)`, other, other); s != otherBefore {
				t.Fatalf("the other campaign changed:\n%s\n%s", otherBefore, s)
			}
			requireStatsMatchRoster(t, other)
			// The listing agrees.
			var out struct {
				Prospects struct {
					TotalCount int `json:"totalCount"`
					Nodes      []struct {
						ID string `json:"id"`
					} `json:"nodes"`
				} `json:"prospects"`
			}
			a.query(`query($c: UUID!) { prospects(campaignId: $c) { totalCount nodes { id } } }`, map[string]any{"c": c}, &out)
			if out.Prospects.TotalCount != left || len(out.Prospects.Nodes) != left {
				t.Fatalf("listing after remove: %+v", out.Prospects)
			}
		})
	}
}

func TestRemoveProspectsIDCount(t *testing.T) {
	t.Parallel()
	cases := map[string]int{"0 ids": 0, "501 ids": 501, "1000 ids": 1000}
	for name, n := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, ps := campaignIn(a, "EMAIL", "DRAFT", 3)
			ids := []string{}
			for i := 0; i < n; i++ {
				if i < len(ps) {
					ids = append(ids, ps[i].ID) // real ids, which must survive
				} else {
					ids = append(ids, uuid.NewString())
				}
			}
			before := ownerSnapshot(t, a.sub)
			res := removeProspects(a, c, ids)
			requireOneError(t, res.UserErrors, "BAD_USER_INPUT", "ids")
			if res.Removed != 0 {
				t.Fatalf("removed %d", res.Removed)
			}
			requireUnchanged(t, a.sub, before)
			requireStatsMatchRoster(t, c)
		})
	}
}

func TestClearProspects(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 7} {
		t.Run(fmt.Sprintf("%d prospects", n), func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, _ := campaignIn(a, "LINKEDIN", "DRAFT", n)
			other, _ := campaignIn(a, "LINKEDIN", "DRAFT", 2)
			res := clearRoster(a, c)
			requireNoErrors(t, res.UserErrors)
			if res.Removed != n {
				t.Fatalf("removed %d, want %d", res.Removed, n)
			}
			if res.Campaign == nil || res.Campaign.ID != c || res.Campaign.Status != "DRAFT" {
				t.Fatalf("payload campaign %+v", res.Campaign)
			}
			mtRequireStats(t, res.Campaign.Stats, 0)
			if m := rosterCount(t, c); m != 0 {
				t.Fatalf("%d prospects left", m)
			}
			if m := rosterCount(t, other); m != 2 {
				t.Fatalf("the other campaign has %d prospects, want 2", m)
			}
			requireStatsMatchRoster(t, c)
			requireStatsMatchRoster(t, other)
			// A second clear removes nothing.
			if again := clearRoster(a, c); again.Removed != 0 || len(again.UserErrors) != 0 {
				t.Fatalf("second clear: %+v", again)
			}
		})
	}
	t.Run("clears prospects of every status", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		c, ps := campaignIn(a, "EMAIL", "DRAFT", 3)
		sqlExec(t, `UPDATE prospects SET status = 'bounced' WHERE id = ?`, ps[0].ID)
		sqlExec(t, `UPDATE prospects SET status = 'sent' WHERE id = ?`, ps[1].ID)
		requireStatsMatchRoster(t, c)
		res := clearRoster(a, c)
		requireNoErrors(t, res.UserErrors)
		if res.Removed != 3 {
			t.Fatalf("removed %d", res.Removed)
		}
		mtRequireStats(t, res.Campaign.Stats, 0)
		requireStatsMatchRoster(t, c)
	})
}

// ---------------------------------------------------------------------------
// Ownership isolation (SPEC §3)

// mtNormalized is a response with the given ids replaced by placeholders,
// so that the answers for a foreign id and a random one can be compared.
func mtNormalized(t testing.TB, r *response, ids map[string]string) string {
	t.Helper()
	errs, _ := json.Marshal(r.Errors)
	s := fmt.Sprintf("HTTP %d data %s errors %s", r.Status, r.Data, errs)
	for id, name := range ids {
		s = strings.ReplaceAll(s, id, name)
	}
	return s
}

func TestOwnershipIsolation(t *testing.T) {
	t.Parallel()
	owner := newAPI(t)
	c, ps := campaignIn(owner, "EMAIL", "DRAFT", 3)
	p := ps[0]
	before := ownerSnapshot(t, owner.sub)

	intruderSub := "intruder-" + uuid.NewString()
	intruder := asSubject(t, intruderSub)
	intruderC := intruder.createCampaign("EMAIL")
	ghostC, ghostP := uuid.NewString(), uuid.NewString()

	ops := []struct {
		name  string
		query string
		vars  func(c, p, own string) map[string]any
		// code is the userError (mutations) or error (queries) expected;
		// "" means the answer is a plain null or an empty result.
		code string
	}{
		{"campaign", `query($c: UUID!) { campaign(id: $c) { id name } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, ""},
		{"prospect", `query($c: UUID!, $p: UUID!) { prospect(campaignId: $c, id: $p) { id email } }`,
			func(c, p, _ string) map[string]any { return map[string]any{"c": c, "p": p} }, ""},
		{"prospect under the intruder's own campaign", `query($c: UUID!, $p: UUID!) { prospect(campaignId: $c, id: $p) { id email } }`,
			func(_, p, own string) map[string]any { return map[string]any{"c": own, "p": p} }, ""},
		{"prospects", `query($c: UUID!) { prospects(campaignId: $c) { totalCount nodes { id } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"prospects with a filter", `query($c: UUID!) { prospects(campaignId: $c, status: PENDING, limit: 5) { totalCount } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"addProspects", `mutation($c: UUID!) { addProspects(campaignId: $c, prospects: [{email: "x@example.com"}]) {
			imported duplicates prospects { id } duplicateRows { index } campaign { id } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"addProspects dry run", `mutation($c: UUID!) { addProspects(campaignId: $c, prospects: [{email: "x@example.com"}], dryRun: true) {
			imported duplicates dryRun campaign { id } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"updateProspect", `mutation($c: UUID!, $p: UUID!) { updateProspect(campaignId: $c, id: $p, input: {firstName: "pwned"}) {
			prospect { id } userErrors { code message field index } } }`,
			func(c, p, _ string) map[string]any { return map[string]any{"c": c, "p": p} }, "NOT_FOUND"},
		{"updateProspect under the intruder's own campaign", `mutation($c: UUID!, $p: UUID!) { updateProspect(campaignId: $c, id: $p, input: {firstName: "pwned"}) {
			prospect { id } userErrors { code message field index } } }`,
			func(_, p, own string) map[string]any { return map[string]any{"c": own, "p": p} }, "NOT_FOUND"},
		{"removeProspects", `mutation($c: UUID!, $p: UUID!) { removeProspects(campaignId: $c, ids: [$p]) {
			removed campaign { id } userErrors { code message field index } } }`,
			func(c, p, _ string) map[string]any { return map[string]any{"c": c, "p": p} }, "NOT_FOUND"},
		{"removeProspects under the intruder's own campaign", `mutation($c: UUID!, $p: UUID!) { removeProspects(campaignId: $c, ids: [$p]) {
			removed userErrors { code message field index } } }`,
			func(_, p, own string) map[string]any { return map[string]any{"c": own, "p": p} }, ""},
		{"clearProspects", `mutation($c: UUID!) { clearProspects(campaignId: $c) {
			removed campaign { id } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"transitionCampaign", `mutation($c: UUID!) { transitionCampaign(id: $c, to: LAUNCHING) {
			campaign { id status } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"transitionCampaign to the same status", `mutation($c: UUID!) { transitionCampaign(id: $c, to: DRAFT) {
			campaign { id status } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
	}
	t.Run("ops", func(t *testing.T) {
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				t.Parallel()
				b := asSubject(t, intruderSub)
				foreign := b.do(op.query, op.vars(c, p.ID, intruderC))
				ghost := b.do(op.query, op.vars(ghostC, ghostP, intruderC))
				names := map[string]string{c: "<campaign>", ghostC: "<campaign>", p.ID: "<prospect>", ghostP: "<prospect>"}
				f, g := mtNormalized(t, foreign, names), mtNormalized(t, ghost, names)
				if f != g {
					t.Fatalf("another subject's id and an unknown id are told apart:\nforeign %s\nunknown %s", f, g)
				}
				// Messages may name the ids the caller sent, nothing of the owner's.
				if strings.Contains(string(foreign.Data), "person-") || strings.Contains(string(foreign.Data), owner.sub) {
					t.Fatalf("the answer leaks the owner's data: %s", foreign.Data)
				}
				if foreign.Status != 200 {
					t.Fatalf("HTTP %d", foreign.Status)
				}
				raw := string(foreign.Data)
				switch {
				case strings.HasPrefix(op.name, "prospects"):
					if len(foreign.Errors) != 1 || foreign.Errors[0].Code() != "NOT_FOUND" {
						t.Fatalf("errors %+v, want one NOT_FOUND", foreign.Errors)
					}
				case op.code == "":
					if len(foreign.Errors) != 0 {
						t.Fatalf("errors %+v", foreign.Errors)
					}
					if strings.HasPrefix(op.name, "removeProspects") {
						if !strings.Contains(raw, `"removed":0`) || !strings.Contains(raw, `"userErrors":[]`) {
							t.Fatalf("data %s", raw)
						}
					} else if !strings.HasSuffix(raw, ":null}") {
						t.Fatalf("data %s, want null", raw)
					}
				default:
					if len(foreign.Errors) != 0 {
						t.Fatalf("errors %+v", foreign.Errors)
					}
					if !strings.Contains(raw, `"code":"`+op.code+`"`) {
						t.Fatalf("data %s, want a %s userError", raw, op.code)
					}
					for _, zero := range []string{`"campaign":{`, `"prospect":{`, `"imported":1`, `"removed":1`} {
						if strings.Contains(raw, zero) {
							t.Fatalf("data %s shows %s", raw, zero)
						}
					}
				}
			})
		}
	})

	t.Run("campaigns list", func(t *testing.T) {
		b := asSubject(t, intruderSub)
		var out struct {
			Campaigns struct {
				TotalCount int `json:"totalCount"`
				Nodes      []struct {
					ID string `json:"id"`
				} `json:"nodes"`
			} `json:"campaigns"`
		}
		for _, q := range []string{`{ campaigns { totalCount nodes { id } } }`, `{ campaigns(status: DRAFT, limit: 200) { totalCount nodes { id } } }`} {
			b.query(q, nil, &out)
			if out.Campaigns.TotalCount != 1 || len(out.Campaigns.Nodes) != 1 || out.Campaigns.Nodes[0].ID != intruderC {
				t.Fatalf("%s: intruder sees %+v; want only %s", q, out.Campaigns, intruderC)
			}
		}
	})

	requireUnchanged(t, owner.sub, before)
	// The owner still sees and edits everything.
	if got := getCampaign(owner, c); got == nil || got.Stats["total"] != 3 {
		t.Fatalf("owner's campaign %+v", got)
	}
	if got := getProspect(owner, c, p.ID); got == nil || got.FirstName != nil {
		t.Fatalf("owner's prospect %+v", got)
	}
	requireStatsMatchRoster(t, c)
}

// ---------------------------------------------------------------------------
// A payload with userErrors wrote nothing (SPEC §4)

func TestUserErrorsWriteNothing(t *testing.T) {
	t.Parallel()
	type setup struct {
		a  *api
		c  string
		ps []prospect
	}
	cases := []struct {
		name   string
		status string // the campaign's status before the call
		run    func(s setup) []userError
	}{
		{"createCampaign blank name", "DRAFT", func(s setup) []userError {
			r := s.a.create(" ", "EMAIL")
			if r.Campaign != nil {
				s.a.t.Fatalf("campaign %+v", r.Campaign)
			}
			return r.UserErrors
		}},
		{"addProspects good rows around a bad one", "DRAFT", func(s setup) []userError {
			rows := []map[string]any{{"email": "fine-1@example.com"}, {"email": "broken"}, {"email": "fine-2@example.com"}}
			r := s.a.add(s.c, rows, false)
			if r.Imported != 0 || r.Duplicates != 0 || len(r.Prospects) != 0 || len(r.DuplicateRows) != 0 {
				s.a.t.Fatalf("payload %+v", r)
			}
			return r.UserErrors
		}},
		{"addProspects duplicates beside a bad row", "DRAFT", func(s setup) []userError {
			rows := []map[string]any{{"email": "person-0@example.com"}, {"email": "new@example.com"}, {"email": "new@example.com"},
				{"email": "ok@example.com", "customFields": map[string]any{"bad key": 1}}}
			r := s.a.add(s.c, rows, false)
			if r.Imported != 0 || r.Duplicates != 0 || len(r.Prospects) != 0 || len(r.DuplicateRows) != 0 {
				s.a.t.Fatalf("payload %+v", r)
			}
			return r.UserErrors
		}},
		{"addProspects 1001 rows", "DRAFT", func(s setup) []userError {
			rows := make([]map[string]any, 1001)
			for i := range rows {
				rows[i] = map[string]any{"email": fmt.Sprintf("bulk-%d@example.com", i)}
			}
			r := s.a.add(s.c, rows, false)
			if r.Imported != 0 || len(r.Prospects) != 0 {
				s.a.t.Fatalf("payload imported %d", r.Imported)
			}
			return r.UserErrors
		}},
		{"addProspects frozen", "LAUNCHING", func(s setup) []userError {
			return s.a.add(s.c, emails("late@example.com"), false).UserErrors
		}},
		{"updateProspect duplicate", "DRAFT", func(s setup) []userError {
			return mtUpdate(s.a, s.c, s.ps[0].ID, map[string]any{"firstName": "X", "email": "PERSON-1@example.com"}).UserErrors
		}},
		{"updateProspect bad custom fields", "DRAFT", func(s setup) []userError {
			return mtUpdate(s.a, s.c, s.ps[0].ID, map[string]any{"lastName": "Y", "customFields": map[string]any{"x y": 1}}).UserErrors
		}},
		{"updateProspect frozen", "PAUSED", func(s setup) []userError {
			return mtUpdate(s.a, s.c, s.ps[0].ID, map[string]any{"firstName": "X"}).UserErrors
		}},
		{"removeProspects 501 ids", "DRAFT", func(s setup) []userError {
			ids := []string{s.ps[0].ID, s.ps[1].ID}
			for len(ids) < 501 {
				ids = append(ids, uuid.NewString())
			}
			return removeProspects(s.a, s.c, ids).UserErrors
		}},
		{"removeProspects frozen", "ACTIVE", func(s setup) []userError {
			return removeProspects(s.a, s.c, []string{s.ps[0].ID}).UserErrors
		}},
		{"clearProspects frozen", "COMPLETED", func(s setup) []userError {
			return clearRoster(s.a, s.c).UserErrors
		}},
		{"transitionCampaign invalid", "DRAFT", func(s setup) []userError {
			_, errs := s.a.transition(s.c, "ACTIVE")
			return errs
		}},
		{"transitionCampaign back to DRAFT", "PAUSED", func(s setup) []userError {
			_, errs := s.a.transition(s.c, "DRAFT")
			return errs
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, ps := campaignIn(a, "EMAIL", tc.status, 3)
			before := ownerSnapshot(t, a.sub)
			errs := tc.run(setup{a, c, ps})
			if len(errs) == 0 {
				t.Fatal("no userErrors")
			}
			requireUnchanged(t, a.sub, before)
			requireStatsMatchRoster(t, c)
		})
	}
	t.Run("transitionCampaign empty roster", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		a.createCampaign("EMAIL")
		c := a.createCampaign("LINKEDIN")
		before := ownerSnapshot(t, a.sub)
		if _, errs := a.transition(c, "LAUNCHING"); len(errs) != 1 {
			t.Fatalf("userErrors %+v", errs)
		}
		requireUnchanged(t, a.sub, before)
	})
}
