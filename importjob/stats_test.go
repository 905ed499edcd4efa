package importjob_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/db"
	"roster/db/dbtest"
	"roster/importjob"
	"roster/model"
)

// TestJobRefreshesStatistics: a job that grows prospects by 12,000 rows
// refreshes the planner's statistics once it has written 10,000 and once
// more when it ends (db.Store.AnalyzeProspects says why); a job of a few
// rows does not.
func TestJobRefreshesStatistics(t *testing.T) {
	ctx := context.Background()
	bdb := dbtest.DB(t)
	store := db.NewStore(bdb)
	analyzed := func() int {
		var n int
		if err := bdb.QueryRowContext(ctx, `SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'prospects'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&importjob.Workers{Store: store, Poll: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Run(wctx)
	}()
	defer func() { stop(); <-done }()
	for _, tc := range []struct {
		rows, refreshes int
	}{{12_000, 2}, {50, 0}} {
		before := analyzed()
		owner := "stats-" + uuid.NewString()
		c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "stats", Channel: model.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		job, _, err := store.StartImport(ctx, owner, c.ID, db.ImportStart{File: bytes.NewReader(file(tc.rows)), FileName: "f.csv"})
		if err != nil {
			t.Fatal(err)
		}
		for {
			j, err := store.ImportJob(ctx, owner, job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if j.Status == model.ImportJobStatusSucceeded {
				break
			}
			if j.Status != model.ImportJobStatusQueued && j.Status != model.ImportJobStatusRunning {
				t.Fatalf("job %+v", j)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The last refresh runs once the job has ended.
		deadline := time.Now().Add(10 * time.Second)
		for analyzed()-before < tc.refreshes && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // and no more come
		if got := analyzed() - before; got != tc.refreshes {
			t.Errorf("a %d-row job: %d refreshes of the statistics, want %d", tc.rows, got, tc.refreshes)
		}
	}
}
