package graph_test

// The tests' direct reads and writes of the database: what the API cannot
// say (the kept stats, a whole owner's rows) and what the sending engine,
// not the API, writes.

import (
	"context"
	"encoding/json"
	"maps"
	"testing"

	"roster/db/dbtest"
)

// sqlScan is a query's one value.
func sqlScan[T any](t testing.TB, query string, args ...any) T {
	t.Helper()
	var v T
	if err := dbtest.DB(t).QueryRowContext(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// sqlInt is a query's one integer.
func sqlInt(t testing.TB, query string, args ...any) int {
	t.Helper()
	return sqlScan[int](t, query, args...)
}

// sqlString is a query's one text.
func sqlString(t testing.TB, query string, args ...any) string {
	t.Helper()
	return sqlScan[string](t, query, args...)
}

// sqlJSON is a query's one JSON object of counts.
func sqlJSON(t testing.TB, query string, args ...any) map[string]int {
	t.Helper()
	raw := sqlString(t, query, args...)
	var m map[string]int
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("%s: %v: %s", query, err, raw)
	}
	return m
}

// sqlExec runs plain SQL (as the sending engine would) and returns the
// rows it touched.
func sqlExec(t testing.TB, query string, args ...any) int64 {
	t.Helper()
	res, err := dbtest.DB(t).ExecContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rosterCount is the number of prospect rows of a campaign.
func rosterCount(t testing.TB, campaignID string) int {
	t.Helper()
	return sqlInt(t, `SELECT count(*) FROM prospects WHERE campaign_id = ?`, campaignID)
}

// ownerSnapshot is everything a subject owns, campaigns and prospects, as
// the database holds it: two equal snapshots mean nothing was written.
func ownerSnapshot(t testing.TB, owner string) string {
	t.Helper()
	return sqlString(t, `SELECT
		coalesce((SELECT jsonb_agg(to_jsonb(c) ORDER BY c.id) FROM campaigns c WHERE c.owner = ?), '[]')::text
		|| ' ' ||
		coalesce((SELECT jsonb_agg(to_jsonb(p) ORDER BY p.id) FROM prospects p
			JOIN campaigns c ON c.id = p.campaign_id WHERE c.owner = ?), '[]')::text`, owner, owner)
}

// requireUnchanged checks that owner's rows are still before.
func requireUnchanged(t testing.TB, owner, before string) {
	t.Helper()
	if after := ownerSnapshot(t, owner); after != before {
		t.Fatalf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

// requireStatsMatchRoster checks SPEC §9: the kept stats equal the roster's
// counts, and recalculate_campaign_stats agrees with them.
func requireStatsMatchRoster(t testing.TB, campaignID string) {
	t.Helper()
	kept := sqlJSON(t, `SELECT stats::text FROM campaigns WHERE id = ?`, campaignID)
	counted := sqlJSON(t, `SELECT jsonb_build_object('total', count(*),
		'pending', count(*) FILTER (WHERE status = 'pending'),
		'sent', count(*) FILTER (WHERE status = 'sent'),
		'connection_sent', count(*) FILTER (WHERE status = 'connection_sent'),
		'connected', count(*) FILTER (WHERE status = 'connected'),
		'message_sent', count(*) FILTER (WHERE status = 'message_sent'),
		'replied', count(*) FILTER (WHERE status = 'replied'),
		'bounced', count(*) FILTER (WHERE status = 'bounced'),
		'completed', count(*) FILTER (WHERE status = 'completed'),
		'timed_out', count(*) FILTER (WHERE status = 'timed_out'),
		'cancelled', count(*) FILTER (WHERE status = 'cancelled'))::text
		FROM prospects WHERE campaign_id = ?`, campaignID)
	if len(kept) != 11 || !maps.Equal(kept, counted) {
		t.Fatalf("stats %v do not match the roster %v", kept, counted)
	}
}

// campaignsNamed is the number of campaigns named name, whoever owns them.
func campaignsNamed(t testing.TB, name string) int {
	t.Helper()
	return sqlInt(t, `SELECT count(*) FROM campaigns WHERE name = ?`, name)
}
