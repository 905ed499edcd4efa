package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/model"
)

// AddResult is what addProspects reports (SPEC §5).
type AddResult struct {
	// Imported holds the prospects written, in submission order; on a dry
	// run it is empty and ImportedCount says how many would be.
	Imported      []*model.Prospect
	ImportedCount int
	Duplicates    []*model.DuplicateRow
	// Campaign is the campaign after the write (its stats recomputed); it is
	// set with the ROSTER_FROZEN userError too.
	Campaign *model.Campaign
}

// AddProspects bulk-adds rows to a DRAFT campaign's roster in one
// transaction: validate every row, dedup within the batch (first row wins)
// and against the roster (the roster wins), then write the new rows with a
// single multi-row INSERT ... ON CONFLICT DO NOTHING. The stats follow in
// the same transaction (trigger). With dryRun the same path runs without
// the lock and stops before the write.
func (s *Store) AddProspects(ctx context.Context, owner string, campaignID uuid.UUID, rows []*model.ProspectInput, dryRun bool) (*AddResult, error) {
	res := &AddResult{}
	lock := rosterLock
	if dryRun {
		lock = noLock
	}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := draftCampaign(ctx, tx, owner, campaignID, lock)
		res.Campaign = c
		if err != nil {
			return err
		}
		// Checked once the campaign is known, so the payload shows it.
		if n := len(rows); n < 1 || n > MaxBatchRows {
			return model.Fail(model.UserErrorCodeBadUserInput, []string{"prospects"},
				"prospects must hold 1 to %d rows; got %d", MaxBatchRows, n)
		}
		plan, err := planBatch(c, rows)
		if err != nil {
			return err
		}
		if err := plan.matchRoster(ctx, tx); err != nil {
			return err
		}
		if !dryRun {
			if err := plan.insert(ctx, tx); err != nil {
				return err
			}
			if res.Campaign, err = campaignFor(ctx, tx, owner, campaignID, noLock); err != nil {
				return err
			}
		}
		plan.report(res, dryRun)
		return nil
	})
	return settle(res, err, "add prospects")
}

// batch is a validated batch on its way to the roster.
type batch struct {
	campaignID uuid.UUID
	// rows are the valid rows in submission order.
	rows []*model.Prospect
	// firstOf maps an identity to the index of its first row.
	firstOf map[string]int
	// onRoster maps an identity to the prospect already holding it.
	onRoster map[string]*model.Prospect
	// inserted maps an identity to the prospect this batch wrote.
	inserted map[string]*model.Prospect
}

// planBatch validates every row and numbers the first row of each identity.
// Ids are UUIDv7, generated here in submission order: they are the roster
// order, so a batch lists in the order it was submitted.
func planBatch(c *model.Campaign, rows []*model.ProspectInput) (*batch, error) {
	b := &batch{campaignID: c.ID, rows: make([]*model.Prospect, len(rows)), firstOf: make(map[string]int, len(rows))}
	var errs rowErrors
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i, in := range rows {
		p := newProspect(c.Channel, i, in, &errs)
		if p == nil {
			if errs.full() {
				break
			}
			continue
		}
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("prospect id: %w", err)
		}
		p.ID, p.CampaignID, p.CreatedAt, p.UpdatedAt = id, c.ID, now, now
		b.rows[i] = p
		if _, seen := b.firstOf[p.Identity]; !seen {
			b.firstOf[p.Identity] = i
		}
	}
	if len(errs.errs) > 0 {
		return nil, errs.errs
	}
	return b, nil
}

// identities lists the batch's distinct identities, sorted: rows are written
// in this order so that concurrent batches take index locks in one order.
func (b *batch) identities() []string {
	ids := make([]string, 0, len(b.firstOf))
	for id := range b.firstOf {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// matchRoster finds which identities the roster already holds. It reads by
// the unique index, so it costs the batch's size, not the roster's.
func (b *batch) matchRoster(ctx context.Context, idb bun.IDB) error {
	var existing []*model.Prospect
	err := idb.NewSelect().Model(&existing).
		Where("campaign_id = ?", b.campaignID).
		Where("identity IN (?)", bun.In(b.identities())).
		Scan(ctx)
	if err != nil {
		return fmt.Errorf("match roster: %w", err)
	}
	b.onRoster = make(map[string]*model.Prospect, len(existing))
	for _, p := range existing {
		b.onRoster[p.Identity] = p
	}
	return nil
}

// toWrite lists the rows to insert, sorted by identity.
func (b *batch) toWrite() []*model.Prospect {
	var out []*model.Prospect
	for _, id := range b.identities() {
		if _, dup := b.onRoster[id]; !dup {
			out = append(out, b.rows[b.firstOf[id]])
		}
	}
	return out
}

// insert writes the new rows in one statement, the columns passed as arrays
// and unnested in the database (PostgreSQL parses a few array literals far
// faster than a thousand VALUES tuples). ON CONFLICT DO NOTHING is the
// backstop for a writer that does not take the campaign lock (the roster
// lock makes a conflict impossible for this API's own writes): a row it
// skips is looked up again and reported as already on the roster.
func (b *batch) insert(ctx context.Context, tx bun.Tx) error {
	rows := b.toWrite()
	b.inserted = make(map[string]*model.Prospect, len(rows))
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	ids := make([]uuid.UUID, n)
	identities, custom := make([]string, n), make([]string, n)
	emails, linkedins, firsts, lasts := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	companies, titles, phones, locations := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	for i, p := range rows {
		ids[i], identities[i] = p.ID, p.Identity
		emails[i], linkedins[i], firsts[i], lasts[i] = p.Email, p.LinkedinURL, p.FirstName, p.LastName
		companies[i], titles[i], phones[i], locations[i] = p.Company, p.Title, p.Phone, p.Location
		cf := p.CustomFields
		if cf == nil {
			cf = map[string]any{}
		}
		js, err := model.CompactJSON(cf)
		if err != nil {
			return err
		}
		custom[i] = string(js)
	}
	now := rows[0].CreatedAt
	var written []uuid.UUID
	err := tx.NewRaw(`INSERT INTO prospects (id, campaign_id, identity, email, linkedin_url, first_name, last_name,
	company, title, phone, location, custom_fields, status, created_at, updated_at)
SELECT r.id, ?, r.identity, r.email, r.linkedin_url, r.first_name, r.last_name,
	r.company, r.title, r.phone, r.location, r.custom_fields::jsonb, 'pending', ?, ?
FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
	AS r (id, identity, email, linkedin_url, first_name, last_name, company, title, phone, location, custom_fields)
ON CONFLICT (campaign_id, identity) DO NOTHING
RETURNING id`, b.campaignID, now, now,
		pgdialect.Array(ids), pgdialect.Array(identities), pgdialect.Array(emails), pgdialect.Array(linkedins),
		pgdialect.Array(firsts), pgdialect.Array(lasts), pgdialect.Array(companies), pgdialect.Array(titles),
		pgdialect.Array(phones), pgdialect.Array(locations), pgdialect.Array(custom)).
		Scan(ctx, &written)
	if err != nil {
		return fmt.Errorf("insert prospects: %w", err)
	}
	ok := make(map[uuid.UUID]bool, len(written))
	for _, id := range written {
		ok[id] = true
	}
	for _, p := range rows {
		if ok[p.ID] {
			b.inserted[p.Identity] = p
		}
	}
	if len(written) == len(rows) {
		return nil
	}
	// Someone else's rows won: look them up (the roster wins).
	if err := b.matchRoster(ctx, tx); err != nil {
		return err
	}
	for id, p := range b.inserted {
		if e, ok := b.onRoster[id]; ok && e.ID == p.ID {
			delete(b.onRoster, id)
		}
	}
	return nil
}

// report fills res: the written prospects in submission order and a
// DuplicateRow for every other row. A row whose identity is on the roster is
// ALREADY_ON_ROSTER even when an earlier row of the batch has it too; IN_BATCH
// rows point at the prospect made from the first row (nil on a dry run).
func (b *batch) report(res *AddResult, dryRun bool) {
	for i, p := range b.rows {
		if existing, ok := b.onRoster[p.Identity]; ok {
			res.Duplicates = append(res.Duplicates, &model.DuplicateRow{
				Index: i, Identity: p.Identity, Reason: model.DuplicateReasonAlreadyOnRoster, Prospect: existing,
			})
			continue
		}
		if first := b.firstOf[p.Identity]; first != i {
			res.Duplicates = append(res.Duplicates, &model.DuplicateRow{
				Index: i, Identity: p.Identity, Reason: model.DuplicateReasonInBatch, Prospect: b.inserted[p.Identity],
			})
			continue
		}
		res.ImportedCount++
		if !dryRun {
			res.Imported = append(res.Imported, p)
		}
	}
}
