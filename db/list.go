package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"roster/model"
)

// ListQuery is one request for a page of a roster (SPEC §8).
type ListQuery struct {
	Status *model.ProspectStatus
	Stage  *model.ProspectStage
	Page   *int
	Limit  *int
	// After is the id an `after` cursor decoded to.
	After *uuid.UUID
}

// ProspectPage is one page of a roster.
type ProspectPage struct {
	Prospects  []*model.Prospect
	TotalCount int
	Page       Page
	Keyset     bool
}

// listRow is one row of the listing statement: the campaign's stats beside
// each prospect of the page (prospect columns are NULL on an empty page).
type listRow struct {
	CampaignStats model.CampaignStats `bun:"campaign_stats"`
	model.Prospect
}

// ListProspects serves one page of a roster in roster order, oldest first.
// The campaign check, its stats (the totalCount, SPEC §9) and the page come
// from one statement, hence one snapshot: totalCount and the page always
// agree, and a poll costs one round trip.
func (s *Store) ListProspects(ctx context.Context, owner string, campaignID uuid.UUID, q ListQuery) (*ProspectPage, error) {
	pg, err := NewPage(q.Page, q.Limit, q.After != nil)
	if err != nil {
		return nil, err
	}
	var where []string
	args := []any{}
	if q.Status != nil {
		where = append(where, "p.status = ?")
		args = append(args, *q.Status)
	}
	if q.Stage != nil {
		where = append(where, "p.status IN (?)")
		args = append(args, bun.In(q.Stage.Statuses()))
	}
	if q.After != nil {
		where = append(where, "p.id > ?")
		args = append(args, *q.After)
	}
	filter := ""
	if len(where) > 0 {
		filter = " AND " + strings.Join(where, " AND ")
	}
	query := `SELECT c.stats AS campaign_stats, p.*
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM prospects AS p
	WHERE p.campaign_id = c.id` + filter + `
	ORDER BY p.id
	LIMIT ? OFFSET ?
) AS p ON true
WHERE c.id = ? AND c.owner = ?`
	args = append(args, pg.Limit+1, pg.Offset(), campaignID, owner)

	var rows []listRow
	if err := s.db.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list prospects: %w", err)
	}
	if len(rows) == 0 {
		return nil, model.ErrNotFound
	}
	out := &ProspectPage{
		TotalCount: rows[0].CampaignStats.Matching(q.Status, q.Stage),
		Page:       pg,
		Keyset:     q.After != nil,
	}
	for i := range rows {
		if rows[i].ID == uuid.Nil {
			break // the campaign's row with an empty page
		}
		out.Prospects = append(out.Prospects, &rows[i].Prospect)
	}
	if len(out.Prospects) > pg.Limit {
		out.Prospects = out.Prospects[:pg.Limit]
		out.Page.HasNext = true
	}
	return out, nil
}
