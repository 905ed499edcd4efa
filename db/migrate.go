package db

import (
	"context"
	"embed"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey names the advisory lock that lets only one process
// migrate at a time (two replicas starting together, say).
const migrationLockKey = 7_310_556_214

// Migrate applies every migration not yet applied; it is idempotent.
func Migrate(ctx context.Context, db *bun.DB) ([]string, error) {
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(migrationFiles); err != nil {
		return nil, fmt.Errorf("migrate: discover: %w", err)
	}
	// Bun's own lock is a row in a table, which fails rather than waits when
	// another process holds it. A transaction-level advisory lock, held by a
	// transaction left open while the migrator works on other connections,
	// waits its turn and is released by its commit even through PgBouncer in
	// transaction mode (where a session-level lock could stay behind on a
	// pooled server connection).
	lockTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer lockTx.Rollback() //nolint:errcheck
	if _, err := lockTx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLockKey); err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}

	m := migrate.NewMigrator(db, migrations)
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("migrate: init: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for _, mig := range group.Migrations {
		applied = append(applied, mig.Name)
	}
	return applied, nil
}
