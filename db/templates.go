package db

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"roster/model"
	"roster/msgtemplate"
)

// RenderTemplate renders a message template for one prospect of the caller's
// campaign. An absent or another subject's campaign or prospect is
// model.ErrNotFound; a template over msgtemplate.MaxLength characters a
// model.InputError, before anything is read.
func (s *Store) RenderTemplate(ctx context.Context, owner string, campaignID, prospectID uuid.UUID, template string) (*model.RenderedTemplate, error) {
	if err := msgtemplate.Validate(template); err != nil {
		return nil, err
	}
	p, err := s.Prospect(ctx, owner, campaignID, prospectID)
	if err != nil {
		return nil, err
	}
	return msgtemplate.Render(template, p), nil
}

// keyRow is one row of the custom-field keys statement; Key is NULL on the
// campaign's row of an empty result.
type keyRow struct {
	Key   *string `bun:"key"`
	Count int     `bun:"count"`
	// Version is the campaign's version, on every row.
	Version string `bun:"version"`
}

// CustomFieldKeys lists the custom-field keys of the caller's campaign's
// roster, each with the number of prospects that have a value for it (not
// null, not blank: exactly those for whom `%custom_fields.<key>%` renders),
// most used first, then by key in byte order. An absent or another
// subject's campaign is model.ErrNotFound.
//
// One statement: the campaign's row (so that an empty roster answers []
// and an absent campaign no row at all) beside the aggregate over its
// roster. jsonb_each_text gives a JSON null as SQL NULL, which the btrim
// comparison drops with the blank strings; numbers, booleans, objects and
// lists are never blank. It reads every prospect of the campaign, so it
// costs in proportion to the roster (about 0.25 s for 100,000 prospects
// with five keys each, on a developer machine).
func (s *Store) CustomFieldKeys(ctx context.Context, owner string, campaignID uuid.UUID) ([]*model.CustomFieldKey, error) {
	const query = `SELECT k.key, k.count, c.version::text AS version
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT f.key, count(*) AS count
	FROM prospects AS p, jsonb_each_text(p.custom_fields) AS f (key, value)
	WHERE p.campaign_id = c.id AND btrim(f.value, ?) <> ''
	GROUP BY f.key
) AS k ON true
WHERE c.id = ? AND c.owner = ?
ORDER BY k.count DESC, k.key COLLATE "C"`
	var rows []keyRow
	if err := s.db.NewRaw(query, msgtemplate.Whitespace, campaignID, owner).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("custom field keys: %w", err)
	}
	if len(rows) == 0 {
		return nil, model.ErrNotFound
	}
	noteCampaign(ctx, campaignID, rows[0].Version) // the keys' snapshot's (SPEC §14)
	out := make([]*model.CustomFieldKey, 0, len(rows))
	for _, r := range rows {
		if r.Key != nil {
			out = append(out, &model.CustomFieldKey{Key: *r.Key, Count: r.Count})
		}
	}
	return out, nil
}
