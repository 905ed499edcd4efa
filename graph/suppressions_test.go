package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"roster/db/dbtest"
)

// suppression is the Suppression fields tests read.
type suppression struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	Value      string  `json:"value"`
	Normalized string  `json:"normalized"`
	Reason     *string `json:"reason"`
	CreatedAt  string  `json:"createdAt"`
}

type suppressResult struct {
	Added             int           `json:"added"`
	AlreadySuppressed int           `json:"alreadySuppressed"`
	Suppressions      []suppression `json:"suppressions"`
	RemovedProspects  int           `json:"removedProspects"`
	UserErrors        []userError   `json:"userErrors"`
}

const suppressMutation = `mutation($e: [SuppressionInput!]!, $rm: Boolean) {
	addSuppressions(entries: $e, removeFromDraftRosters: $rm) {
		added alreadySuppressed removedProspects
		suppressions { id kind value normalized reason createdAt }
		userErrors { code message field index }
	}
}`

// suppressEntries runs addSuppressions with entries (SuppressionInput objects).
func (a *api) suppressEntries(entries []map[string]any, removeFromDraftRosters bool) suppressResult {
	a.t.Helper()
	var out struct {
		AddSuppressions suppressResult `json:"addSuppressions"`
	}
	a.query(suppressMutation, map[string]any{"e": entries, "rm": removeFromDraftRosters}, &out)
	return out.AddSuppressions
}

// suppress adds values, kinds inferred, and requires no userErrors.
func (a *api) suppress(removeFromDraftRosters bool, values ...string) suppressResult {
	a.t.Helper()
	entries := make([]map[string]any, len(values))
	for i, v := range values {
		entries[i] = map[string]any{"value": v}
	}
	res := a.suppressEntries(entries, removeFromDraftRosters)
	if len(res.UserErrors) > 0 {
		a.t.Fatalf("addSuppressions: %+v", res.UserErrors)
	}
	return res
}

type suppressionPage struct {
	TotalCount int           `json:"totalCount"`
	Page       int           `json:"page"`
	Limit      int           `json:"limit"`
	Nodes      []suppression `json:"nodes"`
	PageInfo   struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
}

const suppressionsQuery = `query($kind: SuppressionKind, $search: String, $page: Int, $limit: Int, $after: Cursor) {
	suppressions(kind: $kind, search: $search, page: $page, limit: $limit, after: $after) {
		totalCount page limit
		nodes { id kind value normalized reason createdAt }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	}
}`

// suppressions lists the caller's list with vars (nil values are omitted).
func (a *api) suppressions(vars map[string]any) suppressionPage {
	a.t.Helper()
	var out struct {
		Suppressions suppressionPage `json:"suppressions"`
	}
	a.query(suppressionsQuery, vars, &out)
	return out.Suppressions
}

// normalizedOf lists the entries' normalized values, in order.
func normalizedOf(list []suppression) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Normalized
	}
	return out
}

// rosterEmails lists the identities on a campaign's roster, in roster order.
func rosterIdentities(t *testing.T, campaignID string) []string {
	t.Helper()
	var out []string
	err := dbtest.DB(t).NewSelect().Table("prospects").Column("identity").
		Where("campaign_id = ?", campaignID).Order("id").Scan(context.Background(), &out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSuppressionKinds: each value is read as the kind SPEC §11 infers (or
// the one given), stored trimmed and compared normalized.
func TestSuppressionKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		entry      map[string]any
		kind       string
		value      string
		normalized string
	}{
		{"email", map[string]any{"value": " Jane@Acme.COM "}, "EMAIL", "Jane@Acme.COM", "jane@acme.com"},
		{"domain with @", map[string]any{"value": "@Acme.com"}, "DOMAIN", "@Acme.com", "acme.com"},
		{"domain without @", map[string]any{"value": "EU.acme.com"}, "DOMAIN", "EU.acme.com", "eu.acme.com"},
		{"linkedin url", map[string]any{"value": "http://uk.linkedin.com/in/Jane-Doe/?trk=x"}, "LINKEDIN",
			"http://uk.linkedin.com/in/Jane-Doe/?trk=x", "https://www.linkedin.com/in/jane-doe"},
		{"linkedin without scheme", map[string]any{"value": "linkedin.com/in/jane-doe"}, "LINKEDIN",
			"linkedin.com/in/jane-doe", "https://www.linkedin.com/in/jane-doe"},
		{"linkedin.com alone is a domain", map[string]any{"value": "linkedin.com"}, "DOMAIN", "linkedin.com", "linkedin.com"},
		{"kind given", map[string]any{"value": "@acme.com", "kind": "DOMAIN", "reason": "  competitor "}, "DOMAIN", "@acme.com", "acme.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			res := a.suppressEntries([]map[string]any{tc.entry}, false)
			if len(res.UserErrors) > 0 || res.Added != 1 || len(res.Suppressions) != 1 {
				t.Fatalf("addSuppressions: %+v", res)
			}
			s := res.Suppressions[0]
			if s.Kind != tc.kind || s.Value != tc.value || s.Normalized != tc.normalized || s.ID == "" || s.CreatedAt == "" {
				t.Errorf("entry = %+v, want %s %q %q", s, tc.kind, tc.value, tc.normalized)
			}
			if r, ok := tc.entry["reason"]; ok && (s.Reason == nil || *s.Reason != strings.TrimSpace(r.(string))) {
				t.Errorf("reason = %v, want %q trimmed", s.Reason, r)
			}
			if page := a.suppressions(nil); page.TotalCount != 1 || len(page.Nodes) != 1 || page.Nodes[0].ID != s.ID || page.Nodes[0].Normalized != s.Normalized {
				t.Errorf("listed %+v, want the entry added", page)
			}
		})
	}
}

// TestSuppressionRefusals: a bad entry, a reason over 500 characters, 0 or
// 1001 entries are BAD_USER_INPUT userErrors (with index and field for an
// entry), and the call writes nothing.
func TestSuppressionRefusals(t *testing.T) {
	t.Parallel()
	good := map[string]any{"value": "fine@acme.com"}
	many := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"value": fmt.Sprintf("p%d@acme.com", i)}
		}
		return out
	}
	idx := func(i int) *int { return &i }
	for _, tc := range []struct {
		name    string
		entries []map[string]any
		want    []userError // Message: a substring
	}{
		{"no entries", []map[string]any{}, []userError{{Field: []string{"entries"}, Message: "entries must hold 1 to 1000 entries; got 0"}}},
		{"1001 entries", many(1001), []userError{{Field: []string{"entries"}, Message: "got 1001"}}},
		{"invalid email", []map[string]any{good, {"value": "jane@doe@acme.com"}},
			[]userError{{Field: []string{"entries", "1", "value"}, Index: idx(1), Message: "entries[1].value is not a valid email address"}}},
		{"invalid domain", []map[string]any{{"value": "acme"}},
			[]userError{{Field: []string{"entries", "0", "value"}, Index: idx(0), Message: "is not a valid domain"}}},
		{"not a linkedin profile", []map[string]any{{"value": "https://www.linkedin.com/company/acme"}},
			[]userError{{Field: []string{"entries", "0", "value"}, Index: idx(0), Message: "not a profile"}}},
		{"value of the wrong kind", []map[string]any{{"value": "jane@acme.com", "kind": "LINKEDIN"}},
			[]userError{{Field: []string{"entries", "0", "value"}, Index: idx(0), Message: "is not a valid linkedin profile url"}}},
		{"blank value", []map[string]any{good, good, {"value": " "}},
			[]userError{{Field: []string{"entries", "2", "value"}, Index: idx(2), Message: "must not be blank"}}},
		{"NUL in the value", []map[string]any{{"value": "ja\u0000ne@acme.com"}},
			[]userError{{Field: []string{"entries", "0", "value"}, Index: idx(0), Message: "entries[0].value"}}},
		{"reason of 501", []map[string]any{good, {"value": "b@acme.com", "reason": strings.Repeat("é", 501)}},
			[]userError{{Field: []string{"entries", "1", "reason"}, Index: idx(1), Message: "entries[1].reason is 501 characters long; at most 500 are allowed"}}},
		{"NUL in the reason", []map[string]any{{"value": "b@acme.com", "reason": "x\u0000"}},
			[]userError{{Field: []string{"entries", "0", "reason"}, Index: idx(0), Message: "NUL"}}},
		{"every bad entry", []map[string]any{{"value": "x"}, good, {"value": "y@"}},
			[]userError{{Field: []string{"entries", "0", "value"}, Index: idx(0)}, {Field: []string{"entries", "2", "value"}, Index: idx(2)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := a.createCampaign("EMAIL")
			a.add(c, emails("fine@acme.com"), false)
			res := a.suppressEntries(tc.entries, true)
			if res.Added != 0 || res.AlreadySuppressed != 0 || res.RemovedProspects != 0 || len(res.Suppressions) != 0 {
				t.Errorf("a refused call reports %+v", res)
			}
			if len(res.UserErrors) != len(tc.want) {
				t.Fatalf("userErrors %+v, want %d", res.UserErrors, len(tc.want))
			}
			for i, w := range tc.want {
				e := res.UserErrors[i]
				if e.Code != "BAD_USER_INPUT" || !slices.Equal(e.Field, w.Field) || !strings.Contains(e.Message, w.Message) ||
					(e.Index == nil) != (w.Index == nil) || e.Index != nil && *e.Index != *w.Index {
					t.Errorf("userError %d = %+v (index %v), want BAD_USER_INPUT %v index %v containing %q", i, e, e.Index, w.Field, w.Index, w.Message)
				}
			}
			if page := a.suppressions(nil); page.TotalCount != 0 || len(page.Nodes) != 0 {
				t.Errorf("a refused call wrote %+v", page.Nodes)
			}
			if ids := rosterIdentities(t, c); len(ids) != 1 {
				t.Errorf("a refused call removed prospects: %v", ids)
			}
		})
	}
}

// TestSuppressionDuplicates: an entry already on the list, or earlier in
// the call (same kind and normalized value), counts in alreadySuppressed
// and stays as it is; the entries added come back in submission order.
func TestSuppressionDuplicates(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	first := a.suppressEntries([]map[string]any{
		{"value": "Jane@Acme.com", "reason": "unsubscribed"},
		{"value": "acme.com"},
	}, false)
	if first.Added != 2 || first.AlreadySuppressed != 0 {
		t.Fatalf("first call: %+v", first)
	}
	res := a.suppressEntries([]map[string]any{
		{"value": "zed@globex.com"},
		{"value": " jane@ACME.com ", "reason": "bounced"}, // on the list
		{"value": "@ACME.COM"},                            // on the list
		{"value": "linkedin.com/in/Jane"},
		{"value": "zed@globex.com"},                         // earlier in the call
		{"value": "https://uk.linkedin.com/in/jane/?trk=a"}, // earlier in the call
		{"value": "acme.com", "kind": "DOMAIN"},             // on the list
		{"value": "globex.com"},
	}, false)
	if len(res.UserErrors) > 0 {
		t.Fatal(res.UserErrors)
	}
	want := []string{"zed@globex.com", "https://www.linkedin.com/in/jane", "globex.com"}
	if res.Added != 3 || res.AlreadySuppressed != 5 || !slices.Equal(normalizedOf(res.Suppressions), want) {
		t.Errorf("added %d %q, alreadySuppressed %d; want 3 %q, 5", res.Added, normalizedOf(res.Suppressions), res.AlreadySuppressed, want)
	}
	page := a.suppressions(map[string]any{"search": "jane@"})
	if len(page.Nodes) != 1 || page.Nodes[0].Reason == nil || *page.Nodes[0].Reason != "unsubscribed" || page.Nodes[0].Value != "Jane@Acme.com" {
		t.Errorf("the entry on the list changed: %+v", page.Nodes)
	}
	if page := a.suppressions(nil); page.TotalCount != 5 {
		t.Errorf("totalCount %d, want 5", page.TotalCount)
	}
	// A whole call of entries on the list adds nothing.
	again := a.suppress(false, "jane@acme.com", "globex.com")
	if again.Added != 0 || again.AlreadySuppressed != 2 || len(again.Suppressions) != 0 {
		t.Errorf("again: %+v", again)
	}
}

// TestSuppressionRemovesFromDraftRosters: with removeFromDraftRosters, the
// prospects the call's entries block (added or already listed) leave the
// owner's DRAFT rosters, by the required identity or the captured one, by
// email, LinkedIn URL or the email's domain and its subdomains (never a
// lookalike); stats follow; rosters past DRAFT and other owners' are
// untouched.
func TestSuppressionRemovesFromDraftRosters(t *testing.T) {
	t.Parallel()
	a, other := newAPI(t), newAPI(t)
	mail := a.createCampaign("EMAIL")
	a.add(mail, []map[string]any{
		{"email": "ann@acme.com"},
		{"email": "bob@eu.acme.com"},
		{"email": "cat@notacme.com"},
		{"email": "dan@acme.com.evil.example"},
		{"email": "eve@globex.com", "linkedinUrl": "linkedin.com/in/eve"},
		{"email": "fay@initech.com"},
		{"email": "gus@hooli.com", "linkedinUrl": "linkedin.com/in/gus"},
	}, false)
	social := a.createCampaign("LINKEDIN")
	a.add(social, []map[string]any{
		{"linkedinUrl": "linkedin.com/in/ann", "email": "ann@acme.com"},
		{"linkedinUrl": "linkedin.com/in/hal", "email": "hal@sales.eu.acme.com"},
		{"linkedinUrl": "linkedin.com/in/ivy", "email": "ivy@notacme.com"},
		{"linkedinUrl": "linkedin.com/in/eve"},
		{"linkedinUrl": "linkedin.com/in/jon", "email": "fay@initech.com"},
		{"linkedinUrl": "linkedin.com/in/kim"},
	}, false)
	// A launched campaign's roster is frozen.
	frozen := a.createCampaign("EMAIL")
	a.add(frozen, emails("ann@acme.com", "fay@initech.com"), false)
	if _, ue := a.transition(frozen, "LAUNCHING"); len(ue) > 0 {
		t.Fatal(ue)
	}
	// Another owner's roster is theirs.
	theirs := other.createCampaign("EMAIL")
	other.add(theirs, emails("ann@acme.com", "fay@initech.com"), false)

	// fay@initech.com is on the list already: it still removes.
	a.suppress(false, "fay@initech.com")
	res := a.suppress(true, "acme.com", "linkedin.com/in/eve", "fay@initech.com", "linkedin.com/in/gus")
	if res.Added != 3 || res.AlreadySuppressed != 1 {
		t.Errorf("added %d, alreadySuppressed %d; want 3, 1", res.Added, res.AlreadySuppressed)
	}
	// mail: ann, bob (domain), eve (captured URL), fay (email), gus
	// (captured URL); social: ann, hal (captured email's domain), eve,
	// jon (captured email).
	if res.RemovedProspects != 9 {
		t.Errorf("removedProspects %d, want 9", res.RemovedProspects)
	}
	for _, tc := range []struct {
		campaign string
		want     []string
	}{
		{mail, []string{"cat@notacme.com", "dan@acme.com.evil.example"}},
		{social, []string{"https://www.linkedin.com/in/ivy", "https://www.linkedin.com/in/kim"}},
		{frozen, []string{"ann@acme.com", "fay@initech.com"}},
		{theirs, []string{"ann@acme.com", "fay@initech.com"}},
	} {
		if got := rosterIdentities(t, tc.campaign); !slices.Equal(got, tc.want) {
			t.Errorf("roster %s = %q, want %q", tc.campaign, got, tc.want)
		}
		requireStatsMatchRoster(t, tc.campaign)
	}
	// Without the option, nothing leaves a roster.
	if res := a.suppress(false, "notacme.com"); res.RemovedProspects != 0 || len(rosterIdentities(t, mail)) != 2 {
		t.Errorf("without removeFromDraftRosters: %+v", res)
	}
	// Again with the option: entries already listed still remove.
	if res := a.suppress(true, "notacme.com"); res.RemovedProspects != 2 || res.AlreadySuppressed != 1 {
		t.Errorf("notacme.com again: %+v", res)
	}
	for _, c := range []string{mail, social} {
		requireStatsMatchRoster(t, c)
	}
}

// TestSuppressionsOrderAndPaging: the newest call's entries first, a
// call's in submission order; page and limit, keyset cursors (still a
// position once their entry is removed), the kind filter and the search
// (normalized contains, ignoring case) follow SPEC §8.
func TestSuppressionsOrderAndPaging(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.suppress(false, "a1@acme.com", "acme.com", "linkedin.com/in/a3")
	a.suppress(false, "b1@globex.com", "B2@Acme.com")
	a.suppress(false, "c1@initech.com", "initech.com", "linkedin.com/in/acme-c3", "c4@hooli.com")
	order := []string{
		"c1@initech.com", "initech.com", "https://www.linkedin.com/in/acme-c3", "c4@hooli.com",
		"b1@globex.com", "b2@acme.com",
		"a1@acme.com", "acme.com", "https://www.linkedin.com/in/a3",
	}
	all := a.suppressions(nil)
	if got := normalizedOf(all.Nodes); !slices.Equal(got, order) || all.TotalCount != 9 || all.Limit != 100 || all.Page != 1 {
		t.Fatalf("list = %q (total %d), want %q", got, all.TotalCount, order)
	}
	// Pages.
	for page := 1; page <= 4; page++ {
		p := a.suppressions(map[string]any{"page": page, "limit": 4})
		lo, hi := min((page-1)*4, 9), min(page*4, 9)
		if got := normalizedOf(p.Nodes); !slices.Equal(got, order[lo:hi]) || p.TotalCount != 9 ||
			p.PageInfo.HasNextPage != (hi < 9) || p.PageInfo.HasPreviousPage != (page > 1) {
			t.Errorf("page %d = %q %+v, want %q", page, got, p.PageInfo, order[lo:hi])
		}
		if page == 4 && (p.PageInfo.StartCursor != nil || p.PageInfo.EndCursor != nil) {
			t.Errorf("an empty page has cursors: %+v", p.PageInfo)
		}
	}
	if p := a.suppressions(map[string]any{"page": 1 << 52, "limit": 200}); len(p.Nodes) != 0 || p.TotalCount != 9 {
		t.Errorf("a page far past the end: %+v", p)
	}
	if p := a.suppressions(map[string]any{"limit": 1000}); p.Limit != 200 {
		t.Errorf("limit 1000 reads %d, want 200", p.Limit)
	}
	// Keyset: walk by endCursor, 2 at a time.
	var walked []string
	var after any
	for range 10 {
		p := a.suppressions(map[string]any{"limit": 2, "after": after})
		walked = append(walked, normalizedOf(p.Nodes)...)
		if !p.PageInfo.HasNextPage {
			break
		}
		after = *p.PageInfo.EndCursor
	}
	if !slices.Equal(walked, order) {
		t.Errorf("keyset walk = %q, want %q", walked, order)
	}
	// A cursor survives its entry's removal.
	p := a.suppressions(map[string]any{"limit": 5})
	cursor := *p.PageInfo.EndCursor // b1@globex.com
	var rm struct {
		RemoveSuppressions struct {
			Removed    int         `json:"removed"`
			UserErrors []userError `json:"userErrors"`
		} `json:"removeSuppressions"`
	}
	a.query(`mutation($ids: [UUID!]!) { removeSuppressions(ids: $ids) { removed userErrors { code message field } } }`,
		map[string]any{"ids": []string{p.Nodes[4].ID}}, &rm)
	if rm.RemoveSuppressions.Removed != 1 {
		t.Fatalf("removeSuppressions: %+v", rm)
	}
	if p := a.suppressions(map[string]any{"after": cursor}); !slices.Equal(normalizedOf(p.Nodes), order[5:]) || !p.PageInfo.HasPreviousPage {
		t.Errorf("after a removed entry's cursor: %q, want %q", normalizedOf(p.Nodes), order[5:])
	}
	order = slices.Delete(order, 4, 5)
	// Filters: kind, search (ignoring case), both; totalCount counts matches.
	for _, tc := range []struct {
		vars map[string]any
		want []string
	}{
		{map[string]any{"kind": "DOMAIN"}, []string{"initech.com", "acme.com"}},
		{map[string]any{"kind": "LINKEDIN"}, []string{"https://www.linkedin.com/in/acme-c3", "https://www.linkedin.com/in/a3"}},
		{map[string]any{"search": "ACME"}, []string{"https://www.linkedin.com/in/acme-c3", "b2@acme.com", "a1@acme.com", "acme.com"}},
		{map[string]any{"search": " acme.com "}, []string{"b2@acme.com", "a1@acme.com", "acme.com"}},
		{map[string]any{"search": "acme", "kind": "EMAIL"}, []string{"b2@acme.com", "a1@acme.com"}},
		{map[string]any{"search": "%"}, []string{}},
		{map[string]any{"search": "nothing"}, []string{}},
		{map[string]any{"search": "acme", "limit": 1, "page": 2}, []string{"b2@acme.com"}},
	} {
		p := a.suppressions(tc.vars)
		total := len(tc.want)
		if tc.vars["limit"] != nil {
			total = 4
		}
		if got := normalizedOf(p.Nodes); !slices.Equal(got, tc.want) || p.TotalCount != total {
			t.Errorf("%v: %q (total %d), want %q (total %d)", tc.vars, got, p.TotalCount, tc.want, total)
		}
	}
	// Arguments that break a rule.
	for _, vars := range []map[string]any{
		{"page": 0}, {"limit": 0}, {"page": 2, "after": cursor}, {"search": "a\u0000"},
	} {
		r := a.do(suppressionsQuery, vars)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Errorf("%v: errors %+v, want BAD_USER_INPUT", vars, r.Errors)
		}
	}
	if r := a.do(suppressionsQuery, map[string]any{"after": "not-a-cursor"}); len(r.Errors) != 1 || r.Errors[0].Code() == "INTERNAL_SERVER_ERROR" {
		t.Errorf("a bad cursor: %+v", r.Errors)
	}
}

// TestSuppressionsOwnedByCaller: another owner's list is invisible; their
// ids are ignored by removeSuppressions, as unknown ones are; 0 or 501 ids
// are a userError.
func TestSuppressionsOwnedByCaller(t *testing.T) {
	t.Parallel()
	a, b := newAPI(t), newAPI(t)
	mine := a.suppress(false, "ann@acme.com", "acme.com")
	b.suppress(false, "bob@globex.com")
	if p := b.suppressions(nil); p.TotalCount != 1 || len(p.Nodes) != 1 || p.Nodes[0].Normalized != "bob@globex.com" {
		t.Errorf("b sees %+v", p)
	}
	if p := b.suppressions(map[string]any{"search": "acme"}); p.TotalCount != 0 || len(p.Nodes) != 0 {
		t.Errorf("b finds a's entries: %+v", p)
	}
	// b adding the same values adds its own entries.
	if res := b.suppress(false, "ann@acme.com"); res.Added != 1 || res.AlreadySuppressed != 0 {
		t.Errorf("b's own entry: %+v", res)
	}
	const remove = `mutation($ids: [UUID!]!) { removeSuppressions(ids: $ids) { removed userErrors { code message field index } } }`
	type removed struct {
		RemoveSuppressions struct {
			Removed    int         `json:"removed"`
			UserErrors []userError `json:"userErrors"`
		} `json:"removeSuppressions"`
	}
	var out removed
	b.query(remove, map[string]any{"ids": []string{mine.Suppressions[0].ID, mine.Suppressions[1].ID, "00000000-0000-7000-8000-000000000000"}}, &out)
	if out.RemoveSuppressions.Removed != 0 || len(out.RemoveSuppressions.UserErrors) != 0 {
		t.Errorf("b removing a's ids: %+v", out)
	}
	if p := a.suppressions(nil); p.TotalCount != 2 {
		t.Errorf("a's list after b's removal: %+v", p)
	}
	out = removed{}
	a.query(remove, map[string]any{"ids": []string{mine.Suppressions[0].ID, mine.Suppressions[0].ID, "00000000-0000-7000-8000-000000000000"}}, &out)
	if out.RemoveSuppressions.Removed != 1 {
		t.Errorf("a removing its own: %+v", out)
	}
	if p := a.suppressions(nil); !slices.Equal(normalizedOf(p.Nodes), []string{"acme.com"}) {
		t.Errorf("a's list = %q", normalizedOf(p.Nodes))
	}
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("00000000-0000-7000-8000-%012d", i)
	}
	for _, ids := range [][]string{{}, many} {
		out = removed{}
		a.query(remove, map[string]any{"ids": ids}, &out)
		ue := out.RemoveSuppressions.UserErrors
		if out.RemoveSuppressions.Removed != 0 || len(ue) != 1 || ue[0].Code != "BAD_USER_INPUT" || !slices.Equal(ue[0].Field, []string{"ids"}) {
			t.Errorf("%d ids: %+v", len(ids), out)
		}
	}
	if p := a.suppressions(nil); p.TotalCount != 1 {
		t.Errorf("a refused removal removed: %+v", p)
	}
}

// TestSuppressionsConcurrent: calls sharing entries, in other orders, with
// removeFromDraftRosters while adds run on the DRAFT rosters, never fail
// because of each other (no deadlock reaches the client), list each entry
// once, and leave no blocked prospect on a DRAFT roster.
func TestSuppressionsConcurrent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	campaigns := []string{a.createCampaign("EMAIL"), a.createCampaign("EMAIL")}
	values := make([]string, 40)
	for i := range values {
		values[i] = fmt.Sprintf("p%d@acme.com", i)
	}
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			vs := slices.Clone(values)
			if w%2 == 1 {
				slices.Reverse(vs)
			}
			entries := make([]map[string]any, len(vs))
			for i, v := range vs {
				entries[i] = map[string]any{"value": v}
			}
			if res := a.suppressEntries(entries, true); len(res.UserErrors) > 0 {
				t.Errorf("worker %d: %+v", w, res.UserErrors)
			}
			a.add(campaigns[w%2], emails(values[w*10:w*10+10]...), false)
		}()
	}
	for range 4 {
		<-done
	}
	// Adds that ran before an entry committed left their rows: one more
	// call removes them, and the rosters end empty.
	a.suppress(true, "acme.com")
	if p := a.suppressions(nil); p.TotalCount != 41 {
		t.Errorf("totalCount %d, want 41", p.TotalCount)
	}
	for _, c := range campaigns {
		if ids := rosterIdentities(t, c); len(ids) != 0 {
			t.Errorf("roster %s still holds %q", c, ids)
		}
		requireStatsMatchRoster(t, c)
	}
}
