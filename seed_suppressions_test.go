package main

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"roster/db/dbtest"
)

// TestSeedDemoSuppressions: the demo also has a small suppression list of
// every kind, some of whose entries block demo prospects (by email, by
// LinkedIn URL, by domain), for a person to try.
func TestSeedDemoSuppressions(t *testing.T) {
	sub := "seed-supp-" + uuid.NewString()
	cfg := config{DatabaseURL: dbtest.URL(), DataDir: t.TempDir()}
	if err := runCommand(t, cfg, "seed", "--demo", "--sub", sub); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	rows, err := dbtest.DB(t).QueryContext(context.Background(), `SELECT s.kind, count(*) FROM suppressions s WHERE s.owner = ?
		AND EXISTS (SELECT 1 FROM prospects p JOIN campaigns c ON c.id = p.campaign_id WHERE c.owner = s.owner
			AND (p.identity = s.normalized OR p.other_identity = s.normalized
				OR prospect_email_rdomain(p.identity, p.other_identity) LIKE reverse(s.normalized) || '.%'))
		GROUP BY 1`, sub)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		kinds[k] = n
	}
	var total int
	if err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT count(*) FROM suppressions WHERE owner = ?`, sub).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != len(demoSuppressions()) || kinds["email"] < 1 || kinds["domain"] < 2 {
		t.Errorf("%d entries, of which block demo prospects: %v", total, kinds)
	}
}
