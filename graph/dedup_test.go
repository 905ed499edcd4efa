package graph_test

// addProspects' dedup and its payload (SPEC §6, §8): identities normalized
// and deduplicated within a batch and against the roster, submission order
// kept, dryRun, the new prospects returned.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/db/dbtest"
)

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
				// An in-batch repeat of a row on the roster: IN_BATCH,
				// pointing at the roster's prospect (SPEC §12).
				{2, "IN_BATCH", first.ID},
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
		// Rows 2 and 4 repeat row 1's identity: IN_BATCH, pointing at the
		// roster's prospect row 1 found (SPEC §12).
		reason := "ALREADY_ON_ROSTER"
		if d.Index == 2 || d.Index == 4 {
			reason = "IN_BATCH"
		}
		if d.Reason != reason || d.Prospect == nil {
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
