package db

import (
	"context"

	"github.com/uptrace/bun"

	"roster/model"
)

// MatchSuppressions is matchSuppressions, for tests.
func MatchSuppressions(ctx context.Context, idb bun.IDB, owner string, probes []SuppressionProbe) ([]*model.Suppression, error) {
	return matchSuppressions(ctx, idb, owner, probes)
}

// MatchSuppressionsQuery is matchSuppressions' statement, for EXPLAIN.
const MatchSuppressionsQuery = matchSuppressionsQuery

// HasSuppressionsQuery is matchSuppressions' first statement, for EXPLAIN.
const HasSuppressionsQuery = hasSuppressionsQuery

// SuppressionIDs is suppressionIDs, for tests.
var SuppressionIDs = suppressionIDs
