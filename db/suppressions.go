package db

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"roster/model"
)

// SuppressionProbe is what one row of a batch shows the owner's suppression
// list (SPEC §11, §12): its normalized email and LinkedIn URL, required or
// captured; "" when the row has none.
type SuppressionProbe struct {
	Email    string
	LinkedIn string
}

// matchSuppressions returns, for each probe, the owner's entry that blocks
// it, or nil: EMAIL first, then LINKEDIN, then the longest DOMAIN that is
// the email's domain or a parent of it (SPEC §12). Index lookups only: its
// cost follows the probes, not the list.
//
// Scaffold: the suppression list (issue 12, §11) replaces this file.
func matchSuppressions(ctx context.Context, idb bun.IDB, owner string, probes []SuppressionProbe) ([]*model.Suppression, error) {
	return make([]*model.Suppression, len(probes)), nil
}

// suppressionsByID reads the owner's entries among ids (a replay's).
//
// Scaffold: the suppression list (issue 12, §11) replaces this file.
func suppressionsByID(ctx context.Context, idb bun.IDB, owner string, ids []uuid.UUID) (map[uuid.UUID]*model.Suppression, error) {
	return map[uuid.UUID]*model.Suppression{}, nil
}
