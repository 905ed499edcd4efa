package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"roster/model"
	"roster/roster"
)

// CreateCampaign creates a DRAFT campaign with an empty roster owned by owner.
func (s *Store) CreateCampaign(ctx context.Context, owner string, in model.CreateCampaignInput) (*model.Campaign, error) {
	c, _, err := s.CreateCampaignOnce(ctx, owner, in, nil)
	return c, err
}

// CreateCampaignOnce is CreateCampaign under an idempotency key (SPEC
// §12; nil: none): the first call with a key creates the campaign and
// stores its id under the key in the same transaction; a later one with
// the same input answers that campaign as it is now, replayed.
func (s *Store) CreateCampaignOnce(ctx context.Context, owner string, in model.CreateCampaignInput, idempotencyKey *string) (c *model.Campaign, replayed bool, err error) {
	key, err := roster.CheckKey(idempotencyKey)
	if err != nil {
		return nil, false, err
	}
	name, err := roster.CampaignName(in.Name)
	if err != nil {
		return nil, false, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, false, fmt.Errorf("create campaign: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	fresh := &model.Campaign{
		ID: id, Owner: owner, Name: name, Channel: in.Channel,
		Status: model.CampaignStatusDraft, CreatedAt: now, UpdatedAt: now,
	}
	if key == "" {
		if _, err := s.db.NewInsert().Model(fresh).Returning("version::text").Exec(ctx, &fresh.Version); err != nil {
			return nil, false, fmt.Errorf("create campaign: %w", err)
		}
		return fresh, false, nil
	}
	digest, err := roster.CampaignDigest(in)
	if err != nil {
		return nil, false, err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, replayed = nil, false
		var stored uuid.UUID
		replay, err := claimKey(ctx, tx, owner, opCreateCampaign, key, digest, &stored)
		if err != nil {
			return err
		}
		if replay {
			replayed = true
			c, err = campaignFor(ctx, tx, owner, stored, noLock)
			return err
		}
		if _, err := tx.NewInsert().Model(fresh).Returning("version::text").Exec(ctx, &fresh.Version); err != nil {
			return fmt.Errorf("create campaign: %w", err)
		}
		c = fresh
		return storeResult(ctx, tx, owner, opCreateCampaign, key, fresh.ID)
	})
	c, err = settle(c, err, "create campaign")
	return c, replayed, err
}

// Campaign returns the caller's campaign, or model.ErrNotFound.
func (s *Store) Campaign(ctx context.Context, owner string, id uuid.UUID) (*model.Campaign, error) {
	c, err := campaignFor(ctx, s.db, owner, id, noLock)
	switch {
	case err == nil:
		noteCampaign(ctx, id, c.Version)
	case errors.Is(err, model.ErrNotFound):
		noteCampaign(ctx, id, "0") // null until the owner has it: never
	}
	return c, err
}

// CampaignPage is one page of the caller's campaigns.
type CampaignPage struct {
	Campaigns  []*model.Campaign
	TotalCount int
	Page       Page
}

// Campaigns lists the caller's campaigns, newest first.
func (s *Store) Campaigns(ctx context.Context, owner string, status *model.CampaignStatus, page, limit *int) (*CampaignPage, error) {
	pg, err := NewPage(page, limit, false)
	if err != nil {
		return nil, err
	}
	out := &CampaignPage{Page: pg}
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("owner = ?", owner)
		if status != nil {
			q = q.Where("status = ?", *status)
		}
		return q
	}
	// One snapshot for the count and the page, so they agree.
	err = s.db.RunInTx(ctx, &readOnlySnapshot, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*model.Campaign)(nil)).Apply(filter).Count(ctx)
		if err != nil {
			return err
		}
		out.TotalCount = int(n)
		// The owner's digest, which versions the list (SPEC §14), from the
		// same snapshot.
		var digest string
		if err := tx.QueryRowContext(ctx, bunSQL(ownerDigest), owner).Scan(&digest); err != nil {
			return err
		}
		noteOwner(ctx, digest)
		// version is scanonly (never written by Bun), hence not among the
		// default columns.
		return tx.NewSelect().Model(&out.Campaigns).ColumnExpr("?TableColumns").ColumnExpr("campaign.version::text AS version").Apply(filter).
			OrderExpr("created_at DESC, id DESC").
			Limit(int64(pg.Limit + 1)).Offset(int64(pg.Offset())).Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	if len(out.Campaigns) > pg.Limit {
		out.Campaigns = out.Campaigns[:pg.Limit]
		out.Page.HasNext = true
	}
	return out, nil
}

// TransitionCampaign moves a campaign along its lifecycle (SPEC §7). Its
// UPDATE of the status conflicts with the lock every roster write holds, so
// once it has left DRAFT no roster write commits afterwards.
func (s *Store) TransitionCampaign(ctx context.Context, owner string, id uuid.UUID, to model.CampaignStatus) (*model.Campaign, error) {
	var out *model.Campaign
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := campaignFor(ctx, tx, owner, id, rosterLock)
		if errors.Is(err, model.ErrNotFound) {
			return model.Fail(model.UserErrorCodeNotFound, []string{"id"}, "campaign %s was not found", id)
		}
		if err != nil {
			return err
		}
		out = c
		if err := roster.CheckTransition(c, to,
			func() (bool, error) { return importing(ctx, tx, id) },
			func() (bool, error) { return rosterEmpty(ctx, tx, id) }); err != nil || c.Status == to {
			return err
		}
		c.Status = to
		c.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
		// The row's new version (SPEC §14), which its trigger drew.
		_, err = tx.NewUpdate().Model(c).Column("status", "updated_at").WherePK().Returning("version::text").Exec(ctx, &c.Version)
		return err
	})
	return settle(out, err, "transition campaign")
}

func rosterEmpty(ctx context.Context, idb bun.IDB, campaignID uuid.UUID) (bool, error) {
	exists, err := idb.NewSelect().Model((*model.Prospect)(nil)).Where("campaign_id = ?", campaignID).Exists(ctx)
	return !exists, err
}
