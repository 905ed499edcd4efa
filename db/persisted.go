package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// PersistedQuery returns the text of the persisted query with this
// SHA-256 (lowercase hex), false when no replica has stored it yet.
func (s *Store) PersistedQuery(ctx context.Context, sha256 string) (string, bool, error) {
	var q string
	err := s.db.QueryRowContext(ctx, `SELECT query FROM persisted_queries WHERE sha256 = ?`, sha256).Scan(&q)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("read persisted query: %w", err)
	}
	return q, true, nil
}

// PersistQuery stores a query under its SHA-256, which the caller has
// checked (gqlgen's APQ extension does); storing it again changes nothing.
func (s *Store) PersistQuery(ctx context.Context, sha256, query string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO persisted_queries (sha256, query) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING`, sha256, query)
	if err != nil {
		return fmt.Errorf("persist query: %w", err)
	}
	return nil
}
