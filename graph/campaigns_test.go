package graph_test

// Campaigns (SPEC §5, §6): createCampaign, transitionCampaign's state
// machine, and Query.campaigns.

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/db/dbtest"
)

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
			requireNameRefused(t, tc.value)
		})
	}
}

// requireNameRefused creates a campaign named name on each channel, as a
// subject of its own: each is one BAD_USER_INPUT at input.name and no
// campaign, and none is created. It returns the userErrors.
func requireNameRefused(t *testing.T, name string) []userError {
	t.Helper()
	a := newAPI(t)
	var errs []userError
	for _, ch := range []string{"EMAIL", "LINKEDIN"} {
		res := a.create(name, ch)
		errs = append(errs, requireOneError(t, res.UserErrors, "BAD_USER_INPUT", "input", "name"))
		if res.Campaign != nil {
			t.Fatalf("a campaign came back with the userError: %+v", res.Campaign)
		}
	}
	if n := sqlInt(t, `SELECT count(*) FROM campaigns WHERE owner = ?`, a.sub); n != 0 {
		t.Fatalf("%d campaigns were created", n)
	}
	return errs
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
			requireAllPending(t, c.Stats, 0)
			created := requireUTC(t, "createdAt", c.CreatedAt)
			updated := requireUTC(t, "updatedAt", c.UpdatedAt)
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
				requireAllPending(t, got.Stats, 2)
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

// TestListCampaigns: Query.campaigns lists the caller's campaigns, newest
// first.
func TestListCampaigns(t *testing.T) {
	t.Parallel()
	alice := newAPI(t)
	bob := newAPI(t)
	var mine []string
	for range 3 {
		mine = append(mine, alice.createCampaign("EMAIL"))
	}
	bobs := bob.createCampaign("LINKEDIN")
	newest := []string{mine[2], mine[1], mine[0]}

	type cconn struct {
		TotalCount int        `json:"totalCount"`
		Page       int        `json:"page"`
		Limit      int        `json:"limit"`
		Nodes      []campaign `json:"nodes"`
		PageInfo   pageInfo   `json:"pageInfo"`
	}
	const q = `query($page: Int, $limit: Int, $status: CampaignStatus) { campaigns(page: $page, limit: $limit, status: $status) {
		totalCount page limit nodes { ` + campaignFields + ` } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	list := func(t *testing.T, as *api, vars map[string]any) cconn {
		t.Helper()
		var out struct {
			Campaigns cconn `json:"campaigns"`
		}
		as.on(t).query(q, vars, &out)
		return out.Campaigns
	}
	ids := func(c cconn) []string {
		var out []string
		for _, n := range c.Nodes {
			out = append(out, n.ID)
		}
		return out
	}

	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			name           string
			vars           map[string]any
			page, limit    int
			want           []string
			next, previous bool
		}{
			{"defaults", nil, 1, 100, newest, false, false},
			{"limit 2", map[string]any{"limit": 2}, 1, 2, newest[:2], true, false},
			{"limit 2 page 2", map[string]any{"limit": 2, "page": 2}, 2, 2, newest[2:], false, true},
			{"limit 2 page 3", map[string]any{"limit": 2, "page": 3}, 3, 2, nil, false, true},
			{"limit 3: boundary", map[string]any{"limit": 3}, 1, 3, newest, false, false},
			{"limit 1 page 2", map[string]any{"limit": 1, "page": 2}, 2, 1, newest[1:2], true, true},
			{"limit 500 clamped", map[string]any{"limit": 500}, 1, 200, newest, false, false},
		}
		for _, cs := range cases {
			got := list(t, alice, cs.vars)
			if got.TotalCount != 3 || got.Page != cs.page || got.Limit != cs.limit {
				t.Fatalf("%s: totalCount %d page %d limit %d", cs.name, got.TotalCount, got.Page, got.Limit)
			}
			requireEqual(t, cs.name, ids(got), cs.want)
			if got.PageInfo.HasNextPage != cs.next || got.PageInfo.HasPreviousPage != cs.previous {
				t.Fatalf("%s: %+v", cs.name, got.PageInfo)
			}
		}
		for _, vars := range []map[string]any{{"page": 0}, {"page": -1}, {"limit": 0}, {"limit": -10}} {
			requireTopError(t, alice.on(t).do(q, vars), "campaigns", "BAD_USER_INPUT")
		}
	})
	t.Run("another subject's are not listed", func(t *testing.T) {
		t.Parallel()
		got := list(t, bob, nil)
		if got.TotalCount != 1 {
			t.Fatalf("bob: %+v", got)
		}
		requireEqual(t, "bob's", ids(got), []string{bobs})
		if got.Nodes[0].Channel != "LINKEDIN" || got.Nodes[0].Status != "DRAFT" {
			t.Fatalf("bob's campaign: %+v", got.Nodes[0])
		}
		fresh := list(t, newAPI(t), nil)
		if fresh.TotalCount != 0 || len(fresh.Nodes) != 0 || fresh.PageInfo.HasNextPage || fresh.PageInfo.HasPreviousPage {
			t.Fatalf("a subject without campaigns: %+v", fresh)
		}
	})
	t.Run("status filter", func(t *testing.T) {
		// Not parallel with "pages": it changes a campaign's status, which
		// "pages" does not look at, and adds a prospect to it.
		addN(t, alice, mine[1], 3, "cs")
		if c, ue := alice.on(t).transition(mine[1], "LAUNCHING"); len(ue) != 0 || c.Status != "LAUNCHING" {
			t.Fatalf("launch: %+v %+v", c, ue)
		}
		draft := list(t, alice, map[string]any{"status": "DRAFT"})
		requireEqual(t, "draft", ids(draft), []string{mine[2], mine[0]})
		if draft.TotalCount != 2 {
			t.Fatalf("draft totalCount %d", draft.TotalCount)
		}
		launching := list(t, alice, map[string]any{"status": "LAUNCHING"})
		requireEqual(t, "launching", ids(launching), []string{mine[1]})
		if launching.TotalCount != 1 || !launching.Nodes[0].RosterFrozen || launching.Nodes[0].Stats["total"] != 3 || launching.Nodes[0].Stats["pending"] != 3 {
			t.Fatalf("launching: %+v", launching)
		}
		active := list(t, alice, map[string]any{"status": "ACTIVE"})
		if active.TotalCount != 0 || len(active.Nodes) != 0 {
			t.Fatalf("active: %+v", active)
		}
		page2 := list(t, alice, map[string]any{"status": "DRAFT", "limit": 1, "page": 2})
		requireEqual(t, "draft page 2", ids(page2), []string{mine[0]})
		if page2.TotalCount != 2 || page2.PageInfo.HasNextPage {
			t.Fatalf("draft page 2: %+v", page2)
		}
		if bobDraft := list(t, bob, map[string]any{"status": "DRAFT"}); bobDraft.TotalCount != 1 {
			t.Fatalf("bob's drafts: %+v", bobDraft)
		}
	})
}
