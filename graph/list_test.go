package graph_test

// Listing, pagination, filters and stats (SPEC §3, §4, §8, §9, §10), over the
// real HTTP handler and a real PostgreSQL. Every helper and type here starts
// with "lt" so that it cannot collide with the other test files of the
// package.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/db/dbtest"
	"roster/requestlog"
)

// ---------------------------------------------------------------- helpers

type ltPageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

type ltEdge struct {
	Cursor string `json:"cursor"`
	Node   struct {
		ID string `json:"id"`
	} `json:"node"`
}

// ltConn is a ProspectConnection.
type ltConn struct {
	TotalCount int        `json:"totalCount"`
	Page       int        `json:"page"`
	Limit      int        `json:"limit"`
	Nodes      []prospect `json:"nodes"`
	Edges      []ltEdge   `json:"edges"`
	PageInfo   ltPageInfo `json:"pageInfo"`
}

const ltConnFields = `totalCount page limit
	nodes { ` + prospectFields + ` }
	edges { cursor node { id } }
	pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

const ltListArgs = `$c: UUID!, $status: ProspectStatus, $stage: ProspectStage, $page: Int, $limit: Int, $after: Cursor`

const ltListQuery = `query(` + ltListArgs + `) {
	prospects(campaignId: $c, status: $status, stage: $stage, page: $page, limit: $limit, after: $after) { ` + ltConnFields + ` } }`

const ltNestedQuery = `query(` + ltListArgs + `) { campaign(id: $c) {
	prospects(status: $status, stage: $stage, page: $page, limit: $limit, after: $after) { ` + ltConnFields + ` } } }`

// ltArgs are the optional arguments of a listing: status, stage, page,
// limit, after. Only the keys given are sent.
type ltArgs map[string]any

func ltVars(campaignID string, args ltArgs) map[string]any {
	v := map[string]any{"c": campaignID}
	for k, x := range args {
		v[k] = x
	}
	return v
}

// ltAs is a's subject acting in test t (a subtest must not FailNow its
// parent's t).
func ltAs(t testing.TB, a *api) *api {
	return &api{t: t, url: a.url, sub: a.sub, token: a.token}
}

// ltList runs Query.prospects, which must succeed, and checks the
// connection's invariants.
func ltList(t testing.TB, a *api, campaignID string, args ltArgs) ltConn {
	t.Helper()
	var out struct {
		Prospects ltConn `json:"prospects"`
	}
	ltAs(t, a).query(ltListQuery, ltVars(campaignID, args), &out)
	ltCheckConn(t, out.Prospects)
	return out.Prospects
}

// ltNested runs Campaign.prospects, which must succeed.
func ltNested(t testing.TB, a *api, campaignID string, args ltArgs) ltConn {
	t.Helper()
	var out struct {
		Campaign *struct {
			Prospects ltConn `json:"prospects"`
		} `json:"campaign"`
	}
	ltAs(t, a).query(ltNestedQuery, ltVars(campaignID, args), &out)
	if out.Campaign == nil {
		t.Fatalf("campaign %s is null", campaignID)
	}
	ltCheckConn(t, out.Campaign.Prospects)
	return out.Campaign.Prospects
}

var ltStageOf = map[string]string{
	"PENDING": "QUEUED",
	"SENT":    "IN_FLIGHT", "CONNECTION_SENT": "IN_FLIGHT", "CONNECTED": "IN_FLIGHT", "MESSAGE_SENT": "IN_FLIGHT",
	"REPLIED": "TERMINAL", "BOUNCED": "TERMINAL", "COMPLETED": "TERMINAL", "TIMED_OUT": "TERMINAL", "CANCELLED": "TERMINAL",
}

var (
	ltStatuses = []string{"PENDING", "SENT", "CONNECTION_SENT", "CONNECTED", "MESSAGE_SENT",
		"REPLIED", "BOUNCED", "COMPLETED", "TIMED_OUT", "CANCELLED"}
	ltStages = []string{"QUEUED", "IN_FLIGHT", "TERMINAL"}
)

// ltCheckConn checks what holds for every page: nodes and edges agree, the
// cursors are the edges' ones, an empty page has null cursors and no next
// page, the page is no longer than its limit, a node's stage is its
// status's.
func ltCheckConn(t testing.TB, c ltConn) {
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
		if want := ltStageOf[c.Nodes[i].Status]; want == "" || c.Nodes[i].Stage != want {
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

func ltIDs(c ltConn) []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.ID
	}
	return out
}

func ltEmails(c ltConn) []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		if n.Email != nil {
			out[i] = *n.Email
		}
	}
	return out
}

func ltEqual[T comparable](t testing.TB, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// ltTopError checks that r failed with one top-level error of code, that
// nothing of field came back, and returns the error.
func ltTopError(t testing.TB, r *response, field, code string) gqlError {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("want a top-level %s error, got HTTP %d data %s", code, r.Status, r.Data)
	}
	if got := r.Errors[0].Code(); got != code {
		t.Fatalf("want code %s, got %q: %+v", code, got, r.Errors)
	}
	if code != "GRAPHQL_VALIDATION_FAILED" && code != "GRAPHQL_PARSE_FAILED" && r.Status != http.StatusOK {
		t.Fatalf("an execution error answers HTTP 200, got %d", r.Status)
	}
	var data map[string]any
	_ = json.Unmarshal(r.Data, &data)
	if data[field] != nil {
		t.Fatalf("%s came back despite the error: %s", field, r.Data)
	}
	return r.Errors[0]
}

// ltAddN adds n prospects in one batch, whose emails sort in the reverse of
// their submission order, and returns their ids in submission order.
func ltAddN(t testing.TB, a *api, campaignID string, n int, tag string) []string {
	t.Helper()
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf("%s-%04d@example.com", tag, n-i)
	}
	res := ltAs(t, a).add(campaignID, emails(list...), false)
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

// ltWalk reads a whole listing with keyset pages of limit, starting with a
// plain first page, and returns every page.
func ltWalk(t testing.TB, a *api, campaignID string, filter ltArgs, limit int) []ltConn {
	t.Helper()
	args := ltArgs{"limit": limit}
	for k, v := range filter {
		args[k] = v
	}
	var pages []ltConn
	for {
		pg := ltList(t, a, campaignID, args)
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

func ltConcat(pages []ltConn) []string {
	var out []string
	for _, p := range pages {
		out = append(out, ltIDs(p)...)
	}
	return out
}

// ltExec runs plain SQL as the sending engine would, and returns the rows
// it touched.
func ltExec(t testing.TB, query string, args ...any) int64 {
	t.Helper()
	res, err := dbtest.DB(t).ExecContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ltScanJSON(t testing.TB, query string, args ...any) map[string]int {
	t.Helper()
	var raw string
	if err := dbtest.DB(t).QueryRowContext(context.Background(), query, args...).Scan(&raw); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	var m map[string]int
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("%s: %v: %s", query, err, raw)
	}
	return m
}

// ltGQLKey is a status's key in CampaignStats.
func ltGQLKey(status string) string {
	parts := strings.Split(strings.ToLower(status), "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// ltWantStats is CampaignStats for counts by status.
func ltWantStats(counts map[string]int) map[string]int {
	out := map[string]int{"total": 0, "inFlight": 0, "terminal": 0}
	for _, st := range ltStatuses {
		n := counts[st]
		out[ltGQLKey(st)] = n
		out["total"] += n
		switch ltStageOf[st] {
		case "IN_FLIGHT":
			out["inFlight"] += n
		case "TERMINAL":
			out["terminal"] += n
		}
	}
	return out
}

func ltStats(t testing.TB, a *api, campaignID string) map[string]int {
	t.Helper()
	var out struct {
		Campaign *campaign `json:"campaign"`
	}
	ltAs(t, a).query(`query($id: UUID!) { campaign(id: $id) { `+campaignFields+` } }`, map[string]any{"id": campaignID}, &out)
	if out.Campaign == nil {
		t.Fatalf("campaign %s is null", campaignID)
	}
	return out.Campaign.Stats
}

// ltRequireStats checks SPEC §9 for counts by status: Campaign.stats says
// them (all thirteen fields), campaigns.stats equals the roster, and
// recalculate_campaign_stats returns exactly the kept stats and changes
// nothing.
func ltRequireStats(t testing.TB, a *api, campaignID string, counts map[string]int) {
	t.Helper()
	want := ltWantStats(counts)
	if got := ltStats(t, a, campaignID); !reflect.DeepEqual(got, want) {
		t.Fatalf("Campaign.stats before any recalculation:\n got %v\nwant %v", got, want)
	}
	requireStatsMatchRoster(t, campaignID)
	kept := ltScanJSON(t, `SELECT stats::text FROM campaigns WHERE id = ?`, campaignID)
	recalculated := ltScanJSON(t, `SELECT recalculate_campaign_stats(?)::text`, campaignID)
	if !reflect.DeepEqual(kept, recalculated) {
		t.Fatalf("recalculate_campaign_stats %v differs from the kept stats %v", recalculated, kept)
	}
	if after := ltScanJSON(t, `SELECT stats::text FROM campaigns WHERE id = ?`, campaignID); !reflect.DeepEqual(after, kept) {
		t.Fatalf("recalculate_campaign_stats changed the stats from %v to %v", kept, after)
	}
	if got := ltStats(t, a, campaignID); !reflect.DeepEqual(got, want) {
		t.Fatalf("Campaign.stats after recalculation:\n got %v\nwant %v", got, want)
	}
}

// ltRequireTotals checks every status and stage filter's totalCount and rows
// against counts by status.
func ltRequireTotals(t testing.TB, a *api, campaignID string, counts map[string]int) {
	t.Helper()
	total := 0
	for _, st := range ltStatuses {
		total += counts[st]
		pg := ltList(t, a, campaignID, ltArgs{"status": st, "limit": 200})
		if pg.TotalCount != counts[st] || len(pg.Nodes) != counts[st] {
			t.Fatalf("status %s: totalCount %d, %d nodes, want %d", st, pg.TotalCount, len(pg.Nodes), counts[st])
		}
	}
	for _, sg := range ltStages {
		want := 0
		for _, st := range ltStatuses {
			if ltStageOf[st] == sg {
				want += counts[st]
			}
		}
		pg := ltList(t, a, campaignID, ltArgs{"stage": sg, "limit": 200})
		if pg.TotalCount != want || len(pg.Nodes) != want {
			t.Fatalf("stage %s: totalCount %d, %d nodes, want %d", sg, pg.TotalCount, len(pg.Nodes), want)
		}
	}
	if pg := ltList(t, a, campaignID, ltArgs{"limit": 200}); pg.TotalCount != total || len(pg.Nodes) != total {
		t.Fatalf("no filter: totalCount %d, %d nodes, want %d", pg.TotalCount, len(pg.Nodes), total)
	}
}

func ltLaunch(t testing.TB, a *api, campaignID string) {
	t.Helper()
	for _, to := range []string{"LAUNCHING", "ACTIVE"} {
		if c, ue := ltAs(t, a).transition(campaignID, to); len(ue) != 0 || c == nil || c.Status != to {
			t.Fatalf("transition to %s: %+v %+v", to, c, ue)
		}
	}
}

func ltRemove(t testing.TB, a *api, campaignID string, ids ...string) {
	t.Helper()
	var out struct {
		RemoveProspects struct {
			Removed    int         `json:"removed"`
			UserErrors []userError `json:"userErrors"`
		} `json:"removeProspects"`
	}
	ltAs(t, a).query(`mutation($c: UUID!, $ids: [UUID!]!) { removeProspects(campaignId: $c, ids: $ids) { removed userErrors { code message } } }`,
		map[string]any{"c": campaignID, "ids": ids}, &out)
	if out.RemoveProspects.Removed != len(ids) || len(out.RemoveProspects.UserErrors) != 0 {
		t.Fatalf("remove %d: %+v", len(ids), out.RemoveProspects)
	}
}

// ------------------------------------------------------------------ order

// TestListOrder: SPEC §8, the roster lists in the order prospects were
// added, a batch's rows in submission order, whatever the emails' alphabet
// says, and the same way on every page.
func TestListOrder(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	batches := [][]string{
		{"zoe@x.com", "adam@x.com", "mike@x.com", " ZOE@x.com ", "bea@x.com"}, // the 4th is an in-batch duplicate
		{"yan@x.com"},
		{"carl@x.com", "aaron@x.com", "adam@X.com"}, // the 3rd is already on the roster
		{"xena@x.com", "abe@x.com"},
	}
	want := []string{"zoe@x.com", "adam@x.com", "mike@x.com", "bea@x.com", "yan@x.com", "carl@x.com", "aaron@x.com", "xena@x.com", "abe@x.com"}
	var ids []string
	for _, b := range batches {
		res := a.add(c, emails(b...), false)
		if len(res.UserErrors) != 0 {
			t.Fatalf("add: %+v", res.UserErrors)
		}
		for _, p := range res.Prospects {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) != len(want) {
		t.Fatalf("imported %d, want %d", len(ids), len(want))
	}
	if sorted := slices.Sorted(slices.Values(want)); slices.Equal(sorted, want) {
		t.Fatal("the test's emails must not already be in alphabetical order")
	}

	t.Run("one page", func(t *testing.T) {
		t.Parallel()
		pg := ltList(t, a, c, nil)
		ltEqual(t, "emails", ltEmails(pg), want)
		ltEqual(t, "ids", ltIDs(pg), ids)
		if pg.TotalCount != len(want) || pg.Page != 1 || pg.Limit != 100 || pg.PageInfo.HasNextPage || pg.PageInfo.HasPreviousPage {
			t.Fatalf("page: %+v", pg)
		}
	})
	t.Run("offset pages of every size", func(t *testing.T) {
		t.Parallel()
		for limit := 1; limit <= len(want)+1; limit++ {
			var got []string
			for page := 1; ; page++ {
				pg := ltList(t, a, c, ltArgs{"page": page, "limit": limit})
				got = append(got, ltEmails(pg)...)
				if !pg.PageInfo.HasNextPage {
					break
				}
			}
			ltEqual(t, fmt.Sprintf("limit %d", limit), got, want)
		}
	})
	t.Run("keyset pages of every size", func(t *testing.T) {
		t.Parallel()
		for limit := 1; limit <= len(want)+1; limit++ {
			ltEqual(t, fmt.Sprintf("limit %d", limit), ltConcat(ltWalk(t, a, c, nil, limit)), ids)
		}
	})
	t.Run("stable across reads", func(t *testing.T) {
		t.Parallel()
		first := ltList(t, a, c, ltArgs{"page": 2, "limit": 4})
		for range 5 {
			again := ltList(t, a, c, ltArgs{"page": 2, "limit": 4})
			ltEqual(t, "page 2 again", ltIDs(again), ltIDs(first))
		}
		ltEqual(t, "page 2", ltIDs(first), ids[4:8])
	})
}

// -------------------------------------------------------------- page/limit

// TestListPageLimit: SPEC §8 page and limit.
func TestListPageLimit(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	big := a.createCampaign("EMAIL")
	ids := ltAddN(t, a, big, 205, "pl")
	small := a.createCampaign("EMAIL")
	sids := ltAddN(t, a, small, 10, "sm")

	type tc struct {
		name           string
		campaign       string
		args           ltArgs
		page, limit    int
		from, to       int // the nodes are ids[from:to]
		next, previous bool
	}
	tests := []tc{
		{"defaults", big, nil, 1, 100, 0, 100, true, false},
		{"explicit defaults", big, ltArgs{"page": 1, "limit": 100}, 1, 100, 0, 100, true, false},
		{"null page and limit take the defaults", big, ltArgs{"page": nil, "limit": nil}, 1, 100, 0, 100, true, false},
		{"default limit, page 2", big, ltArgs{"page": 2}, 2, 100, 100, 200, true, true},
		{"default limit, last page", big, ltArgs{"page": 3}, 3, 100, 200, 205, false, true},
		{"limit 500 is clamped to 200", big, ltArgs{"limit": 500}, 1, 200, 0, 200, true, false},
		{"limit 201 is clamped to 200", big, ltArgs{"limit": 201}, 1, 200, 0, 200, true, false},
		{"limit 200", big, ltArgs{"limit": 200}, 1, 200, 0, 200, true, false},
		{"largest Int limit is clamped", big, ltArgs{"limit": 2147483647}, 1, 200, 0, 200, true, false},
		{"clamped limit sets the offset", big, ltArgs{"limit": 500, "page": 2}, 2, 200, 200, 205, false, true},
		{"page past the end", big, ltArgs{"limit": 200, "page": 3}, 3, 200, 205, 205, false, true},
		{"far past the end", big, ltArgs{"page": 2147483647}, 2147483647, 100, 205, 205, false, true},
		{"limit 41 page 4 of 5", big, ltArgs{"limit": 41, "page": 4}, 4, 41, 123, 164, true, true},
		{"limit 41 page 5 of 5: exact end", big, ltArgs{"limit": 41, "page": 5}, 5, 41, 164, 205, false, true},
		{"limit 41 page 6", big, ltArgs{"limit": 41, "page": 6}, 6, 41, 205, 205, false, true},
		{"limit 1", big, ltArgs{"limit": 1, "page": 7}, 7, 1, 6, 7, true, true},
		{"10 rows limit 5 page 1", small, ltArgs{"limit": 5}, 1, 5, 0, 5, true, false},
		{"10 rows limit 5 page 2: boundary", small, ltArgs{"limit": 5, "page": 2}, 2, 5, 5, 10, false, true},
		{"10 rows limit 5 page 3", small, ltArgs{"limit": 5, "page": 3}, 3, 5, 10, 10, false, true},
		{"10 rows limit 10", small, ltArgs{"limit": 10}, 1, 10, 0, 10, false, false},
		{"10 rows limit 9", small, ltArgs{"limit": 9}, 1, 9, 0, 9, true, false},
		{"10 rows limit 9 page 2", small, ltArgs{"limit": 9, "page": 2}, 2, 9, 9, 10, false, true},
		{"10 rows limit 11", small, ltArgs{"limit": 11}, 1, 11, 0, 10, false, false},
		{"10 rows limit 1 page 10", small, ltArgs{"limit": 1, "page": 10}, 10, 1, 9, 10, false, true},
		{"10 rows limit 1 page 9", small, ltArgs{"limit": 1, "page": 9}, 9, 1, 8, 9, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			all, total := ids, 205
			if tt.campaign == small {
				all, total = sids, 10
			}
			pg := ltList(t, a, tt.campaign, tt.args)
			if pg.TotalCount != total {
				t.Fatalf("totalCount %d, want %d (it ignores pagination)", pg.TotalCount, total)
			}
			if pg.Page != tt.page || pg.Limit != tt.limit {
				t.Fatalf("page %d limit %d, want %d and %d", pg.Page, pg.Limit, tt.page, tt.limit)
			}
			ltEqual(t, "nodes", ltIDs(pg), all[tt.from:tt.to])
			if pg.PageInfo.HasNextPage != tt.next || pg.PageInfo.HasPreviousPage != tt.previous {
				t.Fatalf("hasNextPage %v hasPreviousPage %v, want %v and %v",
					pg.PageInfo.HasNextPage, pg.PageInfo.HasPreviousPage, tt.next, tt.previous)
			}
			if tt.from == tt.to && len(pg.Nodes) != 0 {
				t.Fatal("a page past the end must be empty")
			}
		})
	}

	bad := []struct {
		name string
		args ltArgs
	}{
		{"page 0", ltArgs{"page": 0}},
		{"page -1", ltArgs{"page": -1}},
		{"smallest Int page", ltArgs{"page": -2147483648}},
		{"limit 0", ltArgs{"limit": 0}},
		{"limit -1", ltArgs{"limit": -1}},
		{"limit -500", ltArgs{"limit": -500}},
		{"page 0 limit 0", ltArgs{"page": 0, "limit": 0}},
		{"page 0 with a good limit", ltArgs{"page": 0, "limit": 10}},
		{"limit 0 with a good page", ltArgs{"page": 2, "limit": 0}},
	}
	for _, tt := range bad {
		t.Run("BAD_USER_INPUT "+tt.name, func(t *testing.T) {
			t.Parallel()
			ltTopError(t, ltAs(t, a).do(ltListQuery, ltVars(small, tt.args)), "prospects", "BAD_USER_INPUT")
			ltTopError(t, ltAs(t, a).do(ltNestedQuery, ltVars(small, tt.args)), "campaign", "BAD_USER_INPUT")
		})
	}
	t.Run("BAD_USER_INPUT inline literal", func(t *testing.T) {
		t.Parallel()
		q := fmt.Sprintf(`{ prospects(campaignId: %q, page: 0) { totalCount } }`, small)
		ltTopError(t, ltAs(t, a).do(q, nil), "prospects", "BAD_USER_INPUT")
		q = fmt.Sprintf(`{ prospects(campaignId: %q, limit: -3) { totalCount } }`, small)
		ltTopError(t, ltAs(t, a).do(q, nil), "prospects", "BAD_USER_INPUT")
	})
}

// ----------------------------------------------------------------- keyset

// TestListKeyset: SPEC §8 `after`.
func TestListKeyset(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := ltAddN(t, a, c, 10, "ks")
	full := ltList(t, a, c, nil)
	ltEqual(t, "roster", ltIDs(full), ids)

	t.Run("walk with limit 3", func(t *testing.T) {
		t.Parallel()
		pages := ltWalk(t, a, c, nil, 3)
		ltEqual(t, "walk", ltConcat(pages), ids)
		var sizes []int
		for i, pg := range pages {
			sizes = append(sizes, len(pg.Nodes))
			if pg.Page != 1 || pg.Limit != 3 || pg.TotalCount != 10 {
				t.Fatalf("page %d: page %d limit %d totalCount %d, want 1, 3, 10", i, pg.Page, pg.Limit, pg.TotalCount)
			}
			if pg.PageInfo.HasPreviousPage != (i > 0) {
				t.Fatalf("page %d: hasPreviousPage %v", i, pg.PageInfo.HasPreviousPage)
			}
		}
		ltEqual(t, "page sizes", sizes, []int{3, 3, 3, 1})
		// After the very last cursor: an empty page.
		last := pages[len(pages)-1]
		end := ltList(t, a, c, ltArgs{"limit": 3, "after": *last.PageInfo.EndCursor})
		if len(end.Nodes) != 0 || end.TotalCount != 10 || end.Page != 1 || end.PageInfo.HasNextPage {
			t.Fatalf("after the last prospect: %+v", end)
		}
	})
	t.Run("walk with limit 5 ends exactly", func(t *testing.T) {
		t.Parallel()
		pages := ltWalk(t, a, c, nil, 5)
		if len(pages) != 2 || pages[1].PageInfo.HasNextPage || !pages[0].PageInfo.HasNextPage {
			t.Fatalf("want two pages, the second without a next page: %+v", pages)
		}
		ltEqual(t, "walk", ltConcat(pages), ids)
	})
	t.Run("walk with limit 10 and 200", func(t *testing.T) {
		t.Parallel()
		for _, limit := range []int{10, 200, 500} {
			pages := ltWalk(t, a, c, nil, limit)
			if len(pages) != 1 {
				t.Fatalf("limit %d: %d pages", limit, len(pages))
			}
			ltEqual(t, "walk", ltConcat(pages), ids)
		}
	})
	t.Run("after any edge cursor", func(t *testing.T) {
		t.Parallel()
		for i, e := range full.Edges {
			pg := ltList(t, a, c, ltArgs{"after": e.Cursor, "limit": 4})
			to := min(i+5, 10)
			ltEqual(t, fmt.Sprintf("after edge %d", i), ltIDs(pg), ids[i+1:to])
			if pg.PageInfo.HasNextPage != (i+5 < 10) || !pg.PageInfo.HasPreviousPage || pg.Page != 1 {
				t.Fatalf("after edge %d: %+v page %d", i, pg.PageInfo, pg.Page)
			}
			// The node's cursor and the edge's agree with the pages'.
			if len(pg.Edges) > 0 && pg.Edges[0].Cursor != full.Edges[i+1].Cursor {
				t.Fatalf("a prospect's cursor changed between pages: %q vs %q", pg.Edges[0].Cursor, full.Edges[i+1].Cursor)
			}
		}
	})
	t.Run("after with page 1 is allowed", func(t *testing.T) {
		t.Parallel()
		pg := ltList(t, a, c, ltArgs{"after": full.Edges[1].Cursor, "page": 1, "limit": 2})
		ltEqual(t, "page", ltIDs(pg), ids[2:4])
	})
	for _, page := range []int{2, 3, 0, -1} {
		t.Run(fmt.Sprintf("after with page %d", page), func(t *testing.T) {
			t.Parallel()
			args := ltArgs{"after": full.Edges[1].Cursor, "page": page}
			ltTopError(t, ltAs(t, a).do(ltListQuery, ltVars(c, args)), "prospects", "BAD_USER_INPUT")
			ltTopError(t, ltAs(t, a).do(ltNestedQuery, ltVars(c, args)), "campaign", "BAD_USER_INPUT")
		})
	}

	good := full.Edges[3].Cursor
	other := make([]byte, 17)
	other[0] = 2 // another format version
	_, _ = rand.Read(other[1:])
	badCursors := []struct{ name, cursor string }{
		{"zzz", "zzz"},
		{"empty", ""},
		{"base64 of garbage", base64.RawURLEncoding.EncodeToString([]byte("garbage, not a cursor at all"))},
		{"padded base64 of garbage", base64.StdEncoding.EncodeToString([]byte("garbage"))},
		{"a UUID", ids[3]},
		{"an unknown version", base64.RawURLEncoding.EncodeToString(other)},
		{"truncated", good[:len(good)-2]},
		{"extended", good + "AAAA"},
		{"spaces", " " + good + " "},
		{"not base64", "!!!!????"},
	}
	for _, tt := range badCursors {
		t.Run("bad cursor "+tt.name, func(t *testing.T) {
			t.Parallel()
			args := ltArgs{"after": tt.cursor}
			ltTopError(t, ltAs(t, a).do(ltListQuery, ltVars(c, args)), "prospects", "BAD_USER_INPUT")
			ltTopError(t, ltAs(t, a).do(ltNestedQuery, ltVars(c, args)), "campaign", "BAD_USER_INPUT")
			q := fmt.Sprintf(`{ prospects(campaignId: %q, after: %q) { totalCount } }`, c, tt.cursor)
			ltTopError(t, ltAs(t, a).do(q, nil), "prospects", "BAD_USER_INPUT")
		})
	}

	t.Run("cursor survives its prospect's removal", func(t *testing.T) {
		t.Parallel()
		c := a.createCampaign("EMAIL")
		ids := ltAddN(t, a, c, 10, "rm")
		first := ltList(t, a, c, ltArgs{"limit": 4})
		ltEqual(t, "first page", ltIDs(first), ids[:4])
		cursor := *first.PageInfo.EndCursor // ids[3]

		ltRemove(t, a, c, ids[3])
		pg := ltList(t, a, c, ltArgs{"limit": 3, "after": cursor})
		ltEqual(t, "after the removed prospect", ltIDs(pg), ids[4:7])
		if pg.TotalCount != 9 || !pg.PageInfo.HasNextPage {
			t.Fatalf("after the removed prospect: totalCount %d hasNextPage %v", pg.TotalCount, pg.PageInfo.HasNextPage)
		}
		// Continue the walk to the end: every remaining row once, in order.
		rest := ltIDs(pg)
		for pg.PageInfo.HasNextPage {
			pg = ltList(t, a, c, ltArgs{"limit": 3, "after": *pg.PageInfo.EndCursor})
			rest = append(rest, ltIDs(pg)...)
		}
		ltEqual(t, "rest of the walk", rest, ids[4:])

		// The next prospects go too: the cursor still points between rows.
		ltRemove(t, a, c, ids[4], ids[5])
		pg = ltList(t, a, c, ltArgs{"limit": 3, "after": cursor})
		ltEqual(t, "after three removed prospects", ltIDs(pg), ids[6:9])

		// Everything after the cursor goes: an empty page.
		ltRemove(t, a, c, ids[6:]...)
		pg = ltList(t, a, c, ltArgs{"limit": 3, "after": cursor})
		if len(pg.Nodes) != 0 || pg.TotalCount != 3 || pg.PageInfo.HasNextPage {
			t.Fatalf("nothing after the cursor: %+v", pg)
		}
		// And the rows before it are intact.
		ltEqual(t, "roster", ltIDs(ltList(t, a, c, nil)), ids[:3])
	})
}

// ------------------------------------------------------------- visibility

// TestListVisibility: SPEC §3, another subject's campaign is exactly an
// unknown one.
func TestListVisibility(t *testing.T) {
	t.Parallel()
	alice := newAPI(t)
	bob := newAPI(t)
	if alice.sub == bob.sub {
		t.Fatal("the two clients share a subject")
	}
	ac := alice.createCampaign("EMAIL")
	aIDs := ltAddN(t, alice, ac, 2, "alice")
	bc := bob.createCampaign("EMAIL")
	bIDs := ltAddN(t, bob, bc, 2, "bob")
	unknown := uuid.Must(uuid.NewV7()).String()

	t.Run("Query.prospects is NOT_FOUND, same message", func(t *testing.T) {
		t.Parallel()
		e1 := ltTopError(t, ltAs(t, alice).do(ltListQuery, ltVars(bc, nil)), "prospects", "NOT_FOUND")
		e2 := ltTopError(t, ltAs(t, alice).do(ltListQuery, ltVars(unknown, nil)), "prospects", "NOT_FOUND")
		if e1.Message != e2.Message || e1.Message == "" {
			t.Fatalf("another subject's campaign says %q, an unknown one %q", e1.Message, e2.Message)
		}
		if strings.Contains(e1.Message, bc) {
			t.Fatalf("the message names the campaign: %q", e1.Message)
		}
		// With filters and a cursor too.
		cursor := ltList(t, bob, bc, nil).Edges[0].Cursor
		args := ltArgs{"status": "PENDING", "stage": "QUEUED", "limit": 5, "after": cursor}
		e3 := ltTopError(t, ltAs(t, alice).do(ltListQuery, ltVars(bc, args)), "prospects", "NOT_FOUND")
		e4 := ltTopError(t, ltAs(t, alice).do(ltListQuery, ltVars(unknown, args)), "prospects", "NOT_FOUND")
		if e3.Message != e4.Message {
			t.Fatalf("another subject's campaign says %q, an unknown one %q", e3.Message, e4.Message)
		}
		// Bob still sees his own.
		if pg := ltList(t, bob, bc, nil); pg.TotalCount != 2 {
			t.Fatalf("bob's roster: %+v", pg)
		}
	})
	t.Run("Query.campaign is null", func(t *testing.T) {
		t.Parallel()
		for _, id := range []string{bc, unknown} {
			r := ltAs(t, alice).do(`query($id: UUID!) { campaign(id: $id) { id name stats { total } prospects { totalCount } } }`, map[string]any{"id": id})
			if len(r.Errors) != 0 || string(r.Data) != `{"campaign":null}` {
				t.Fatalf("campaign %s: data %s errors %+v", id, r.Data, r.Errors)
			}
		}
		if got := ltStats(t, alice, ac); got["total"] != 2 {
			t.Fatalf("alice's own campaign: %v", got)
		}
	})
	t.Run("Query.prospect is null", func(t *testing.T) {
		t.Parallel()
		cases := []struct{ name, campaign, id string }{
			{"bob's prospect on bob's campaign", bc, bIDs[0]},
			{"bob's prospect on alice's campaign", ac, bIDs[0]},
			{"alice's prospect on bob's campaign", bc, aIDs[0]},
			{"unknown prospect on alice's campaign", ac, unknown},
			{"alice's prospect on an unknown campaign", unknown, aIDs[0]},
			{"unknown and unknown", unknown, unknown},
		}
		for _, cs := range cases {
			r := ltAs(t, alice).do(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { id email } }`,
				map[string]any{"c": cs.campaign, "id": cs.id})
			if len(r.Errors) != 0 || string(r.Data) != `{"prospect":null}` {
				t.Fatalf("%s: data %s errors %+v", cs.name, r.Data, r.Errors)
			}
		}
		var out struct {
			Prospect *prospect `json:"prospect"`
		}
		ltAs(t, alice).query(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { `+prospectFields+` } }`,
			map[string]any{"c": ac, "id": aIDs[1]}, &out)
		if out.Prospect == nil || out.Prospect.ID != aIDs[1] || out.Prospect.CampaignID != ac || out.Prospect.Stage != "QUEUED" {
			t.Fatalf("alice's own prospect: %+v", out.Prospect)
		}
	})
}

// TestListUUIDArguments: SPEC §4, a UUID argument that fails its scalar is
// GRAPHQL_VALIDATION_FAILED; the nil and max UUIDs are UUIDs.
func TestListUUIDArguments(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	pid := ltAddN(t, a, c, 1, "uuid")[0]
	valid := uuid.Must(uuid.NewV7()).String()
	bad := []struct{ name, id string }{
		{"words", "not-a-uuid"},
		{"empty", ""},
		{"braces", "{" + valid + "}"},
		{"urn", "urn:uuid:" + valid},
		{"32 hex", strings.ReplaceAll(valid, "-", "")},
		{"version 0", "00000000-0000-0000-0000-000000000001"},
		{"version 0 nearly nil", "00000000-0000-0000-8000-000000000000"},
		{"version 15", "6ba7b810-9dad-f1d1-80b4-00c04fd430c8"},
		{"NCS variant", "6ba7b810-9dad-11d1-00b4-00c04fd430c8"},
		{"Microsoft variant", "6ba7b810-9dad-11d1-c0b4-00c04fd430c8"},
		{"not hex", "6ba7b810-9dad-11d1-80b4-00c04fd430cg"},
		{"hyphens misplaced", "6ba7b8109-dad-11d1-80b4-00c04fd430c8"},
		{"too long", valid + "0"},
		{"surrounding spaces", " " + valid + " "},
		{"nil with braces", "{00000000-0000-0000-0000-000000000000}"},
	}
	queries := []struct {
		name, query, field string
		vars               func(id string) map[string]any
	}{
		{"campaign", `query($id: UUID!) { campaign(id: $id) { id } }`, "campaign",
			func(id string) map[string]any { return map[string]any{"id": id} }},
		{"prospects", `query($id: UUID!) { prospects(campaignId: $id) { totalCount } }`, "prospects",
			func(id string) map[string]any { return map[string]any{"id": id} }},
		{"prospect campaignId", `query($id: UUID!, $p: UUID!) { prospect(campaignId: $id, id: $p) { id } }`, "prospect",
			func(id string) map[string]any { return map[string]any{"id": id, "p": pid} }},
		{"prospect id", `query($id: UUID!, $c: UUID!) { prospect(campaignId: $c, id: $id) { id } }`, "prospect",
			func(id string) map[string]any { return map[string]any{"id": id, "c": c} }},
	}
	for _, b := range bad {
		t.Run("refused "+b.name, func(t *testing.T) {
			t.Parallel()
			for _, q := range queries {
				ltTopError(t, ltAs(t, a).do(q.query, q.vars(b.id)), q.field, "GRAPHQL_VALIDATION_FAILED")
			}
			// As an inline literal too.
			lit := fmt.Sprintf(`{ campaign(id: %q) { id } }`, b.id)
			ltTopError(t, ltAs(t, a).do(lit, nil), "campaign", "GRAPHQL_VALIDATION_FAILED")
			lit = fmt.Sprintf(`{ prospects(campaignId: %q) { totalCount } }`, b.id)
			ltTopError(t, ltAs(t, a).do(lit, nil), "prospects", "GRAPHQL_VALIDATION_FAILED")
		})
	}
	t.Run("refused non-string", func(t *testing.T) {
		t.Parallel()
		ltTopError(t, ltAs(t, a).do(`query($id: UUID!) { campaign(id: $id) { id } }`, map[string]any{"id": 42}), "campaign", "GRAPHQL_VALIDATION_FAILED")
	})
	for _, id := range []string{
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8", // a version 1
		uuid.NewString(),                       // a version 4
		valid,                                  // a version 7
	} {
		t.Run("accepted "+id, func(t *testing.T) {
			t.Parallel()
			r := ltAs(t, a).do(`query($id: UUID!) { campaign(id: $id) { id } }`, map[string]any{"id": id})
			if len(r.Errors) != 0 || string(r.Data) != `{"campaign":null}` {
				t.Fatalf("campaign: data %s errors %+v", r.Data, r.Errors)
			}
			ltTopError(t, ltAs(t, a).do(`query($id: UUID!) { prospects(campaignId: $id) { totalCount } }`, map[string]any{"id": id}), "prospects", "NOT_FOUND")
			for _, vars := range []map[string]any{{"c": id, "p": pid}, {"c": c, "p": id}} {
				r = ltAs(t, a).do(`query($c: UUID!, $p: UUID!) { prospect(campaignId: $c, id: $p) { id } }`, vars)
				if len(r.Errors) != 0 || string(r.Data) != `{"prospect":null}` {
					t.Fatalf("prospect %v: data %s errors %+v", vars, r.Data, r.Errors)
				}
			}
		})
	}
}

// ---------------------------------------------------- statuses and stats

// TestListStatusStageStats: the sending engine moves statuses with plain
// SQL (SPEC §10); the filters, stages and stats follow (SPEC §8, §9).
func TestListStatusStageStats(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	const n = 55 // 1 + 2 + ... + 10: every status gets a count of its own
	ids := ltAddN(t, a, c, n, "st")
	ltLaunch(t, a, c)
	ltRequireStats(t, a, c, map[string]int{"PENDING": n})

	// Step 1: the engine sends to the first seven, exactly as it would.
	moved := ltExec(t, `UPDATE prospects SET status = 'sent' WHERE id = ANY(?::uuid[])`, pgdialect.Array(ids[:7]))
	if moved != 7 {
		t.Fatalf("moved %d rows", moved)
	}
	ltRequireStats(t, a, c, map[string]int{"PENDING": n - 7, "SENT": 7})
	ltRequireTotals(t, a, c, map[string]int{"PENDING": n - 7, "SENT": 7})

	// Step 2: one statement moves every row to its final status, some back
	// and forth (sent -> pending), some not at all: status k (0-based) ends
	// with k+1 rows, spread over the roster.
	var pool []string
	for k, st := range ltStatuses {
		for range k + 1 {
			pool = append(pool, st)
		}
	}
	final := make([]string, n)
	lower := make([]string, n)
	counts := map[string]int{}
	for i := range final {
		final[i] = pool[(i*7)%n]
		lower[i] = strings.ToLower(final[i])
		counts[final[i]]++
	}
	moved = ltExec(t, `UPDATE prospects AS p SET status = v.status
		FROM unnest(?::uuid[], ?::text[]) AS v (id, status) WHERE p.id = v.id`,
		pgdialect.Array(ids), pgdialect.Array(lower))
	if moved != n {
		t.Fatalf("moved %d rows", moved)
	}
	for k, st := range ltStatuses {
		if counts[st] != k+1 {
			t.Fatalf("test setup: %s has %d rows", st, counts[st])
		}
	}
	ltRequireStats(t, a, c, counts)
	if s := ltStats(t, a, c); s["inFlight"] != 2+3+4+5 || s["terminal"] != 6+7+8+9+10 || s["pending"] != 1 {
		t.Fatalf("stats: %v", s)
	}

	// expect lists the ids whose status passes keep, in roster order.
	expect := func(keep func(status string) bool) []string {
		var out []string
		for i, id := range ids {
			if keep(final[i]) {
				out = append(out, id)
			}
		}
		return out
	}

	t.Run("no filter", func(t *testing.T) {
		t.Parallel()
		pg := ltList(t, a, c, ltArgs{"limit": 200})
		ltEqual(t, "roster", ltIDs(pg), ids)
		for i, node := range pg.Nodes {
			if node.Status != final[i] || node.Stage != ltStageOf[final[i]] {
				t.Fatalf("node %d: %s/%s, want %s/%s", i, node.Status, node.Stage, final[i], ltStageOf[final[i]])
			}
		}
	})
	for _, st := range ltStatuses {
		t.Run("status "+st, func(t *testing.T) {
			t.Parallel()
			want := expect(func(s string) bool { return s == st })
			pg := ltList(t, a, c, ltArgs{"status": st})
			if pg.TotalCount != len(want) {
				t.Fatalf("totalCount %d, want %d", pg.TotalCount, len(want))
			}
			ltEqual(t, "nodes", ltIDs(pg), want)
			for _, node := range pg.Nodes {
				if node.Status != st || node.Stage != ltStageOf[st] {
					t.Fatalf("node %s: %s/%s", node.ID, node.Status, node.Stage)
				}
			}
			// Pages of the filter: totalCount still counts every match.
			if len(want) > 2 {
				pg2 := ltList(t, a, c, ltArgs{"status": st, "limit": 2, "page": 2})
				ltEqual(t, "page 2 of 2", ltIDs(pg2), want[2:min(4, len(want))])
				if pg2.TotalCount != len(want) || pg2.PageInfo.HasNextPage != (len(want) > 4) {
					t.Fatalf("page 2: totalCount %d hasNextPage %v", pg2.TotalCount, pg2.PageInfo.HasNextPage)
				}
			}
			// The single prospect query says the same.
			var out struct {
				Prospect *prospect `json:"prospect"`
			}
			ltAs(t, a).query(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { id status stage } }`,
				map[string]any{"c": c, "id": want[0]}, &out)
			if out.Prospect == nil || out.Prospect.Status != st || out.Prospect.Stage != ltStageOf[st] {
				t.Fatalf("prospect %s: %+v", want[0], out.Prospect)
			}
		})
	}
	for _, sg := range ltStages {
		t.Run("stage "+sg, func(t *testing.T) {
			t.Parallel()
			want := expect(func(s string) bool { return ltStageOf[s] == sg })
			pg := ltList(t, a, c, ltArgs{"stage": sg})
			if pg.TotalCount != len(want) {
				t.Fatalf("totalCount %d, want %d", pg.TotalCount, len(want))
			}
			ltEqual(t, "nodes", ltIDs(pg), want)
			for _, node := range pg.Nodes {
				if node.Stage != sg {
					t.Fatalf("node %s: stage %s", node.ID, node.Stage)
				}
			}
		})
	}
	t.Run("status and stage are ANDed", func(t *testing.T) {
		t.Parallel()
		for _, st := range ltStatuses {
			for _, sg := range ltStages {
				var want []string
				if ltStageOf[st] == sg {
					want = expect(func(s string) bool { return s == st })
				}
				pg := ltList(t, a, c, ltArgs{"status": st, "stage": sg})
				if pg.TotalCount != len(want) {
					t.Fatalf("%s+%s: totalCount %d, want %d", st, sg, pg.TotalCount, len(want))
				}
				ltEqual(t, st+"+"+sg, ltIDs(pg), want)
			}
		}
	})
	t.Run("keyset walk filtered by status", func(t *testing.T) {
		t.Parallel()
		want := expect(func(s string) bool { return s == "CANCELLED" }) // 10 rows
		pages := ltWalk(t, a, c, ltArgs{"status": "CANCELLED"}, 3)
		if len(pages) != 4 {
			t.Fatalf("%d pages, want 4", len(pages))
		}
		ltEqual(t, "walk", ltConcat(pages), want)
		for _, pg := range pages {
			if pg.TotalCount != 10 {
				t.Fatalf("totalCount %d", pg.TotalCount)
			}
		}
	})
	t.Run("keyset walk filtered by stage and status", func(t *testing.T) {
		t.Parallel()
		want := expect(func(s string) bool { return ltStageOf[s] == "TERMINAL" })
		ltEqual(t, "terminal walk", ltConcat(ltWalk(t, a, c, ltArgs{"stage": "TERMINAL"}, 7)), want)
		want = expect(func(s string) bool { return s == "MESSAGE_SENT" })
		ltEqual(t, "message sent walk", ltConcat(ltWalk(t, a, c, ltArgs{"stage": "IN_FLIGHT", "status": "MESSAGE_SENT"}, 2)), want)
	})
	t.Run("a cursor from the unfiltered roster positions a filtered page", func(t *testing.T) {
		t.Parallel()
		full := ltList(t, a, c, ltArgs{"limit": 200})
		for _, at := range []int{0, 20, 40, 54} {
			var want []string
			for i := at + 1; i < n; i++ {
				if final[i] == "CANCELLED" {
					want = append(want, ids[i])
				}
			}
			pg := ltList(t, a, c, ltArgs{"status": "CANCELLED", "after": full.Edges[at].Cursor, "limit": 200})
			ltEqual(t, fmt.Sprintf("cancelled after row %d", at), ltIDs(pg), want)
			if pg.TotalCount != 10 {
				t.Fatalf("totalCount %d", pg.TotalCount)
			}
		}
	})
}

// TestListEngineWrites: whatever the engine writes with plain SQL (SPEC §9,
// §10), inserts, deletes, moves between campaigns and profile edits, the
// stats stay the roster's counts.
func TestListEngineWrites(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := ltAddN(t, a, c, 12, "en")
	ltLaunch(t, a, c)

	ltExec(t, `UPDATE prospects SET status = 'replied' WHERE id IN (?)`, bun.In(ids[0:3]))
	ltExec(t, `UPDATE prospects SET status = 'connection_sent' WHERE id IN (?)`, bun.In(ids[3:5]))
	ltExec(t, `UPDATE prospects SET status = 'timed_out' WHERE id = ?`, ids[5])
	counts := map[string]int{"REPLIED": 3, "CONNECTION_SENT": 2, "TIMED_OUT": 1, "PENDING": 6}
	ltRequireStats(t, a, c, counts)
	ltRequireTotals(t, a, c, counts)

	t.Run("profile edits leave the stats untouched", func(t *testing.T) {
		var before string
		xmin := func() string {
			t.Helper()
			var x string
			if err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT xmin::text FROM campaigns WHERE id = ?`, c).Scan(&x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		before = xmin()
		if n := ltExec(t, `UPDATE prospects SET first_name = 'Renamed', custom_fields = '{"k": 1}' WHERE campaign_id = ?`, c); n != 12 {
			t.Fatalf("updated %d rows", n)
		}
		// The profile edit moves the campaign's version (SPEC §14), so its
		// row is rewritten, stats unchanged; an update that changes
		// nothing leaves the row alone.
		edited := xmin()
		if edited == before {
			t.Fatalf("a profile edit left the campaign's version as it was")
		}
		if n := ltExec(t, `UPDATE prospects SET status = status WHERE campaign_id = ?`, c); n != 12 {
			t.Fatalf("updated %d rows", n)
		}
		if after := xmin(); after != edited {
			t.Fatalf("an update that changed nothing rewrote the campaign row (xmin %s -> %s)", edited, after)
		}
		ltRequireStats(t, a, c, counts)
		pg := ltList(t, a, c, ltArgs{"status": "REPLIED"})
		if pg.TotalCount != 3 || pg.Nodes[0].FirstName == nil || *pg.Nodes[0].FirstName != "Renamed" || pg.Nodes[0].CustomFields["k"] != float64(1) {
			t.Fatalf("after the profile edit: %+v", pg.Nodes)
		}
	})
	t.Run("delete", func(t *testing.T) {
		// One replied, one connection_sent, one pending.
		if n := ltExec(t, `DELETE FROM prospects WHERE id IN (?)`, bun.In([]string{ids[0], ids[3], ids[11]})); n != 3 {
			t.Fatalf("deleted %d", n)
		}
		counts["REPLIED"]--
		counts["CONNECTION_SENT"]--
		counts["PENDING"]--
		ltRequireStats(t, a, c, counts)
		ltRequireTotals(t, a, c, counts)
	})
	var inserted []string
	t.Run("insert", func(t *testing.T) {
		statuses := []string{"bounced", "bounced", "pending", "message_sent", "cancelled"}
		var values []string
		var args []any
		for i, st := range statuses {
			id := uuid.Must(uuid.NewV7()).String()
			inserted = append(inserted, id)
			email := fmt.Sprintf("engine-%d@example.com", i)
			values = append(values, "(?, ?, ?, ?, ?)")
			args = append(args, id, c, email, email, st)
		}
		n := ltExec(t, `INSERT INTO prospects (id, campaign_id, identity, email, status) VALUES `+strings.Join(values, ", "), args...)
		if n != int64(len(statuses)) {
			t.Fatalf("inserted %d", n)
		}
		counts["BOUNCED"] += 2
		counts["PENDING"]++
		counts["MESSAGE_SENT"]++
		counts["CANCELLED"]++
		ltRequireStats(t, a, c, counts)
		ltRequireTotals(t, a, c, counts)
		pg := ltList(t, a, c, ltArgs{"status": "BOUNCED"})
		ltEqual(t, "bounced", ltIDs(pg), inserted[:2])
	})
	t.Run("move to another campaign", func(t *testing.T) {
		other := a.createCampaign("EMAIL")
		if n := ltExec(t, `UPDATE prospects SET campaign_id = ? WHERE id IN (?)`, other, bun.In([]string{inserted[4], ids[1]})); n != 2 {
			t.Fatalf("moved %d", n)
		}
		counts["CANCELLED"]--
		counts["REPLIED"]--
		ltRequireStats(t, a, c, counts)
		ltRequireStats(t, a, other, map[string]int{"CANCELLED": 1, "REPLIED": 1})
		ltRequireTotals(t, a, other, map[string]int{"CANCELLED": 1, "REPLIED": 1})
	})
	t.Run("several statements in one transaction", func(t *testing.T) {
		err := dbtest.DB(t).RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE prospects SET status = 'completed' WHERE campaign_id = ? AND status = 'pending'`, c); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM prospects WHERE campaign_id = ? AND status = 'timed_out'`, c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		counts["COMPLETED"] += counts["PENDING"]
		counts["PENDING"] = 0
		counts["TIMED_OUT"] = 0
		ltRequireStats(t, a, c, counts)
		ltRequireTotals(t, a, c, counts)
	})
	t.Run("recalculate_campaign_stats repairs broken stats", func(t *testing.T) {
		ltExec(t, `UPDATE campaigns SET stats = '{"total": 99, "pending": 9, "sent": 9, "connection_sent": 9,
			"connected": 9, "message_sent": 9, "replied": 9, "bounced": 9, "completed": 9, "timed_out": 9,
			"cancelled": 9}' WHERE id = ?`, c)
		if s := ltStats(t, a, c); s["total"] != 99 {
			t.Fatalf("Campaign.stats does not read campaigns.stats: %v", s)
		}
		got := ltScanJSON(t, `SELECT recalculate_campaign_stats(?)::text`, c)
		want := map[string]int{}
		for _, st := range ltStatuses {
			want[strings.ToLower(st)] = counts[st]
			want["total"] += counts[st]
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("recalculate_campaign_stats: %v, want %v", got, want)
		}
		ltRequireStats(t, a, c, counts)
	})
}

// --------------------------------------------------- nested and campaigns

// TestListNestedSameAsQuery: Campaign.prospects is Query.prospects.
func TestListNestedSameAsQuery(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := ltAddN(t, a, c, 12, "ne")
	ltLaunch(t, a, c)
	ltExec(t, `UPDATE prospects SET status = 'sent' WHERE id IN (?)`, bun.In(ids[2:6]))
	ltExec(t, `UPDATE prospects SET status = 'bounced' WHERE id IN (?)`, bun.In(ids[8:10]))
	cursor := ltList(t, a, c, nil).Edges[3].Cursor

	for _, args := range []ltArgs{
		nil,
		{"limit": 5},
		{"limit": 5, "page": 2},
		{"limit": 5, "page": 3},
		{"page": 4},
		{"limit": 500},
		{"status": "SENT"},
		{"status": "SENT", "limit": 3, "page": 2},
		{"stage": "TERMINAL"},
		{"stage": "QUEUED", "limit": 2},
		{"status": "SENT", "stage": "TERMINAL"},
		{"status": "BOUNCED", "stage": "TERMINAL"},
		{"after": cursor},
		{"after": cursor, "limit": 4},
		{"after": cursor, "status": "PENDING", "limit": 2},
	} {
		t.Run(fmt.Sprint(map[string]any(args)), func(t *testing.T) {
			t.Parallel()
			q := ltList(t, a, c, args)
			nested := ltNested(t, a, c, args)
			if !reflect.DeepEqual(q, nested) {
				t.Fatalf("Query.prospects %+v\nCampaign.prospects %+v", q, nested)
			}
		})
	}
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
		PageInfo   ltPageInfo `json:"pageInfo"`
	}
	const q = `query($page: Int, $limit: Int, $status: CampaignStatus) { campaigns(page: $page, limit: $limit, status: $status) {
		totalCount page limit nodes { ` + campaignFields + ` } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	list := func(t *testing.T, as *api, vars map[string]any) cconn {
		t.Helper()
		var out struct {
			Campaigns cconn `json:"campaigns"`
		}
		ltAs(t, as).query(q, vars, &out)
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
			ltEqual(t, cs.name, ids(got), cs.want)
			if got.PageInfo.HasNextPage != cs.next || got.PageInfo.HasPreviousPage != cs.previous {
				t.Fatalf("%s: %+v", cs.name, got.PageInfo)
			}
		}
		for _, vars := range []map[string]any{{"page": 0}, {"page": -1}, {"limit": 0}, {"limit": -10}} {
			ltTopError(t, ltAs(t, alice).do(q, vars), "campaigns", "BAD_USER_INPUT")
		}
	})
	t.Run("another subject's are not listed", func(t *testing.T) {
		t.Parallel()
		got := list(t, bob, nil)
		if got.TotalCount != 1 {
			t.Fatalf("bob: %+v", got)
		}
		ltEqual(t, "bob's", ids(got), []string{bobs})
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
		ltAddN(t, alice, mine[1], 3, "cs")
		if c, ue := ltAs(t, alice).transition(mine[1], "LAUNCHING"); len(ue) != 0 || c.Status != "LAUNCHING" {
			t.Fatalf("launch: %+v %+v", c, ue)
		}
		draft := list(t, alice, map[string]any{"status": "DRAFT"})
		ltEqual(t, "draft", ids(draft), []string{mine[2], mine[0]})
		if draft.TotalCount != 2 {
			t.Fatalf("draft totalCount %d", draft.TotalCount)
		}
		launching := list(t, alice, map[string]any{"status": "LAUNCHING"})
		ltEqual(t, "launching", ids(launching), []string{mine[1]})
		if launching.TotalCount != 1 || !launching.Nodes[0].RosterFrozen || launching.Nodes[0].Stats["total"] != 3 || launching.Nodes[0].Stats["pending"] != 3 {
			t.Fatalf("launching: %+v", launching)
		}
		active := list(t, alice, map[string]any{"status": "ACTIVE"})
		if active.TotalCount != 0 || len(active.Nodes) != 0 {
			t.Fatalf("active: %+v", active)
		}
		page2 := list(t, alice, map[string]any{"status": "DRAFT", "limit": 1, "page": 2})
		ltEqual(t, "draft page 2", ids(page2), []string{mine[0]})
		if page2.TotalCount != 2 || page2.PageInfo.HasNextPage {
			t.Fatalf("draft page 2: %+v", page2)
		}
		if bobDraft := list(t, bob, map[string]any{"status": "DRAFT"}); bobDraft.TotalCount != 1 {
			t.Fatalf("bob's drafts: %+v", bobDraft)
		}
	})
}

// ------------------------------------------------------------------ N+1

// ltCountPrefix marks the requests whose statements ltCounter counts.
const ltCountPrefix = "ltcount-"

// ltCounter records the statements run for each request whose id
// (requestlog.ID) carries ltCountPrefix (dbtest.OnStatement).
type ltCounter struct {
	mu    sync.Mutex
	stmts map[string][]string
}

func (h *ltCounter) record(ctx context.Context, sql string, _ []any) {
	id := requestlog.ID(ctx)
	if !strings.HasPrefix(id, ltCountPrefix) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stmts[id] = append(h.stmts[id], sql)
}

func (h *ltCounter) of(id string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.stmts[id])
}

var (
	ltHookOnce sync.Once
	ltHook     = &ltCounter{stmts: map[string][]string{}}
)

// ltCounted runs a document as a with a fresh request id and returns the
// response and the statements it ran.
func ltCounted(t testing.TB, a *api, query string, vars map[string]any) (*response, []string) {
	t.Helper()
	r, stmts := ltCountedAny(t, a, query, vars)
	if len(r.Errors) != 0 {
		t.Fatalf("query failed: %+v", r.Errors)
	}
	return r, stmts
}

// ltCountedAny is ltCounted for a document that may fail.
func ltCountedAny(t testing.TB, a *api, query string, vars map[string]any) (*response, []string) {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := ltCountPrefix + hex.EncodeToString(b[:])
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("X-Request-Id", id)
	r := send(t, req)
	if got := r.Header.Get("X-Request-Id"); got != id {
		t.Fatalf("X-Request-Id %q, want %q echoed", got, id)
	}
	return r, ltHook.of(id)
}

// TestListQueryCount: SPEC §8, nested fields never cost one query per row.
// The statement counter sees every statement, Bun's and the list path's own
// pgx ones (dbtest.OnStatement). Its subtests are parallel.
func TestListQueryCount(t *testing.T) {
	ltHookOnce.Do(func() { dbtest.OnStatement(ltHook.record) })

	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := ltAddN(t, a, c, 205, "qc")
	ltLaunch(t, a, c)
	ltExec(t, `UPDATE prospects SET status = 'connected' WHERE id IN (?)`, bun.In(ids[:50]))

	t.Run("a 200-row page is one statement", func(t *testing.T) {
		t.Parallel()
		for _, args := range []ltArgs{
			{"limit": 200},
			{"limit": 200, "page": 2},
			{"limit": 200, "status": "PENDING"},
			{"limit": 200, "stage": "IN_FLIGHT"},
			{"limit": 200, "after": ltList(t, a, c, ltArgs{"limit": 3}).Edges[2].Cursor},
		} {
			r, stmts := ltCounted(t, a, ltListQuery, ltVars(c, args))
			var out struct {
				Prospects ltConn `json:"prospects"`
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
		r, stmts := ltCountedAny(t, a, ltListQuery, ltVars("0190a000-0000-7000-8000-000000000000", ltArgs{"limit": 200}))
		if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Fatalf("errors %+v, want one NOT_FOUND", r.Errors)
		}
		if len(stmts) != 1 {
			t.Fatalf("%d statements, want 1: %q", len(stmts), stmts)
		}
	})

	t.Run("campaign with stats and a 200-row page is at most two", func(t *testing.T) {
		t.Parallel()
		r, stmts := ltCounted(t, a, `query($c: UUID!) { campaign(id: $c) { `+campaignFields+` createdAt updatedAt
			prospects(limit: 200) { `+ltConnFields+` } } }`, map[string]any{"c": c})
		var out struct {
			Campaign struct {
				Stats     map[string]int `json:"stats"`
				Prospects ltConn         `json:"prospects"`
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
			r, stmts := ltCounted(t, b, q, nil)
			var out struct {
				Campaigns struct {
					Nodes []struct {
						Prospects ltConn `json:"prospects"`
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
		_, stmts := ltCounted(t, a, `query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { `+prospectFields+` } }`,
			map[string]any{"c": c, "id": ids[7]})
		if len(stmts) != 1 {
			t.Fatalf("%d statements:\n%s", len(stmts), strings.Join(stmts, "\n"))
		}
	})
}
