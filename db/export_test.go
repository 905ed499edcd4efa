package db

import (
	"context"

	"github.com/uptrace/bun"
)

// InTx exposes the store's transaction runner to the tests.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.inTx(ctx, fn)
}

// HotModeFor is hotModeFor, for tests.
var HotModeFor = hotModeFor
