package graph_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"roster/db/dbtest"
)

// The conditional polling of SPEC §14, over the real handler and database.

// pollQuery reads a campaign and a page of its roster: what a polling
// client asks again and again.
const pollQuery = `query Poll($c: UUID!, $page: Int) {
	campaign(id: $c) { id name status version stats { total pending sent } }
	prospects(campaignId: $c, page: $page, limit: 50) { totalCount nodes { ` + prospectFields + ` } }
}`

// pollReq is one request of a poll: by GET or POST, by text or by a
// persisted query's hash (hashOnly), with If-None-Match when set.
type pollReq struct {
	method      string
	query       string
	vars        map[string]any
	opName      string
	withHash    bool // send extensions.persistedQuery too
	hashOnly    bool // send the hash without the text
	ifNoneMatch string
}

func queryHash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

// send sends p as a, to a's server.
func (a *api) poll(p pollReq) htResult {
	a.t.Helper()
	if p.method == "" {
		p.method = http.MethodGet
	}
	params := map[string]any{}
	if !p.hashOnly {
		params["query"] = p.query
	}
	if p.vars != nil {
		params["variables"] = p.vars
	}
	if p.opName != "" {
		params["operationName"] = p.opName
	}
	if p.withHash || p.hashOnly {
		params["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": queryHash(p.query)}}
	}
	header := map[string]string{"Authorization": "Bearer " + a.token}
	if p.ifNoneMatch != "" {
		header["If-None-Match"] = p.ifNoneMatch
	}
	if p.method == http.MethodGet {
		v := url.Values{}
		for k, x := range params {
			if s, ok := x.(string); ok {
				v.Set(k, s)
				continue
			}
			b, err := json.Marshal(x)
			if err != nil {
				a.t.Fatal(err)
			}
			v.Set(k, string(b))
		}
		return htDo(a.t, http.MethodGet, a.url, "/graphql?"+v.Encode(), nil, header)
	}
	body, err := json.Marshal(params)
	if err != nil {
		a.t.Fatal(err)
	}
	return htDo(a.t, p.method, a.url, "/graphql", body, header)
}

// pollOK polls and requires a 200 without errors, with an ETag.
func (a *api) pollOK(p pollReq) (etag string, body []byte) {
	a.t.Helper()
	r := a.poll(p)
	if r.Status != http.StatusOK {
		a.t.Fatalf("poll: HTTP %d, want 200: %s", r.Status, r.Body)
	}
	if errs := htErrors(a.t, r); len(errs) > 0 {
		a.t.Fatalf("poll: errors %+v", errs)
	}
	etag = r.Header.Get("ETag")
	if etag == "" {
		a.t.Fatalf("poll: a 200 without errors has no ETag: %s", r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "private, no-cache" {
		a.t.Fatalf("poll: Cache-Control %q", cc)
	}
	return etag, r.Body
}

// requireNotModified polls with etag and requires a 304 with no body and
// the same ETag.
func (a *api) requireNotModified(p pollReq, etag string) {
	a.t.Helper()
	p.ifNoneMatch = etag
	r := a.poll(p)
	if r.Status != http.StatusNotModified {
		a.t.Fatalf("poll with the current ETag: HTTP %d, want 304: %s", r.Status, r.Body)
	}
	if len(r.Body) != 0 || r.Header.Get("ETag") == "" || !strings.Contains(etag, r.Header.Get("ETag")) {
		a.t.Fatalf("304: body %q, ETag %q (want none and the one of %q)", r.Body, r.Header.Get("ETag"), etag)
	}
}

// TestETagMovesWithEveryWrite: each kind of write a query of the campaign
// can show gives the poll a new answer and a new ETag (and the campaign a
// new version); writes it cannot show, or that change nothing, leave the
// ETag as it was, so the next poll is a 304.
func TestETagMovesWithEveryWrite(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	other := a.createCampaign("EMAIL")
	res := a.add(c, emails("a@x.com", "b@x.com", "c@x.com", "d@x.com"), false)
	ids := make([]string, len(res.Prospects))
	for i, p := range res.Prospects {
		ids[i] = p.ID
	}
	p := pollReq{query: pollQuery, vars: map[string]any{"c": c}}

	mutate := func(q string, vars map[string]any) func(t *testing.T) {
		return func(t *testing.T) { a.query(q, vars, nil) }
	}
	sql := func(q string, args ...any) func(t *testing.T) {
		return func(t *testing.T) { sqlExec(t, q, args...) }
	}
	for _, tc := range []struct {
		name    string
		write   func(t *testing.T)
		changes bool
	}{
		{"add", func(t *testing.T) { a.add(c, emails("e@x.com"), false) }, true},
		{"dry-run add", func(t *testing.T) { a.add(c, emails("f@x.com"), true) }, false},
		{"add of duplicates only", func(t *testing.T) { a.add(c, emails("a@x.com"), false) }, false},
		{"update", mutate(`mutation($c: UUID!, $id: UUID!) { updateProspect(campaignId: $c, id: $id, input: {firstName: "Ann"}) { userErrors { code } } }`,
			map[string]any{"c": c, "id": ids[0]}), true},
		{"update to the same values", mutate(`mutation($c: UUID!, $id: UUID!) { updateProspect(campaignId: $c, id: $id, input: {}) { userErrors { code } } }`,
			map[string]any{"c": c, "id": ids[0]}), true}, // updatedAt moves
		{"remove", mutate(`mutation($c: UUID!, $ids: [UUID!]!) { removeProspects(campaignId: $c, ids: $ids) { removed } }`,
			map[string]any{"c": c, "ids": []string{ids[1]}}), true},
		{"remove of nothing on the roster", mutate(`mutation($c: UUID!, $ids: [UUID!]!) { removeProspects(campaignId: $c, ids: $ids) { removed } }`,
			map[string]any{"c": c, "ids": []string{ids[1]}}), false},
		{"another campaign's add", func(t *testing.T) { a.add(other, emails("z@x.com"), false) }, false},
		{"engine edits a custom field", sql(`UPDATE prospects SET custom_fields = '{"k": 1}' WHERE id = ?`, ids[2]), true},
		{"engine rewrites a row unchanged", sql(`UPDATE prospects SET status = status WHERE campaign_id = ?`, c), false},
		{"engine renames the campaign", sql(`UPDATE campaigns SET name = 'renamed' WHERE id = ?`, c), true},
		{"transition", func(t *testing.T) {
			if _, ue := a.transition(c, "LAUNCHING"); len(ue) > 0 {
				t.Fatalf("transition: %+v", ue)
			}
		}, true},
		{"transition to the same status", func(t *testing.T) { a.transition(c, "LAUNCHING") }, false},
		{"refused roster write (frozen)", func(t *testing.T) { a.add(c, emails("g@x.com"), false) }, false},
		{"engine status UPDATE", sql(`UPDATE prospects SET status = 'sent' WHERE id = ?`, ids[2]), true},
		{"engine swaps two statuses", sql(`UPDATE prospects SET status = CASE WHEN status = 'sent' THEN 'pending' ELSE 'sent' END WHERE id IN (?, ?)`, ids[2], ids[3]), true},
		{"engine recalculates the stats", sql(`SELECT recalculate_campaign_stats(?)`, c), true},
		{"clear", func(t *testing.T) {
			// clear needs a DRAFT roster: a campaign of its own.
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := a.on(t)
			before, body := a.pollOK(p)
			a.requireNotModified(p, before)
			tc.write(t)
			r := a.poll(pollReq{query: p.query, vars: p.vars, ifNoneMatch: before})
			if !tc.changes {
				if r.Status != http.StatusNotModified {
					t.Fatalf("a write the answer cannot show: HTTP %d, want 304: %s", r.Status, r.Body)
				}
				return
			}
			if r.Status != http.StatusOK {
				t.Fatalf("after a write: HTTP %d, want 200", r.Status)
			}
			after := r.Header.Get("ETag")
			if after == "" || after == before {
				t.Fatalf("after a write: ETag %q, before %q", after, before)
			}
			if string(r.Body) == string(body) && tc.name != "engine recalculates the stats" {
				t.Fatalf("after a write: the same answer: %s", r.Body)
			}
			a.requireNotModified(p, after)
		})
	}

	t.Run("clear", func(t *testing.T) {
		a := a.on(t)
		d := a.createCampaign("EMAIL")
		a.add(d, emails("a@x.com"), false)
		q := pollReq{query: pollQuery, vars: map[string]any{"c": d}}
		before, _ := a.pollOK(q)
		a.query(`mutation($c: UUID!) { clearProspects(campaignId: $c) { removed } }`, map[string]any{"c": d}, nil)
		r := a.poll(pollReq{query: q.query, vars: q.vars, ifNoneMatch: before})
		if r.Status != http.StatusOK || r.Header.Get("ETag") == before {
			t.Fatalf("after clear: HTTP %d, ETag %q (before %q)", r.Status, r.Header.Get("ETag"), before)
		}
	})
}

// TestPollNeverStale: with the sending engine moving statuses while a
// client polls, every 304 is for the answer the client holds; after the
// last write, the next poll brings the current answer.
func TestPollNeverStale(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	res := a.add(c, emails("a@x.com", "b@x.com", "c@x.com"), false)
	p := pollReq{query: pollQuery, vars: map[string]any{"c": c}}
	etag, held := a.pollOK(p)

	// Sequentially: a write committed between two polls is always seen.
	statuses := []string{"sent", "replied", "bounced", "pending"}
	for i := range 12 {
		sqlExec(t, `UPDATE prospects SET status = ? WHERE id = ?`, statuses[i%len(statuses)], res.Prospects[i%3].ID)
		r := a.poll(pollReq{query: p.query, vars: p.vars, ifNoneMatch: etag})
		if r.Status != http.StatusOK {
			t.Fatalf("write %d: HTTP %d after a committed write, want 200", i, r.Status)
		}
		etag, held = r.Header.Get("ETag"), r.Body
	}

	// Concurrently.
	var (
		wg   sync.WaitGroup
		done atomic.Bool
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for i := range 60 {
			if _, err := dbtest.DB(t).ExecContext(context.Background(), `UPDATE prospects SET status = ? WHERE id = ?`,
				statuses[i%len(statuses)], res.Prospects[i%3].ID); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for !done.Load() {
		r := a.poll(pollReq{query: p.query, vars: p.vars, ifNoneMatch: etag})
		switch r.Status {
		case http.StatusOK:
			etag, held = r.Header.Get("ETag"), r.Body
		case http.StatusNotModified:
		default:
			t.Fatalf("HTTP %d", r.Status)
		}
	}
	wg.Wait()
	r := a.poll(pollReq{query: p.query, vars: p.vars, ifNoneMatch: etag})
	if r.Status == http.StatusOK {
		held = r.Body
	}
	_, current := a.pollOK(p)
	if string(held) != string(current) {
		t.Fatalf("the poller holds a stale answer:\n%s\ncurrent:\n%s", held, current)
	}
}

// TestETagIsTheRequests: the same request by GET or POST, by text or by
// hash, has the same ETag; a POST with it is 412; another caller, another
// document, other variables or a forged tag never get a 304; the 304 costs
// one statement and runs no page.
func TestETagIsTheRequests(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	b := newAPI(t)
	c := a.createCampaign("EMAIL")
	a.add(c, emails("a@x.com", "b@x.com"), false)
	get := pollReq{query: pollQuery, vars: map[string]any{"c": c, "page": 1}}
	etag, _ := a.pollOK(get)
	// B's answer is null, with an ETag of its own.
	campaignOnly := pollReq{query: `query($c: UUID!) { campaign(id: $c) { id name } }`, vars: map[string]any{"c": c}}
	campaignTag, _ := a.pollOK(campaignOnly)
	b.pollOK(campaignOnly)

	same := map[string]pollReq{
		"POST":             {method: http.MethodPost, query: get.query, vars: get.vars},
		"GET with hash":    {query: get.query, vars: get.vars, withHash: true},
		"GET by hash only": {query: get.query, vars: get.vars, hashOnly: true},
		"POST by hash":     {method: http.MethodPost, query: get.query, vars: get.vars, hashOnly: true},
	}
	for _, name := range []string{"POST", "GET with hash", "GET by hash only", "POST by hash"} {
		t.Run("same ETag/"+name, func(t *testing.T) {
			a := a.on(t)
			got, _ := a.pollOK(same[name])
			if got != etag {
				t.Fatalf("ETag %q, by GET %q", got, etag)
			}
		})
	}
	t.Run("GET by hash with the ETag is 304", func(t *testing.T) {
		a.on(t).requireNotModified(same["GET by hash only"], etag)
	})
	t.Run("POST with the ETag is 412", func(t *testing.T) {
		a := a.on(t)
		for _, p := range []pollReq{same["POST"], same["POST by hash"]} {
			p.ifNoneMatch = etag
			r := a.poll(p)
			if r.Status != http.StatusPreconditionFailed || len(r.Body) != 0 {
				t.Fatalf("HTTP %d, body %q; want 412 and none", r.Status, r.Body)
			}
		}
	})
	t.Run("If-None-Match lists", func(t *testing.T) {
		a.on(t).requireNotModified(get, `"nope", W/`+etag+`, "x"`)
	})

	for _, tc := range []struct {
		name  string
		as    *api
		p     pollReq
		tag   string
		other bool // another request: another ETag
	}{
		{"another caller", b, get, etag, true},
		{"another caller, an answer with an ETag", b, campaignOnly, campaignTag, true},
		{"another operation name", a, pollReq{query: get.query, vars: get.vars, opName: "Poll"}, etag, true},
		{"other variables", a, pollReq{query: get.query, vars: map[string]any{"c": c, "page": 2}}, etag, true},
		{"another document", a, pollReq{query: pollQuery + " ", vars: get.vars}, etag, true},
		{"a forged tag", a, get, `"` + etag[1:5] + `AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`, false},
		{"a tag cut short", a, get, etag[:len(etag)-3] + `"`, false},
		{"garbage", a, get, `"%%%", *`, false},
	} {
		t.Run("no 304/"+tc.name, func(t *testing.T) {
			p := tc.p
			p.ifNoneMatch = tc.tag
			r := tc.as.on(t).poll(p)
			if r.Status != http.StatusOK {
				t.Fatalf("HTTP %d, want 200", r.Status)
			}
			if tc.other && r.Header.Get("ETag") == tc.tag {
				t.Fatalf("the same ETag for another request")
			}
		})
	}

	t.Run("a 304 costs one statement", func(t *testing.T) {
		var n atomic.Int32
		var stmts sync.Map
		dbtest.OnStatement(func(_ context.Context, sql string, args []any) {
			if slices.ContainsFunc(args, func(v any) bool { return fmt.Sprint(v) == a.sub }) {
				n.Add(1)
				stmts.Store(sql, true)
			}
		})
		a.on(t).requireNotModified(get, etag)
		if got := n.Load(); got != 1 {
			var all []string
			stmts.Range(func(k, _ any) bool { all = append(all, k.(string)); return true })
			t.Fatalf("a 304 ran %d statements of the caller's, want 1: %q", got, all)
		}
	})
}

// TestNoETag: mutations, errors and answers no version covers carry none,
// and never get a 304 or a 412.
func TestNoETag(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	etag, _ := a.pollOK(pollReq{query: pollQuery, vars: map[string]any{"c": c}})
	for _, tc := range []struct {
		name string
		p    pollReq
	}{
		{"mutation", pollReq{method: http.MethodPost, query: `mutation($c: UUID!) { transitionCampaign(id: $c, to: DRAFT) { campaign { version } } }`, vars: map[string]any{"c": c}}},
		{"an error", pollReq{query: `query($c: UUID!) { prospects(campaignId: $c, page: 0) { totalCount } }`, vars: map[string]any{"c": c}}},
		{"not found", pollReq{query: `{ prospects(campaignId: "00000000-0000-0000-0000-000000000001") { totalCount } }`}},
		{"a parse error", pollReq{query: `{ campaigns { `}},
		{"the suppression list", pollReq{query: `{ suppressions { totalCount } }`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := a.on(t)
			for _, inm := range []string{"", etag} {
				p := tc.p
				p.ifNoneMatch = inm
				r := a.poll(p)
				if r.Status != http.StatusOK || r.Header.Get("ETag") != "" {
					t.Fatalf("HTTP %d, ETag %q; want 200 and none", r.Status, r.Header.Get("ETag"))
				}
			}
		})
	}
}

// TestCampaignsListETag: the owner's list moves with any of the owner's
// campaigns (a new one, a roster change) and with nothing of another
// owner's.
func TestCampaignsListETag(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	b := newAPI(t)
	c := a.createCampaign("EMAIL")
	bc := b.createCampaign("EMAIL")
	list := pollReq{query: `{ campaigns { totalCount nodes { id version stats { total } prospects(limit: 5) { nodes { email firstName } } } } }`}
	for _, tc := range []struct {
		name    string
		write   func()
		changes bool
	}{
		{"another owner's campaign", func() { b.add(bc, emails("a@x.com"), false); b.createCampaign("EMAIL") }, false},
		{"a roster change", func() { a.add(c, emails("a@x.com"), false) }, true},
		{"a profile edit by SQL (no count moves)", func() { sqlExec(t, `UPDATE prospects SET first_name = 'Z' WHERE campaign_id = ?`, c) }, true},
		{"a new campaign", func() { a.createCampaign("LINKEDIN") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := a.on(t)
			before, _ := a.pollOK(list)
			tc.write()
			list.ifNoneMatch = before
			r := a.poll(list)
			list.ifNoneMatch = ""
			if want := map[bool]int{true: http.StatusOK, false: http.StatusNotModified}[tc.changes]; r.Status != want {
				t.Fatalf("HTTP %d, want %d", r.Status, want)
			}
		})
	}
}

// TestPersistedQueriesAcrossReplicas: a query one server has seen is
// served by hash over GET by another sharing the database; an unknown
// hash is PERSISTED_QUERY_NOT_FOUND with a 200.
func TestPersistedQueriesAcrossReplicas(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	b := replica(t, a)
	c := a.createCampaign("EMAIL")
	a.add(c, emails("a@x.com"), false)
	// A document of this test's own, which no server has seen.
	q := pollQuery + "\n# " + a.sub
	p := pollReq{query: q, vars: map[string]any{"c": c}, hashOnly: true}

	r := b.poll(p)
	if errs := htErrors(t, r); r.Status != http.StatusOK || len(errs) != 1 || errs[0].Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: HTTP %d, %s", r.Status, r.Body)
	}
	etag, body := a.pollOK(pollReq{method: http.MethodPost, query: q, vars: p.vars, withHash: true})
	got, gotBody := b.pollOK(p)
	if got != etag || string(gotBody) != string(body) {
		t.Fatalf("by hash on the other replica: ETag %q body %s; want %q %s", got, gotBody, etag, body)
	}
	b.requireNotModified(p, etag)
}

// TestCampaignVersion: Campaign.version as the payloads and the queries
// show it: set at creation, moved by a transition in its own payload,
// equal wherever the campaign is read while nothing changes.
func TestCampaignVersion(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var created struct {
		CreateCampaign struct{ Campaign struct{ ID, Version string } }
	}
	a.query(`mutation { createCampaign(input: {name: "v", channel: EMAIL}) { campaign { id version } } }`, nil, &created)
	c := created.CreateCampaign.Campaign
	if c.Version == "" {
		t.Fatal("createCampaign: no version")
	}
	a.add(c.ID, emails("a@x.com"), false)
	read := func() (one, listed string) {
		var out struct {
			Campaign  struct{ Version string }
			Campaigns struct {
				Nodes []struct{ ID, Version string }
			}
		}
		a.query(`query($c: UUID!) { campaign(id: $c) { version } campaigns { nodes { id version } } }`, map[string]any{"c": c.ID}, &out)
		for _, n := range out.Campaigns.Nodes {
			if n.ID == c.ID {
				listed = n.Version
			}
		}
		return out.Campaign.Version, listed
	}
	afterAdd, listed := read()
	if afterAdd == c.Version || listed != afterAdd {
		t.Fatalf("after an add: version %q (created %q), listed %q", afterAdd, c.Version, listed)
	}
	var moved struct {
		TransitionCampaign struct{ Campaign struct{ Version string } }
	}
	a.query(`mutation($c: UUID!) { transitionCampaign(id: $c, to: LAUNCHING) { campaign { version } } }`, map[string]any{"c": c.ID}, &moved)
	now, _ := read()
	if v := moved.TransitionCampaign.Campaign.Version; v == afterAdd || v != now {
		t.Fatalf("transition's payload: version %q; before %q, read after %q", v, afterAdd, now)
	}
}

// TestETagMovesWithImportChunks: an import job's chunks (written by the
// workers, not by a request) move the campaign's version like any add: a
// poll taken before the job gets a 200 after it, never a stale 304; an
// unchanged roster then polls 304 again.
func TestETagMovesWithImportChunks(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	p := pollReq{query: pollQuery, vars: map[string]any{"c": c}}
	before, _ := a.pollOK(p)
	a.requireNotModified(p, before)
	job := a.start(c, "leads.csv", bigFile("chunks", 10), nil).Job
	if job == nil {
		t.Fatal("no job")
	}
	if j := a.waitJob(job.ID); j.Status != "SUCCEEDED" || j.Imported != 10 {
		t.Fatalf("job: %+v", j)
	}
	r := a.poll(pollReq{query: p.query, vars: p.vars, ifNoneMatch: before})
	if r.Status != http.StatusOK {
		t.Fatalf("after the job's chunks: HTTP %d, want 200", r.Status)
	}
	after := r.Header.Get("ETag")
	if after == "" || after == before {
		t.Fatalf("ETag %q after the job, %q before", after, before)
	}
	a.requireNotModified(p, after)
}
