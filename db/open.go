// Package db owns the database: opening it, migrating it, and the Store
// that holds every SQL statement and transaction of the roster.
package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Options tune Open.
type Options struct {
	// Tracer sees every statement sent on the handle's connections, Bun's
	// and the hot paths' own (which bypass Bun's query hooks): tests count
	// statements with it.
	Tracer pgx.QueryTracer
}

// Open connects to PostgreSQL at url through pgx and checks that it answers.
func Open(ctx context.Context, url string) (*bun.DB, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, url string, o Options) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: keep it out.
		return nil, fmt.Errorf("open database: DATABASE_URL is not a valid PostgreSQL URL")
	}
	if !strings.Contains(url, "default_query_exec_mode") {
		// Bun writes its arguments into the SQL text, so nearly every
		// statement is new: pgx's default mode would prepare and cache each
		// one per connection (hundreds of MB of backend memory after a few
		// thousand-row inserts, and an extra round trip each). Exec mode
		// sends each statement once, unnamed, which also works through
		// PgBouncer in transaction mode. A URL may still choose another mode.
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	cfg.Tracer = o.Tracer
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set && !strings.Contains(url, "default_query_exec_mode") {
		// The hot paths' statements are then prepared once per connection
		// (hotModeFor), and PostgreSQL would switch a prepared statement to
		// a generic plan, one for every roster, after five runs. Rosters
		// differ by orders of magnitude in one table, so a plan for none in
		// particular went wrong: polls of a 10k roster spilled sorts to
		// disk, 100–250 ms instead of 5, while an import grew another. Each
		// run is planned for its own roster instead (a fraction of a
		// millisecond). Through a pooler (an exec mode in the URL) the
		// statements are unnamed, planned each run anyway, and the pooler
		// might refuse the parameter.
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	sqldb := stdlib.OpenDB(*cfg)
	hotModes.Store(sqldb, hotModeFor(url, cfg.DefaultQueryExecMode))
	sqldb.SetMaxOpenConns(32)
	sqldb.SetMaxIdleConns(32)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	bdb := bun.NewDB(sqldb, pgdialect.New())
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := bdb.PingContext(pingCtx); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return bdb, nil
}

// NewStore returns the store over an open database, whose pool size
// (SetMaxOpenConns) is set: the hot paths take turns for its connections
// (Store.turns).
func NewStore(db *bun.DB) *Store {
	mode := pgx.QueryExecModeCacheDescribe // a handle Open did not make: pooler-safe
	if m, ok := hotModes.Load(db.DB); ok {
		mode = m.(pgx.QueryExecMode)
	}
	s := &Store{db: db, Timeouts: DefaultTimeouts, hotMode: mode, marks: newMarksCache(), queued: make(chan struct{}, 1)}
	if n := db.Stats().MaxOpenConnections; n > 0 {
		s.turns = make(chan struct{}, n)
	}
	return s
}

// Ping says whether the database answers; /readyz asks it.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// DB is the underlying handle, for tests and tools that need raw SQL.
func (s *Store) DB() *bun.DB { return s.db }
