package db

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// withPgx runs fn on one of the pool's connections as a pgx connection.
// The polling list goes this way: scanning with pgx directly skips
// database/sql's per-value conversions and Bun's reflection, which cost
// more CPU than PostgreSQL spent on the page (issue 3's profile).
// Statements still reach tests' observers (OpenWith's Tracer).
//
// Callers take turns first, first come first served: database/sql hands a
// freed connection to a waiter drawn at random, so with 16 polls waiting
// for 4 connections a few waited dozens of turns while most waited none,
// which was most of the list's p99 under load (issue 14: 268 ms against a
// p50 of 13.5 ms). A channel's blocked senders are woken in order.
func (s *Store) withPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	if s.turns != nil {
		select {
		case s.turns <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s.turns }()
	}
	conn, err := s.db.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return asPgx(dc, fn) })
}

// rawQuery runs a statement with $n parameters on idb (the pool, or a
// transaction) through database/sql as it is, not formatted by Bun, so
// that pgx encodes its arguments: slices go as binary arrays, which
// PostgreSQL reads far faster than Bun's array literals in the SQL text.
// The statement goes unnamed with its description cached
// (QueryExecModeCacheDescribe), so PostgreSQL plans it for its actual
// arguments each time (a prepared statement's generic plan cannot see how
// many elements an array holds) and it works through PgBouncer too.
func rawQuery(ctx context.Context, idb bun.IDB, query string, args ...any) (*sql.Rows, error) {
	args = append([]any{pgx.QueryExecModeCacheDescribe}, args...)
	switch v := idb.(type) {
	case bun.Tx:
		return v.Tx.QueryContext(ctx, query, args...)
	case *bun.DB:
		return v.DB.QueryContext(ctx, query, args...)
	}
	return nil, fmt.Errorf("rawQuery: %T is neither a transaction nor the pool", idb)
}

// asPgx hands database/sql's driver connection to fn as pgx's.
func asPgx(dc any, fn func(*pgx.Conn) error) error {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return fmt.Errorf("the database driver is %T, not pgx", dc)
	}
	return fn(c.Conn())
}

// hotModes remembers how Open's handles send the hot statements (the
// list, the add's insert), per handle (see hotModeFor).
var hotModes sync.Map // *sql.DB → pgx.QueryExecMode

// hotModeFor is how the hot statements go on a connection to url. They have
// $n parameters and a handful of shapes, so, unlike Bun's statements (whose
// arguments are inlined, which is why Open's default is exec mode), they
// can be prepared once per connection and reuse their plans: PostgreSQL
// then skips parsing and planning the list statement on every poll (about
// 0.5 ms of its 4 ms). A URL that chooses a mode (default_query_exec_mode)
// is saying how its statements must travel, typically that a transaction
// pooler such as PgBouncer sits in between, where a prepared statement
// would not survive: that mode is kept, exec mode upgraded to describing
// the statement once per connection (still unnamed, so still pooler-safe,
// and results come back binary).
func hotModeFor(url string, chosen pgx.QueryExecMode) pgx.QueryExecMode {
	switch {
	case !strings.Contains(url, "default_query_exec_mode"):
		return pgx.QueryExecModeCacheStatement
	case chosen == pgx.QueryExecModeExec:
		return pgx.QueryExecModeCacheDescribe
	}
	return chosen
}

// params numbers a statement's parameters as they are added.
type params []any

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// compactJSONB appends a jsonb value as read from PostgreSQL (binary: a
// version byte then the text; text: the text) to dst as compact JSON.
// (A hand-written loop did it 1.8× faster, about 50 µs of a 200-row page's
// 1.2 ms of server CPU, which no target of BENCHMARKS.md needs; issue 11
// folded it back.)
func compactJSONB(dst, raw []byte, format int16) []byte {
	if format == pgx.BinaryFormatCode && len(raw) > 0 {
		raw = raw[1:]
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, raw); err != nil {
		// PostgreSQL wrote it: always JSON. Were it not, keep it as is.
		return append(dst, raw...)
	}
	return buf.Bytes()
}
