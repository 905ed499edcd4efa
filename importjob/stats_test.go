package importjob_test

import (
	"context"
	"testing"
	"time"

	"roster/db"
	"roster/db/dbtest"
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
	defer runWorkers(store, 0)()
	for _, tc := range []struct {
		rows, refreshes int
	}{{12_000, 2}, {50, 0}} {
		before := analyzed()
		owner, job := startJob(t, store, "stats", file(tc.rows))
		waitSucceeded(t, store, owner, job)
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
