package graph_test

// The listing client the list tests share: the connection's types and fields,
// the list and nested queries, a page's invariants, walking all pages.

import (
	"fmt"
	"slices"
	"testing"
)

type pageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

type listEdge struct {
	Cursor string `json:"cursor"`
	Node   struct {
		ID string `json:"id"`
	} `json:"node"`
}

// listConn is a ProspectConnection.
type listConn struct {
	TotalCount int        `json:"totalCount"`
	Page       int        `json:"page"`
	Limit      int        `json:"limit"`
	Nodes      []prospect `json:"nodes"`
	Edges      []listEdge `json:"edges"`
	PageInfo   pageInfo   `json:"pageInfo"`
}

const connFields = `totalCount page limit
	nodes { ` + prospectFields + ` }
	edges { cursor node { id } }
	pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

const listParams = `$c: UUID!, $status: ProspectStatus, $stage: ProspectStage, $page: Int, $limit: Int, $after: Cursor`

const listQuery = `query(` + listParams + `) {
	prospects(campaignId: $c, status: $status, stage: $stage, page: $page, limit: $limit, after: $after) { ` + connFields + ` } }`

const nestedQuery = `query(` + listParams + `) { campaign(id: $c) {
	prospects(status: $status, stage: $stage, page: $page, limit: $limit, after: $after) { ` + connFields + ` } } }`

// listArgs are the optional arguments of a listing: status, stage, page,
// limit, after. Only the keys given are sent.
type listArgs map[string]any

func listVars(campaignID string, args listArgs) map[string]any {
	v := map[string]any{"c": campaignID}
	for k, x := range args {
		v[k] = x
	}
	return v
}

// listPage runs Query.prospects, which must succeed, and checks the
// connection's invariants.
func listPage(t testing.TB, a *api, campaignID string, args listArgs) listConn {
	t.Helper()
	var out struct {
		Prospects listConn `json:"prospects"`
	}
	a.on(t).query(listQuery, listVars(campaignID, args), &out)
	requireConn(t, out.Prospects)
	return out.Prospects
}

// nestedPage runs Campaign.prospects, which must succeed.
func nestedPage(t testing.TB, a *api, campaignID string, args listArgs) listConn {
	t.Helper()
	var out struct {
		Campaign *struct {
			Prospects listConn `json:"prospects"`
		} `json:"campaign"`
	}
	a.on(t).query(nestedQuery, listVars(campaignID, args), &out)
	if out.Campaign == nil {
		t.Fatalf("campaign %s is null", campaignID)
	}
	requireConn(t, out.Campaign.Prospects)
	return out.Campaign.Prospects
}

var stageOf = map[string]string{
	"PENDING": "QUEUED",
	"SENT":    "IN_FLIGHT", "CONNECTION_SENT": "IN_FLIGHT", "CONNECTED": "IN_FLIGHT", "MESSAGE_SENT": "IN_FLIGHT",
	"REPLIED": "TERMINAL", "BOUNCED": "TERMINAL", "COMPLETED": "TERMINAL", "TIMED_OUT": "TERMINAL", "CANCELLED": "TERMINAL",
}

var (
	allStatuses = []string{"PENDING", "SENT", "CONNECTION_SENT", "CONNECTED", "MESSAGE_SENT",
		"REPLIED", "BOUNCED", "COMPLETED", "TIMED_OUT", "CANCELLED"}
	allStages = []string{"QUEUED", "IN_FLIGHT", "TERMINAL"}
)

// requireConn checks what holds for every page: nodes and edges agree, the
// cursors are the edges' ones, an empty page has null cursors and no next
// page, the page is no longer than its limit, a node's stage is its
// status's.
func requireConn(t testing.TB, c listConn) {
	t.Helper()
	if len(c.Nodes) != len(c.Edges) {
		t.Fatalf("%d nodes but %d edges", len(c.Nodes), len(c.Edges))
	}
	if len(c.Nodes) > c.Limit {
		t.Fatalf("%d nodes on a page of limit %d", len(c.Nodes), c.Limit)
	}
	seen := map[string]bool{}
	for i, e := range c.Edges {
		if e.Node.ID != c.Nodes[i].ID {
			t.Fatalf("edge %d is %s but node %d is %s", i, e.Node.ID, i, c.Nodes[i].ID)
		}
		if e.Cursor == "" || seen[e.Cursor] {
			t.Fatalf("edge %d: empty or repeated cursor %q", i, e.Cursor)
		}
		seen[e.Cursor] = true
		if want := stageOf[c.Nodes[i].Status]; want == "" || c.Nodes[i].Stage != want {
			t.Fatalf("node %d: status %s has stage %s, want %q", i, c.Nodes[i].Status, c.Nodes[i].Stage, want)
		}
	}
	pi := c.PageInfo
	if len(c.Nodes) == 0 {
		if pi.StartCursor != nil || pi.EndCursor != nil || pi.HasNextPage {
			t.Fatalf("empty page: want null cursors and no next page, got %+v", pi)
		}
		return
	}
	if pi.StartCursor == nil || *pi.StartCursor != c.Edges[0].Cursor {
		t.Fatalf("startCursor %v is not the first edge's %q", pi.StartCursor, c.Edges[0].Cursor)
	}
	if pi.EndCursor == nil || *pi.EndCursor != c.Edges[len(c.Edges)-1].Cursor {
		t.Fatalf("endCursor %v is not the last edge's %q", pi.EndCursor, c.Edges[len(c.Edges)-1].Cursor)
	}
}

func idsOf(c listConn) []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.ID
	}
	return out
}

func connEmails(c listConn) []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		if n.Email != nil {
			out[i] = *n.Email
		}
	}
	return out
}

func requireEqual[T comparable](t testing.TB, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// addN adds n prospects in one batch, whose emails sort in the reverse of
// their submission order, and returns their ids in submission order.
func addN(t testing.TB, a *api, campaignID string, n int, tag string) []string {
	t.Helper()
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf("%s-%04d@example.com", tag, n-i)
	}
	res := a.on(t).add(campaignID, emails(list...), false)
	if res.Imported != n || len(res.UserErrors) != 0 || len(res.Prospects) != n {
		t.Fatalf("add %d: imported %d, userErrors %+v", n, res.Imported, res.UserErrors)
	}
	ids := make([]string, n)
	for i, p := range res.Prospects {
		if p.Email == nil || *p.Email != list[i] {
			t.Fatalf("add: prospect %d is %v, want %s", i, p.Email, list[i])
		}
		ids[i] = p.ID
	}
	return ids
}

// walkPages reads a whole listing with keyset pages of limit, starting with a
// plain first page, and returns every page.
func walkPages(t testing.TB, a *api, campaignID string, filter listArgs, limit int) []listConn {
	t.Helper()
	args := listArgs{"limit": limit}
	for k, v := range filter {
		args[k] = v
	}
	var pages []listConn
	for {
		pg := listPage(t, a, campaignID, args)
		pages = append(pages, pg)
		if !pg.PageInfo.HasNextPage {
			return pages
		}
		if len(pages) > 1000 {
			t.Fatal("keyset walk does not end")
		}
		args["after"] = *pg.PageInfo.EndCursor
	}
}

func concatIDs(pages []listConn) []string {
	var out []string
	for _, p := range pages {
		out = append(out, idsOf(p)...)
	}
	return out
}
