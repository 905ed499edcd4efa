package db

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// VersionScope is what an answer's versions cover (SPEC §14): some of the
// caller's campaigns by id, or all of them (Owner: the campaigns list,
// whose answer changes when any of the owner's campaigns does, or when one
// is created).
type VersionScope struct {
	Owner     bool
	Campaigns []uuid.UUID
}

// Versions reads the current versions of scope for owner, as one opaque
// string, in one small indexed statement: for campaigns by id their
// versions in the scope's order (0 for one absent or another owner's, an
// answer that stays null); for the owner's list how many campaigns there
// are and a digest of every (id, version) pair. campaigns.version never
// repeats (one sequence for all campaigns), so equal strings mean nothing
// a query of the scope can show has changed.
//
// A caller that reads the versions before it reads the answer can never
// pair an answer with versions newer than it: an ETag made so is never
// the one of a newer answer, and a 304 is never stale.
func (s *Store) Versions(ctx context.Context, owner string, scope VersionScope) (string, error) {
	var (
		out string
		err error
	)
	if scope.Owner {
		err = s.withPgx(ctx, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, ownerVersions, s.hotMode, owner).Scan(&out)
		})
	} else {
		err = s.withPgx(ctx, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, campaignVersions, s.hotMode, owner, scope.Campaigns).Scan(&out)
		})
	}
	if err != nil {
		return "", fmt.Errorf("read versions: %w", err)
	}
	return out, nil
}

const (
	// ownerVersions serves from campaigns_owner_created_idx, a row per
	// campaign of the owner.
	ownerVersions = `SELECT count(*)::text || ':' || coalesce(md5(string_agg(id::text || '=' || version, ',' ORDER BY id)), '')
FROM campaigns WHERE owner = $1`
	// campaignVersions looks each campaign up by its primary key.
	campaignVersions = `SELECT coalesce(string_agg(coalesce(c.version, 0)::text, ',' ORDER BY k.ord), '')
FROM unnest($2::uuid[]) WITH ORDINALITY AS k (id, ord)
LEFT JOIN campaigns AS c ON c.id = k.id AND c.owner = $1`
)

// ETagKey is the key of the ETags' MAC, one for every replica sharing the
// database (table etag_key, made by a migration).
func (s *Store) ETagKey(ctx context.Context) ([]byte, error) {
	var key []byte
	if err := s.db.QueryRowContext(ctx, `SELECT key FROM etag_key`).Scan(&key); err != nil {
		return nil, fmt.Errorf("read the ETag key: %w", err)
	}
	return key, nil
}
