package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

// The prospects' campaign is checked by a statement-level trigger rather
// than a foreign key (migration 20261207004001): it must refuse and
// cascade exactly as the key did.
func TestProspectsCampaignReference(t *testing.T) {
	ctx := context.Background()
	bdb := dbtest.DB(t)
	store := db.NewStore(bdb)
	owner := "ref-" + uuid.NewString()
	campaign := func() uuid.UUID {
		c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "ref", Channel: model.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	a, b, missing := campaign(), campaign(), uuid.New()
	insert := `INSERT INTO prospects (id, campaign_id, identity) SELECT gen_random_uuid(), c, gen_random_uuid() || '@ref.example'
		FROM unnest(?::uuid[]) AS c`
	count := func(c uuid.UUID) int {
		var n int
		if err := bdb.QueryRowContext(ctx, `SELECT count(*) FROM prospects WHERE campaign_id = ?`, c).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		name    string
		sql     string
		args    []any
		refused bool
	}{
		{"insert into a campaign", insert, []any{pgdialect.Array([]uuid.UUID{a})}, false},
		{"insert into no campaign", insert, []any{pgdialect.Array([]uuid.UUID{missing})}, true},
		{"one row of many into no campaign", insert, []any{pgdialect.Array([]uuid.UUID{a, b, missing, a})}, true},
		{"insert of nothing", insert, []any{pgdialect.Array([]uuid.UUID{})}, false},
		{"move to a campaign", `UPDATE prospects SET campaign_id = ? WHERE campaign_id = ?`, []any{b, a}, false},
		{"move to no campaign", `UPDATE prospects SET campaign_id = ? WHERE campaign_id = ?`, []any{missing, b}, true},
		{"an edit that keeps the campaign", `UPDATE prospects SET first_name = 'x' WHERE campaign_id = ?`, []any{b}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := count(a) + count(b)
			_, err := bdb.ExecContext(ctx, tc.sql, tc.args...)
			var pgErr *pgconn.PgError
			if tc.refused != (errors.As(err, &pgErr) && pgErr.Code == "23503") {
				t.Fatalf("err = %v, want refused %v", err, tc.refused)
			}
			if !tc.refused && err != nil {
				t.Fatal(err)
			}
			if tc.refused && count(a)+count(b) != before || count(missing) != 0 {
				t.Fatalf("a refused statement wrote: %d rows before, %d after", before, count(a)+count(b))
			}
		})
	}
	// Deleting a campaign deletes its prospects, and only those.
	if _, err := bdb.ExecContext(ctx, insert, pgdialect.Array([]uuid.UUID{a, a})); err != nil {
		t.Fatal(err)
	}
	kept := count(a)
	if count(b) == 0 || kept == 0 {
		t.Fatal("no prospects to delete")
	}
	if _, err := bdb.ExecContext(ctx, `DELETE FROM campaigns WHERE id = ?`, b); err != nil {
		t.Fatal(err)
	}
	if count(b) != 0 || count(a) != kept {
		t.Fatalf("after the delete: %d prospects of the deleted campaign, %d of the other (want 0, %d)", count(b), count(a), kept)
	}
}

// An insert and a delete of its campaign at once, in either order, leave
// no prospect without its campaign: the insert's lock on the campaign
// makes the delete wait (then delete the rows committed), and a delete
// first makes the insert wait, then fail.
func TestProspectsCampaignReferenceRace(t *testing.T) {
	ctx := context.Background()
	bdb := dbtest.DB(t)
	store := db.NewStore(bdb)
	owner := "race-" + uuid.NewString()
	insert := `INSERT INTO prospects (id, campaign_id, identity) VALUES (gen_random_uuid(), ?, 'p@race.example')`
	remove := `DELETE FROM campaigns WHERE id = ?`
	for _, insertFirst := range []bool{true, false} {
		c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "race", Channel: model.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		first, second := insert, remove
		if !insertFirst {
			first, second = remove, insert
		}
		tx, err := bdb.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, first, c.ID); err != nil {
			t.Fatal(err)
		}
		var holder int
		if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&holder); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := bdb.ExecContext(ctx, second, c.ID)
			done <- err
		}()
		waitBlocked(t, bdb, holder, done)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		err = <-done
		var pgErr *pgconn.PgError
		refused := errors.As(err, &pgErr) && pgErr.Code == "23503"
		if insertFirst && err != nil || !insertFirst && !refused {
			t.Fatalf("insert first %v: the second statement's err = %v", insertFirst, err)
		}
		var orphans int
		if err := bdb.QueryRowContext(ctx, `SELECT count(*) FROM prospects p WHERE NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = p.campaign_id)`).Scan(&orphans); err != nil {
			t.Fatal(err)
		}
		if orphans != 0 {
			t.Fatalf("insert first %v: %d prospects without a campaign", insertFirst, orphans)
		}
	}
}

// waitBlocked waits until a statement waits on the backend holder, failing
// if the statement ended instead.
func waitBlocked(t *testing.T, bdb *bun.DB, holder int, done <-chan error) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("the second statement did not wait: err = %v", err)
		default:
		}
		var n int
		if err := bdb.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))`, holder).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("the second statement never waited")
}
