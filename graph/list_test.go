package graph_test

// Query.prospects and Campaign.prospects (SPEC §8, §10): order, page and
// limit, keyset cursors, UUID arguments, the nested field the same as the
// query. The listing client is pages_test.go.

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

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
		pg := listPage(t, a, c, nil)
		requireEqual(t, "emails", connEmails(pg), want)
		requireEqual(t, "ids", idsOf(pg), ids)
		if pg.TotalCount != len(want) || pg.Page != 1 || pg.Limit != 100 || pg.PageInfo.HasNextPage || pg.PageInfo.HasPreviousPage {
			t.Fatalf("page: %+v", pg)
		}
	})
	t.Run("offset pages of every size", func(t *testing.T) {
		t.Parallel()
		for limit := 1; limit <= len(want)+1; limit++ {
			var got []string
			for page := 1; ; page++ {
				pg := listPage(t, a, c, listArgs{"page": page, "limit": limit})
				got = append(got, connEmails(pg)...)
				if !pg.PageInfo.HasNextPage {
					break
				}
			}
			requireEqual(t, fmt.Sprintf("limit %d", limit), got, want)
		}
	})
	t.Run("keyset pages of every size", func(t *testing.T) {
		t.Parallel()
		for limit := 1; limit <= len(want)+1; limit++ {
			requireEqual(t, fmt.Sprintf("limit %d", limit), concatIDs(walkPages(t, a, c, nil, limit)), ids)
		}
	})
	t.Run("stable across reads", func(t *testing.T) {
		t.Parallel()
		first := listPage(t, a, c, listArgs{"page": 2, "limit": 4})
		for range 5 {
			again := listPage(t, a, c, listArgs{"page": 2, "limit": 4})
			requireEqual(t, "page 2 again", idsOf(again), idsOf(first))
		}
		requireEqual(t, "page 2", idsOf(first), ids[4:8])
	})
}

// TestListPageLimit: SPEC §8 page and limit.
func TestListPageLimit(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	big := a.createCampaign("EMAIL")
	ids := addN(t, a, big, 205, "pl")
	small := a.createCampaign("EMAIL")
	sids := addN(t, a, small, 10, "sm")

	type tc struct {
		name           string
		campaign       string
		args           listArgs
		page, limit    int
		from, to       int // the nodes are ids[from:to]
		next, previous bool
	}
	tests := []tc{
		{"defaults", big, nil, 1, 100, 0, 100, true, false},
		{"explicit defaults", big, listArgs{"page": 1, "limit": 100}, 1, 100, 0, 100, true, false},
		{"null page and limit take the defaults", big, listArgs{"page": nil, "limit": nil}, 1, 100, 0, 100, true, false},
		{"default limit, page 2", big, listArgs{"page": 2}, 2, 100, 100, 200, true, true},
		{"default limit, last page", big, listArgs{"page": 3}, 3, 100, 200, 205, false, true},
		{"limit 500 is clamped to 200", big, listArgs{"limit": 500}, 1, 200, 0, 200, true, false},
		{"limit 201 is clamped to 200", big, listArgs{"limit": 201}, 1, 200, 0, 200, true, false},
		{"limit 200", big, listArgs{"limit": 200}, 1, 200, 0, 200, true, false},
		{"largest Int limit is clamped", big, listArgs{"limit": 2147483647}, 1, 200, 0, 200, true, false},
		{"clamped limit sets the offset", big, listArgs{"limit": 500, "page": 2}, 2, 200, 200, 205, false, true},
		{"page past the end", big, listArgs{"limit": 200, "page": 3}, 3, 200, 205, 205, false, true},
		{"far past the end", big, listArgs{"page": 2147483647}, 2147483647, 100, 205, 205, false, true},
		{"limit 41 page 4 of 5", big, listArgs{"limit": 41, "page": 4}, 4, 41, 123, 164, true, true},
		{"limit 41 page 5 of 5: exact end", big, listArgs{"limit": 41, "page": 5}, 5, 41, 164, 205, false, true},
		{"limit 41 page 6", big, listArgs{"limit": 41, "page": 6}, 6, 41, 205, 205, false, true},
		{"limit 1", big, listArgs{"limit": 1, "page": 7}, 7, 1, 6, 7, true, true},
		{"10 rows limit 5 page 1", small, listArgs{"limit": 5}, 1, 5, 0, 5, true, false},
		{"10 rows limit 5 page 2: boundary", small, listArgs{"limit": 5, "page": 2}, 2, 5, 5, 10, false, true},
		{"10 rows limit 5 page 3", small, listArgs{"limit": 5, "page": 3}, 3, 5, 10, 10, false, true},
		{"10 rows limit 10", small, listArgs{"limit": 10}, 1, 10, 0, 10, false, false},
		{"10 rows limit 9", small, listArgs{"limit": 9}, 1, 9, 0, 9, true, false},
		{"10 rows limit 9 page 2", small, listArgs{"limit": 9, "page": 2}, 2, 9, 9, 10, false, true},
		{"10 rows limit 11", small, listArgs{"limit": 11}, 1, 11, 0, 10, false, false},
		{"10 rows limit 1 page 10", small, listArgs{"limit": 1, "page": 10}, 10, 1, 9, 10, false, true},
		{"10 rows limit 1 page 9", small, listArgs{"limit": 1, "page": 9}, 9, 1, 8, 9, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			all, total := ids, 205
			if tt.campaign == small {
				all, total = sids, 10
			}
			pg := listPage(t, a, tt.campaign, tt.args)
			if pg.TotalCount != total {
				t.Fatalf("totalCount %d, want %d (it ignores pagination)", pg.TotalCount, total)
			}
			if pg.Page != tt.page || pg.Limit != tt.limit {
				t.Fatalf("page %d limit %d, want %d and %d", pg.Page, pg.Limit, tt.page, tt.limit)
			}
			requireEqual(t, "nodes", idsOf(pg), all[tt.from:tt.to])
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
		args listArgs
	}{
		{"page 0", listArgs{"page": 0}},
		{"page -1", listArgs{"page": -1}},
		{"smallest Int page", listArgs{"page": -2147483648}},
		{"limit 0", listArgs{"limit": 0}},
		{"limit -1", listArgs{"limit": -1}},
		{"limit -500", listArgs{"limit": -500}},
		{"page 0 limit 0", listArgs{"page": 0, "limit": 0}},
		{"page 0 with a good limit", listArgs{"page": 0, "limit": 10}},
		{"limit 0 with a good page", listArgs{"page": 2, "limit": 0}},
	}
	for _, tt := range bad {
		t.Run("BAD_USER_INPUT "+tt.name, func(t *testing.T) {
			t.Parallel()
			requireTopError(t, a.on(t).do(listQuery, listVars(small, tt.args)), "prospects", "BAD_USER_INPUT")
			requireTopError(t, a.on(t).do(nestedQuery, listVars(small, tt.args)), "campaign", "BAD_USER_INPUT")
		})
	}
	t.Run("BAD_USER_INPUT inline literal", func(t *testing.T) {
		t.Parallel()
		q := fmt.Sprintf(`{ prospects(campaignId: %q, page: 0) { totalCount } }`, small)
		requireTopError(t, a.on(t).do(q, nil), "prospects", "BAD_USER_INPUT")
		q = fmt.Sprintf(`{ prospects(campaignId: %q, limit: -3) { totalCount } }`, small)
		requireTopError(t, a.on(t).do(q, nil), "prospects", "BAD_USER_INPUT")
	})
}

// TestListKeyset: SPEC §8 `after`.
func TestListKeyset(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := addN(t, a, c, 10, "ks")
	full := listPage(t, a, c, nil)
	requireEqual(t, "roster", idsOf(full), ids)

	t.Run("walk with limit 3", func(t *testing.T) {
		t.Parallel()
		pages := walkPages(t, a, c, nil, 3)
		requireEqual(t, "walk", concatIDs(pages), ids)
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
		requireEqual(t, "page sizes", sizes, []int{3, 3, 3, 1})
		// After the very last cursor: an empty page.
		last := pages[len(pages)-1]
		end := listPage(t, a, c, listArgs{"limit": 3, "after": *last.PageInfo.EndCursor})
		if len(end.Nodes) != 0 || end.TotalCount != 10 || end.Page != 1 || end.PageInfo.HasNextPage {
			t.Fatalf("after the last prospect: %+v", end)
		}
	})
	t.Run("walk with limit 5 ends exactly", func(t *testing.T) {
		t.Parallel()
		pages := walkPages(t, a, c, nil, 5)
		if len(pages) != 2 || pages[1].PageInfo.HasNextPage || !pages[0].PageInfo.HasNextPage {
			t.Fatalf("want two pages, the second without a next page: %+v", pages)
		}
		requireEqual(t, "walk", concatIDs(pages), ids)
	})
	t.Run("walk with limit 10 and 200", func(t *testing.T) {
		t.Parallel()
		for _, limit := range []int{10, 200, 500} {
			pages := walkPages(t, a, c, nil, limit)
			if len(pages) != 1 {
				t.Fatalf("limit %d: %d pages", limit, len(pages))
			}
			requireEqual(t, "walk", concatIDs(pages), ids)
		}
	})
	t.Run("after any edge cursor", func(t *testing.T) {
		t.Parallel()
		for i, e := range full.Edges {
			pg := listPage(t, a, c, listArgs{"after": e.Cursor, "limit": 4})
			to := min(i+5, 10)
			requireEqual(t, fmt.Sprintf("after edge %d", i), idsOf(pg), ids[i+1:to])
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
		pg := listPage(t, a, c, listArgs{"after": full.Edges[1].Cursor, "page": 1, "limit": 2})
		requireEqual(t, "page", idsOf(pg), ids[2:4])
	})
	for _, page := range []int{2, 3, 0, -1} {
		t.Run(fmt.Sprintf("after with page %d", page), func(t *testing.T) {
			t.Parallel()
			args := listArgs{"after": full.Edges[1].Cursor, "page": page}
			requireTopError(t, a.on(t).do(listQuery, listVars(c, args)), "prospects", "BAD_USER_INPUT")
			requireTopError(t, a.on(t).do(nestedQuery, listVars(c, args)), "campaign", "BAD_USER_INPUT")
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
			args := listArgs{"after": tt.cursor}
			requireTopError(t, a.on(t).do(listQuery, listVars(c, args)), "prospects", "BAD_USER_INPUT")
			requireTopError(t, a.on(t).do(nestedQuery, listVars(c, args)), "campaign", "BAD_USER_INPUT")
			q := fmt.Sprintf(`{ prospects(campaignId: %q, after: %q) { totalCount } }`, c, tt.cursor)
			requireTopError(t, a.on(t).do(q, nil), "prospects", "BAD_USER_INPUT")
		})
	}

	t.Run("cursor survives its prospect's removal", func(t *testing.T) {
		t.Parallel()
		c := a.createCampaign("EMAIL")
		ids := addN(t, a, c, 10, "rm")
		first := listPage(t, a, c, listArgs{"limit": 4})
		requireEqual(t, "first page", idsOf(first), ids[:4])
		cursor := *first.PageInfo.EndCursor // ids[3]

		requireRemoved(t, a, c, ids[3])
		pg := listPage(t, a, c, listArgs{"limit": 3, "after": cursor})
		requireEqual(t, "after the removed prospect", idsOf(pg), ids[4:7])
		if pg.TotalCount != 9 || !pg.PageInfo.HasNextPage {
			t.Fatalf("after the removed prospect: totalCount %d hasNextPage %v", pg.TotalCount, pg.PageInfo.HasNextPage)
		}
		// Continue the walk to the end: every remaining row once, in order.
		rest := idsOf(pg)
		for pg.PageInfo.HasNextPage {
			pg = listPage(t, a, c, listArgs{"limit": 3, "after": *pg.PageInfo.EndCursor})
			rest = append(rest, idsOf(pg)...)
		}
		requireEqual(t, "rest of the walk", rest, ids[4:])

		// The next prospects go too: the cursor still points between rows.
		requireRemoved(t, a, c, ids[4], ids[5])
		pg = listPage(t, a, c, listArgs{"limit": 3, "after": cursor})
		requireEqual(t, "after three removed prospects", idsOf(pg), ids[6:9])

		// Everything after the cursor goes: an empty page.
		requireRemoved(t, a, c, ids[6:]...)
		pg = listPage(t, a, c, listArgs{"limit": 3, "after": cursor})
		if len(pg.Nodes) != 0 || pg.TotalCount != 3 || pg.PageInfo.HasNextPage {
			t.Fatalf("nothing after the cursor: %+v", pg)
		}
		// And the rows before it are intact.
		requireEqual(t, "roster", idsOf(listPage(t, a, c, nil)), ids[:3])
	})
}

// TestListUUIDArguments: SPEC §4, a UUID argument that fails its scalar is
// GRAPHQL_VALIDATION_FAILED; the nil and max UUIDs are UUIDs.
func TestListUUIDArguments(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	pid := addN(t, a, c, 1, "uuid")[0]
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
				requireTopError(t, a.on(t).do(q.query, q.vars(b.id)), q.field, "GRAPHQL_VALIDATION_FAILED")
			}
			// As an inline literal too.
			lit := fmt.Sprintf(`{ campaign(id: %q) { id } }`, b.id)
			requireTopError(t, a.on(t).do(lit, nil), "campaign", "GRAPHQL_VALIDATION_FAILED")
			lit = fmt.Sprintf(`{ prospects(campaignId: %q) { totalCount } }`, b.id)
			requireTopError(t, a.on(t).do(lit, nil), "prospects", "GRAPHQL_VALIDATION_FAILED")
		})
	}
	t.Run("refused non-string", func(t *testing.T) {
		t.Parallel()
		requireTopError(t, a.on(t).do(`query($id: UUID!) { campaign(id: $id) { id } }`, map[string]any{"id": 42}), "campaign", "GRAPHQL_VALIDATION_FAILED")
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
			r := a.on(t).do(`query($id: UUID!) { campaign(id: $id) { id } }`, map[string]any{"id": id})
			if len(r.Errors) != 0 || string(r.Data) != `{"campaign":null}` {
				t.Fatalf("campaign: data %s errors %+v", r.Data, r.Errors)
			}
			requireTopError(t, a.on(t).do(`query($id: UUID!) { prospects(campaignId: $id) { totalCount } }`, map[string]any{"id": id}), "prospects", "NOT_FOUND")
			for _, vars := range []map[string]any{{"c": id, "p": pid}, {"c": c, "p": id}} {
				r = a.on(t).do(`query($c: UUID!, $p: UUID!) { prospect(campaignId: $c, id: $p) { id } }`, vars)
				if len(r.Errors) != 0 || string(r.Data) != `{"prospect":null}` {
					t.Fatalf("prospect %v: data %s errors %+v", vars, r.Data, r.Errors)
				}
			}
		})
	}
}

// TestListNestedSameAsQuery: Campaign.prospects is Query.prospects.
func TestListNestedSameAsQuery(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := addN(t, a, c, 12, "ne")
	launchCampaign(t, a, c)
	sqlExec(t, `UPDATE prospects SET status = 'sent' WHERE id IN (?)`, bun.In(ids[2:6]))
	sqlExec(t, `UPDATE prospects SET status = 'bounced' WHERE id IN (?)`, bun.In(ids[8:10]))
	cursor := listPage(t, a, c, nil).Edges[3].Cursor

	for _, args := range []listArgs{
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
			q := listPage(t, a, c, args)
			nested := nestedPage(t, a, c, args)
			if !reflect.DeepEqual(q, nested) {
				t.Fatalf("Query.prospects %+v\nCampaign.prospects %+v", q, nested)
			}
		})
	}
}
