package graph_test

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
