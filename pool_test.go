package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

// TestPoolExhausted holds every connection of a small pool: requests then
// fail by their deadline with a clean INTERNAL_SERVER_ERROR (no driver
// text), /readyz says 503, the server serves again once connections are
// free, and no goroutine outlives the test.
func TestPoolExhausted(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	bdb, err := db.Open(ctx, dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	bdb.SetMaxOpenConns(2)
	ac := auth.Config{Secret: []byte(strings.Repeat("p", 32))}
	v, _ := auth.NewVerifier(ac)
	token, _ := auth.Issue(ac, "pool-"+uuid.NewString(), time.Hour)
	h := httpapi.NewHandler(httpapi.Options{Store: db.NewStore(bdb), Verifier: v,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestTimeout: 700 * time.Millisecond})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	query := func() (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ campaigns { totalCount } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	held := make([]interface{ Close() error }, 0, 2)
	for range 2 {
		conn, err := bdb.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, conn)
	}
	start := time.Now()
	status, body := query()
	waited := time.Since(start)
	var out struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Errors) == 0 {
		t.Fatalf("HTTP %d %s: want an error", status, body)
	}
	if out.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" || out.Errors[0].Message != "internal server error" {
		t.Errorf("with the pool exhausted: %s", body)
	}
	for _, leak := range []string{"context", "deadline", "pgx", "sql", "conn"} {
		if strings.Contains(strings.ToLower(out.Errors[0].Message), leak) {
			t.Errorf("the error leaks %q: %s", leak, body)
		}
	}
	if waited > 5*time.Second {
		t.Errorf("the request waited %v for a free connection; its deadline is 700ms", waited)
	}
	resp, err := client.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the pool exhausted: %d, want 503", resp.StatusCode)
	}

	for _, c := range held {
		_ = c.Close()
	}
	if status, body := query(); status != http.StatusOK || !strings.Contains(body, `"totalCount":0`) {
		t.Fatalf("after the connections came back: HTTP %d %s", status, body)
	}
}
