package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
	"roster/model"
)

// TestGracefulShutdown sends SIGTERM's cancellation while a 1000-row add is
// in flight: /readyz turns 503 first, the add commits whole, new
// connections are refused once the listener closes, and runHTTP returns
// within its grace period.
func TestGracefulShutdown(t *testing.T) {
	t.Run("the add finishes within the grace period: it commits whole", func(t *testing.T) {
		shutdownDuringAdd(t, 10*time.Second, true)
	})
	t.Run("the add outlives the grace period: it rolls back whole", func(t *testing.T) {
		shutdownDuringAdd(t, 300*time.Millisecond, false)
	})
}

// shutdownDuringAdd cancels runHTTP's context (SIGTERM) while a 1000-row add
// waits on a lock held by the test, releases the lock after the drain delay
// (or, when the add must outlive the grace period, after the grace period),
// and checks what became of the add.
func shutdownDuringAdd(t *testing.T, grace time.Duration, commits bool) {
	ctx := context.Background()
	bdb := dbtest.DB(t)
	store := db.NewStore(bdb)
	owner := "shutdown-" + uuid.NewString()
	c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "c", Channel: model.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	ac := auth.Config{Secret: []byte(strings.Repeat("s", 32))}
	v, _ := auth.NewVerifier(ac)
	token, _ := auth.Issue(ac, owner, time.Hour)
	draining := new(atomic.Bool)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := httpapi.NewHandler(httpapi.Options{Store: store, Verifier: v, Logger: logger, Draining: draining.Load})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: h}
	sigterm, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runHTTP(sigterm, srv, ln, draining, 500*time.Millisecond, grace, logger) }()

	// Hold the campaign's lock so the add is surely in flight at SIGTERM.
	holder, err := bdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT 1 FROM campaigns WHERE id = ? FOR UPDATE", c.ID); err != nil {
		t.Fatal(err)
	}
	var holderPID int
	if err := holder.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&holderPID); err != nil {
		t.Fatal(err)
	}
	// waiting is how many backends wait on the holder's lock: the add's,
	// while it is in flight.
	waiting := func() int {
		var n int
		if err := bdb.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", holderPID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var rows strings.Builder
	for i := range 1000 {
		if i > 0 {
			rows.WriteString(",")
		}
		fmt.Fprintf(&rows, `{"email":"s%d@x.com"}`, i)
	}
	body := `{"query":"mutation($c: UUID!, $rows: [ProspectInput!]!) { addProspects(campaignId: $c, prospects: $rows) { imported userErrors { code } } }",
		"variables":{"c":"` + c.ID.String() + `","rows":[` + rows.String() + `]}}`
	addDone := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			addDone <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		addDone <- string(b)
	}()
	waitFor(t, "the add waiting on the lock", func() bool { return waiting() == 1 })

	cancel() // SIGTERM
	waitFor(t, "the server draining", draining.Load)
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatalf("/readyz during the drain: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the drain: %d, want 503", resp.StatusCode)
	}

	// Past the delay the listener is closed.
	waitFor(t, "the listener closing after the drain delay", func() bool {
		conn, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	if !commits {
		// runHTTP gives up on the add after its grace period: the
		// connection is closed, the request's context ends, and the
		// database cancels the add's statement.
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("runHTTP reported a clean shutdown with an add still running")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("runHTTP did not return after its grace period")
		}
		<-addDone
		// The add's statement is cancelled, so it no longer waits on the
		// lock: a (wrongly) surviving add would still wait, and commit
		// once the lock is released.
		waitFor(t, "the cut-off add's statement cancelled", func() bool { return waiting() == 0 })
		_ = holder.Rollback()
		var n int
		if err := bdb.QueryRowContext(ctx, "SELECT count(*) FROM prospects WHERE campaign_id = ?", c.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d rows after the cut-off add (%v), want none", n, err)
		}
		return
	}
	_ = holder.Rollback() // the add may go on now
	select {
	case got := <-addDone:
		if !strings.Contains(got, `"imported":1000`) {
			t.Fatalf("the in-flight add: %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight add never answered")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runHTTP did not return within its grace period")
	}
	var n int
	if err := bdb.QueryRowContext(ctx, "SELECT count(*) FROM prospects WHERE campaign_id = ?", c.ID).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("%d rows after the shutdown (%v), want the whole batch", n, err)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s: it waits
// on what the server or the database does, not on the time passing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened", what)
		}
	}
}
