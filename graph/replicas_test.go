package graph_test

import (
	"context"
	"testing"

	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

// replica starts a second server, as a second replica behind a load
// balancer would be: its own handler and its own connection pool, sharing
// only the database (through PgBouncer when the suite runs with
// TEST_PGBOUNCER). It returns a's subject as a client of that replica.
func replica(t *testing.T, a *api) *api {
	t.Helper()
	bdb, err := db.Open(context.Background(), dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bdb.Close() })
	b := *a
	b.url = ownServer(t, func(o *httpapi.Options) { o.Store = db.NewStore(bdb) })
	return &b
}

// TestReplicas runs the concurrency tests with the requests spread over two
// replicas: the server keeps no state between requests, so the freeze and
// the dedup hold across processes because the database enforces them.
func TestReplicas(t *testing.T) {
	t.Parallel()
	t.Run("overlapping adds", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		concurrentAdds(t, []*api{a, replica(t, a)})
	})
	t.Run("add racing a launch", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		addRacingLaunch(t, a, replica(t, a))
	})
}
