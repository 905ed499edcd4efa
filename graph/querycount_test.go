package graph_test

// What a request costs in SQL: nested fields never cost a statement per row,
// the loader answers as the query does, and an add reads only what it
// selects.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/uptrace/bun"
)

// TestListQueryCount: SPEC §8, nested fields never cost one query per row.
// The statement counter sees every statement, Bun's and the list path's own
// pgx ones (dbtest.OnStatement). Its subtests are parallel.
func TestListQueryCount(t *testing.T) {
	countStatements()

	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := addN(t, a, c, 205, "qc")
	launchCampaign(t, a, c)
	sqlExec(t, `UPDATE prospects SET status = 'connected' WHERE id IN (?)`, bun.In(ids[:50]))

	t.Run("a 200-row page is one statement", func(t *testing.T) {
		t.Parallel()
		for _, args := range []listArgs{
			{"limit": 200},
			{"limit": 200, "page": 2},
			{"limit": 200, "status": "PENDING"},
			{"limit": 200, "stage": "IN_FLIGHT"},
			{"limit": 200, "after": listPage(t, a, c, listArgs{"limit": 3}).Edges[2].Cursor},
		} {
			r, stmts := a.on(t).countedOK(listQuery, listVars(c, args))
			var out struct {
				Prospects listConn `json:"prospects"`
			}
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Prospects.Nodes) == 0 {
				t.Fatalf("%v: empty page", args)
			}
			if len(stmts) != 1 {
				t.Fatalf("%v: %d nodes cost %d statements, want 1:\n%s", args, len(out.Prospects.Nodes), len(stmts), strings.Join(stmts, "\n"))
			}
		}
	})
	t.Run("an unknown campaign is one statement", func(t *testing.T) {
		t.Parallel()
		// The fast path meets the error and gqlgen answers it without
		// asking the store again (fastlist.go listError).
		r, stmts := a.on(t).counted(listQuery, listVars("0190a000-0000-7000-8000-000000000000", listArgs{"limit": 200}))
		if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Fatalf("errors %+v, want one NOT_FOUND", r.Errors)
		}
		if len(stmts) != 1 {
			t.Fatalf("%d statements, want 1: %q", len(stmts), stmts)
		}
	})

	t.Run("campaign with stats and a 200-row page is at most two", func(t *testing.T) {
		t.Parallel()
		r, stmts := a.on(t).countedOK(`query($c: UUID!) { campaign(id: $c) { `+campaignFields+` createdAt updatedAt
			prospects(limit: 200) { `+connFields+` } } }`, map[string]any{"c": c})
		var out struct {
			Campaign struct {
				Stats     map[string]int `json:"stats"`
				Prospects listConn       `json:"prospects"`
			} `json:"campaign"`
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Campaign.Prospects.Nodes) != 200 || out.Campaign.Stats["total"] != 205 || out.Campaign.Stats["connected"] != 50 {
			t.Fatalf("campaign: %d nodes, stats %v", len(out.Campaign.Prospects.Nodes), out.Campaign.Stats)
		}
		if len(stmts) == 0 || len(stmts) > 2 {
			t.Fatalf("%d statements, want 1 or 2:\n%s", len(stmts), strings.Join(stmts, "\n"))
		}
	})
	t.Run("campaigns with their rosters cost the same for 1 or 6 campaigns", func(t *testing.T) {
		t.Parallel()
		b := newAPI(t)
		const q = `{ campaigns(limit: 10) { totalCount nodes { id prospects(limit: 5) { totalCount nodes { id email } } } } }`
		counts := map[int]int{}
		for n := 1; n <= 6; n++ {
			cb := b.createCampaign("EMAIL")
			b.add(cb, emails(fmt.Sprintf("n%d-a@x.com", n), fmt.Sprintf("n%d-b@x.com", n)), false)
			if n != 1 && n != 6 {
				continue
			}
			r, stmts := b.on(t).countedOK(q, nil)
			var out struct {
				Campaigns struct {
					Nodes []struct {
						Prospects listConn `json:"prospects"`
					} `json:"nodes"`
				} `json:"campaigns"`
			}
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Campaigns.Nodes) != n {
				t.Fatalf("%d campaigns listed, want %d", len(out.Campaigns.Nodes), n)
			}
			for _, node := range out.Campaigns.Nodes {
				if len(node.Prospects.Nodes) != 2 || node.Prospects.TotalCount != 2 {
					t.Fatalf("a campaign's roster: %+v", node.Prospects)
				}
			}
			counts[n] = len(stmts)
		}
		if counts[6] != counts[1] {
			t.Fatalf("1 campaign costs %d statements, 6 cost %d: one query per campaign", counts[1], counts[6])
		}
	})
	t.Run("a single prospect is one statement", func(t *testing.T) {
		t.Parallel()
		_, stmts := a.on(t).countedOK(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { `+prospectFields+` } }`,
			map[string]any{"c": c, "id": ids[7]})
		if len(stmts) != 1 {
			t.Fatalf("%d statements:\n%s", len(stmts), strings.Join(stmts, "\n"))
		}
	})
}

// TestLoaderSameAsQuery: Campaign.prospects under a campaigns list, whose
// rosters the loader pages in one statement (db.ListProspectsMany), is
// Query.prospects (db.ListProspects) for each campaign, with every
// argument: the same nodes, the same totalCount.
func TestLoaderSameAsQuery(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c1, c2 := a.createCampaign("EMAIL"), a.createCampaign("EMAIL")
	ids1, ids2 := addN(t, a, c1, 12, "lo1"), addN(t, a, c2, 7, "lo2")
	launchCampaign(t, a, c1)
	launchCampaign(t, a, c2)
	sqlExec(t, `UPDATE prospects SET status = 'sent' WHERE id IN (?)`, bun.In(append(ids1[2:6], ids2[0])))
	sqlExec(t, `UPDATE prospects SET status = 'bounced' WHERE id IN (?)`, bun.In(append(ids1[8:10], ids2[3:6]...)))
	cursor := listPage(t, a, c1, nil).Edges[3].Cursor

	const q = `query($status: ProspectStatus, $stage: ProspectStage, $page: Int, $limit: Int, $after: Cursor) { campaigns(limit: 10) { nodes { id
		prospects(status: $status, stage: $stage, page: $page, limit: $limit, after: $after) { ` + connFields + ` } } } }`
	for _, args := range []listArgs{
		nil,
		{"limit": 5},
		{"limit": 5, "page": 2},
		{"page": 4},
		{"status": "SENT"},
		{"status": "BOUNCED", "limit": 2, "page": 2},
		{"stage": "TERMINAL"},
		{"stage": "QUEUED", "limit": 2},
		{"stage": "IN_FLIGHT", "page": 2, "limit": 3},
		{"status": "SENT", "stage": "TERMINAL"},
		{"status": "BOUNCED", "stage": "TERMINAL"},
		{"after": cursor},
		{"after": cursor, "status": "PENDING", "limit": 2},
	} {
		t.Run(fmt.Sprint(map[string]any(args)), func(t *testing.T) {
			t.Parallel()
			var out struct {
				Campaigns struct {
					Nodes []struct {
						ID        string   `json:"id"`
						Prospects listConn `json:"prospects"`
					} `json:"nodes"`
				} `json:"campaigns"`
			}
			a.on(t).query(q, args, &out)
			if len(out.Campaigns.Nodes) != 2 {
				t.Fatalf("%d campaigns listed, want 2", len(out.Campaigns.Nodes))
			}
			for _, n := range out.Campaigns.Nodes {
				requireConn(t, n.Prospects)
				if want := listPage(t, a, n.ID, args); !reflect.DeepEqual(n.Prospects, want) {
					t.Fatalf("campaign %s:\nbatched %+v\nalone   %+v", n.ID, n.Prospects, want)
				}
			}
		})
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
