package graph_test

import "testing"

func TestAddAndList(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	res := a.add(c, emails("A@x.com", " a@X.com ", "b@x.com"), false)
	if res.Imported != 2 || res.Duplicates != 1 || len(res.UserErrors) != 0 {
		t.Fatalf("add: %+v", res)
	}
	if res.DuplicateRows[0].Reason != "IN_BATCH" || res.DuplicateRows[0].Prospect.ID != res.Prospects[0].ID {
		t.Fatalf("duplicate rows: %+v", res.DuplicateRows)
	}
	requireStatsMatchRoster(t, c)
	var out struct {
		Prospects struct {
			TotalCount int        `json:"totalCount"`
			Nodes      []prospect `json:"nodes"`
		} `json:"prospects"`
	}
	a.query(`query($c: UUID!) { prospects(campaignId: $c, page: 5) { totalCount nodes { id } } }`, map[string]any{"c": c}, &out)
	if out.Prospects.TotalCount != 2 || len(out.Prospects.Nodes) != 0 {
		t.Fatalf("page past the end: %+v", out.Prospects)
	}
}
