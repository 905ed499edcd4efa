package db

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"

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

// AddOptions say what AddProspects does, and what its result may leave
// out. The zero value writes and reports everything.
type AddOptions struct {
	// DryRun validates and classifies the rows without writing them.
	DryRun bool
	// NoDuplicateProspects leaves the Prospect of ALREADY_ON_ROSTER rows
	// nil: the roster's rows for the identities the insert skipped are then
	// not read (on a 1000-row batch with 100 duplicates that read was a
	// tenth of PostgreSQL's time).
	NoDuplicateProspects bool
	// NoCampaign leaves Campaign nil after a write (it is still set with a
	// ROSTER_FROZEN error): the campaign is then not read back.
	NoCampaign bool
}

// AddProspects bulk-adds rows to a DRAFT campaign's roster in one
// transaction: validate every row, dedup within the batch (first row wins),
// write the first row of every identity with a single INSERT ... ON
// CONFLICT DO NOTHING (the unique index dedups against the roster, which
// wins), then read the roster's rows for the identities the insert skipped,
// to report them. The stats follow in the same transaction (trigger). A dry
// run takes no lock and looks all the batch's identities up instead of
// writing.
func (s *Store) AddProspects(ctx context.Context, owner string, campaignID uuid.UUID, rows []*model.ProspectInput, o AddOptions) (*AddResult, error) {
	res := &AddResult{}
	lock := rosterLock
	dryRun := o.DryRun
	if dryRun {
		lock = noLock
	}
	err := s.inTxRaw(ctx, func(ctx context.Context, tx bun.Tx, raw rawConn) error {
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
		if dryRun {
			if err := plan.matchRoster(ctx, tx, plan.identities()); err != nil {
				return err
			}
		} else {
			if err := plan.insert(ctx, tx, raw, s.hotMode, !o.NoDuplicateProspects); err != nil {
				return err
			}
			res.Campaign = nil
			if !o.NoCampaign {
				if res.Campaign, err = campaignFor(ctx, tx, owner, campaignID, noLock); err != nil {
					return err
				}
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
	// One read of the system's randomness for the whole batch, not one per id.
	random := bufio.NewReaderSize(rand.Reader, 16*len(rows))
	for i, in := range rows {
		p := newProspect(c.Channel, i, in, &errs)
		if p == nil {
			if errs.full() {
				break
			}
			continue
		}
		id, err := uuid.NewV7FromReader(random)
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

// identities lists the batch's distinct identities in submission order
// (of their first rows): the order rows are written in.
func (b *batch) identities() []string {
	ids := make([]string, 0, len(b.firstOf))
	for i, p := range b.rows {
		if p != nil && b.firstOf[p.Identity] == i {
			ids = append(ids, p.Identity)
		}
	}
	return ids
}

// matchRoster finds which of identities the roster already holds. It reads
// by the unique index, so it costs the identities', not the roster's.
func (b *batch) matchRoster(ctx context.Context, idb bun.IDB, identities []string) error {
	var existing []*model.Prospect
	err := idb.NewSelect().Model(&existing).
		Where("campaign_id = ?", b.campaignID).
		Where("identity IN (?)", bun.In(identities)).
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

// insert writes the first row of every identity in one statement, in
// submission order, which is id order: the three indexes that lead with the
// id (or the campaign and the id) then take each row at their right edge,
// where PostgreSQL appends without descending the tree (written sorted by
// identity instead, the same batch cost PostgreSQL a fifth more). Two
// batches of this API never insert into one campaign at once (the roster
// lock), so their order cannot deadlock them; against a writer that skips
// the lock a deadlock is retried whole (inTx). The columns are passed to pgx
// as binary arrays and unnested in the database (PostgreSQL parses a
// thousand VALUES tuples, or array literals in the SQL text, far slower). ON CONFLICT DO NOTHING skips the identities the
// roster holds; those alone are then read if readSkipped, to be reported
// with the prospect that holds them (under the roster lock no other writer
// can have added one meanwhile).
func (b *batch) insert(ctx context.Context, tx bun.Tx, raw rawConn, hotMode pgx.QueryExecMode, readSkipped bool) error {
	identities := b.identities()
	n := len(identities)
	b.inserted = make(map[string]*model.Prospect, n)
	ids := make([]pgtype.UUID, n) // binary as is; uuid.UUID would go through its text form
	emails, linkedins, firsts, lasts := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	companies, titles, phones, locations := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	custom := make([]string, n)
	for i, id := range identities {
		p := b.rows[b.firstOf[id]]
		ids[i] = pgtype.UUID{Bytes: p.ID, Valid: true}
		emails[i], linkedins[i], firsts[i], lasts[i] = p.Email, p.LinkedinURL, p.FirstName, p.LastName
		companies[i], titles[i], phones[i], locations[i] = p.Company, p.Title, p.Phone, p.Location
		custom[i] = string(p.CustomFieldsJSON())
	}
	now := b.rows[b.firstOf[identities[0]]].CreatedAt
	written := make(map[uuid.UUID]bool, n)
	err := raw(func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `INSERT INTO prospects (id, campaign_id, identity, email, linkedin_url, first_name, last_name,
	company, title, phone, location, custom_fields, status, created_at, updated_at)
SELECT r.id, $1, r.identity, r.email, r.linkedin_url, r.first_name, r.last_name,
	r.company, r.title, r.phone, r.location, r.custom_fields::jsonb, 'pending', $2, $2
FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
	AS r (id, identity, email, linkedin_url, first_name, last_name, company, title, phone, location, custom_fields)
ON CONFLICT (campaign_id, identity) DO NOTHING
RETURNING id`, hotMode, b.campaignID, now, ids, identities, emails, linkedins, firsts, lasts,
			companies, titles, phones, locations, custom)
		if err != nil {
			return err
		}
		var id [16]byte
		_, err = pgx.ForEachRow(rows, []any{&id}, func() error {
			written[uuid.UUID(id)] = true
			return nil
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("insert prospects: %w", err)
	}
	var skipped []string
	for _, id := range identities {
		p := b.rows[b.firstOf[id]]
		if written[p.ID] {
			b.inserted[id] = p
		} else {
			skipped = append(skipped, id)
		}
	}
	if len(skipped) == 0 || !readSkipped {
		b.onRoster = make(map[string]*model.Prospect, len(skipped))
		for _, id := range skipped {
			b.onRoster[id] = nil // on the roster, its prospect not read
		}
		return nil
	}
	return b.matchRoster(ctx, tx, skipped)
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
