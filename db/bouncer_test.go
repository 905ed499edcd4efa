package db_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"roster/db/dbtest"
)

// TestThroughPgBouncer checks, when the suite runs through PgBouncer
// (TEST_PGBOUNCER), that it really does, in transaction pooling mode, with
// pgx told not to rely on session-level prepared statements.
func TestThroughPgBouncer(t *testing.T) {
	if os.Getenv("TEST_PGBOUNCER") == "" {
		t.Log("not running through PgBouncer (TEST_PGBOUNCER unset)")
		return
	}
	url := dbtest.URL()
	if !strings.Contains(url, "default_query_exec_mode=exec") {
		t.Fatalf("the suite's URL %s keeps pgx's session-level statement cache", url)
	}
	// PgBouncer's admin console answers only the simple protocol.
	admin := strings.Replace(strings.Replace(url, "/roster_test?", "/pgbouncer?", 1),
		"default_query_exec_mode=exec", "default_query_exec_mode=simple_protocol", 1)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("the suite's URL does not lead to PgBouncer: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SHOW CONFIG")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	mode := ""
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		if vals[0] == "pool_mode" {
			mode, _ = vals[1].(string)
		}
	}
	if mode != "transaction" {
		t.Fatalf("PgBouncer pool_mode %q, want transaction", mode)
	}
}
