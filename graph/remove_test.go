package graph_test

// removeProspects and clearProspects (SPEC §7, §9): what goes, the ids' count
// limit, and the stats after.

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
)

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
			requireAllPending(t, res.Campaign.Stats, left)
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
			requireAllPending(t, res.Campaign.Stats, 0)
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
		requireAllPending(t, res.Campaign.Stats, 0)
		requireStatsMatchRoster(t, c)
	})
}
