package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

const pageSize = 200

// client sends GraphQL requests with a bearer token over keep-alive
// connections.
type client struct {
	url, token string
	http       *http.Client
}

func newClient(base, token string) *client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	return &client{url: base + "/graphql", token: token, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// post sends one query and returns the raw response body; a non-200 answer
// or a body carrying top-level errors is an error.
func (c *client) post(ctx context.Context, query string, vars map[string]any) ([]byte, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	return c.send(ctx, body)
}

// bodies are response buffers the timed load reuses, so that the load
// generator, which shares the machine, costs as little as it can.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// poll sends one query of the timed load: like post, but the answer is
// read into a reused buffer and only checked for errors.
func (c *client) poll(ctx context.Context, query string, vars map[string]any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	res, err := c.do(ctx, body)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(res.Body); err != nil {
		return err
	}
	if b := buf.Bytes(); res.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte(`{"data":{`)) {
		return fmt.Errorf("HTTP %d: %.300s", res.StatusCode, b)
	}
	return nil
}

// do posts an encoded GraphQL request with the client's token.
func (c *client) do(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	return c.http.Do(req)
}

// send posts an encoded GraphQL request and returns the answer's body.
func (c *client) send(ctx context.Context, body []byte) ([]byte, error) {
	res, err := c.do(ctx, body)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errors":`)) {
		return nil, fmt.Errorf("HTTP %d: %.300s", res.StatusCode, b)
	}
	return b, nil
}

// stats are the latencies of one load.
type stats struct {
	n    int
	rate float64 // requests per second over the timed window
	lat  []time.Duration
	cpu  cpu // CPU per request over the timed window
}

// pct is the p-th percentile, nearest rank: the p95 of 20 samples is the 19th.
func (s stats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(s.lat))))
	return s.lat[min(max(rank, 1), len(s.lat))-1]
}

// newStats sorts lat; window is the timed window of a load (0: none).
func newStats(lat []time.Duration, window time.Duration) stats {
	slices.Sort(lat)
	s := stats{n: len(lat), lat: lat}
	if window > 0 {
		s.rate = float64(len(lat)) / window.Seconds()
	}
	return s
}

// hammer runs op from n goroutines for warm+d and times the requests that
// start after the warm-up, and the CPU the processes used meanwhile. The
// first error stops everything.
func hammer(ctx context.Context, m meter, n int, warm, d time.Duration, op func(context.Context, *rand.Rand) error) (stats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	measureFrom, end := start.Add(warm), start.Add(warm+d)
	lats := make([][]time.Duration, n)
	var used cpu
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(warm)
		before := m.read()
		time.Sleep(d)
		used = m.read().sub(before)
	})
	for g := range n {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				if err := op(ctx, rng); err != nil {
					cancel(err)
					return
				}
				if !t0.Before(measureFrom) {
					lats[g] = append(lats[g], time.Since(t0))
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return stats{}, err
	}
	st := newStats(slices.Concat(lats...), d)
	st.cpu = used.per(st.n)
	return st, nil
}

const listQuery = `query List($c: UUID!, $s: ProspectStatus, $p: Int) {
  prospects(campaignId: $c, status: $s, page: $p, limit: 200) {
    totalCount
    nodes { id email firstName lastName company status customFields createdAt }
  }
}`

// listRequest draws one request of the polling load: a random page of the
// roster, half of them filtered by PENDING.
func listRequest(rng *rand.Rand, r *roster) (page int, pending bool) {
	return 1 + rng.IntN(r.size/pageSize), rng.IntN(2) == 0
}

// listResult is the part of a list answer the checks look at.
type listResult struct {
	TotalCount int
	Rows       int
	FirstEmail string
}

func listVars(r *roster, page int, pending bool) map[string]any {
	vars := map[string]any{"c": r.id, "p": page, "s": nil}
	if pending {
		vars["s"] = "PENDING"
	}
	return vars
}

// list sends one list request and decodes what the checks need; the timed
// load sends the same request and only checks for errors.
func (c *client) list(ctx context.Context, r *roster, page int, pending bool) (listResult, error) {
	b, err := c.post(ctx, listQuery, listVars(r, page, pending))
	if err != nil {
		return listResult{}, err
	}
	var out struct {
		Data struct {
			Prospects struct {
				TotalCount int
				Nodes      []struct{ Email string }
			}
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return listResult{}, err
	}
	res := listResult{TotalCount: out.Data.Prospects.TotalCount, Rows: len(out.Data.Prospects.Nodes)}
	if res.Rows > 0 {
		res.FirstEmail = out.Data.Prospects.Nodes[0].Email
	}
	return res, nil
}

// sqlList is one way of serving a list request straight from PostgreSQL.
type sqlList struct {
	name string
	// all and pending are the statements without and with the status
	// filter; $1 campaign, $2 owner, $3 offset.
	all, pending string
	// countFirst sends a count(*) ahead of the page (the naive way); the
	// page statements then take $1 campaign, $2 offset.
	countFirst bool
	// marked statements also take $4 the marks' version, $5 the mark
	// before the page, $6 how far past it the page starts.
	marked bool
}

// marksEvery is db/marks.go's distance between marks.
const marksEvery = 1000

// readMarks reads the roster's marks as db/marks.go does.
func readMarks(ctx context.Context, pool *pgxpool.Pool, r *roster) error {
	r.marks = map[bool]rosterMarks{}
	for _, pending := range []bool{false, true} {
		filter := ""
		if pending {
			filter = " AND status = 'pending'"
		}
		var m rosterMarks
		err := pool.QueryRow(ctx, `SELECT c.roster_version, ARRAY(
	SELECT id FROM (
		SELECT id, row_number() OVER (ORDER BY id) - 1 AS pos FROM prospects WHERE campaign_id = $1`+filter+`
	) AS r WHERE pos % 1000 = 0 ORDER BY id)
FROM campaigns AS c WHERE c.id = $1`, r.id).Scan(&m.version, &m.ids)
		if err != nil {
			return fmt.Errorf("read marks: %w", err)
		}
		r.marks[pending] = m
	}
	return nil
}

// floorMarkedSQL is floorSQL with the server's marks: the page's ids come
// from the mark before it, at most 999 entries on, while the campaign's
// roster_version is the marks' (as the API checks too).
func floorMarkedSQL(status, total string) string {
	t := "(c.stats ->> '" + total + "')::int"
	return `SELECT ` + t + `, ` + columns + `
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM (
		SELECT id FROM prospects
		WHERE campaign_id = $1` + status + ` AND c.roster_version = $4 AND $3 < ` + t + ` AND id >= $5
		ORDER BY id LIMIT 201 OFFSET $6
	) AS k JOIN prospects AS p ON p.id = k.id
) AS p ON true
WHERE c.id = $1 AND c.owner = $2
ORDER BY p.id`
}

// columns are the ones the list query asks for.
const columns = "p.id, p.email, p.first_name, p.last_name, p.company, p.status, p.custom_fields, p.created_at"

// floorSQL reads the campaign (ownership and totalCount from the kept
// stats, SPEC §9) and the page in one statement. The page's ids come from
// an index-only walk of (campaign_id[, status], id) with OFFSET, from
// whichever end of the roster is nearer (the kept count says where the end
// is, in the same snapshot), and none when the page is past the end; only
// the page's rows are read from the heap.
func floorSQL(status, total string) string {
	t := "(c.stats ->> '" + total + "')::int"
	return `SELECT ` + t + `, ` + columns + `
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM (
		(SELECT id FROM prospects
		WHERE campaign_id = $1` + status + ` AND $3 < ` + t + ` AND $3 <= ` + t + ` / 2
		ORDER BY id LIMIT 200 OFFSET $3)
		UNION ALL
		(SELECT id FROM prospects
		WHERE campaign_id = $1` + status + ` AND $3 < ` + t + ` AND $3 > ` + t + ` / 2
		ORDER BY id DESC LIMIT greatest(least(200, ` + t + ` - $3), 0) OFFSET greatest(` + t + ` - $3 - 200, 0))
	) AS k JOIN prospects AS p ON p.id = k.id
) AS p ON true
WHERE c.id = $1 AND c.owner = $2
ORDER BY p.id`
}

// forwardSQL is floorSQL walking from the start only, always.
func forwardSQL(status, total string) string {
	return `SELECT (c.stats ->> '` + total + `')::int, ` + columns + `
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM (
		SELECT id FROM prospects
		WHERE campaign_id = $1` + status + `
		ORDER BY id LIMIT 201 OFFSET $3
	) AS k JOIN prospects AS p ON p.id = k.id
) AS p ON true
WHERE c.id = $1 AND c.owner = $2
ORDER BY p.id`
}

// apiSQL is the statement db/list.go first sent (a LATERAL correlated on
// c.id, which the planner answers with a primary-key scan), kept to show
// what the rewrite bought.
func apiSQL(status, total string) string {
	return `SELECT (c.stats ->> '` + total + `')::int, ` + columns + `
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM prospects AS p
	WHERE p.campaign_id = c.id` + status + `
	ORDER BY p.id
	LIMIT 201 OFFSET $3
) AS p ON true
WHERE c.id = $1 AND c.owner = $2`
}

var (
	floorList = sqlList{name: "floor",
		all: floorSQL("", "total"), pending: floorSQL(" AND status = 'pending'", "pending")}
	markedList = sqlList{name: "floor with the server's marks, via pgx", marked: true,
		all: floorMarkedSQL("", "total"), pending: floorMarkedSQL(" AND status = 'pending'", "pending")}
	forwardList = sqlList{name: "floor walking forward only, via pgx",
		all: forwardSQL("", "total"), pending: forwardSQL(" AND status = 'pending'", "pending")}
	apiList = sqlList{name: "the first db/list.go statement (correlated LATERAL) via pgx",
		all: apiSQL("", "total"), pending: apiSQL(" AND p.status = 'pending'", "pending")}
	naiveList = sqlList{name: "naive count(*) + OFFSET via pgx", countFirst: true,
		all:     "SELECT " + columns + " FROM prospects AS p WHERE campaign_id = $1 ORDER BY id LIMIT 201 OFFSET $2",
		pending: "SELECT " + columns + " FROM prospects AS p WHERE campaign_id = $1 AND status = 'pending' ORDER BY id LIMIT 201 OFFSET $2"}
)

func (s sqlList) list(ctx context.Context, pool *pgxpool.Pool, r *roster, page int, pending bool) (listResult, error) {
	stmt := s.all
	if pending {
		stmt = s.pending
	}
	offset := (page - 1) * pageSize
	var res listResult
	var rows pgx.Rows
	var err error
	if s.countFirst {
		count := "SELECT count(*) FROM prospects WHERE campaign_id = $1"
		if pending {
			count += " AND status = 'pending'"
		}
		b := &pgx.Batch{}
		b.Queue(count, r.id).QueryRow(func(row pgx.Row) error { return row.Scan(&res.TotalCount) })
		b.Queue(stmt, r.id, offset).Query(func(rs pgx.Rows) error {
			return scanPage(rs, &res, nil)
		})
		err = pool.SendBatch(ctx, b).Close()
	} else if s.marked {
		m := r.marks[pending]
		var mark [16]byte
		skip := 0
		if k := offset / marksEvery; k < len(m.ids) {
			mark, skip = m.ids[k], offset-k*marksEvery
		}
		rows, err = pool.Query(ctx, stmt, r.id, owner, offset, m.version, mark, skip)
		if err == nil {
			err = scanPage(rows, &res, &res.TotalCount)
		}
	} else {
		rows, err = pool.Query(ctx, stmt, r.id, owner, offset)
		if err == nil {
			err = scanPage(rows, &res, &res.TotalCount)
		}
	}
	return res, err
}

// scanPage reads a page's rows (the first column is the total when total
// is given; an empty page is one row of NULLs then).
func scanPage(rows pgx.Rows, res *listResult, total *int) error {
	defer rows.Close()
	var (
		id                          pgtype.UUID
		email, first, last, company pgtype.Text
		status                      pgtype.Text
		custom                      []byte
		created                     pgtype.Timestamptz
		dest                        = []any{&id, &email, &first, &last, &company, &status, &custom, &created}
	)
	if total != nil {
		dest = append([]any{total}, dest...)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if !id.Valid || res.Rows == pageSize {
			continue
		}
		if res.Rows == 0 {
			res.FirstEmail = email.String
		}
		res.Rows++
	}
	return rows.Err()
}

// checkList makes sure the API and every SQL way answer the same before
// anything is timed.
func checkList(ctx context.Context, api *client, pool *pgxpool.Pool, r *roster, ways []sqlList) error {
	for _, q := range []struct {
		page    int
		pending bool
	}{{1, false}, {2, true}, {r.size / pageSize / 2, false}, {r.size / pageSize / 3, true}, {r.size / pageSize, false}, {r.size / pageSize, true}} {
		want, err := api.list(ctx, r, q.page, q.pending)
		if err != nil {
			return err
		}
		if q.page == 1 && want.Rows != pageSize {
			return fmt.Errorf("API page 1: %d rows", want.Rows)
		}
		for _, w := range ways {
			got, err := w.list(ctx, pool, r, q.page, q.pending)
			if err != nil {
				return fmt.Errorf("%s: %w", w.name, err)
			}
			if got != want {
				return fmt.Errorf("%s, page %d pending %v: %+v, the API says %+v", w.name, q.page, q.pending, got, want)
			}
		}
	}
	return nil
}

func listPhase(ctx context.Context, cfg config, m meter, api *client, pool *pgxpool.Pool, r *roster, rep *report) error {
	if err := readMarks(ctx, pool, r); err != nil {
		return err
	}
	ways := []sqlList{floorList, markedList}
	if cfg.diag {
		ways = append(ways, forwardList, apiList, naiveList)
	}
	if err := checkList(ctx, api, pool, r, ways); err != nil {
		return err
	}
	step("list over HTTP: %d clients, %s warm-up + %s", cfg.clients, cfg.warmup, cfg.duration)
	stopProfile, err := profile(cfg.profileDir, "list")
	if err != nil {
		return err
	}
	rep.list, err = hammer(ctx, m, cfg.clients, cfg.warmup, cfg.duration, func(ctx context.Context, rng *rand.Rand) error {
		page, pending := listRequest(rng, r)
		return api.poll(ctx, listQuery, listVars(r, page, pending))
	})
	stopProfile()
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	for _, w := range ways {
		step("list by SQL (%s): %d goroutines", w.name, cfg.clients)
		s, err := hammer(ctx, m, cfg.clients, cfg.warmup, cfg.duration, func(ctx context.Context, rng *rand.Rand) error {
			page, pending := listRequest(rng, r)
			_, err := w.list(ctx, pool, r, page, pending)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		rep.sqlLists = append(rep.sqlLists, namedStats{w.name, s})
	}
	return nil
}

const keysetQuery = `query Walk($c: UUID!, $after: Cursor) {
  prospects(campaignId: $c, after: $after, limit: 200) {
    totalCount
    nodes { id email firstName lastName company status customFields createdAt }
    pageInfo { hasNextPage endCursor }
  }
}`

type keysetPage struct {
	rows      int
	hasNext   bool
	endCursor *string
}

func (c *client) keyset(ctx context.Context, r *roster, after *string) (keysetPage, error) {
	b, err := c.post(ctx, keysetQuery, map[string]any{"c": r.id, "after": after})
	if err != nil {
		return keysetPage{}, err
	}
	var out struct {
		Data struct {
			Prospects struct {
				Nodes    []json.RawMessage
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return keysetPage{}, err
	}
	p := out.Data.Prospects
	return keysetPage{rows: len(p.Nodes), hasNext: p.PageInfo.HasNextPage, endCursor: p.PageInfo.EndCursor}, nil
}

// keysetPhase walks the whole roster once by cursors, then times page 1
// and the last page (after the end cursor of the one before it), taking
// turns so that both see the same machine.
func keysetPhase(ctx context.Context, cfg config, api *client, r *roster, rep *report) error {
	step("keyset walk over the %d roster", r.size)
	var cursors []*string // cursors[k] is the endCursor of page k+1
	var after *string
	began, seen := time.Now(), 0
	for {
		p, err := api.keyset(ctx, r, after)
		if err != nil {
			return fmt.Errorf("keyset walk: %w", err)
		}
		seen += p.rows
		if p.rows > 0 {
			cursors = append(cursors, p.endCursor)
		}
		if !p.hasNext {
			break
		}
		after = p.endCursor
	}
	rep.walk = time.Since(began)
	last := r.size / pageSize
	if seen != r.size || len(cursors) != last {
		return fmt.Errorf("keyset walk: %d rows in %d pages, want %d in %d", seen, len(cursors), r.size, last)
	}
	var first, final []time.Duration
	for range cfg.keysetReps {
		for _, page := range []int{1, last} {
			var after *string
			if page > 1 {
				after = cursors[page-2]
			}
			t0 := time.Now()
			p, err := api.keyset(ctx, r, after)
			if err != nil {
				return err
			}
			d := time.Since(t0)
			if p.rows != pageSize {
				return fmt.Errorf("keyset page %d: %d rows", page, p.rows)
			}
			if page == 1 {
				first = append(first, d)
			} else {
				final = append(final, d)
			}
		}
	}
	rep.keysetFirst, rep.keysetLast, rep.keysetLastPage = newStats(first, 0), newStats(final, 0), last
	return nil
}
