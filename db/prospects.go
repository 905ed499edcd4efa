package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"roster/model"
	"roster/roster"
)

// Prospect returns one prospect of the caller's campaign, or model.ErrNotFound.
// The campaign's version comes with the prospect, from the same snapshot
// (SPEC §14). When there is no such prospect, the version is read first
// and the prospect looked for again: the null answer is then known to hold
// at that version or a later one, never an earlier one.
func (s *Store) Prospect(ctx context.Context, owner string, campaignID, id uuid.UUID) (*model.Prospect, error) {
	p, err := s.prospect(ctx, owner, campaignID, id)
	if !errors.Is(err, model.ErrNotFound) {
		return p, err
	}
	if _, ok := ctx.Value(readsKey{}).(*Reads); !ok {
		return nil, err
	}
	v, err := s.Versions(ctx, owner, VersionScope{Campaigns: []uuid.UUID{campaignID}})
	if err != nil {
		return nil, err
	}
	p, err = s.prospect(ctx, owner, campaignID, id)
	if errors.Is(err, model.ErrNotFound) {
		noteCampaign(ctx, campaignID, strings.TrimPrefix(v, "|"))
	}
	return p, err
}

// prospectRead is a prospect with its campaign's version.
type prospectRead struct {
	bun.BaseModel   `bun:"table:prospects,alias:prospect"`
	model.Prospect  `bun:",extend"`
	CampaignVersion string `bun:"campaign_version,scanonly"`
}

func (s *Store) prospect(ctx context.Context, owner string, campaignID, id uuid.UUID) (*model.Prospect, error) {
	var row prospectRead
	err := s.db.NewSelect().Model(&row).ColumnExpr("?TableColumns").ColumnExpr("c.version::text AS campaign_version").
		Join("JOIN campaigns AS c ON c.id = prospect.campaign_id AND c.owner = ?", owner).
		Where("prospect.id = ?", id).Where("prospect.campaign_id = ?", campaignID).
		Scan(ctx)
	if err != nil {
		if isNoRows(err) {
			return nil, model.ErrNotFound
		}
		return nil, fmt.Errorf("read prospect: %w", err)
	}
	noteCampaign(ctx, campaignID, row.CampaignVersion)
	return &row.Prospect, nil
}

// updateColumns are what updateProspect writes: the identities, the
// profile's texts (the field table), the custom fields, updated_at.
var updateColumns = func() []string {
	cols := []string{"identity", "other_identity"}
	for _, f := range model.ProspectTexts {
		cols = append(cols, f.Column)
	}
	return append(cols, "custom_fields", "updated_at")
}()

// UpdateProspect patches one prospect's profile fields (SPEC §6).
func (s *Store) UpdateProspect(ctx context.Context, owner string, campaignID, id uuid.UUID, patch model.ProspectPatch) (*model.Prospect, error) {
	var out *model.Prospect
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := draftCampaign(ctx, tx, owner, campaignID, rosterLock)
		if err != nil {
			return err
		}
		p := new(model.Prospect)
		err = tx.NewSelect().Model(p).Where("id = ?", id).Where("campaign_id = ?", campaignID).For("UPDATE").Scan(ctx)
		if isNoRows(err) {
			return model.Fail(model.UserErrorCodeNotFound, []string{"id"}, "prospect %s was not found on campaign %s", id, campaignID)
		}
		if err != nil {
			return fmt.Errorf("read prospect: %w", err)
		}
		before := p.Identity
		if err := roster.ApplyPatch(c.Channel, p, patch); err != nil {
			return err
		}
		if p.Identity != before {
			taken, err := tx.NewSelect().Model((*model.Prospect)(nil)).
				Where("campaign_id = ?", campaignID).Where("identity = ?", p.Identity).Where("id <> ?", id).
				Exists(ctx)
			if err != nil {
				return fmt.Errorf("check identity: %w", err)
			}
			if taken {
				return duplicateProspect(c.Channel, p.Identity)
			}
		}
		p.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
		// The custom fields go as a string literal cast to jsonb: Bun's own
		// jsonb literal rewrites the six characters \u0000 of a stored
		// string (a backslash, then "u0000": storable text, no NUL) as an
		// escaped backslash before a NUL escape, which jsonb refuses
		// (TestUpdateProspectKeepsBackslashU0000).
		_, err = tx.NewUpdate().Model(p).Column(updateColumns...).
			Value("custom_fields", "?::jsonb", string(p.CustomFieldsJSON())).
			WherePK().Exec(ctx)
		if constraint(err) == uniqueIdentity {
			// The check above ran first; this is the database's backstop.
			return duplicateProspect(c.Channel, p.Identity)
		}
		if err != nil {
			return fmt.Errorf("update prospect: %w", err)
		}
		out = p
		return nil
	})
	return settle(out, err, "update prospect")
}

func duplicateProspect(ch model.Channel, identity string) error {
	field := roster.RequiredIdentity(ch)
	return model.Fail(model.UserErrorCodeDuplicateProspect, []string{"input", field},
		"input.%s %s is already another prospect's on this campaign", field, identity)
}

// RemoveResult is what removeProspects and clearProspects report.
type RemoveResult struct {
	Removed  int
	Campaign *model.Campaign
}

// RemoveProspects removes up to roster.MaxRemoveIDs prospects by id; ids not on
// this campaign's roster are ignored and not counted.
func (s *Store) RemoveProspects(ctx context.Context, owner string, campaignID uuid.UUID, ids []uuid.UUID) (*RemoveResult, error) {
	if err := roster.CheckRemoveIDs(ids); err != nil {
		return nil, err
	}
	return s.remove(ctx, owner, campaignID, func(q *bun.DeleteQuery) *bun.DeleteQuery {
		return q.Where("id IN (?)", bun.In(ids))
	})
}

// ClearProspects removes the whole roster of a DRAFT campaign.
func (s *Store) ClearProspects(ctx context.Context, owner string, campaignID uuid.UUID) (*RemoveResult, error) {
	return s.remove(ctx, owner, campaignID, func(q *bun.DeleteQuery) *bun.DeleteQuery { return q })
}

func (s *Store) remove(ctx context.Context, owner string, campaignID uuid.UUID, which func(*bun.DeleteQuery) *bun.DeleteQuery) (*RemoveResult, error) {
	res := &RemoveResult{}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := draftCampaign(ctx, tx, owner, campaignID, rosterLock)
		res.Campaign = c
		if err != nil {
			return err
		}
		r, err := tx.NewDelete().Model((*model.Prospect)(nil)).
			Where("campaign_id = ?", campaignID).Apply(which).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete prospects: %w", err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		res.Removed = int(n)
		res.Campaign, err = campaignFor(ctx, tx, owner, campaignID, noLock)
		return err
	})
	return settle(res, err, "remove prospects")
}
