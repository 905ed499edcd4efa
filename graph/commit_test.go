package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

// TestAddAnswersWhatCommitted is db's test of the same name over the real
// handler, for the lean addProspects of issue 10 (no campaign, no
// duplicates' prospects: INSERT and COMMIT go as one batch): PostgreSQL's
// backend terminated after COMMIT's answer, or the connection lost after
// COMMIT ran, and the client is told the batch is in, as it is.
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
	batched := !strings.Contains(dbtest.URL(), "default_query_exec_mode")
	const lean = `mutation($c: UUID!, $rows: [ProspectInput!]!) {
		addProspects(campaignId: $c, prospects: $rows) { imported duplicates prospects { id } userErrors { code } }
	}`

	for _, tc := range []struct {
		name  string
		stage dbtest.Stage
		// act runs once the batch has committed.
		act func(t *testing.T, h *dbtest.Held)
	}{
		{"server shut down after COMMIT's answer", dbtest.BeforeSync, func(t *testing.T, h *dbtest.Held) {
			if !h.Batched {
				t.Fatal("the lean add's COMMIT came alone")
			}
			if _, err := dbtest.DB(t).ExecContext(ctx, `SELECT pg_terminate_backend(?, 5000)`, h.PID); err != nil {
				t.Fatal(err)
			}
		}},
		{"connection lost after COMMIT ran", dbtest.AfterCommit, func(_ *testing.T, h *dbtest.Held) { h.CutClient() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stage == dbtest.BeforeSync && !batched {
				t.Skip("through PgBouncer the lean add's COMMIT goes alone: no Sync to hold back after it")
			}
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
			for deadline := time.Now().Add(10 * time.Second); rosterCount(t, c) != len(rows); time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the batch never committed")
				}
			}
			tc.act(t, h)
			got := <-done
			if got.err != nil || got.res.Imported != len(rows) || len(got.res.Prospects) != len(rows) {
				t.Fatalf("answered %+v, %v; the roster holds all %d rows", got.res, got.err, rosterCount(t, c))
			}
		})
	}
}
