package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

// TestTimeouts checks that a mutation meeting a held lock or a stuck
// statement fails cleanly within its budget, and that the store works again
// at once (the connection went back to the pool healthy).
func TestTimeouts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	s := db.NewStore(bdb)
	s.Timeouts = db.Timeouts{Statement: 2 * time.Second, Lock: 300 * time.Millisecond, IdleInTx: 3 * time.Second}
	owner := "owner-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)

	t.Run("held lock", func(t *testing.T) {
		holder, err := bdb.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := holder.ExecContext(ctx, "SELECT 1 FROM campaigns WHERE id = ? FOR UPDATE", c.ID); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = s.AddProspects(ctx, owner, c.ID, rows(3, "locked%d@x.com"), db.AddOptions{})
		waited := time.Since(start)
		_ = holder.Rollback()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
			t.Fatalf("add under a held lock: %v, want lock_not_available (55P03)", err)
		}
		if waited > 5*time.Second {
			t.Errorf("waited %v for a 300ms lock budget", waited)
		}
		if res, err := s.AddProspects(ctx, owner, c.ID, rows(3, "locked%d@x.com"), db.AddOptions{}); err != nil || res.ImportedCount != 3 {
			t.Fatalf("add after the lock was released: %v", err)
		}
	})
	t.Run("stuck statement", func(t *testing.T) {
		start := time.Now()
		err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "SELECT pg_sleep(10)")
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
			t.Fatalf("a 10s statement under a 2s budget: %v, want query_canceled (57014)", err)
		}
		if waited := time.Since(start); waited > 8*time.Second {
			t.Errorf("a 2s statement budget took %v", waited)
		}
		if _, err := s.Campaign(ctx, owner, c.ID); err != nil {
			t.Fatalf("the store after a cancelled statement: %v", err)
		}
	})
}
