package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFastListMatchesGqlgen holds the list fast path (graph/fastlist.go) to
// gqlgen's generic executor: every document below goes to a server with the
// fast path and to one without, and the two answers must be the same bytes.
// Each case also says whether the fast path must have answered it (its
// counter in /metrics moves) or handed it to gqlgen, so a fast path that
// silently always declined would fail too.
func TestFastListMatchesGqlgen(t *testing.T) {
	fast, generic := fastServers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	s := func(v string) string { return v }
	res := a.add(c, []map[string]any{
		{"email": "plain@x.com"},
		{"email": "zoe@x.com", "firstName": s(`Zoë "Q" \ back`), "lastName": "tab\there\nnew\rret", "company": "<b>&amp;</b> \u2028",
			"title": "ctl\u0001\u001f\u007f", "location": "東京 🚀", "phone": "+1 555",
			"customFields": map[string]any{"b": 1, "aa": []any{1, 2.50, map[string]any{"x": "y, z: w"}},
				"s": "quote \" and \\ and \u2028 and\ttab", "n": nil, "t": true, "e": map[string]any{}, "big": 1e3, "neg": -0.125}},
		{"email": "third@x.com", "firstName": "", "customFields": map[string]any{"k-1_Z": "key", "k": []any{}}},
		{"email": "fourth@x.com", "lastName": "Four"},
		{"email": "fifth@x.com", "company": "Five", "customFields": map[string]any{"nested": map[string]any{"deep": map[string]any{"er": "st"}}}},
	}, false)
	if res.Imported != 5 {
		t.Fatalf("setup: %+v", res)
	}
	sqlExec(t, `UPDATE prospects SET status = 'bounced' WHERE id = ?`, res.Prospects[3].ID)
	cursor := listPage(t, a, c, listArgs{"limit": 2}).Edges[1].Cursor

	const all = `id campaignId email linkedinUrl firstName lastName company title phone location customFields status stage createdAt updatedAt`
	cases := []struct {
		name  string
		doc   string
		vars  map[string]any
		op    string
		viaFP bool // the fast path must answer it
	}{
		{"the polling query", `query($c: UUID!, $p: Int, $s: ProspectStatus) { prospects(campaignId: $c, status: $s, page: $p, limit: 200) {
			totalCount nodes { id email firstName lastName company status customFields createdAt } } }`,
			map[string]any{"p": 1, "s": "PENDING"}, "", true},
		{"every field", `query($c: UUID!) { prospects(campaignId: $c) { totalCount page limit nodes { ` + all + ` }
			edges { cursor node { ` + all + ` } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, "", true},
		{"aliases and typenames", `query($c: UUID!) { __typename_free: prospects(campaignId: $c, limit: 2) { __typename n: totalCount
			list: nodes { __typename i: id e: email again: id } pi: pageInfo { __typename more: hasNextPage } e: edges { __typename c: cursor } } }`, nil, "", true},
		{"fragments merge", `query($c: UUID!) { prospects(campaignId: $c) { ...conn nodes { id ... on Prospect { lastName } } nodes { email ...more } } }
			fragment conn on ProspectConnection { totalCount nodes { status } }
			fragment more on Prospect { customFields stage }`, nil, "", true},
		{"skip and include", `query($c: UUID!, $yes: Boolean!, $no: Boolean!) { prospects(campaignId: $c) {
			totalCount @skip(if: $yes) page @include(if: $yes) nodes { id @include(if: $no) email @skip(if: $no) ... @include(if: $no) { company } } } }`,
			map[string]any{"yes": true, "no": false}, "", true},
		{"page 2 of 2-row pages", `query($c: UUID!) { prospects(campaignId: $c, page: 2, limit: 2) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, "", true},
		{"past the end", `query($c: UUID!) { prospects(campaignId: $c, page: 9, limit: 2) { totalCount nodes { id } edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, "", true},
		{"keyset", `query($c: UUID!, $a: Cursor) { prospects(campaignId: $c, after: $a, limit: 2) { nodes { id } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"a": cursor}, "", true},
		{"status filter", `query($c: UUID!) { prospects(campaignId: $c, status: BOUNCED) { totalCount nodes { id status stage } } }`, nil, "", true},
		{"stage filter", `query($c: UUID!) { prospects(campaignId: $c, stage: TERMINAL) { totalCount nodes { id status } } }`, nil, "", true},
		{"limit clamped", `query($c: UUID!) { prospects(campaignId: $c, limit: 100000) { limit totalCount } }`, nil, "", true},
		{"named among several operations", `query Other { campaigns { totalCount } } query Poll($c: UUID!) { prospects(campaignId: $c) { nodes { email } } }`,
			nil, "Poll", true},
		{"an empty selection of nodes' scalars", `query($c: UUID!) { prospects(campaignId: $c) { nodes { __typename } } }`, nil, "", true},

		// gqlgen answers these; the fast path must step aside.
		{"two root fields", `query($c: UUID!) { prospects(campaignId: $c) { totalCount } campaigns { totalCount } }`, nil, "", false},
		{"root typename beside", `query($c: UUID!) { __typename prospects(campaignId: $c) { totalCount } }`, nil, "", false},
		{"unknown campaign", `query { prospects(campaignId: "0190a000-0000-7000-8000-000000000000") { totalCount } }`, nil, "", false},
		{"bad cursor", `query($c: UUID!) { prospects(campaignId: $c, after: "nope") { totalCount } }`, nil, "", false},
		{"page 0", `query($c: UUID!) { prospects(campaignId: $c, page: 0) { totalCount } }`, nil, "", false},
		{"after with page 2", `query($c: UUID!, $a: Cursor) { prospects(campaignId: $c, after: $a, page: 2) { totalCount } }`, map[string]any{"a": cursor}, "", false},
		{"nested under campaign", `query($c: UUID!) { campaign(id: $c) { prospects { totalCount nodes { id } } } }`, nil, "", false},
		{"a mutation", `mutation($c: UUID!) { removeProspects(campaignId: $c, ids: []) { removed } }`, nil, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"c": c}
			for k, v := range tc.vars {
				vars[k] = v
			}
			body, err := json.Marshal(map[string]any{"query": tc.doc, "variables": vars, "operationName": tc.op})
			if err != nil {
				t.Fatal(err)
			}
			before := fast.served(t)
			got := fast.post(t, a.token, body)
			served := fast.served(t) - before
			want := generic.post(t, a.token, body)
			if !bytes.Equal(got, want) {
				t.Fatalf("answers differ\nfast path: %s\ngqlgen:    %s", got, want)
			}
			if tc.viaFP && served != 1 {
				t.Fatalf("the fast path did not answer (counter moved %d): %s", served, got)
			}
			if !tc.viaFP && served != 0 {
				t.Fatalf("the fast path answered what gqlgen should: %s", got)
			}
			if b := got[len("HTTP 200 "):]; !json.Valid(b) {
				t.Fatalf("not JSON: %s", got)
			}
		})
	}
}

// TestDataWrittenAsIs: a data-only answer carries the executor's bytes as
// they are (no second encoding pass: '<' is not escaped), in one write with
// its Content-Length, says nosniff, and
// is the same document encoding/json would have written; an answer with
// errors is still encoded whole.
func TestDataWrittenAsIs(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	a.add(c, []map[string]any{{"email": "x@x.com", "company": "<script>&</script> \u2028 x", "customFields": map[string]any{"h": "<b>"}}}, false)
	body, _ := json.Marshal(map[string]any{"query": `query($c: UUID!) { prospects(campaignId: $c) { nodes { company customFields } } }`,
		"variables": map[string]any{"c": c}})
	res := htDo(t, http.MethodPost, a.url, "/graphql", body, htBearer(a.token))
	raw := res.Body
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Fatalf("X-Content-Type-Options %q", got)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	want := `{"data":{"prospects":{"nodes":[{"company":"<script>&</script> ` + "\u2028" + ` x","customFields":{"h":"<b>"}}]}}}`
	if string(raw) != want {
		t.Fatalf("body\n%s\nwant\n%s", raw, want)
	}
	// A page past net/http's own buffering (which would set the length of
	// a small answer itself) still goes with its length, not in chunks.
	rows := make([]map[string]any, 60)
	for i := range rows {
		rows[i] = map[string]any{"email": fmt.Sprintf("long%d@x.com", i), "company": strings.Repeat("c", 200)}
	}
	a.add(c, rows, false)
	res = htDo(t, http.MethodPost, a.url, "/graphql", body, htBearer(a.token))
	raw = res.Body
	if len(raw) < 10_000 || res.ContentLength != int64(len(raw)) || len(res.TransferEncoding) != 0 {
		t.Fatalf("Content-Length %d, Transfer-Encoding %v for %d bytes: want the length, not chunks", res.ContentLength, res.TransferEncoding, len(raw))
	}
	r := a.do(`query { prospects(campaignId: "0190a000-0000-7000-8000-000000000000") { totalCount } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || string(r.Data) != "null" {
		t.Fatalf("error answer: %+v %s", r.Errors, r.Data)
	}
}

// TestMarksMetrics: /metrics counts the list marks at work. A deep page of
// a roster past 1000 prospects walks and has its roster's marks read in
// the background; once they are, the same page is found from them. The
// counters are the shared server's, so the test reads how much they move.
func TestMarksMetrics(t *testing.T) {
	t.Parallel()
	metric := func(name string) int { return metricAt(t, server(t), name) }
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	for batch := range 2 {
		rows := make([]map[string]any, 600)
		for i := range rows {
			rows[i] = map[string]any{"email": fmt.Sprintf("m%d-%d@x.com", batch, i)}
		}
		a.add(c, rows, false)
	}
	pages, reads := metric("roster_list_marked_pages_total"), metric("roster_list_marks_reads_total")
	failures := metric("roster_list_marks_read_failures_total")
	deep := func() {
		var out struct {
			Prospects struct {
				Nodes []struct{ Email string } `json:"nodes"`
			} `json:"prospects"`
		}
		a.query(`query($c: UUID!) { prospects(campaignId: $c, page: 6, limit: 200) { nodes { email } } }`, map[string]any{"c": c}, &out)
		if len(out.Prospects.Nodes) != 200 || out.Prospects.Nodes[0].Email != "m1-400@x.com" {
			t.Fatalf("page 6: %d nodes, first %+v", len(out.Prospects.Nodes), out.Prospects.Nodes[:min(1, len(out.Prospects.Nodes))])
		}
	}
	// The first deep page walks and has the marks read in the background;
	// a later one is found from them.
	waitUntil(t, 10*time.Second, "a deep page found from the marks", func() bool {
		if metric("roster_list_marked_pages_total") != pages {
			return true
		}
		deep()
		return false
	})
	if got := metric("roster_list_marks_reads_total"); got <= reads {
		t.Fatalf("roster_list_marks_reads_total %d, was %d", got, reads)
	}
	if got := metric("roster_list_marks_read_failures_total"); got != failures {
		t.Fatalf("roster_list_marks_read_failures_total moved from %d to %d", failures, got)
	}
}
