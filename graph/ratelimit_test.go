package graph_test

// The per-subject rate limit: 429 RATE_LIMITED with Retry-After past the
// budget, before any SQL, and the RateLimit header fields on every answer.

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/httpapi"
)

// TestRateLimit: one subject's flood gets 429 with Retry-After and
// RATE_LIMITED, before any statement runs, while another subject's
// requests, sent during the flood, all succeed; after Retry-After the
// flooder is served again. The buckets' clock is the test's: it stands
// still during the flood and moves on by Retry-After after it.
func TestRateLimit(t *testing.T) {
	countStatements()
	t.Parallel()
	const burst = 5
	var clock atomic.Int64 // nanoseconds past the epoch
	clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	base := ownServer(t, func(o *httpapi.Options) {
		o.RateLimit = httpapi.RateLimit{RPS: 1, Burst: burst}
		o.RateLimitClock = func() time.Time { return time.Unix(0, clock.Load()) }
	})
	flooder, other := newAPI(t), newAPI(t)
	gql := htGQLBody(t, `{ campaigns { totalCount } }`, nil)

	type outcome struct {
		r     htResult
		stmts []string
		err   error
	}
	var (
		mu       sync.Mutex
		floods   []outcome
		others   []outcome
		wg       sync.WaitGroup
		start    = make(chan struct{})
		flooders = 4
	)
	for g := 0; g < flooders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 15; i++ {
				r, stmts, _, err := tryCountedDo(http.MethodPost, base, "/graphql", gql, htBearer(flooder.token))
				mu.Lock()
				floods = append(floods, outcome{r, stmts, err})
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		for i := 0; i < burst; i++ {
			r, stmts, _, err := tryCountedDo(http.MethodPost, base, "/graphql", gql, htBearer(other.token))
			mu.Lock()
			others = append(others, outcome{r, stmts, err})
			mu.Unlock()
		}
	}()
	close(start)
	wg.Wait()

	limited, served, retry := 0, 0, 0
	for _, o := range append(floods, others...) {
		if o.err != nil {
			t.Fatal(o.err)
		}
	}
	for _, o := range floods {
		switch o.r.Status {
		case http.StatusOK:
			served++
		case http.StatusTooManyRequests:
			limited++
			requireRefused(t, o.r, http.StatusTooManyRequests, "RATE_LIMITED")
			secs, err := strconv.Atoi(o.r.Header.Get("Retry-After"))
			if err != nil || secs < 1 {
				t.Fatalf("Retry-After %q", o.r.Header.Get("Retry-After"))
			}
			retry = max(retry, secs)
			if len(o.stmts) != 0 {
				t.Fatalf("a limited request ran %d statements", len(o.stmts))
			}
		default:
			t.Fatalf("HTTP %d %s", o.r.Status, o.r.Body)
		}
	}
	// 60 requests while the clock stands still, at 1 a second after a
	// burst of 5.
	if limited < 30 || served < burst {
		t.Fatalf("%d served, %d limited", served, limited)
	}
	for _, o := range others {
		if o.r.Status != http.StatusOK || len(htErrors(t, o.r)) != 0 || len(o.stmts) == 0 {
			t.Fatalf("the other subject's request: HTTP %d %s", o.r.Status, o.r.Body)
		}
	}
	clock.Add(int64(time.Duration(retry) * time.Second))
	if r := htDo(t, http.MethodPost, base, "/graphql", gql, htBearer(flooder.token)); r.Status != http.StatusOK {
		t.Fatalf("after Retry-After: HTTP %d %s", r.Status, r.Body)
	}
	// The shared server has no limit (the zero RateLimit).
	for i := 0; i < 3*burst; i++ {
		if r := htDo(t, http.MethodPost, server(t), "/graphql", gql, htBearer(flooder.token)); r.Status != http.StatusOK {
			t.Fatalf("HTTP %d", r.Status)
		}
	}
}

// TestRateLimitHeaders: every answer to a rate-limited subject says where
// its bucket stands (RateLimit-Limit: the burst; RateLimit-Remaining: the
// requests it can still send at once; RateLimit-Reset: seconds until the
// bucket is full again), its 429 too, beside Retry-After; a 401 (no
// subject) and a server without a limit send none of them.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	// One token per 100 s: the bucket does not visibly refill during the
	// test, however slow the machine.
	const burst, rps = 3, 0.01
	base := ownServer(t, func(o *httpapi.Options) { o.RateLimit = httpapi.RateLimit{RPS: rps, Burst: burst} })
	a := newAPI(t)
	gql := htGQLBody(t, `{ campaigns { totalCount } }`, nil)
	headers := []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"}
	num := func(t *testing.T, r htResult, name string) int {
		t.Helper()
		n, err := strconv.Atoi(r.Header.Get(name))
		if err != nil {
			t.Fatalf("%s %q: %v", name, r.Header.Get(name), err)
		}
		return n
	}
	// Reset is the seconds to refill what is missing, less the few that
	// the test has taken so far.
	requireReset := func(t *testing.T, r htResult, missing int) {
		t.Helper()
		full := int(float64(missing) / rps)
		if reset := num(t, r, "RateLimit-Reset"); reset > full || reset < full-10 {
			t.Fatalf("RateLimit-Reset %d with %d tokens missing, want about %d", reset, missing, full)
		}
	}
	for i := 1; i <= burst; i++ {
		r := htDo(t, http.MethodPost, base, "/graphql", gql, htBearer(a.token))
		if r.Status != http.StatusOK {
			t.Fatalf("request %d: HTTP %d %s", i, r.Status, r.Body)
		}
		if num(t, r, "RateLimit-Limit") != burst || num(t, r, "RateLimit-Remaining") != burst-i || r.Header.Get("Retry-After") != "" {
			t.Fatalf("request %d: %v", i, r.Header)
		}
		requireReset(t, r, i)
	}
	r := htDo(t, http.MethodPost, base, "/graphql", gql, htBearer(a.token))
	requireRefused(t, r, http.StatusTooManyRequests, "RATE_LIMITED")
	if num(t, r, "RateLimit-Limit") != burst || num(t, r, "RateLimit-Remaining") != 0 {
		t.Fatalf("429: %v", r.Header)
	}
	requireReset(t, r, burst)
	if retry := num(t, r, "Retry-After"); retry > int(1/rps) || retry < int(1/rps)-10 {
		t.Fatalf("Retry-After %d, want about %v", retry, 1/rps)
	}
	// Over GET as over POST.
	q := url.Values{"query": {`{ campaigns { totalCount } }`}}
	if r := htDo(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, htBearer(a.token)); r.Status != http.StatusTooManyRequests || r.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("GET: HTTP %d %v", r.Status, r.Header)
	}
	none := func(t *testing.T, r htResult) {
		t.Helper()
		for _, h := range headers {
			if v := r.Header.Get(h); v != "" {
				t.Fatalf("HTTP %d with %s: %q", r.Status, h, v)
			}
		}
	}
	t.Run("no subject, no headers", func(t *testing.T) {
		none(t, htDo(t, http.MethodPost, base, "/graphql", gql, nil))
	})
	t.Run("no limit, no headers", func(t *testing.T) {
		r := htDo(t, http.MethodPost, server(t), "/graphql", gql, htBearer(a.token))
		if r.Status != http.StatusOK {
			t.Fatalf("HTTP %d", r.Status)
		}
		none(t, r)
	})
}
