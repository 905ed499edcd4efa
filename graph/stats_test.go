package graph_test

// Campaign stats (SPEC §9): every status and stage filter against the kept
// stats, as the API and as the sending engine writes.

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/db/dbtest"
)

// statsKey is a status's key in CampaignStats.
func statsKey(status string) string {
	parts := strings.Split(strings.ToLower(status), "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// wantStats is CampaignStats for counts by status.
func wantStats(counts map[string]int) map[string]int {
	out := map[string]int{"total": 0, "inFlight": 0, "terminal": 0}
	for _, st := range allStatuses {
		n := counts[st]
		out[statsKey(st)] = n
		out["total"] += n
		switch stageOf[st] {
		case "IN_FLIGHT":
			out["inFlight"] += n
		case "TERMINAL":
			out["terminal"] += n
		}
	}
	return out
}

// requireStats checks SPEC §9 for counts by status: Campaign.stats says
// them (all thirteen fields), campaigns.stats equals the roster, and
// recalculate_campaign_stats returns exactly the kept stats and changes
// nothing.
func requireStats(t testing.TB, a *api, campaignID string, counts map[string]int) {
	t.Helper()
	want := wantStats(counts)
	if got := campaignOf(t, a, campaignID).Stats; !reflect.DeepEqual(got, want) {
		t.Fatalf("Campaign.stats before any recalculation:\n got %v\nwant %v", got, want)
	}
	requireStatsMatchRoster(t, campaignID)
	kept := sqlJSON(t, `SELECT stats::text FROM campaigns WHERE id = ?`, campaignID)
	recalculated := sqlJSON(t, `SELECT recalculate_campaign_stats(?)::text`, campaignID)
	if !reflect.DeepEqual(kept, recalculated) {
		t.Fatalf("recalculate_campaign_stats %v differs from the kept stats %v", recalculated, kept)
	}
	if after := sqlJSON(t, `SELECT stats::text FROM campaigns WHERE id = ?`, campaignID); !reflect.DeepEqual(after, kept) {
		t.Fatalf("recalculate_campaign_stats changed the stats from %v to %v", kept, after)
	}
	if got := campaignOf(t, a, campaignID).Stats; !reflect.DeepEqual(got, want) {
		t.Fatalf("Campaign.stats after recalculation:\n got %v\nwant %v", got, want)
	}
}

// requireTotals checks every status and stage filter's totalCount and rows
// against counts by status.
func requireTotals(t testing.TB, a *api, campaignID string, counts map[string]int) {
	t.Helper()
	total := 0
	for _, st := range allStatuses {
		total += counts[st]
		pg := listPage(t, a, campaignID, listArgs{"status": st, "limit": 200})
		if pg.TotalCount != counts[st] || len(pg.Nodes) != counts[st] {
			t.Fatalf("status %s: totalCount %d, %d nodes, want %d", st, pg.TotalCount, len(pg.Nodes), counts[st])
		}
	}
	for _, sg := range allStages {
		want := 0
		for _, st := range allStatuses {
			if stageOf[st] == sg {
				want += counts[st]
			}
		}
		pg := listPage(t, a, campaignID, listArgs{"stage": sg, "limit": 200})
		if pg.TotalCount != want || len(pg.Nodes) != want {
			t.Fatalf("stage %s: totalCount %d, %d nodes, want %d", sg, pg.TotalCount, len(pg.Nodes), want)
		}
	}
	if pg := listPage(t, a, campaignID, listArgs{"limit": 200}); pg.TotalCount != total || len(pg.Nodes) != total {
		t.Fatalf("no filter: totalCount %d, %d nodes, want %d", pg.TotalCount, len(pg.Nodes), total)
	}
}

// TestListStatusStageStats: the sending engine moves statuses with plain
// SQL (SPEC §10); the filters, stages and stats follow (SPEC §8, §9).
func TestListStatusStageStats(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	const n = 55 // 1 + 2 + ... + 10: every status gets a count of its own
	ids := addN(t, a, c, n, "st")
	launchCampaign(t, a, c)
	requireStats(t, a, c, map[string]int{"PENDING": n})

	// Step 1: the engine sends to the first seven, exactly as it would.
	moved := sqlExec(t, `UPDATE prospects SET status = 'sent' WHERE id = ANY(?::uuid[])`, pgdialect.Array(ids[:7]))
	if moved != 7 {
		t.Fatalf("moved %d rows", moved)
	}
	requireStats(t, a, c, map[string]int{"PENDING": n - 7, "SENT": 7})
	requireTotals(t, a, c, map[string]int{"PENDING": n - 7, "SENT": 7})

	// Step 2: one statement moves every row to its final status, some back
	// and forth (sent -> pending), some not at all: status k (0-based) ends
	// with k+1 rows, spread over the roster.
	var pool []string
	for k, st := range allStatuses {
		for range k + 1 {
			pool = append(pool, st)
		}
	}
	final := make([]string, n)
	lower := make([]string, n)
	counts := map[string]int{}
	for i := range final {
		final[i] = pool[(i*7)%n]
		lower[i] = strings.ToLower(final[i])
		counts[final[i]]++
	}
	moved = sqlExec(t, `UPDATE prospects AS p SET status = v.status
		FROM unnest(?::uuid[], ?::text[]) AS v (id, status) WHERE p.id = v.id`,
		pgdialect.Array(ids), pgdialect.Array(lower))
	if moved != n {
		t.Fatalf("moved %d rows", moved)
	}
	for k, st := range allStatuses {
		if counts[st] != k+1 {
			t.Fatalf("test setup: %s has %d rows", st, counts[st])
		}
	}
	requireStats(t, a, c, counts)
	if s := campaignOf(t, a, c).Stats; s["inFlight"] != 2+3+4+5 || s["terminal"] != 6+7+8+9+10 || s["pending"] != 1 {
		t.Fatalf("stats: %v", s)
	}

	// expect lists the ids whose status passes keep, in roster order.
	expect := func(keep func(status string) bool) []string {
		var out []string
		for i, id := range ids {
			if keep(final[i]) {
				out = append(out, id)
			}
		}
		return out
	}

	t.Run("no filter", func(t *testing.T) {
		t.Parallel()
		pg := listPage(t, a, c, listArgs{"limit": 200})
		requireEqual(t, "roster", idsOf(pg), ids)
		for i, node := range pg.Nodes {
			if node.Status != final[i] || node.Stage != stageOf[final[i]] {
				t.Fatalf("node %d: %s/%s, want %s/%s", i, node.Status, node.Stage, final[i], stageOf[final[i]])
			}
		}
	})
	for _, st := range allStatuses {
		t.Run("status "+st, func(t *testing.T) {
			t.Parallel()
			want := expect(func(s string) bool { return s == st })
			pg := listPage(t, a, c, listArgs{"status": st})
			if pg.TotalCount != len(want) {
				t.Fatalf("totalCount %d, want %d", pg.TotalCount, len(want))
			}
			requireEqual(t, "nodes", idsOf(pg), want)
			for _, node := range pg.Nodes {
				if node.Status != st || node.Stage != stageOf[st] {
					t.Fatalf("node %s: %s/%s", node.ID, node.Status, node.Stage)
				}
			}
			// Pages of the filter: totalCount still counts every match.
			if len(want) > 2 {
				pg2 := listPage(t, a, c, listArgs{"status": st, "limit": 2, "page": 2})
				requireEqual(t, "page 2 of 2", idsOf(pg2), want[2:min(4, len(want))])
				if pg2.TotalCount != len(want) || pg2.PageInfo.HasNextPage != (len(want) > 4) {
					t.Fatalf("page 2: totalCount %d hasNextPage %v", pg2.TotalCount, pg2.PageInfo.HasNextPage)
				}
			}
			// The single prospect query says the same.
			var out struct {
				Prospect *prospect `json:"prospect"`
			}
			a.on(t).query(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { id status stage } }`,
				map[string]any{"c": c, "id": want[0]}, &out)
			if out.Prospect == nil || out.Prospect.Status != st || out.Prospect.Stage != stageOf[st] {
				t.Fatalf("prospect %s: %+v", want[0], out.Prospect)
			}
		})
	}
	for _, sg := range allStages {
		t.Run("stage "+sg, func(t *testing.T) {
			t.Parallel()
			want := expect(func(s string) bool { return stageOf[s] == sg })
			pg := listPage(t, a, c, listArgs{"stage": sg})
			if pg.TotalCount != len(want) {
				t.Fatalf("totalCount %d, want %d", pg.TotalCount, len(want))
			}
			requireEqual(t, "nodes", idsOf(pg), want)
			for _, node := range pg.Nodes {
				if node.Stage != sg {
					t.Fatalf("node %s: stage %s", node.ID, node.Stage)
				}
			}
		})
	}
	t.Run("status and stage are ANDed", func(t *testing.T) {
		t.Parallel()
		for _, st := range allStatuses {
			for _, sg := range allStages {
				var want []string
				if stageOf[st] == sg {
					want = expect(func(s string) bool { return s == st })
				}
				pg := listPage(t, a, c, listArgs{"status": st, "stage": sg})
				if pg.TotalCount != len(want) {
					t.Fatalf("%s+%s: totalCount %d, want %d", st, sg, pg.TotalCount, len(want))
				}
				requireEqual(t, st+"+"+sg, idsOf(pg), want)
			}
		}
	})
	t.Run("keyset walk filtered by status", func(t *testing.T) {
		t.Parallel()
		want := expect(func(s string) bool { return s == "CANCELLED" }) // 10 rows
		pages := walkPages(t, a, c, listArgs{"status": "CANCELLED"}, 3)
		if len(pages) != 4 {
			t.Fatalf("%d pages, want 4", len(pages))
		}
		requireEqual(t, "walk", concatIDs(pages), want)
		for _, pg := range pages {
			if pg.TotalCount != 10 {
				t.Fatalf("totalCount %d", pg.TotalCount)
			}
		}
	})
	t.Run("keyset walk filtered by stage and status", func(t *testing.T) {
		t.Parallel()
		want := expect(func(s string) bool { return stageOf[s] == "TERMINAL" })
		requireEqual(t, "terminal walk", concatIDs(walkPages(t, a, c, listArgs{"stage": "TERMINAL"}, 7)), want)
		want = expect(func(s string) bool { return s == "MESSAGE_SENT" })
		requireEqual(t, "message sent walk", concatIDs(walkPages(t, a, c, listArgs{"stage": "IN_FLIGHT", "status": "MESSAGE_SENT"}, 2)), want)
	})
	t.Run("a cursor from the unfiltered roster positions a filtered page", func(t *testing.T) {
		t.Parallel()
		full := listPage(t, a, c, listArgs{"limit": 200})
		for _, at := range []int{0, 20, 40, 54} {
			var want []string
			for i := at + 1; i < n; i++ {
				if final[i] == "CANCELLED" {
					want = append(want, ids[i])
				}
			}
			pg := listPage(t, a, c, listArgs{"status": "CANCELLED", "after": full.Edges[at].Cursor, "limit": 200})
			requireEqual(t, fmt.Sprintf("cancelled after row %d", at), idsOf(pg), want)
			if pg.TotalCount != 10 {
				t.Fatalf("totalCount %d", pg.TotalCount)
			}
		}
	})
}

// TestListEngineWrites: whatever the engine writes with plain SQL (SPEC §9,
// §10), inserts, deletes, moves between campaigns and profile edits, the
// stats stay the roster's counts.
func TestListEngineWrites(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	ids := addN(t, a, c, 12, "en")
	launchCampaign(t, a, c)

	sqlExec(t, `UPDATE prospects SET status = 'replied' WHERE id IN (?)`, bun.In(ids[0:3]))
	sqlExec(t, `UPDATE prospects SET status = 'connection_sent' WHERE id IN (?)`, bun.In(ids[3:5]))
	sqlExec(t, `UPDATE prospects SET status = 'timed_out' WHERE id = ?`, ids[5])
	counts := map[string]int{"REPLIED": 3, "CONNECTION_SENT": 2, "TIMED_OUT": 1, "PENDING": 6}
	requireStats(t, a, c, counts)
	requireTotals(t, a, c, counts)

	t.Run("profile edits leave the stats untouched", func(t *testing.T) {
		var before string
		xmin := func() string {
			t.Helper()
			var x string
			if err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT xmin::text FROM campaigns WHERE id = ?`, c).Scan(&x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		before = xmin()
		if n := sqlExec(t, `UPDATE prospects SET first_name = 'Renamed', custom_fields = '{"k": 1}' WHERE campaign_id = ?`, c); n != 12 {
			t.Fatalf("updated %d rows", n)
		}
		// The profile edit moves the campaign's version (SPEC §14), so its
		// row is rewritten, stats unchanged; an update that changes
		// nothing leaves the row alone.
		edited := xmin()
		if edited == before {
			t.Fatalf("a profile edit left the campaign's version as it was")
		}
		if n := sqlExec(t, `UPDATE prospects SET status = status WHERE campaign_id = ?`, c); n != 12 {
			t.Fatalf("updated %d rows", n)
		}
		if after := xmin(); after != edited {
			t.Fatalf("an update that changed nothing rewrote the campaign row (xmin %s -> %s)", edited, after)
		}
		requireStats(t, a, c, counts)
		pg := listPage(t, a, c, listArgs{"status": "REPLIED"})
		if pg.TotalCount != 3 || pg.Nodes[0].FirstName == nil || *pg.Nodes[0].FirstName != "Renamed" || pg.Nodes[0].CustomFields["k"] != float64(1) {
			t.Fatalf("after the profile edit: %+v", pg.Nodes)
		}
	})
	t.Run("delete", func(t *testing.T) {
		// One replied, one connection_sent, one pending.
		if n := sqlExec(t, `DELETE FROM prospects WHERE id IN (?)`, bun.In([]string{ids[0], ids[3], ids[11]})); n != 3 {
			t.Fatalf("deleted %d", n)
		}
		counts["REPLIED"]--
		counts["CONNECTION_SENT"]--
		counts["PENDING"]--
		requireStats(t, a, c, counts)
		requireTotals(t, a, c, counts)
	})
	var inserted []string
	t.Run("insert", func(t *testing.T) {
		statuses := []string{"bounced", "bounced", "pending", "message_sent", "cancelled"}
		var values []string
		var args []any
		for i, st := range statuses {
			id := uuid.Must(uuid.NewV7()).String()
			inserted = append(inserted, id)
			email := fmt.Sprintf("engine-%d@example.com", i)
			values = append(values, "(?, ?, ?, ?, ?)")
			args = append(args, id, c, email, email, st)
		}
		n := sqlExec(t, `INSERT INTO prospects (id, campaign_id, identity, email, status) VALUES `+strings.Join(values, ", "), args...)
		if n != int64(len(statuses)) {
			t.Fatalf("inserted %d", n)
		}
		counts["BOUNCED"] += 2
		counts["PENDING"]++
		counts["MESSAGE_SENT"]++
		counts["CANCELLED"]++
		requireStats(t, a, c, counts)
		requireTotals(t, a, c, counts)
		pg := listPage(t, a, c, listArgs{"status": "BOUNCED"})
		requireEqual(t, "bounced", idsOf(pg), inserted[:2])
	})
	t.Run("move to another campaign", func(t *testing.T) {
		other := a.createCampaign("EMAIL")
		if n := sqlExec(t, `UPDATE prospects SET campaign_id = ? WHERE id IN (?)`, other, bun.In([]string{inserted[4], ids[1]})); n != 2 {
			t.Fatalf("moved %d", n)
		}
		counts["CANCELLED"]--
		counts["REPLIED"]--
		requireStats(t, a, c, counts)
		requireStats(t, a, other, map[string]int{"CANCELLED": 1, "REPLIED": 1})
		requireTotals(t, a, other, map[string]int{"CANCELLED": 1, "REPLIED": 1})
	})
	t.Run("several statements in one transaction", func(t *testing.T) {
		err := dbtest.DB(t).RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE prospects SET status = 'completed' WHERE campaign_id = ? AND status = 'pending'`, c); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM prospects WHERE campaign_id = ? AND status = 'timed_out'`, c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		counts["COMPLETED"] += counts["PENDING"]
		counts["PENDING"] = 0
		counts["TIMED_OUT"] = 0
		requireStats(t, a, c, counts)
		requireTotals(t, a, c, counts)
	})
	t.Run("recalculate_campaign_stats repairs broken stats", func(t *testing.T) {
		sqlExec(t, `UPDATE campaigns SET stats = '{"total": 99, "pending": 9, "sent": 9, "connection_sent": 9,
			"connected": 9, "message_sent": 9, "replied": 9, "bounced": 9, "completed": 9, "timed_out": 9,
			"cancelled": 9}' WHERE id = ?`, c)
		if s := campaignOf(t, a, c).Stats; s["total"] != 99 {
			t.Fatalf("Campaign.stats does not read campaigns.stats: %v", s)
		}
		got := sqlJSON(t, `SELECT recalculate_campaign_stats(?)::text`, c)
		want := map[string]int{}
		for _, st := range allStatuses {
			want[strings.ToLower(st)] = counts[st]
			want["total"] += counts[st]
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("recalculate_campaign_stats: %v, want %v", got, want)
		}
		requireStats(t, a, c, counts)
	})
}
