package graph_test

// Internal errors (SPEC §4): what a driver error becomes on the wire
// (INTERNAL_SERVER_ERROR with the request id, no detail) and in the log.

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

// TestHTTPInternalErrorsDoNotLeak serves the real handler over a closed
// database: every resolver then fails with a driver error, which must
// reach the client only as INTERNAL_SERVER_ERROR with a request id.
func TestHTTPInternalErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	if dbtest.URL() == "" {
		t.Fatal("dbtest.URL is empty")
	}
	bdb, err := db.Open(context.Background(), dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	base := ownServer(t, func(o *httpapi.Options) {
		o.Store, o.Logger = db.NewStore(bdb), slog.New(slog.NewTextHandler(logs, nil))
	})
	tok, err := auth.Issue(testAuth, "internal-"+uuid.NewString(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	docs := []struct {
		name, query string
		vars        map[string]any
		reqID       string
	}{
		{"query", `{ campaigns { totalCount nodes { id } } }`, nil, ""},
		{"query by id", `query($id: UUID!) { campaign(id: $id) { id } }`, map[string]any{"id": uuid.NewString()}, "client-chosen-id"},
		{"prospects", `query($id: UUID!) { prospects(campaignId: $id) { totalCount } }`, map[string]any{"id": uuid.NewString()}, ""},
		{"mutation", createIDMutation, map[string]any{"in": map[string]any{"name": "never", "channel": "EMAIL"}}, ""},
		{"roster mutation", `mutation($id: UUID!) { addProspects(campaignId: $id, prospects: [{email: "a@example.com"}]) { imported userErrors { code } } }`,
			map[string]any{"id": uuid.NewString()}, ""},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			hdr := htBearer(tok)
			if d.reqID != "" {
				hdr["X-Request-Id"] = d.reqID
			}
			r := htDo(t, http.MethodPost, base, "/graphql", htGQLBody(t, d.query, d.vars), hdr)
			if r.Status != http.StatusOK {
				t.Fatalf("HTTP %d (an execution error answers 200): %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			errs := htErrors(t, r)
			if len(errs) == 0 {
				t.Fatalf("no error: %s", r.Body)
			}
			reqID := r.Header.Get("X-Request-Id")
			if reqID == "" || d.reqID != "" && reqID != d.reqID {
				t.Fatalf("X-Request-Id %q", reqID)
			}
			for _, e := range errs {
				if e.Code() != "INTERNAL_SERVER_ERROR" || e.Message != "internal server error" {
					t.Fatalf("error %+v", e)
				}
				if e.Extensions["requestId"] != reqID {
					t.Fatalf("requestId %v, X-Request-Id %q", e.Extensions["requestId"], reqID)
				}
			}
			lower := strings.ToLower(string(r.Body))
			for _, leak := range []string{"sql", "pq", "pgx", "select", "insert", ".go", "closed", "database", "bun", "goroutine"} {
				if strings.Contains(lower, leak) {
					t.Fatalf("body leaks %q: %s", leak, r.Body)
				}
			}
			// The details go to the log, under the same request id.
			if l := logs.String(); !strings.Contains(l, reqID) || !strings.Contains(l, "internal error") {
				t.Fatalf("log lacks the request id %s: %s", reqID, l)
			}
		})
	}
	t.Run("readyz", func(t *testing.T) {
		t.Parallel()
		r := htDo(t, http.MethodGet, base, "/readyz", nil, nil)
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
		lower := strings.ToLower(string(r.Body))
		if strings.Contains(lower, "sql:") || strings.Contains(lower, "closed") {
			t.Fatalf("readyz leaks: %s", r.Body)
		}
	})
	t.Run("healthz stays up", func(t *testing.T) {
		t.Parallel()
		if r := htDo(t, http.MethodGet, base, "/healthz", nil, nil); r.Status != http.StatusOK {
			t.Fatalf("HTTP %d", r.Status)
		}
	})
}
