package db

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// InTx exposes the store's transaction runner to the tests.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.inTx(ctx, fn)
}

// HotModeFor is hotModeFor, for tests.
var HotModeFor = hotModeFor

// BuildMarks reads the marks of a campaign's roster (status "" for the
// whole roster), as the background refresh does.
func (s *Store) BuildMarks(ctx context.Context, campaign uuid.UUID, status string) error {
	return s.buildMarks(ctx, marksKey{campaign: campaign, status: status})
}

// MarkHits is how many pages were served from marks.
func (s *Store) MarkHits() int64 { return s.marks.hits.Load() }

// DirectPages is how many pages were decoded from the wire directly.
func (s *Store) DirectPages() int64 { return s.directPages.Load() }

// ScanPagesGenerically makes the list read pages with pgx's Scan (true) or
// decode them itself (false, the default), for BenchmarkListPage.
func ScanPagesGenerically(on bool) { scanPagesGenerically = on }
