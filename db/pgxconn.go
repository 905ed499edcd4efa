package db

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// withPgx runs fn on one of the pool's connections as a pgx connection.
// The polling list goes this way: scanning with pgx directly skips
// database/sql's per-value conversions and Bun's reflection, which cost
// more CPU than PostgreSQL spent on the page (issue 3's profile).
// Statements still reach tests' observers (OpenWith's Tracer).
func (s *Store) withPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := s.db.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return asPgx(dc, fn) })
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
// jsonb's text form puts exactly one space after each ',' and ':' outside
// strings and nowhere else, so dropping those is all compacting takes.
func compactJSONB(dst, raw []byte, format int16) []byte {
	if format == pgx.BinaryFormatCode && len(raw) > 0 {
		raw = raw[1:]
	}
	inString, escaped := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		dst = append(dst, c)
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case (c == ',' || c == ':') && i+1 < len(raw) && raw[i+1] == ' ':
			i++
		}
	}
	return dst
}
