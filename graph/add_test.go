package graph_test

// End-to-end tests of addProspects (SPEC §4-§9) over the real handler and a
// real PostgreSQL. Helpers here are prefixed "ap" so they do not collide with
// the other test files of the package.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"roster/db/dbtest"
)

// apRequireWroteNothing checks a refused payload: zero counts, empty lists,
// and the roster (SQL and stats) as it was.
func apRequireWroteNothing(t testing.TB, a *api, res addResult, campaignID string, rosterBefore int) {
	t.Helper()
	if res.Imported != 0 || res.Duplicates != 0 || len(res.Prospects) != 0 || len(res.DuplicateRows) != 0 {
		t.Fatalf("refused payload has counts or lists: imported %d duplicates %d prospects %d duplicateRows %d",
			res.Imported, res.Duplicates, len(res.Prospects), len(res.DuplicateRows))
	}
	if res.Prospects == nil || res.DuplicateRows == nil {
		t.Fatalf("refused payload's lists must be empty lists, not null: %+v", res)
	}
	if n := rosterCount(t, campaignID); n != rosterBefore {
		t.Fatalf("roster holds %d rows after a refused add, want %d", n, rosterBefore)
	}
	if got := campaignOf(t, a, campaignID).Stats["total"]; got != rosterBefore {
		t.Fatalf("stats total %d after a refused add, want %d", got, rosterBefore)
	}
	requireStatsMatchRoster(t, campaignID)
}

func TestAddProspectsBatchSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rows int
		dry  bool
	}{
		{"empty", 0, false},
		{"empty dry run", 0, true},
		{"1001 rows", 1001, false},
		{"1001 rows dry run", 1001, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
			rows := numbered("size", tc.rows)
			if rows == nil {
				rows = []map[string]any{}
			}
			res := a.add(c, rows, tc.dry)
			requireOneError(t, res.UserErrors, "BAD_USER_INPUT", "prospects")
			if e := res.UserErrors[0]; e.Index != nil {
				t.Fatalf("a batch-size error is not about one row: index %d", *e.Index)
			}
			if res.DryRun != tc.dry {
				t.Fatalf("dryRun %v, want %v", res.DryRun, tc.dry)
			}
			// "campaign: null only when it was not found".
			if res.Campaign == nil || res.Campaign.ID != c || res.Campaign.Stats["total"] != 1 {
				t.Fatalf("payload campaign %+v, want the campaign with its stats", res.Campaign)
			}
			apRequireWroteNothing(t, a, res, c, 1)
		})
	}

	// 1000 rows is the limit, inclusive; the payload asks for every prospect
	// and duplicate-row field, which the complexity limit must admit.
	t.Run("1000 rows", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		c := a.createCampaign("EMAIL")
		rows := numbered("k", 1000)
		res := a.add(c, rows, false)
		if len(res.UserErrors) != 0 || res.Imported != 1000 || res.Duplicates != 0 || len(res.Prospects) != 1000 {
			t.Fatalf("1000 rows: imported %d duplicates %d prospects %d userErrors %+v",
				res.Imported, res.Duplicates, len(res.Prospects), res.UserErrors)
		}
		for i, p := range res.Prospects {
			if want := rows[i]["email"].(string); deref(p.Email) != want || p.ID == "" || p.CampaignID != c {
				t.Fatalf("prospects[%d] = %+v, want %s", i, p, want)
			}
		}
		if res.Campaign == nil || res.Campaign.Stats["total"] != 1000 || res.Campaign.Stats["pending"] != 1000 {
			t.Fatalf("payload campaign %+v", res.Campaign)
		}
		if n := rosterCount(t, c); n != 1000 {
			t.Fatalf("SQL count %d, want 1000", n)
		}
		if st := campaignOf(t, a, c).Stats; st["total"] != 1000 {
			t.Fatalf("stats %v", st)
		}
		requireStatsMatchRoster(t, c)
		firstBatch := res.Prospects

		// 1000 rows that are all duplicates (roster and in batch): 1000
		// duplicate rows, each with its full prospect.
		again := make([]map[string]any, 1000)
		for i := range again {
			again[i] = map[string]any{"email": strings.ToUpper(rows[i/2]["email"].(string))}
		}
		res = a.add(c, again, false)
		if len(res.UserErrors) != 0 || res.Imported != 0 || res.Duplicates != 1000 || len(res.DuplicateRows) != 1000 {
			t.Fatalf("1000 duplicates: imported %d duplicates %d rows %d userErrors %+v",
				res.Imported, res.Duplicates, len(res.DuplicateRows), res.UserErrors)
		}
		for i, d := range res.DuplicateRows {
			want := firstBatch[i/2]
			if d.Index != i || d.Reason != "ALREADY_ON_ROSTER" || d.Identity != deref(want.Email) || d.Prospect == nil ||
				d.Prospect.ID != want.ID || deref(d.Prospect.Email) != deref(want.Email) || d.Prospect.Status != "PENDING" {
				t.Fatalf("duplicateRows[%d] = %+v", i, d)
			}
		}
		if n := rosterCount(t, c); n != 1000 {
			t.Fatalf("SQL count %d, want 1000", n)
		}
		requireStatsMatchRoster(t, c)
	})
}

func TestAddProspectsCampaignNotFound(t *testing.T) {
	t.Parallel()
	owner := newAPI(t)
	other := owner.createCampaign("EMAIL")
	owner.add(other, emails("mine@example.com"), false)
	// The group waits for its parallel subtests; the check after it then
	// sees every refused attempt.
	t.Run("group", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			id   string
			dry  bool
		}{
			{"unknown campaign", noSuchCampaign, false},
			{"unknown campaign dry run", noSuchCampaign, true},
			{"another subject's campaign", other, false},
			{"another subject's campaign dry run", other, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				a := newAPI(t)
				res := a.add(tc.id, emails("x@example.com", "mine@example.com"), tc.dry)
				requireOneError(t, res.UserErrors, "NOT_FOUND", "campaignId")
				if res.Campaign != nil {
					t.Fatalf("NOT_FOUND payload shows a campaign: %+v", res.Campaign)
				}
				if res.Imported != 0 || res.Duplicates != 0 || len(res.Prospects) != 0 || len(res.DuplicateRows) != 0 {
					t.Fatalf("NOT_FOUND payload has counts: %+v", res)
				}
			})
		}
	})
	if n := rosterCount(t, other); n != 1 {
		t.Fatalf("another subject's roster holds %d rows, want 1", n)
	}
	requireStatsMatchRoster(t, other)
}

func TestAddProspectsRosterFrozen(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"LAUNCHING", "ACTIVE", "PAUSED", "COMPLETED"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
			path := map[string][]string{
				"LAUNCHING": {"LAUNCHING"},
				"ACTIVE":    {"LAUNCHING", "ACTIVE"},
				"PAUSED":    {"LAUNCHING", "ACTIVE", "PAUSED"},
				"COMPLETED": {"LAUNCHING", "ACTIVE", "COMPLETED"},
			}[status]
			for _, to := range path {
				if _, ue := a.transition(c, to); len(ue) != 0 {
					t.Fatalf("transition to %s: %+v", to, ue)
				}
			}
			for _, dry := range []bool{false, true} {
				// Valid rows, a row already on the roster and a bad row:
				// the freeze wins over everything.
				res := a.add(c, []map[string]any{{"email": "new@example.com"}, {"email": "SEED@example.com"}, {"email": "bad"}}, dry)
				e := requireOneCode(t, res.UserErrors, "ROSTER_FROZEN")
				if e.Index != nil {
					t.Fatalf("ROSTER_FROZEN has a row index: %+v", e)
				}
				if res.DryRun != dry {
					t.Fatalf("dryRun %v, want %v", res.DryRun, dry)
				}
				if res.Campaign == nil || res.Campaign.ID != c || res.Campaign.Status != status ||
					!res.Campaign.RosterFrozen || res.Campaign.Stats["total"] != 1 {
					t.Fatalf("ROSTER_FROZEN payload campaign %+v, want %s with its stats", res.Campaign, status)
				}
				apRequireWroteNothing(t, a, res, c, 1)
			}
		})
	}
}

// apWant is an expected userError of a bad row.
type apWant struct {
	index int
	field string
}

func TestAddProspectsBadRows(t *testing.T) {
	t.Parallel()
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	okEmail := func(i int) string { return fmt.Sprintf("ok%d@example.com", i) }
	okURL := func(i int) string { return fmt.Sprintf("linkedin.com/in/ok-%d", i) }
	// cf builds customFields whose compact JSON {"k":"…"} is 8 bytes plus
	// the value's bytes.
	cf := func(value string) map[string]any { return map[string]any{"k": value} }

	type tc struct {
		name    string
		channel string
		rows    []map[string]any
		want    []apWant
	}
	cases := []tc{
		{"email missing", "EMAIL", []map[string]any{{"firstName": "Jane", "linkedinUrl": "linkedin.com/in/jane"}}, []apWant{{0, "email"}}},
		{"email null", "EMAIL", []map[string]any{{"email": nil}}, []apWant{{0, "email"}}},
		{"email empty", "EMAIL", []map[string]any{{"email": ""}}, []apWant{{0, "email"}}},
		{"email blank", "EMAIL", []map[string]any{{"email": okEmail(0)}, {"email": " \t\n "}}, []apWant{{1, "email"}}},
		{"email no at", "EMAIL", []map[string]any{{"email": okEmail(0)}, {"email": okEmail(1)}, {"email": "jane.example.com"}}, []apWant{{2, "email"}}},
		{"email display name", "EMAIL", []map[string]any{{"email": "Jane <jane@example.com>"}}, []apWant{{0, "email"}}},
		{"email two ats", "EMAIL", []map[string]any{{"email": "a@b@example.com"}}, []apWant{{0, "email"}}},
		{"email one-label domain", "EMAIL", []map[string]any{{"email": "jane@localhost"}}, []apWant{{0, "email"}}},
		{"email hyphen label", "EMAIL", []map[string]any{{"email": "jane@-example.com"}}, []apWant{{0, "email"}}},
		{"email inner space", "EMAIL", []map[string]any{{"email": "ja ne@example.com"}}, []apWant{{0, "email"}}},
		{"email local part 65", "EMAIL", []map[string]any{{"email": long("a", 65) + "@example.com"}}, []apWant{{0, "email"}}},
		{"email over 500", "EMAIL", []map[string]any{{"email": long("a", 501) + "@example.com"}}, []apWant{{0, "email"}}},
		{"linkedin missing", "LINKEDIN", []map[string]any{{"email": "jane@example.com"}}, []apWant{{0, "linkedinUrl"}}},
		{"linkedin null", "LINKEDIN", []map[string]any{{"linkedinUrl": okURL(0)}, {"linkedinUrl": nil}}, []apWant{{1, "linkedinUrl"}}},
		{"linkedin blank", "LINKEDIN", []map[string]any{{"linkedinUrl": "   "}}, []apWant{{0, "linkedinUrl"}}},
		{"linkedin other host", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://example.com/in/jane"}}, []apWant{{0, "linkedinUrl"}}},
		{"linkedin lookalike host", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://evillinkedin.com/in/jane"}}, []apWant{{0, "linkedinUrl"}}},
		{"linkedin company page", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://www.linkedin.com/company/acme"}}, []apWant{{0, "linkedinUrl"}}},
		{"linkedin empty slug", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://www.linkedin.com/in/"}}, []apWant{{0, "linkedinUrl"}}},
		{"linkedin ftp", "LINKEDIN", []map[string]any{{"linkedinUrl": "ftp://www.linkedin.com/in/jane"}}, []apWant{{0, "linkedinUrl"}}},
		{"linkedin not a url", "LINKEDIN", []map[string]any{{"linkedinUrl": "jane doe"}}, []apWant{{0, "linkedinUrl"}}},
		{"customFields key with space", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{"bad key": 1}}}, []apWant{{0, "customFields"}}},
		{"customFields empty key", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{"": 1}}}, []apWant{{0, "customFields"}}},
		{"customFields dotted key", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{"a.b": 1}}}, []apWant{{0, "customFields"}}},
		{"customFields key of 65", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{long("k", 65): 1}}}, []apWant{{0, "customFields"}}},
		{"customFields 4097 bytes", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": cf(long("x", 4089))}}, []apWant{{0, "customFields"}}},
		{"customFields 4097 bytes with <", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": cf(long("<", 4089))}}, []apWant{{0, "customFields"}}},
		{"customFields 4098 bytes multi-byte", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": cf(long("é", 2045))}}, []apWant{{0, "customFields"}}},
		{"text over 500 on a LinkedIn campaign", "LINKEDIN", []map[string]any{{"linkedinUrl": okURL(0), "company": long("c", 501)}}, []apWant{{0, "company"}}},
		{
			"several bad rows", "EMAIL",
			[]map[string]any{
				{"email": okEmail(0)},
				{"email": "nope"},
				{"email": okEmail(2)},
				{"email": okEmail(3), "title": long("t", 501)},
				{"email": okEmail(4), "customFields": map[string]any{"%x%": true}},
				{"email": okEmail(5)},
				{"email": "   ", "firstName": "Jane"},
			},
			[]apWant{{1, "email"}, {3, "title"}, {4, "customFields"}, {6, "email"}},
		},
		{
			// One userError per bad row (SPEC §4): it points at the first
			// bad field; its message lists every problem of the row.
			"one row, several problems", "EMAIL",
			[]map[string]any{{"email": "x", "lastName": long("l", 501), "customFields": map[string]any{"no way": 1}}},
			[]apWant{{0, "email"}},
		},
	}
	// Every text field: 501 characters fail, whatever their byte size, and
	// are counted after trimming.
	for _, f := range []string{"firstName", "lastName", "company", "title", "phone", "location"} {
		for _, ch := range []string{"a", "é", "日", "😀"} {
			cases = append(cases, tc{
				fmt.Sprintf("%s 501 %q", f, ch), "EMAIL",
				[]map[string]any{{"email": okEmail(0)}, {"email": okEmail(1), f: "  " + long(ch, 501) + "  "}},
				[]apWant{{1, f}},
			})
		}
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			seed := map[string]any{"email": "seed@example.com", "linkedinUrl": "linkedin.com/in/seed"}
			id := seedCampaign(t, a, c.channel, []map[string]any{seed})
			for _, dry := range []bool{true, false} {
				res := a.add(id, c.rows, dry)
				apRequireRowErrors(t, res, c.want)
				if res.DryRun != dry {
					t.Fatalf("dryRun %v, want %v", res.DryRun, dry)
				}
				if res.Campaign == nil || res.Campaign.ID != id || res.Campaign.Stats["total"] != 1 {
					t.Fatalf("payload campaign %+v, want the campaign with unchanged stats", res.Campaign)
				}
				apRequireWroteNothing(t, a, res, id, 1)
			}
		})
	}

	t.Run("150 bad rows give 100 userErrors", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		id := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
		rows := make([]map[string]any, 0, 160)
		var want []apWant
		for i := range 160 {
			// Ten good rows spread among the bad ones.
			if i%16 == 0 {
				rows = append(rows, map[string]any{"email": okEmail(i)})
				continue
			}
			rows = append(rows, map[string]any{"email": fmt.Sprintf("bad-%d", i)})
			if len(want) < 100 {
				want = append(want, apWant{i, "email"})
			}
		}
		res := a.add(id, rows, false)
		apRequireRowErrors(t, res, want)
		apRequireWroteNothing(t, a, res, id, 1)
	})

	t.Run("a bad row sinks a batch of good ones", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		id := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
		rows := numbered("good", 999)
		rows = append(rows, map[string]any{"email": "last-row-is-bad"})
		res := a.add(id, rows, false)
		apRequireRowErrors(t, res, []apWant{{999, "email"}})
		apRequireWroteNothing(t, a, res, id, 1)
		// The same batch without the bad row goes through.
		res = a.add(id, rows[:999], false)
		if len(res.UserErrors) != 0 || res.Imported != 999 {
			t.Fatalf("without the bad row: imported %d, userErrors %+v", res.Imported, res.UserErrors)
		}
		requireStatsMatchRoster(t, id)
	})
}

// apRequireRowErrors checks the userErrors of a batch with bad rows: one
// BAD_USER_INPUT per (row, field) wanted, with its index, its path and a
// message naming the row, reported in row order.
func apRequireRowErrors(t testing.TB, res addResult, want []apWant) {
	t.Helper()
	if len(res.UserErrors) != len(want) {
		t.Fatalf("got %d userErrors, want %d: %+v", len(res.UserErrors), len(want), res.UserErrors)
	}
	got := make([]apWant, len(res.UserErrors))
	for i, e := range res.UserErrors {
		if e.Code != "BAD_USER_INPUT" {
			t.Fatalf("userErrors[%d] code %s, want BAD_USER_INPUT: %+v", i, e.Code, e)
		}
		if e.Index == nil || len(e.Field) != 3 || e.Field[0] != "prospects" || e.Field[1] != strconv.Itoa(*e.Index) {
			t.Fatalf("userErrors[%d] has index %v and field %v", i, e.Index, e.Field)
		}
		if !strings.Contains(e.Message, fmt.Sprintf("prospects[%d]", *e.Index)) {
			t.Fatalf("userErrors[%d] message %q does not name prospects[%d]", i, e.Message, *e.Index)
		}
		if i > 0 && *e.Index < *res.UserErrors[i-1].Index {
			t.Fatalf("userErrors are not in row order: %+v", res.UserErrors)
		}
		got[i] = apWant{*e.Index, e.Field[2]}
	}
	cmp := func(x, y apWant) int {
		if x.index != y.index {
			return x.index - y.index
		}
		return strings.Compare(x.field, y.field)
	}
	want = slices.Clone(want)
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	if !slices.Equal(got, want) {
		t.Fatalf("userErrors at %v, want %v (%+v)", got, want, res.UserErrors)
	}
}

// TestAddProspectsLimitsPass checks the inclusive side of every limit.
func TestAddProspectsLimitsPass(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	texts := map[string]string{
		"firstName": strings.Repeat("日", 500),
		"lastName":  " " + strings.Repeat("é", 500) + "\t",
		"company":   strings.Repeat("😀", 500),
		"title":     strings.Repeat("t", 500),
		"phone":     strings.Repeat("9", 500),
		"location":  "\n" + strings.Repeat("ü", 500) + "  ",
	}
	row := map[string]any{"email": strings.Repeat("a", 64) + "@example.com", "customFields": map[string]any{"k": strings.Repeat("<", 4088)}}
	for k, v := range texts {
		row[k] = v
	}
	rows := []map[string]any{
		row,
		{"email": "b@example.com", "customFields": map[string]any{"k": strings.Repeat("é", 2044)}},
		{"email": "c@example.com", "customFields": map[string]any{strings.Repeat("K", 64): 1, "a_b-C9": 2}},
	}
	res := a.add(c, rows, false)
	if len(res.UserErrors) != 0 || res.Imported != 3 {
		t.Fatalf("rows at the limits: imported %d, userErrors %+v", res.Imported, res.UserErrors)
	}
	p := res.Prospects[0]
	for k, v := range map[string]*string{"firstName": p.FirstName, "lastName": p.LastName, "company": p.Company,
		"title": p.Title, "phone": p.Phone, "location": p.Location} {
		if want := strings.TrimSpace(texts[k]); deref(v) != want {
			t.Fatalf("%s stored as %q, want the trimmed value", k, deref(v))
		}
	}
	if got, _ := p.CustomFields["k"].(string); got != strings.Repeat("<", 4088) {
		t.Fatalf("customFields k came back with %d bytes", len(got))
	}
	requireStatsMatchRoster(t, c)
}

func TestAddProspectsOtherIdentity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, channel string
		row           map[string]any
		wantEmail     *string
		wantURL       *string
	}{
		{"email campaign, valid url", "EMAIL",
			map[string]any{"email": "jane@example.com", "linkedinUrl": "  HTTP://UK.LinkedIn.com/in/Jane-Doe/?trk=x "},
			ptr("jane@example.com"), ptr("HTTP://UK.LinkedIn.com/in/Jane-Doe/?trk=x")},
		{"email campaign, invalid url", "EMAIL",
			map[string]any{"email": "jane@example.com", "linkedinUrl": "https://example.com/in/jane"},
			ptr("jane@example.com"), nil},
		{"email campaign, blank url", "EMAIL",
			map[string]any{"email": "jane@example.com", "linkedinUrl": "   "},
			ptr("jane@example.com"), nil},
		{"email campaign, url over 500", "EMAIL",
			map[string]any{"email": "jane@example.com", "linkedinUrl": "linkedin.com/in/" + strings.Repeat("j", 600)},
			ptr("jane@example.com"), nil},
		{"linkedin campaign, valid email", "LINKEDIN",
			map[string]any{"linkedinUrl": "linkedin.com/in/jane", "email": " Jane@Example.com "},
			ptr("Jane@Example.com"), ptr("linkedin.com/in/jane")},
		{"linkedin campaign, invalid email", "LINKEDIN",
			map[string]any{"linkedinUrl": "linkedin.com/in/jane", "email": "Jane Doe <jane@example.com>"},
			nil, ptr("linkedin.com/in/jane")},
		{"linkedin campaign, blank email", "LINKEDIN",
			map[string]any{"linkedinUrl": "linkedin.com/in/jane", "email": ""},
			nil, ptr("linkedin.com/in/jane")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := a.createCampaign(tc.channel)
			res := a.add(c, []map[string]any{tc.row}, false)
			if len(res.UserErrors) != 0 || res.Imported != 1 {
				t.Fatalf("the other identity must never fail a row: %+v", res)
			}
			stored := listAll(t, a, c)
			for _, p := range []prospect{res.Prospects[0], stored[0]} {
				if deref(p.Email) != deref(tc.wantEmail) || deref(p.LinkedinURL) != deref(tc.wantURL) {
					t.Fatalf("email %q linkedinUrl %q, want %q %q", deref(p.Email), deref(p.LinkedinURL),
						deref(tc.wantEmail), deref(tc.wantURL))
				}
			}
			requireStatsMatchRoster(t, c)
		})
	}
}

func TestAddProspectsTrimming(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("LINKEDIN")
	rows := []map[string]any{{
		"linkedinUrl": "\t HTTP://UK.LinkedIn.com/in/Jane-Doe/?trk=x \n",
		"email":       "  Jane.Doe@Example.COM  ",
		"firstName":   "  Jane  ",
		"lastName":    "   ",
		"company":     "",
		"title":       "\tCTO\n",
		"phone":       " +44 20 7946 0958 ",
		"location":    nil,
	}}
	res := a.add(c, rows, false)
	if len(res.UserErrors) != 0 || res.Imported != 1 {
		t.Fatalf("add: %+v", res)
	}
	var read struct {
		Prospect *prospect `json:"prospect"`
	}
	a.query(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { `+prospectFields+` } }`,
		map[string]any{"c": c, "id": res.Prospects[0].ID}, &read)
	if read.Prospect == nil {
		t.Fatal("the new prospect cannot be read back")
	}
	for _, p := range []prospect{res.Prospects[0], *read.Prospect} {
		got := []string{deref(p.LinkedinURL), deref(p.Email), deref(p.FirstName), deref(p.LastName),
			deref(p.Company), deref(p.Title), deref(p.Phone), deref(p.Location)}
		want := []string{"HTTP://UK.LinkedIn.com/in/Jane-Doe/?trk=x", "Jane.Doe@Example.COM", "Jane", "<nil>",
			"<nil>", "CTO", "+44 20 7946 0958", "<nil>"}
		if !slices.Equal(got, want) {
			t.Fatalf("stored %q, want %q", got, want)
		}
	}
	// The stored identity column is the normalized form.
	var ident string
	if err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT identity FROM prospects WHERE campaign_id = ?`, c).Scan(&ident); err != nil {
		t.Fatal(err)
	}
	if ident != "https://www.linkedin.com/in/jane-doe" {
		t.Fatalf("identity %q", ident)
	}
	requireStatsMatchRoster(t, c)
}

func TestAddProspectsDedup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, channel, field string
		variants             []string // all one person; the first is stored
		identity             string
		other                string // another person
	}{
		{"email", "EMAIL", "email",
			[]string{"Jane.Doe@Example.com", " jane.doe@example.com ", "JANE.DOE@EXAMPLE.COM", "\tjAnE.dOe@eXaMpLe.CoM\n"},
			"jane.doe@example.com", "bob@example.com"},
		{"linkedin", "LINKEDIN", "linkedinUrl",
			[]string{"http://uk.linkedin.com/in/Jane-Doe/?trk=x", "linkedin.com/in/jane-doe",
				"HTTPS://WWW.LINKEDIN.COM/in/JANE-DOE/", " https://www.linkedin.com/in/jane-doe#about ", "www.linkedin.com/in/jane-doe//"},
			"https://www.linkedin.com/in/jane-doe", "linkedin.com/in/bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := a.createCampaign(tc.channel)
			row := func(v string, extra ...string) map[string]any {
				r := map[string]any{tc.field: v}
				if len(extra) > 0 {
					r["firstName"] = extra[0]
				}
				return r
			}
			// Batch 1: the person, another, then the person's variants.
			rows := []map[string]any{row(tc.variants[0], "First"), row(tc.other)}
			for i, v := range tc.variants[1:] {
				rows = append(rows, row(v, fmt.Sprintf("Later %d", i)))
			}
			res := a.add(c, rows, false)
			if len(res.UserErrors) != 0 || res.Imported != 2 || res.Duplicates != len(tc.variants)-1 ||
				res.Imported+res.Duplicates != len(rows) {
				t.Fatalf("batch 1: %+v", res)
			}
			first := res.Prospects[0]
			if deref(identityOf(first, tc.field)) != tc.variants[0] || deref(first.FirstName) != "First" {
				t.Fatalf("the first row must win: %+v", first)
			}
			if len(res.DuplicateRows) != len(tc.variants)-1 {
				t.Fatalf("duplicateRows %+v", res.DuplicateRows)
			}
			for i, d := range res.DuplicateRows {
				if d.Index != i+2 || d.Reason != "IN_BATCH" || d.Identity != tc.identity || d.Prospect == nil ||
					d.Prospect.ID != first.ID || deref(d.Prospect.FirstName) != "First" {
					t.Fatalf("duplicateRows[%d] = %+v, want IN_BATCH at %d pointing at %s", i, d, i+2, first.ID)
				}
			}
			requireStatsMatchRoster(t, c)

			// Batch 2: variants of people on the roster, a new person twice.
			newcomer := map[string]string{"email": "new@example.com", "linkedinUrl": "linkedin.com/in/newcomer"}[tc.field]
			rows2 := []map[string]any{row(tc.variants[2]), row(newcomer, "Newcomer"), row(tc.variants[3]),
				row(strings.ToUpper(newcomer)), row(tc.other)}
			res2 := a.add(c, rows2, false)
			if len(res2.UserErrors) != 0 || res2.Imported != 1 || res2.Duplicates != 4 {
				t.Fatalf("batch 2: %+v", res2)
			}
			if len(res2.Prospects) != 1 || deref(res2.Prospects[0].FirstName) != "Newcomer" {
				t.Fatalf("batch 2 prospects %+v", res2.Prospects)
			}
			type want struct {
				index  int
				reason string
				id     string
			}
			exp := []want{
				{0, "ALREADY_ON_ROSTER", first.ID},
				// On the roster and an in-batch repeat: the roster wins.
				{2, "ALREADY_ON_ROSTER", first.ID},
				{3, "IN_BATCH", res2.Prospects[0].ID},
				{4, "ALREADY_ON_ROSTER", res.Prospects[1].ID},
			}
			if len(res2.DuplicateRows) != len(exp) {
				t.Fatalf("batch 2 duplicateRows %+v", res2.DuplicateRows)
			}
			for i, w := range exp {
				d := res2.DuplicateRows[i]
				if d.Index != w.index || d.Reason != w.reason || d.Prospect == nil || d.Prospect.ID != w.id {
					t.Fatalf("batch 2 duplicateRows[%d] = %+v, want %+v", i, d, w)
				}
			}
			if d := res2.DuplicateRows[0]; d.Identity != tc.identity || deref(identityOf(*d.Prospect, tc.field)) != tc.variants[0] ||
				deref(d.Prospect.FirstName) != "First" {
				t.Fatalf("ALREADY_ON_ROSTER must carry the roster's prospect: %+v", d.Prospect)
			}
			if n := rosterCount(t, c); n != 3 {
				t.Fatalf("SQL count %d, want 3", n)
			}
			requireStatsMatchRoster(t, c)
		})
	}
}

func identityOf(p prospect, field string) *string {
	if field == "email" {
		return p.Email
	}
	return p.LinkedinURL
}

// TestAddProspectsOrder checks submission order in the payload and in the
// listing: a batch's rows as submitted, batches in the order added, however
// the identities sort.
func TestAddProspectsOrder(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	rng := rand.New(rand.NewPCG(1, 2))
	var all []string
	for b, n := range []int{150, 1, 120} {
		list := make([]string, n)
		for i := range list {
			list[i] = fmt.Sprintf("p%d-%03d@example.com", b, i)
		}
		rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		res := a.add(c, emails(list...), false)
		if len(res.UserErrors) != 0 || res.Imported != n {
			t.Fatalf("batch %d: %+v", b, res.UserErrors)
		}
		if got := emailsOf(res.Prospects); !slices.Equal(got, list) {
			t.Fatalf("batch %d: payload prospects are not in submission order", b)
		}
		all = append(all, list...)
		requireStatsMatchRoster(t, c)
	}
	// One page of 200, as a client lists it.
	var out struct {
		Prospects struct {
			Nodes []prospect `json:"nodes"`
		} `json:"prospects"`
	}
	a.query(`query($c: UUID!) { prospects(campaignId: $c, limit: 200) { nodes { email } } }`, map[string]any{"c": c}, &out)
	if got := emailsOf(out.Prospects.Nodes); !slices.Equal(got, all[:200]) {
		t.Fatalf("first page is not in submission order:\n got %v\nwant %v", got[:10], all[:10])
	}
	if got := emailsOf(listAll(t, a, c)); !slices.Equal(got, all) {
		t.Fatal("the whole roster is not in submission order")
	}
}

func TestAddProspectsDryRun(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := seedCampaign(t, a, "EMAIL", emails("a@example.com", "z@example.com"))
	rosterA := listAll(t, a, c)[0]
	rows := emails("A@example.com", "b@example.com", " B@EXAMPLE.COM ", "c@example.com", "b@example.com")

	dry := a.add(c, rows, true)
	if len(dry.UserErrors) != 0 || !dry.DryRun || dry.Imported != 2 || dry.Duplicates != 3 {
		t.Fatalf("dry run: %+v", dry)
	}
	if dry.Prospects == nil || len(dry.Prospects) != 0 {
		t.Fatalf("a dry run's prospects must be empty: %+v", dry.Prospects)
	}
	type want struct {
		index    int
		reason   string
		identity string
		id       string // "" for a null prospect
	}
	check := func(what string, rows []dupRow, exp []want) {
		t.Helper()
		if len(rows) != len(exp) {
			t.Fatalf("%s duplicateRows %+v", what, rows)
		}
		for i, w := range exp {
			d := rows[i]
			id := ""
			if d.Prospect != nil {
				id = d.Prospect.ID
			}
			if d.Index != w.index || d.Reason != w.reason || d.Identity != w.identity || id != w.id {
				t.Fatalf("%s duplicateRows[%d] = %+v, want %+v", what, i, d, w)
			}
		}
	}
	check("dry run", dry.DuplicateRows, []want{
		{0, "ALREADY_ON_ROSTER", "a@example.com", rosterA.ID},
		{2, "IN_BATCH", "b@example.com", ""},
		{4, "IN_BATCH", "b@example.com", ""},
	})
	if p := dry.DuplicateRows[0].Prospect; deref(p.Email) != "a@example.com" || p.Status != "PENDING" {
		t.Fatalf("ALREADY_ON_ROSTER prospect on a dry run: %+v", p)
	}
	if dry.Campaign == nil || dry.Campaign.Stats["total"] != 2 {
		t.Fatalf("dry run campaign %+v", dry.Campaign)
	}
	if n := rosterCount(t, c); n != 2 {
		t.Fatalf("a dry run wrote: SQL count %d", n)
	}
	if st := campaignOf(t, a, c).Stats; st["total"] != 2 || st["pending"] != 2 {
		t.Fatalf("a dry run moved the stats: %v", st)
	}
	requireStatsMatchRoster(t, c)

	// The real call answers what the dry run predicted.
	real := a.add(c, rows, false)
	if len(real.UserErrors) != 0 || real.DryRun || real.Imported != dry.Imported || real.Duplicates != dry.Duplicates {
		t.Fatalf("real run: %+v", real)
	}
	if got := emailsOf(real.Prospects); !slices.Equal(got, []string{"b@example.com", "c@example.com"}) {
		t.Fatalf("real run prospects %v", got)
	}
	check("real run", real.DuplicateRows, []want{
		{0, "ALREADY_ON_ROSTER", "a@example.com", rosterA.ID},
		{2, "IN_BATCH", "b@example.com", real.Prospects[0].ID},
		{4, "IN_BATCH", "b@example.com", real.Prospects[0].ID},
	})
	if n := rosterCount(t, c); n != 4 {
		t.Fatalf("SQL count %d, want 4", n)
	}
	requireStatsMatchRoster(t, c)

	// Replaying it as a dry run: everything is on the roster now.
	again := a.add(c, rows, true)
	if again.Imported != 0 || again.Duplicates != 5 || len(again.UserErrors) != 0 {
		t.Fatalf("dry replay: %+v", again)
	}
	for _, d := range again.DuplicateRows {
		if d.Reason != "ALREADY_ON_ROSTER" || d.Prospect == nil {
			t.Fatalf("dry replay duplicate %+v", d)
		}
	}
	if n := rosterCount(t, c); n != 4 {
		t.Fatalf("SQL count %d, want 4", n)
	}
	requireStatsMatchRoster(t, c)
}

func TestAddProspectsNewProspects(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	big := json.Number("12345678901234567890")
	rows := []map[string]any{
		{"email": "a@example.com", "customFields": map[string]any{
			"nested": map[string]any{"list": []any{1, "two", nil, true, map[string]any{"deep": json.Number("1.50")}}},
			"big":    big,
			"neg":    json.Number("-98765432109876543210"),
			"text":   "<b>&amp;</b> é",
		}},
		{"email": "b@example.com"},
		{"email": "c@example.com", "customFields": nil},
		{"email": "d@example.com", "customFields": map[string]any{}},
	}
	// Decode with UseNumber, so the test itself does not round the digits.
	r := a.do(addMutation, map[string]any{"c": c, "rows": rows, "dry": false})
	if r.Status != http.StatusOK || len(r.Errors) != 0 {
		t.Fatalf("add: HTTP %d %+v", r.Status, r.Errors)
	}
	var out struct {
		AddProspects addResult `json:"addProspects"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	res := out.AddProspects
	if len(res.UserErrors) != 0 || res.Imported != 4 {
		t.Fatalf("add: %+v", res)
	}
	checkFields := func(what string, ps []prospect) {
		t.Helper()
		for i, p := range ps {
			if p.Status != "PENDING" || p.Stage != "QUEUED" || p.CampaignID != c || p.CreatedAt == "" || p.UpdatedAt == "" {
				t.Fatalf("%s: new prospect %d: %+v", what, i, p)
			}
			if i > 0 && len(p.CustomFields) != 0 {
				t.Fatalf("%s: absent customFields must be {}: %v", what, p.CustomFields)
			}
		}
		cf := ps[0].CustomFields
		if cf["big"] != big || cf["neg"] != json.Number("-98765432109876543210") || cf["text"] != "<b>&amp;</b> é" {
			t.Fatalf("%s: customFields %v", what, cf)
		}
		nested, _ := cf["nested"].(map[string]any)
		list, _ := nested["list"].([]any)
		if len(list) != 5 || list[0] != json.Number("1") || list[1] != "two" || list[2] != nil || list[3] != true {
			t.Fatalf("%s: nested customFields %v", what, cf["nested"])
		}
		if deep, _ := list[4].(map[string]any); deep == nil || fmt.Sprint(deep["deep"]) == "" {
			t.Fatalf("%s: deep customFields %v", what, list[4])
		}
	}
	checkFields("payload", res.Prospects)

	// Read back through the API (from PostgreSQL), again keeping digits.
	r = a.do(`query($c: UUID!) { prospects(campaignId: $c) { nodes { `+prospectFields+` } } }`, map[string]any{"c": c})
	if r.Status != http.StatusOK || len(r.Errors) != 0 {
		t.Fatalf("list: HTTP %d %+v", r.Status, r.Errors)
	}
	var list struct {
		Prospects struct {
			Nodes []prospect `json:"nodes"`
		} `json:"prospects"`
	}
	dec = json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil {
		t.Fatal(err)
	}
	checkFields("listing", list.Prospects.Nodes)

	var bigText, status string
	err := dbtest.DB(t).QueryRowContext(context.Background(),
		`SELECT custom_fields->>'big', status FROM prospects WHERE campaign_id = ? AND identity = 'a@example.com'`, c).Scan(&bigText, &status)
	if err != nil {
		t.Fatal(err)
	}
	if bigText != "12345678901234567890" || status != "pending" {
		t.Fatalf("stored big %s status %s", bigText, status)
	}
	if st := campaignOf(t, a, c).Stats; st["total"] != 4 || st["pending"] != 4 {
		t.Fatalf("stats %v", st)
	}
	requireStatsMatchRoster(t, c)
}

// TestAddProspectsConcurrent: overlapping batches at once never import an
// identity twice and never fail because of each other (SPEC §5).
func TestAddProspectsConcurrent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	concurrentAdds(t, []*api{a})
}

// concurrentAdds runs 8 overlapping adds on one campaign at once, worker w
// through replicas[w % len(replicas)], and checks that none failed and no
// identity was imported twice.
func concurrentAdds(t *testing.T, replicas []*api) {
	a := replicas[0]
	c := a.createCampaign("EMAIL")
	const pool, workers, per = 500, 8, 200
	variant := func(e string, w int) string {
		switch w % 4 {
		case 1:
			return strings.ToUpper(e)
		case 2:
			return "  " + e + "\t"
		case 3:
			return strings.ToUpper(e[:1]) + e[1:]
		}
		return e
	}
	distinct := map[string]bool{}
	batches := make([][]map[string]any, workers)
	for w := range batches {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		idx := rng.Perm(pool)[:per]
		for _, i := range idx {
			e := fmt.Sprintf("pool%03d@example.com", i)
			distinct[e] = true
			batches[w] = append(batches[w], map[string]any{"email": variant(e, w)})
		}
	}
	results := make([]addResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			results[w], errs[w] = replicas[w%len(replicas)].tryAdd(c, batches[w], false)
		})
	}
	close(start)
	wg.Wait()
	imported := 0
	for w := range workers {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		res := results[w]
		if len(res.UserErrors) != 0 {
			t.Fatalf("worker %d: userErrors %+v", w, res.UserErrors)
		}
		if res.Imported+res.Duplicates != per || len(res.Prospects) != res.Imported || len(res.DuplicateRows) != res.Duplicates {
			t.Fatalf("worker %d: imported %d duplicates %d", w, res.Imported, res.Duplicates)
		}
		for _, d := range res.DuplicateRows {
			if d.Prospect == nil || d.Reason != "ALREADY_ON_ROSTER" && d.Reason != "IN_BATCH" {
				t.Fatalf("worker %d: duplicate %+v", w, d)
			}
		}
		imported += res.Imported
	}
	if imported != len(distinct) {
		t.Fatalf("imported %d in all, want %d distinct identities", imported, len(distinct))
	}
	var rows, ids, mails int
	err := dbtest.DB(t).QueryRowContext(context.Background(),
		`SELECT count(*), count(DISTINCT identity), count(DISTINCT lower(trim(email))) FROM prospects WHERE campaign_id = ?`, c).
		Scan(&rows, &ids, &mails)
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(distinct) || ids != rows || mails != rows {
		t.Fatalf("roster has %d rows, %d identities, %d emails; want %d of each", rows, ids, mails, len(distinct))
	}
	requireStatsMatchRoster(t, c)
}

// TestAddProspectsRacingLaunch: an add racing DRAFT→LAUNCHING commits whole
// before it or fails whole with ROSTER_FROZEN (SPEC §7).
func TestAddProspectsRacingLaunch(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	addRacingLaunch(t, a, a)
}

// addRacingLaunch races an add through adder against a launch through
// launcher, and checks that the add committed whole before the launch or
// failed whole with ROSTER_FROZEN.
func addRacingLaunch(t *testing.T, adder, launcher *api) {
	a := adder
	const iterations, size = 20, 300
	const transition = `mutation($id: UUID!) { transitionCampaign(id: $id, to: LAUNCHING) {
		campaign { status stats { total } } userErrors { code message } } }`
	var won, frozen int
	for it := range iterations {
		c := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
		rows := numbered(fmt.Sprintf("race%d-", it), size)
		var (
			res    addResult
			addErr error
			tr     struct {
				TransitionCampaign struct {
					Campaign   *campaign   `json:"campaign"`
					UserErrors []userError `json:"userErrors"`
				} `json:"transitionCampaign"`
			}
			trErr error
			wg    sync.WaitGroup
		)
		start := make(chan struct{})
		wg.Go(func() { <-start; res, addErr = a.tryAdd(c, rows, false) })
		wg.Go(func() { <-start; trErr = launcher.try(transition, map[string]any{"id": c}, &tr) })
		close(start)
		wg.Wait()
		if addErr != nil || trErr != nil {
			t.Fatalf("iteration %d: add %v, transition %v", it, addErr, trErr)
		}
		if ue := tr.TransitionCampaign.UserErrors; len(ue) != 0 || tr.TransitionCampaign.Campaign.Status != "LAUNCHING" {
			t.Fatalf("iteration %d: transition %+v", it, tr.TransitionCampaign)
		}
		var batchRows int
		err := dbtest.DB(t).QueryRowContext(context.Background(),
			`SELECT count(*) FROM prospects WHERE campaign_id = ? AND identity LIKE ?`, c, fmt.Sprintf("race%d-%%", it)).Scan(&batchRows)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(res.UserErrors) == 0:
			won++
			if res.Imported != size || batchRows != size {
				t.Fatalf("iteration %d: add succeeded with imported %d, but %d of its rows exist", it, res.Imported, batchRows)
			}
		case len(res.UserErrors) == 1 && res.UserErrors[0].Code == "ROSTER_FROZEN":
			frozen++
			if batchRows != 0 || res.Imported != 0 {
				t.Fatalf("iteration %d: ROSTER_FROZEN, but %d of its rows exist (imported %d)", it, batchRows, res.Imported)
			}
			if res.Campaign == nil || res.Campaign.Status != "LAUNCHING" {
				t.Fatalf("iteration %d: ROSTER_FROZEN payload campaign %+v", it, res.Campaign)
			}
		default:
			t.Fatalf("iteration %d: unexpected userErrors %+v", it, res.UserErrors)
		}
		// The launch saw the roster as it is now: a batch that committed
		// did so before the launch, never after it.
		if got := tr.TransitionCampaign.Campaign.Stats["total"]; got != 1+batchRows {
			t.Fatalf("iteration %d: the launch saw %d prospects, the roster holds %d: the add committed after the launch",
				it, got, 1+batchRows)
		}
		if got := campaignOf(t, a, c); got.Status != "LAUNCHING" || got.Stats["total"] != 1+batchRows {
			t.Fatalf("iteration %d: campaign %+v with %d batch rows", it, got, batchRows)
		}
		requireStatsMatchRoster(t, c)
	}
	t.Logf("add committed first %d times, ROSTER_FROZEN %d times", won, frozen)
}

// TestAddOneUserErrorPerRow checks SPEC §4's "one userError each": a row
// with several problems gives one userError, whose message names them all.
func TestAddOneUserErrorPerRow(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.createCampaign("EMAIL")
	res := a.add(id, []map[string]any{
		{"email": "ok@example.com"},
		{"email": "x", "lastName": strings.Repeat("l", 501), "customFields": map[string]any{"no way": 1}},
	}, false)
	if len(res.UserErrors) != 1 {
		t.Fatalf("got %d userErrors, want 1: %+v", len(res.UserErrors), res.UserErrors)
	}
	msg := res.UserErrors[0].Message
	for _, part := range []string{"prospects[1].email", "prospects[1].lastName", "prospects[1].customFields"} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q does not name %s", msg, part)
		}
	}
	if f := res.UserErrors[0].Field; len(f) != 3 || f[2] != "email" {
		t.Errorf("field %v, want the first bad field", f)
	}
}

// TestAddCustomFieldNumbersCountedInFull checks that the 4096-byte limit
// bounds what PostgreSQL stores: jsonb writes 1e1000 out as 1001 digits.
func TestAddCustomFieldNumbersCountedInFull(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.createCampaign("EMAIL")
	var rows []map[string]any
	dec := json.NewDecoder(strings.NewReader(`[{"email": "big@x.com", "customFields": {"a": 1e5000}},
		{"email": "ok@x.com", "customFields": {"a": 1e3, "b": 2.5e-3}}]`))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	res := a.add(id, rows[:1], false)
	if len(res.UserErrors) != 1 || res.UserErrors[0].Field[2] != "customFields" {
		t.Fatalf("1e5000 in custom fields: %+v", res.UserErrors)
	}
	if res := a.add(id, rows[1:], false); len(res.UserErrors) != 0 || res.Imported != 1 {
		t.Fatalf("small exponents refused: %+v", res.UserErrors)
	}
}

// TestAddRowUnmarshal pins what a row of another type answers: a
// customFields that is not an object, or a text field given a number, fails
// the request at the variable's exact path, as input coercion (inputRules;
// gqlgen read the number as its text, which GraphQL's coercion refuses).
func TestAddRowUnmarshal(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	for _, tc := range []struct {
		cf   any
		kind string
	}{{"str", "a string"}, {12, "a number"}, {[]any{1}, "a list"}, {true, "a boolean"}} {
		r := a.do(addMutation, map[string]any{"c": c, "rows": []map[string]any{{"email": "a@x.com"}, {"email": "b@x.com", "customFields": tc.cf}}})
		if len(r.Errors) != 1 || r.Errors[0].Message != "JSONObject must be an object, got "+tc.kind ||
			fmt.Sprint(r.Errors[0].Path) != "[variable rows 1 customFields]" || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || r.Data != nil {
			t.Fatalf("customFields %v: %+v", tc.cf, r.Errors)
		}
	}
	r := a.do(addMutation, map[string]any{"c": c, "rows": []map[string]any{{"email": "n@x.com", "firstName": 12}}})
	if len(r.Errors) != 1 || fmt.Sprint(r.Errors[0].Path) != "[variable rows 0 firstName]" || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || r.Data != nil {
		t.Fatalf("row with a number for a name: %+v", r.Errors)
	}
	res := a.add(c, []map[string]any{{"email": "n@x.com", "customFields": nil, "title": nil}}, false)
	if res.Imported != 1 || res.Prospects[0].Title != nil {
		t.Fatalf("row with nulls: %+v", res)
	}
}

// TestAddReadsWhatItSelects: addProspects reads the roster's rows behind
// its ALREADY_ON_ROSTER duplicates only when duplicateRows.prospect is
// selected, and the campaign back only when campaign is, however the
// selection says it (fragments, @include); the answer is the same either
// way.
func TestAddReadsWhatItSelects(t *testing.T) {
	countStatements()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	a.add(c, emails("held@x.com"), false)
	for i, tc := range []struct {
		sel                 string
		prospectRead, cRead bool
	}{
		{`imported duplicates duplicateRows { index reason identity }`, false, false},
		{`imported duplicateRows { prospect { email } }`, true, false},
		{`imported campaign { stats { total } }`, false, true},
		{`imported ...F } } fragment F on AddProspectsPayload { duplicateRows { ... on DuplicateRow { prospect { email } } } campaign { name`, true, true},
		{`imported duplicateRows { index prospect @include(if: false) { email } } campaign @skip(if: true) { name }`, false, false},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			doc := `mutation($c: UUID!, $rows: [ProspectInput!]!) { addProspects(campaignId: $c, prospects: $rows) { ` + tc.sel + ` } }`
			r, stmts := a.on(t).countedOK(doc, map[string]any{"c": c, "rows": emails(fmt.Sprintf("new%d@x.com", i), "HELD@x.com")})
			var prospectReads, campaignReads int
			for _, q := range stmts {
				switch {
				case strings.HasPrefix(q, "SELECT") && strings.Contains(q, `prospects`):
					prospectReads++
				case strings.HasPrefix(q, "SELECT") && strings.Contains(q, `campaigns`):
					campaignReads++
				}
			}
			if want := map[bool]int{false: 0, true: 1}[tc.prospectRead]; prospectReads != want {
				t.Errorf("%d reads of prospects, want %d: %q", prospectReads, want, stmts)
			}
			if want := map[bool]int{false: 1, true: 2}[tc.cRead]; campaignReads != want { // the lock, then the read back
				t.Errorf("%d reads of the campaign, want %d: %q", campaignReads, want, stmts)
			}
			if tc.prospectRead && !strings.Contains(string(r.Data), `"prospect":{"email":"held@x.com"}`) {
				t.Errorf("the duplicate's prospect is missing: %s", r.Data)
			}
			if tc.cRead && !strings.Contains(string(r.Data), `"campaign":{`) {
				t.Errorf("the campaign is missing: %s", r.Data)
			}
		})
	}
}
