package graph_test

// The test binary's PostgreSQL (TestMain), the servers the tests run against,
// and the client identity (api).

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testAuth signs the tests' tokens.
var testAuth = auth.Config{Secret: []byte("test-secret-0123456789-0123456789-abcdef")}

var (
	serverOnce sync.Once
	serverURL  string
)

// server is the real HTTP handler over the test database, served on
// loopback once per test binary.
func server(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() {
		serverURL = httptest.NewServer(newHandler(t, nil)).URL // lives as long as the test binary
	})
	return serverURL
}

// newHandler is the real handler over the test database, verifying the
// tests' tokens and logging nowhere, with the options set sets.
func newHandler(t testing.TB, set func(*httpapi.Options)) http.Handler {
	t.Helper()
	v, err := auth.NewVerifier(testAuth)
	if err != nil {
		t.Fatal(err)
	}
	o := httpapi.Options{Store: db.NewStore(dbtest.DB(t)), Verifier: v, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if set != nil {
		set(&o)
	}
	return httpapi.NewHandler(o)
}

// ownServer is a server of its own (newHandler's), for a test that needs
// options the shared one does not run with; it closes with the test.
func ownServer(t testing.TB, set func(*httpapi.Options)) string {
	t.Helper()
	srv := httptest.NewServer(newHandler(t, set))
	t.Cleanup(srv.Close)
	return srv.URL
}

// observedServer is a server of its own whose JSON log the test reads.
func observedServer(t testing.TB) (string, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	return ownServer(t, func(o *httpapi.Options) { o.Logger = slog.New(slog.NewJSONHandler(logs, nil)) }), logs
}

// api is a GraphQL client acting as one subject.
type api struct {
	t     testing.TB
	url   string
	sub   string
	token string
}

// newAPI returns a client with a subject of its own, so the test owns its
// data and runs in parallel with the others.
func newAPI(t testing.TB) *api {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return asSubject(t, strings.ReplaceAll(t.Name(), "/", "_")+"-"+hex.EncodeToString(b[:]))
}

// asSubject returns a client acting as sub.
func asSubject(t testing.TB, sub string) *api {
	t.Helper()
	tok, err := auth.Issue(testAuth, sub, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, url: server(t), sub: sub, token: tok}
}

// fastServer is one handler of its own over the test database.
type fastServer struct{ url string }

func fastServers(t *testing.T) (fast, generic fastServer) {
	return serverPair(t, func(o *httpapi.Options) { o.NoFastList = true })
}

// serverPair starts two handlers of their own over the test database: one
// as the server runs, one with off applied to its options.
func serverPair(t *testing.T, off func(*httpapi.Options)) (on, generic fastServer) {
	t.Helper()
	return fastServer{url: ownServer(t, nil)}, fastServer{url: ownServer(t, off)}
}

// post sends a request with a fixed request id (errors carry it) and
// returns the raw body.
func (s fastServer) post(t *testing.T, token string, body []byte) []byte {
	t.Helper()
	r := htDo(t, http.MethodPost, s.url, "/graphql", body,
		map[string]string{"Authorization": "Bearer " + token, "X-Request-Id": "fastlist-compare"})
	return append([]byte(fmt.Sprintf("HTTP %d ", r.Status)), r.Body...)
}

// served reads the fast path's counter from /metrics.
func (s fastServer) served(t *testing.T) int {
	t.Helper()
	return s.counter(t, "roster_list_fast_path_total")
}

// counter reads a counter from /metrics.
func (s fastServer) counter(t *testing.T, name string) int {
	t.Helper()
	return metricAt(t, s.url, name)
}

// metricAt reads a counter from the /metrics of the server at url.
func metricAt(t testing.TB, url, name string) int {
	t.Helper()
	r := htDo(t, http.MethodGet, url, "/metrics", nil, nil)
	m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no %s in /metrics", name)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// waitUntil polls cond, every few milliseconds, until it holds; past
// within it fails the test with "what never happened". It waits on what
// another process or goroutine does (a commit, a restart, a background
// read), never on the time itself: a test that needs time to pass moves a
// clock the code lets it set (httpapi.Options.RateLimitClock).
func waitUntil(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened within %v", what, within)
		}
	}
}
