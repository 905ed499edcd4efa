package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"roster/db"
	"roster/db/dbtest"
)

// TestTxRetriedOnSerializationFailure forces SQLSTATE 40001 and 40P01 in a
// transaction's first attempts and checks that the whole transaction runs
// again (its earlier writes rolled back) until it commits, and that a
// failure that keeps coming is returned after a bounded number of attempts.
func TestTxRetriedOnSerializationFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	s := db.NewStore(bdb)
	if _, err := bdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS retry_probe (attempt int)`); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"40001", "40P01"} {
		t.Run(code, func(t *testing.T) {
			if _, err := bdb.ExecContext(ctx, `DELETE FROM retry_probe`); err != nil {
				t.Fatal(err)
			}
			attempts := 0
			err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				attempts++
				if _, err := tx.ExecContext(ctx, `INSERT INTO retry_probe VALUES (?)`, attempts); err != nil {
					return err
				}
				if attempts < 3 {
					_, err := tx.ExecContext(ctx, `DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '`+code+`'; END $$`)
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatalf("transaction failed after %d attempts: %v", attempts, err)
			}
			var rows []int
			if err := bdb.NewSelect().Table("retry_probe").Column("attempt").Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			if attempts != 3 || len(rows) != 1 || rows[0] != 3 {
				t.Fatalf("%d attempts, rows %v: want 3 attempts and only the last one's row", attempts, rows)
			}
		})
	}
	t.Run("gives up", func(t *testing.T) {
		attempts := 0
		err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			attempts++
			_, err := tx.ExecContext(ctx, `DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '40001'; END $$`)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "40001" || attempts != 4 {
			t.Fatalf("after %d attempts: %v", attempts, err)
		}
	})
	t.Run("a userError is not retried", func(t *testing.T) {
		attempts := 0
		_ = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			attempts++
			return errors.New("not retryable")
		})
		if attempts != 1 {
			t.Fatalf("%d attempts", attempts)
		}
	})
}
