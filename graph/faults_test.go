package graph_test

// Database faults: the server's answers when PostgreSQL restarts under load,
// or the connection dies around COMMIT.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/db"
	"roster/db/dbtest"
	"roster/db/embedded"
	"roster/httpapi"
)

// ownCluster starts a PostgreSQL of the test's own, for faults that must not
// disturb the tests sharing the package's database.
func ownCluster(t *testing.T) (*embedded.Server, *db.Store, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "roster-fault-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pg, err := embedded.Start(ctx, embedded.Config{DataDir: dir, Database: "roster", Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	bdb, err := db.Open(ctx, pg.URL("roster"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bdb.Close() })
	if _, err := db.Migrate(ctx, bdb); err != nil {
		t.Fatal(err)
	}
	store := db.NewStore(bdb)
	return pg, store, ownServer(t, func(o *httpapi.Options) { o.Store = store })
}

// TestDatabaseRestartUnderLoad stops and starts PostgreSQL while adds and
// lists run: calls in flight fail whole with INTERNAL_SERVER_ERROR (never a
// half-written batch), /readyz answers 503 while the database is down and
// 200 after, and later requests succeed without restarting the server.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	t.Parallel()
	pg, store, url := ownCluster(t)
	a := newAPI(t)
	a.url = url
	c := a.createCampaign("EMAIL")
	a.add(c, emails("first@x.com"), false)

	const batch = 400
	var (
		stop      atomic.Bool
		wg        sync.WaitGroup
		mu        sync.Mutex
		succeeded = map[string]bool{} // batch prefix -> the add answered success
		attempted []string
		failures  = map[string]int{}
	)
	for w := range 3 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				prefix := fmt.Sprintf("w%d-b%d-", w, i)
				mu.Lock()
				attempted = append(attempted, prefix)
				mu.Unlock()
				res, err := a.tryAdd(c, numbered(prefix, batch), false)
				mu.Lock()
				switch {
				case err == nil && len(res.UserErrors) == 0:
					succeeded[prefix] = true
				case err != nil && strings.Contains(err.Error(), "INTERNAL_SERVER_ERROR"):
					failures["add"]++
				default:
					t.Errorf("add during a restart: %v %+v", err, res.UserErrors)
				}
				mu.Unlock()
				var out struct{}
				err = a.try(`query($c: UUID!) { prospects(campaignId: $c, limit: 50) { totalCount } }`, map[string]any{"c": c}, &out)
				if err != nil && !strings.Contains(err.Error(), "INTERNAL_SERVER_ERROR") {
					t.Errorf("list during a restart: %v", err)
				}
			}
		})
	}
	// The load runs before, during and after the restart: the test moves on
	// once the workers have done something in each phase, not after a
	// fixed time.
	locked := func(f func() bool) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return f() }
	}
	waitUntil(t, 10*time.Second, "an add under load before the restart", locked(func() bool { return len(succeeded) > 0 }))
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := readyz(t, url); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %d, want 503", got)
	}
	waitUntil(t, 10*time.Second, "an add failing with the database down", locked(func() bool { return failures["add"] > 0 }))
	if err := pg.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	tried := len(attempted)
	mu.Unlock()
	waitUntil(t, 10*time.Second, "adds under load after the restart", locked(func() bool { return len(attempted) >= tried+3 }))
	stop.Store(true)
	wg.Wait()

	// The pool recovers on its own: a few calls may still meet a
	// connection that died with the old server, then all succeed.
	waitUntil(t, 15*time.Second, "/readyz coming back", func() bool { return readyz(t, url) == http.StatusOK })
	for i := range 5 {
		if res, err := a.tryAdd(c, emails(fmt.Sprintf("after%d@x.com", i)), false); err != nil || res.Imported != 1 {
			t.Fatalf("an add after the restart: %v %+v", err, res.UserErrors)
		}
	}

	// Every batch is all there or not at all; every batch that answered
	// success is all there.
	ctx := context.Background()
	for _, prefix := range attempted {
		var n int
		err := store.DB().QueryRowContext(ctx, `SELECT count(*) FROM prospects WHERE campaign_id = ? AND identity LIKE ?`, c, prefix+"%").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 && n != batch {
			t.Errorf("batch %s is half-written: %d of %d rows", prefix, n, batch)
		}
		if succeeded[prefix] && n != batch {
			t.Errorf("batch %s answered success but has %d rows", prefix, n)
		}
	}
	var kept, counted int
	err := store.DB().QueryRowContext(ctx, `SELECT (stats->>'total')::int, (SELECT count(*) FROM prospects WHERE campaign_id = c.id) FROM campaigns c WHERE id = ?`, c).
		Scan(&kept, &counted)
	if err != nil || kept != counted {
		t.Fatalf("stats %d, roster %d (%v)", kept, counted, err)
	}
	t.Logf("%d batches attempted, %d succeeded, %d failed whole during the restart", len(attempted), len(succeeded), failures["add"])
}

// TestAddAnswersWhatCommitted is db's test of the same name over the real
// handler, for the lean addProspects of issue 10 (no campaign, no
// duplicates' prospects): the connection lost after COMMIT ran, and the
// client is told the batch is in, as it is.
func TestAddAnswersWhatCommitted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gate := dbtest.NewGate(t, dbtest.URL())
	bdb, err := db.Open(ctx, gate.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bdb.Close() })
	url := ownServer(t, func(o *httpapi.Options) { o.Store = db.NewStore(bdb) })
	const lean = `mutation($c: UUID!, $rows: [ProspectInput!]!) {
		addProspects(campaignId: $c, prospects: $rows) { imported duplicates prospects { id } userErrors { code } }
	}`

	for _, tc := range []struct {
		name  string
		stage dbtest.Stage
		// act runs once the batch has committed.
		act func(t *testing.T, h *dbtest.Held)
	}{
		{"connection lost after COMMIT ran", dbtest.AfterCommit, func(_ *testing.T, h *dbtest.Held) { h.CutClient() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t)
			a.url = url
			c := a.createCampaign("EMAIL")
			rows := numbered("commit-", 40)
			gate.Arm(tc.stage)
			type answer struct {
				res addResult
				err error
			}
			done := make(chan answer, 1)
			go func() {
				var out struct {
					AddProspects addResult `json:"addProspects"`
				}
				err := a.try(lean, map[string]any{"c": c, "rows": rows}, &out)
				done <- answer{out.AddProspects, err}
			}()
			h := gate.Stopped(t)
			defer h.CloseServer()
			waitUntil(t, 10*time.Second, "the batch's commit", func() bool { return rosterCount(t, c) == len(rows) })
			tc.act(t, h)
			got := <-done
			if got.err != nil || got.res.Imported != len(rows) || len(got.res.Prospects) != len(rows) {
				t.Fatalf("answered %+v, %v; the roster holds all %d rows", got.res, got.err, rosterCount(t, c))
			}
		})
	}
}
