package graph_test

// addProspects' validation (SPEC §4-§7): batch size, the campaign, each row's
// fields and limits, trimming, the other identity, one userError per row.
// Dedup is dedup_test.go; the freeze, freeze_test.go; races,
// concurrency_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"roster/db/dbtest"
)

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
			requireWroteNothing(t, a, res, c, 1)
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
		// duplicate rows, each with its full prospect; a repeat within the
		// batch is IN_BATCH, pointing at the roster's prospect its first
		// row found (SPEC §12: IN_BATCH comes before ALREADY_ON_ROSTER).
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
			want, reason := firstBatch[i/2], "ALREADY_ON_ROSTER"
			if i%2 == 1 {
				reason = "IN_BATCH"
			}
			if d.Index != i || d.Reason != reason || d.Identity != deref(want.Email) || d.Prospect == nil ||
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
		want    []rowWant
	}
	cases := []tc{
		{"email missing", "EMAIL", []map[string]any{{"firstName": "Jane", "linkedinUrl": "linkedin.com/in/jane"}}, []rowWant{{0, "email"}}},
		{"email null", "EMAIL", []map[string]any{{"email": nil}}, []rowWant{{0, "email"}}},
		{"email empty", "EMAIL", []map[string]any{{"email": ""}}, []rowWant{{0, "email"}}},
		{"email blank", "EMAIL", []map[string]any{{"email": okEmail(0)}, {"email": " \t\n "}}, []rowWant{{1, "email"}}},
		{"email no at", "EMAIL", []map[string]any{{"email": okEmail(0)}, {"email": okEmail(1)}, {"email": "jane.example.com"}}, []rowWant{{2, "email"}}},
		{"email display name", "EMAIL", []map[string]any{{"email": "Jane <jane@example.com>"}}, []rowWant{{0, "email"}}},
		{"email two ats", "EMAIL", []map[string]any{{"email": "a@b@example.com"}}, []rowWant{{0, "email"}}},
		{"email one-label domain", "EMAIL", []map[string]any{{"email": "jane@localhost"}}, []rowWant{{0, "email"}}},
		{"email hyphen label", "EMAIL", []map[string]any{{"email": "jane@-example.com"}}, []rowWant{{0, "email"}}},
		{"email inner space", "EMAIL", []map[string]any{{"email": "ja ne@example.com"}}, []rowWant{{0, "email"}}},
		{"email local part 65", "EMAIL", []map[string]any{{"email": long("a", 65) + "@example.com"}}, []rowWant{{0, "email"}}},
		{"email over 500", "EMAIL", []map[string]any{{"email": long("a", 501) + "@example.com"}}, []rowWant{{0, "email"}}},
		{"linkedin missing", "LINKEDIN", []map[string]any{{"email": "jane@example.com"}}, []rowWant{{0, "linkedinUrl"}}},
		{"linkedin null", "LINKEDIN", []map[string]any{{"linkedinUrl": okURL(0)}, {"linkedinUrl": nil}}, []rowWant{{1, "linkedinUrl"}}},
		{"linkedin blank", "LINKEDIN", []map[string]any{{"linkedinUrl": "   "}}, []rowWant{{0, "linkedinUrl"}}},
		{"linkedin other host", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://example.com/in/jane"}}, []rowWant{{0, "linkedinUrl"}}},
		{"linkedin lookalike host", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://evillinkedin.com/in/jane"}}, []rowWant{{0, "linkedinUrl"}}},
		{"linkedin company page", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://www.linkedin.com/company/acme"}}, []rowWant{{0, "linkedinUrl"}}},
		{"linkedin empty slug", "LINKEDIN", []map[string]any{{"linkedinUrl": "https://www.linkedin.com/in/"}}, []rowWant{{0, "linkedinUrl"}}},
		{"linkedin ftp", "LINKEDIN", []map[string]any{{"linkedinUrl": "ftp://www.linkedin.com/in/jane"}}, []rowWant{{0, "linkedinUrl"}}},
		{"linkedin not a url", "LINKEDIN", []map[string]any{{"linkedinUrl": "jane doe"}}, []rowWant{{0, "linkedinUrl"}}},
		{"customFields key with space", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{"bad key": 1}}}, []rowWant{{0, "customFields"}}},
		{"customFields empty key", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{"": 1}}}, []rowWant{{0, "customFields"}}},
		{"customFields dotted key", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{"a.b": 1}}}, []rowWant{{0, "customFields"}}},
		{"customFields key of 65", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": map[string]any{long("k", 65): 1}}}, []rowWant{{0, "customFields"}}},
		{"customFields 4097 bytes", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": cf(long("x", 4089))}}, []rowWant{{0, "customFields"}}},
		{"customFields 4097 bytes with <", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": cf(long("<", 4089))}}, []rowWant{{0, "customFields"}}},
		{"customFields 4098 bytes multi-byte", "EMAIL", []map[string]any{{"email": okEmail(0), "customFields": cf(long("é", 2045))}}, []rowWant{{0, "customFields"}}},
		{"text over 500 on a LinkedIn campaign", "LINKEDIN", []map[string]any{{"linkedinUrl": okURL(0), "company": long("c", 501)}}, []rowWant{{0, "company"}}},
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
			[]rowWant{{1, "email"}, {3, "title"}, {4, "customFields"}, {6, "email"}},
		},
		{
			// One userError per bad row (SPEC §4): it points at the first
			// bad field; its message lists every problem of the row.
			"one row, several problems", "EMAIL",
			[]map[string]any{{"email": "x", "lastName": long("l", 501), "customFields": map[string]any{"no way": 1}}},
			[]rowWant{{0, "email"}},
		},
	}
	// Every text field: 501 characters fail, whatever their byte size, and
	// are counted after trimming.
	for _, f := range []string{"firstName", "lastName", "company", "title", "phone", "location"} {
		for _, ch := range []string{"a", "é", "日", "😀"} {
			cases = append(cases, tc{
				fmt.Sprintf("%s 501 %q", f, ch), "EMAIL",
				[]map[string]any{{"email": okEmail(0)}, {"email": okEmail(1), f: "  " + long(ch, 501) + "  "}},
				[]rowWant{{1, f}},
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
				requireRowErrors(t, res, c.want)
				if res.DryRun != dry {
					t.Fatalf("dryRun %v, want %v", res.DryRun, dry)
				}
				if res.Campaign == nil || res.Campaign.ID != id || res.Campaign.Stats["total"] != 1 {
					t.Fatalf("payload campaign %+v, want the campaign with unchanged stats", res.Campaign)
				}
				requireWroteNothing(t, a, res, id, 1)
			}
		})
	}

	t.Run("150 bad rows give 100 userErrors", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		id := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
		rows := make([]map[string]any, 0, 160)
		var want []rowWant
		for i := range 160 {
			// Ten good rows spread among the bad ones.
			if i%16 == 0 {
				rows = append(rows, map[string]any{"email": okEmail(i)})
				continue
			}
			rows = append(rows, map[string]any{"email": fmt.Sprintf("bad-%d", i)})
			if len(want) < 100 {
				want = append(want, rowWant{i, "email"})
			}
		}
		res := a.add(id, rows, false)
		requireRowErrors(t, res, want)
		requireWroteNothing(t, a, res, id, 1)
	})

	t.Run("a bad row sinks a batch of good ones", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		id := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
		rows := numbered("good", 999)
		rows = append(rows, map[string]any{"email": "last-row-is-bad"})
		res := a.add(id, rows, false)
		requireRowErrors(t, res, []rowWant{{999, "email"}})
		requireWroteNothing(t, a, res, id, 1)
		// The same batch without the bad row goes through.
		res = a.add(id, rows[:999], false)
		if len(res.UserErrors) != 0 || res.Imported != 999 {
			t.Fatalf("without the bad row: imported %d, userErrors %+v", res.Imported, res.UserErrors)
		}
		requireStatsMatchRoster(t, id)
	})
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
