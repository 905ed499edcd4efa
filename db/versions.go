package db

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// VersionScope is what an answer's versions cover (SPEC §14): some of the
// caller's campaigns by id, and (Owner) all of them: the campaigns list,
// whose answer changes when any of the owner's campaigns does, or when one
// is created. Campaigns are sorted (SortScope), so that one scope is
// written one way.
type VersionScope struct {
	Owner     bool
	Campaigns []uuid.UUID
}

// SortScope sorts and dedups the scope's campaigns.
func SortScope(s VersionScope) VersionScope {
	slices.SortFunc(s.Campaigns, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	s.Campaigns = slices.Compact(s.Campaigns)
	return s
}

// Versions reads the current versions of scope for owner, as one opaque
// string, in one small indexed statement: the owner's digest (how many
// campaigns the owner has, and an md5 of every (id, version) pair) when
// the scope has the owner, then each campaign's version (0 for one absent
// or another owner's, whose answer stays null). campaigns.version never
// repeats (one sequence for all campaigns), so equal strings mean nothing
// a query of the scope can show has changed. Reads.Versions writes the
// same string from what an answer's own statements read.
func (s *Store) Versions(ctx context.Context, owner string, scope VersionScope) (string, error) {
	var out string
	err := s.withPgx(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, scopeVersions, s.hotMode, owner, scope.Campaigns, scope.Owner).Scan(&out)
	})
	if err != nil {
		return "", fmt.Errorf("read versions: %w", err)
	}
	return out, nil
}

// ownerDigest is the owner's campaigns' digest, from
// campaigns_owner_created_idx, a row per campaign of the owner; $1 is the
// owner. Campaigns' page reads it in its snapshot, Versions on its own.
const ownerDigest = `SELECT count(*)::text || ':' || coalesce(md5(string_agg(id::text || '=' || version, ',' ORDER BY id)), '')
FROM campaigns WHERE owner = $1`

// scopeVersions is Versions' statement: $1 the owner, $2 the campaigns,
// $3 whether the owner's digest is part of it; each campaign by its
// primary key.
const scopeVersions = `SELECT CASE WHEN $3::boolean THEN (` + ownerDigest + `) ELSE '' END || '|' ||
	coalesce((SELECT string_agg(coalesce(c.version, 0)::text, ',' ORDER BY k.ord)
		FROM unnest($2::uuid[]) WITH ORDINALITY AS k (id, ord)
		LEFT JOIN campaigns AS c ON c.id = k.id AND c.owner = $1), '')`

// Reads are the versions one answer's statements read (SPEC §14), each
// from the snapshot that read the data it covers: the reads of a query
// (Store.ListProspects, Campaign, Campaigns, Prospect, CustomFieldKeys)
// note them when the request's context holds Reads (WithReads), so that a
// poll costs no statement more than its answer does. Statements of their
// own read versions only to validate an If-None-Match (Versions), and for
// a prospect that is not there (Prospect).
type Reads struct {
	mu        sync.Mutex
	campaigns map[uuid.UUID]string
	owner     *string
	conflict  bool
}

type readsKey struct{}

// WithReads returns ctx collecting the versions the store reads in it.
func WithReads(ctx context.Context) (context.Context, *Reads) {
	r := &Reads{campaigns: map[uuid.UUID]string{}}
	return context.WithValue(ctx, readsKey{}, r), r
}

// noteCampaign notes a campaign's version ("0": absent, or another
// owner's). The same campaign read twice at two versions (a write
// committed between two statements of one answer) spoils the answer's
// versions: it gets no ETag, and the next poll, one.
func noteCampaign(ctx context.Context, id uuid.UUID, version string) {
	r, ok := ctx.Value(readsKey{}).(*Reads)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, seen := r.campaigns[id]; seen && v != version {
		r.conflict = true
	}
	r.campaigns[id] = version
}

// noteOwner notes the owner's digest (ownerDigest).
func noteOwner(ctx context.Context, digest string) {
	r, ok := ctx.Value(readsKey{}).(*Reads)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.owner != nil && *r.owner != digest {
		r.conflict = true
	}
	r.owner = &digest
}

// Versions writes what was read of scope as Store.Versions does; false
// when some of it was not read, or was read at two versions.
func (r *Reads) Versions(scope VersionScope) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conflict {
		return "", false
	}
	var b strings.Builder
	if scope.Owner {
		if r.owner == nil {
			return "", false
		}
		b.WriteString(*r.owner)
	}
	b.WriteByte('|')
	for i, id := range scope.Campaigns {
		v, ok := r.campaigns[id]
		if !ok {
			return "", false
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// ETagKey is the key of the ETags' MAC, one for every replica sharing the
// database (table etag_key, made by a migration).
func (s *Store) ETagKey(ctx context.Context) ([]byte, error) {
	var key []byte
	if err := s.db.QueryRowContext(ctx, `SELECT key FROM etag_key`).Scan(&key); err != nil {
		return nil, fmt.Errorf("read the ETag key: %w", err)
	}
	return key, nil
}
