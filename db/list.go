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

// listRow is one row of the single-roster listing statement: the filter's
// count from the campaign's kept stats beside each prospect of the page
// (prospect columns are NULL on an empty page).
type listRow struct {
	TotalCount int `bun:"total_count"`
	model.Prospect
}

// manyRow is one row of the several-rosters listing statement.
type manyRow struct {
	CampaignKey   uuid.UUID           `bun:"campaign_key"`
	CampaignStats model.CampaignStats `bun:"campaign_stats"`
	model.Prospect
}

// totalExpr is the filter's count read from the kept stats (SPEC §9).
func totalExpr(q ListQuery) string {
	key := func(st model.ProspectStatus) string {
		return "(c.stats ->> '" + strings.ToLower(string(st)) + "')::int"
	}
	switch {
	case q.Status != nil && q.Stage != nil:
		if q.Status.Stage() != *q.Stage {
			return "0"
		}
		return key(*q.Status)
	case q.Status != nil:
		return key(*q.Status)
	case q.Stage != nil:
		var terms []string
		for _, st := range q.Stage.Statuses() {
			terms = append(terms, key(st))
		}
		return "(" + strings.Join(terms, " + ") + ")"
	}
	return "(c.stats ->> 'total')::int"
}

// ListProspects serves one page of a roster in roster order, oldest first,
// in one statement (one snapshot: totalCount and the page agree). The
// page's ids come from an index-only walk of (campaign_id[, status], id),
// from whichever end is nearer (the kept count says where the end is), or
// none when the page is past the end; only the page's rows are read from
// the heap.
// ListProspects serves one page of a roster in roster order, oldest first,
// in one statement, hence one snapshot: the campaign check, totalCount (from
// the kept stats, SPEC §9) and the page always agree, and a poll costs one
// round trip. The page's ids come from an index-only walk of
// (campaign_id[, status], id) with the campaign id a constant (so the
// planner never falls back to a primary-key scan), from whichever end of
// the roster is nearer (the kept count says where the end is), or none when
// the page is past the end; only the page's rows are read from the heap.
// A keyset page seeks straight to its cursor.
func (s *Store) ListProspects(ctx context.Context, owner string, campaignID uuid.UUID, q ListQuery) (*ProspectPage, error) {
	pg, err := NewPage(q.Page, q.Limit, q.After != nil)
	if err != nil {
		return nil, err
	}
	filter, fargs := "", []any{}
	if q.Status != nil {
		filter += " AND status = ?"
		fargs = append(fargs, *q.Status)
	}
	if q.Stage != nil {
		filter += " AND status IN (?)"
		fargs = append(fargs, bun.In(q.Stage.Statuses()))
	}
	t := totalExpr(q)
	var ids string
	var args []any
	if q.After != nil {
		ids = `SELECT id FROM prospects WHERE campaign_id = ?` + filter + ` AND id > ? ORDER BY id LIMIT ?`
		args = append(append(append(args, campaignID), fargs...), *q.After, pg.Limit+1)
	} else {
		off, n := pg.Offset(), pg.Limit+1
		ids = `(SELECT id FROM prospects WHERE campaign_id = ?` + filter + `
		AND ? < ` + t + ` AND ? <= ` + t + ` / 2 ORDER BY id LIMIT ? OFFSET ?)
	UNION ALL
	(SELECT id FROM prospects WHERE campaign_id = ?` + filter + `
		AND ? < ` + t + ` AND ? > ` + t + ` / 2
		ORDER BY id DESC LIMIT greatest(least(?, ` + t + ` - ?), 0) OFFSET greatest(` + t + ` - ? - ?, 0))`
		args = append(append(append(args, campaignID), fargs...), off, off, n, off)
		args = append(append(append(args, campaignID), fargs...), off, off, n, off, off, n)
	}
	query := `SELECT ` + t + ` AS total_count, p.*
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM (` + ids + `) AS k JOIN prospects AS p ON p.id = k.id
) AS p ON true
WHERE c.id = ? AND c.owner = ?
ORDER BY p.id`
	args = append(args, campaignID, owner)

	var rows []listRow
	if err := s.db.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list prospects: %w", err)
	}
	if len(rows) == 0 {
		return nil, model.ErrNotFound
	}
	out := &ProspectPage{
		TotalCount: rows[0].TotalCount,
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

// ListProspectsMany serves the same page of several rosters in one
// statement, so that `campaigns { nodes { prospects } }` costs one query, not
// one per campaign. Campaigns absent or not the caller's are left out. It
// walks each roster from its start (OFFSET), which is fine for the small
// pages of a dashboard; polling a large roster goes through ListProspects.
func (s *Store) ListProspectsMany(ctx context.Context, owner string, campaignIDs []uuid.UUID, q ListQuery) (map[uuid.UUID]*ProspectPage, error) {
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
	query := `SELECT c.id AS campaign_key, c.stats AS campaign_stats, p.*
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM prospects AS p
	WHERE p.campaign_id = c.id` + filter + `
	ORDER BY p.id
	LIMIT ? OFFSET ?
) AS p ON true
WHERE c.id IN (?) AND c.owner = ?
ORDER BY c.id, p.id`
	args = append(args, pg.Limit+1, pg.Offset(), bun.In(campaignIDs), owner)

	var rows []manyRow
	if err := s.db.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list prospects: %w", err)
	}
	pages := make(map[uuid.UUID]*ProspectPage, len(campaignIDs))
	for i := range rows {
		r := &rows[i]
		page, ok := pages[r.CampaignKey]
		if !ok {
			page = &ProspectPage{
				TotalCount: r.CampaignStats.Matching(q.Status, q.Stage),
				Page:       pg,
				Keyset:     q.After != nil,
			}
			pages[r.CampaignKey] = page
		}
		if r.ID == uuid.Nil {
			continue // the campaign's row with an empty page
		}
		if len(page.Prospects) == pg.Limit {
			page.Page.HasNext = true
			continue
		}
		page.Prospects = append(page.Prospects, &r.Prospect)
	}
	return pages, nil
}
