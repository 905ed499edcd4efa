// Package dbtest gives a test binary a real, migrated PostgreSQL: the one at
// TEST_DATABASE_URL when set, otherwise a throwaway cluster started through
// the same launcher the server uses (roster/db/embedded), reached through
// PgBouncer in transaction pooling mode when TEST_PGBOUNCER is set. Tests share it and
// keep apart by owning their own data (their own subject and campaigns), so
// they run in parallel. PostgreSQL missing is a failure, never a skip.
package dbtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"roster/db"
	"roster/db/embedded"
)

var (
	shared    *bun.DB
	sharedURL string
)

// Main runs a test binary's tests against a real PostgreSQL; call it from
// TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		dir, err := os.MkdirTemp("", "roster-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "dbtest:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		// As root the cluster runs as an unprivileged user, which must be
		// able to reach the directory (MkdirTemp makes it 0700).
		if err := os.Chmod(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest:", err)
			return 1
		}
		pg, err := embedded.Start(ctx, embedded.Config{DataDir: dir, Database: "roster_test", Ephemeral: true})
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: dbtest: tests need PostgreSQL:", err)
			return 1
		}
		defer pg.Stop() //nolint:errcheck
		url = pg.URL("roster_test")
		if os.Getenv("TEST_PGBOUNCER") != "" {
			// The suite again, through PgBouncer in transaction pooling
			// mode, as replicas in production would reach the database.
			b, err := pg.StartPgBouncer(ctx)
			if err != nil {
				fmt.Fprintln(os.Stderr, "FAIL: dbtest:", err)
				return 1
			}
			defer b.Stop() //nolint:errcheck
			url = b.URL("roster_test")
		}
	}
	bdb, err := db.OpenWith(ctx, url, db.Options{Tracer: tracer{}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: dbtest:", err)
		return 1
	}
	defer bdb.Close()
	if _, err := db.Migrate(ctx, bdb); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: dbtest:", err)
		return 1
	}
	shared, sharedURL = bdb, url
	// A fuzz target runs in worker processes of this binary, each of which
	// would start a cluster of its own before it can answer the
	// coordinator: past the fuzz time, Go's coordinator was seen waiting
	// for such a worker forever. The workers inherit the environment, so
	// they use this binary's database instead.
	if err := os.Setenv("TEST_DATABASE_URL", url); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: dbtest:", err)
		return 1
	}
	return m.Run()
}

// DB is the test binary's database.
func DB(t testing.TB) *bun.DB {
	t.Helper()
	if shared == nil {
		t.Fatal("dbtest: no database: call dbtest.Main from TestMain")
	}
	return shared
}

// URL is the test database's PostgreSQL URL, for tests that need a handle
// of their own (say, one they close).
func URL() string { return sharedURL }

var (
	observersMu sync.RWMutex
	observers   []func(ctx context.Context, sql string, args []any)
)

// OnStatement calls fn with every statement the test binary's database
// runs from now on (its context, text and parameters: Bun's arguments are
// inlined in the text, the hot paths' own are $n parameters), from whatever
// goroutine runs it. Unlike Bun's query hooks it also sees the statements the store
// sends through pgx directly, and it may be called while queries run.
func OnStatement(fn func(ctx context.Context, sql string, args []any)) {
	observersMu.Lock()
	defer observersMu.Unlock()
	observers = append(observers, fn)
}

// tracer hands each statement to the observers.
type tracer struct{}

func (tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	observersMu.RLock()
	defer observersMu.RUnlock()
	for _, fn := range observers {
		fn(ctx, d.SQL, d.Args)
	}
	return ctx
}

func (tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// ProcessCPU is the test binary's CPU time so far, user and system: a
// benchmark reports the server's own CPU per operation from it, the
// database's (another process) apart.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
