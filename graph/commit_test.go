package graph_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

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
	v, err := auth.NewVerifier(testAuth)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Store: db.NewStore(bdb), Verifier: v,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
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
			a.url = srv.URL
			c := a.createCampaign("EMAIL")
			rows := apNumbered("commit-", 40)
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
				err := apPost(a, lean, map[string]any{"c": c, "rows": rows}, &out)
				done <- answer{out.AddProspects, err}
			}()
			h := gate.Stopped(t)
			defer h.CloseServer()
			for deadline := time.Now().Add(10 * time.Second); apCount(t, c) != len(rows); time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the batch never committed")
				}
			}
			tc.act(t, h)
			got := <-done
			if got.err != nil || got.res.Imported != len(rows) || len(got.res.Prospects) != len(rows) {
				t.Fatalf("answered %+v, %v; the roster holds all %d rows", got.res, got.err, apCount(t, c))
			}
		})
	}
}
