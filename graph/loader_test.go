package graph_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/uptrace/bun"
)

// TestLoaderSameAsQuery: Campaign.prospects under a campaigns list, whose
// rosters the loader pages in one statement (db.ListProspectsMany), is
// Query.prospects (db.ListProspects) for each campaign, with every
// argument: the same nodes, the same totalCount.
func TestLoaderSameAsQuery(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c1, c2 := a.createCampaign("EMAIL"), a.createCampaign("EMAIL")
	ids1, ids2 := ltAddN(t, a, c1, 12, "lo1"), ltAddN(t, a, c2, 7, "lo2")
	launchCampaign(t, a, c1)
	launchCampaign(t, a, c2)
	sqlExec(t, `UPDATE prospects SET status = 'sent' WHERE id IN (?)`, bun.In(append(ids1[2:6], ids2[0])))
	sqlExec(t, `UPDATE prospects SET status = 'bounced' WHERE id IN (?)`, bun.In(append(ids1[8:10], ids2[3:6]...)))
	cursor := ltList(t, a, c1, nil).Edges[3].Cursor

	const q = `query($status: ProspectStatus, $stage: ProspectStage, $page: Int, $limit: Int, $after: Cursor) { campaigns(limit: 10) { nodes { id
		prospects(status: $status, stage: $stage, page: $page, limit: $limit, after: $after) { ` + ltConnFields + ` } } } }`
	for _, args := range []ltArgs{
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
						ID        string `json:"id"`
						Prospects ltConn `json:"prospects"`
					} `json:"nodes"`
				} `json:"campaigns"`
			}
			a.on(t).query(q, args, &out)
			if len(out.Campaigns.Nodes) != 2 {
				t.Fatalf("%d campaigns listed, want 2", len(out.Campaigns.Nodes))
			}
			for _, n := range out.Campaigns.Nodes {
				ltCheckConn(t, n.Prospects)
				if want := ltList(t, a, n.ID, args); !reflect.DeepEqual(n.Prospects, want) {
					t.Fatalf("campaign %s:\nbatched %+v\nalone   %+v", n.ID, n.Prospects, want)
				}
			}
		})
	}
}
