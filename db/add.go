package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"

	"roster/model"
	"roster/roster"
)

// AddOptions say what AddProspects does, and what its result may leave
// out. The zero value writes and reports everything, with addProspects'
// default options.
type AddOptions struct {
	// DryRun validates and classifies the rows without writing them.
	DryRun bool
	// NoDuplicateProspects leaves the Prospect of ALREADY_ON_ROSTER rows
	// nil: the roster's rows for the identities the insert skipped are then
	// not read (on a 1000-row batch with 100 duplicates that read was a
	// tenth of PostgreSQL's time), unless onDuplicate: UPDATE needs them.
	NoDuplicateProspects bool
	// NoCampaign leaves Campaign nil after a write (it is still set with a
	// ROSTER_FROZEN error): the campaign is then not read back.
	NoCampaign bool
	// Import are the call's options (SPEC §12); the zero value is their
	// defaults (roster.Options(nil)).
	Import roster.ImportOptions
	// IdempotencyKey is the call's key as given (nil: none).
	IdempotencyKey *string
}

// AddProspects bulk-adds rows to a DRAFT campaign's roster in one
// transaction (SPEC §5, §7, §12): claim the idempotency key, if any (a
// replay answers here), lock the campaign (the roster lock; with
// otherCampaigns, the owner's lock first), validate every row, dedup within
// the batch (first row wins), screen the first rows against the
// suppression list and the owner's other campaigns, write the rest with a
// single INSERT ... ON CONFLICT DO NOTHING (the unique index dedups against
// the roster, which wins), read the roster's rows the answer or a merge
// needs, merge (onDuplicate: UPDATE), and store the result under the key.
// The stats follow in the same transaction (trigger). A dry run takes no
// lock and looks the batch's identities up instead of writing.
func (s *Store) AddProspects(ctx context.Context, owner string, campaignID uuid.UUID, rows []*model.ProspectInput, o AddOptions) (*roster.AddResult, error) {
	if o.Import == (roster.ImportOptions{}) {
		o.Import = roster.Options(nil)
	}
	key, err := roster.CheckKey(o.IdempotencyKey)
	if err != nil {
		return &roster.AddResult{}, err
	}
	var digest []byte
	if o.DryRun {
		key = "" // a dry run neither stores nor replays (SPEC §12)
	} else if key != "" {
		if digest, err = roster.AddDigest(campaignID, rows, o.Import); err != nil {
			return nil, err
		}
	}
	var res *roster.AddResult
	var plan *roster.Batch
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, plan = &roster.AddResult{}, nil
		if key != "" {
			var rec roster.AddRecord
			replay, err := claimKey(ctx, tx, owner, opAddProspects, key, digest, &rec)
			if err != nil || replay {
				if replay {
					res, err = s.replayAdd(ctx, tx, owner, campaignID, &rec)
				}
				return err
			}
		}
		var err error
		if plan, err = s.addInTx(ctx, tx, owner, campaignID, rows, o, res); err != nil {
			return err
		}
		if key != "" {
			return storeResult(ctx, tx, owner, opAddProspects, key, roster.Record(res))
		}
		return nil
	})
	if err != nil && plan != nil && !o.DryRun {
		// A lost connection may leave the COMMIT in doubt: find out.
		err = s.commitOutcome(ctx, owner, plan, err)
	}
	return settle(res, err, "add prospects")
}

// addInTx is one add inside tx, from the locks to the report in res: what
// AddProspects runs once its key is claimed, and what an import job runs
// for each chunk of a file (with its progress written in the same tx). It
// returns the batch's plan (nil when the batch was refused before one was
// made), for commitOutcome.
func (s *Store) addInTx(ctx context.Context, tx bun.Tx, owner string, campaignID uuid.UUID, rows []*model.ProspectInput, o AddOptions, res *roster.AddResult) (plan *roster.Batch, err error) {
	lock := rosterLock
	if o.DryRun {
		lock = noLock
	} else if o.Import.ChecksOtherCampaigns() {
		if err := lockOwnerIdentities(ctx, tx, owner); err != nil {
			return plan, err
		}
	}
	c, err := draftCampaign(ctx, tx, owner, campaignID, lock)
	res.Campaign = c
	if err != nil {
		return plan, err
	}
	if err := roster.CheckBatchSize(rows); err != nil {
		return plan, err
	}
	if plan, err = roster.Plan(c, rows); err != nil {
		return plan, err
	}
	if err := s.screen(ctx, tx, owner, c, plan, o.Import); err != nil {
		return plan, err
	}
	merge := o.Import.OnDuplicate == model.DuplicatePolicyUpdate
	if o.DryRun {
		found, err := readRoster(ctx, tx, plan.CampaignID, plan.Identities())
		if err != nil {
			return plan, err
		}
		plan.OnRoster = map[string]*model.Prospect{}
		plan.Found(found)
	} else {
		written, err := s.insertBatch(ctx, tx, plan)
		if err != nil {
			return plan, err
		}
		plan.Record(written)
		// The roster's rows are read for the answer or a merge, and for
		// the skipped rows that are on the roster after all (which comes
		// first): those are found first by identity alone, as most
		// skipped rows are not there (read whole, a hundred of them cost
		// more than the two screens).
		var need []string
		if !o.NoDuplicateProspects || merge {
			need = plan.Conflicted()
		}
		if skipped := plan.SkippedIdentities(); len(skipped) > 0 {
			on, err := onRoster(ctx, tx, plan.CampaignID, skipped)
			if err != nil {
				return plan, err
			}
			need = append(need, on...)
		}
		if len(need) > 0 {
			found, err := readRoster(ctx, tx, plan.CampaignID, need)
			if err != nil {
				return plan, err
			}
			plan.Found(found)
		}
	}
	if merge {
		changed, err := plan.Merge(c.Channel)
		if err != nil {
			return plan, err
		}
		if !o.DryRun {
			if err := updateMerged(ctx, tx, changed); err != nil {
				return plan, err
			}
		}
	}
	plan.Report(res, o.DryRun)
	if !o.DryRun && !o.NoCampaign {
		if res.Campaign, err = campaignFor(ctx, tx, owner, campaignID, noLock); err != nil {
			return plan, err
		}
	}
	return plan, nil
}

// replayAdd answers a replayed addProspects (SPEC §12): the stored result
// with its prospects, entries and campaigns as they are now.
func (s *Store) replayAdd(ctx context.Context, idb bun.IDB, owner string, campaignID uuid.UUID, rec *roster.AddRecord) (*roster.AddResult, error) {
	var prospects []*model.Prospect
	if ids := rec.ProspectIDs(); len(ids) > 0 {
		if err := idb.NewSelect().Model(&prospects).Where("campaign_id = ?", campaignID).
			Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("replay: read prospects: %w", err)
		}
	}
	byID := make(map[uuid.UUID]*model.Prospect, len(prospects))
	for _, p := range prospects {
		byID[p.ID] = p
	}
	var supIDs, campIDs []uuid.UUID
	for _, r := range rec.Skipped {
		if r.Suppression != nil {
			supIDs = append(supIDs, *r.Suppression)
		}
		if r.Campaign != nil {
			campIDs = append(campIDs, *r.Campaign)
		}
	}
	sups, err := suppressionsByID(ctx, idb, owner, supIDs)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	camps, err := campaignsByID(ctx, idb, owner, campIDs)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	res := rec.Replay(byID, sups, camps)
	if res.Campaign, err = campaignFor(ctx, idb, owner, campaignID, noLock); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return res, nil
}

// campaignsByID reads the owner's campaigns among ids.
func campaignsByID(ctx context.Context, idb bun.IDB, owner string, ids []uuid.UUID) (map[uuid.UUID]*model.Campaign, error) {
	out := map[uuid.UUID]*model.Campaign{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := idb.QueryContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE owner = ? AND id IN (?)`, owner, bun.In(ids))
	if err != nil {
		return nil, fmt.Errorf("read campaigns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// lockOwnerIdentities serializes the adds of one owner that look at the
// owner's other campaigns (otherCampaigns: SKIP_IF_LIVE, SKIP_IF_ANY): two
// of them into two campaigns would otherwise each find the identity on
// neither roster and both import it. The lock is the owner's, taken
// before the campaign's (always in that order, so adds cannot deadlock on
// the two), and held to the transaction's end; adds that do not look
// (IGNORE) do not take it. PostgreSQL advisory locks are per transaction
// here, so they hold through PgBouncer in transaction mode.
func lockOwnerIdentities(ctx context.Context, tx bun.Tx, owner string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('roster.owner-identities:' || ?, 0))`, owner); err != nil {
		return fmt.Errorf("lock owner: %w", err)
	}
	return nil
}

// screen marks the batch's first rows that the owner's suppression list or
// other campaigns keep out (SPEC §12), asking only what the options say.
// Both are index lookups by the batch's identities: their cost follows
// the batch, not the list or the other rosters.
func (s *Store) screen(ctx context.Context, tx bun.Tx, owner string, c *model.Campaign, b *roster.Batch, o roster.ImportOptions) error {
	rows := b.FirstRows()
	if o.SkipSuppressed {
		probes := make([]SuppressionProbe, len(rows))
		for i, p := range rows {
			probes[i] = probeOf(c.Channel, p)
		}
		hits, err := matchSuppressions(ctx, tx, owner, probes)
		if err != nil {
			return err
		}
		for i, h := range hits {
			if h != nil {
				b.SkipRow(rows[i].Identity, &roster.Skip{Reason: model.SkipReasonSuppressed, Suppression: h})
			}
		}
	}
	if !o.ChecksOtherCampaigns() {
		return nil
	}
	found, err := s.onOtherCampaigns(ctx, tx, owner, c, b.ToInsert(), o)
	if err != nil {
		return err
	}
	for id, camp := range found {
		b.SkipRow(id, &roster.Skip{Reason: model.SkipReasonInOtherCampaign, Campaign: camp})
	}
	return nil
}

// probeOf is what a row shows the suppression list: its email and its
// LinkedIn URL, normalized, whichever is required and whichever captured.
func probeOf(ch model.Channel, p *model.Prospect) SuppressionProbe {
	var other string
	if p.OtherIdentity != nil {
		other = *p.OtherIdentity
	}
	if ch == model.ChannelLinkedin {
		return SuppressionProbe{Email: other, LinkedIn: p.Identity}
	}
	return SuppressionProbe{Email: p.Identity, LinkedIn: other}
}

// otherCampaignsQuery finds which of identities ($4) the owner's other
// campaigns of the channel, in the statuses counted ($5), hold: the oldest
// such campaign for each. The batch's identities are looked up first, in
// prospects_identity_idx (identity, campaign_id), from the index alone:
// one descent per identity, whatever the number of the owner's campaigns
// (MATERIALIZED keeps the planner from walking the owner's campaigns and
// probing each roster's index with every identity instead, which cost a
// descent per identity per campaign: 15 ms for ten campaigns). Its cost
// follows the batch and how many campaigns hold its identities, never a
// roster's size.
const otherCampaignsQuery = `WITH held AS MATERIALIZED (
	SELECT identity, campaign_id FROM prospects WHERE identity = ANY ($4::text[])
)
SELECT DISTINCT ON (h.identity) h.identity, c.id
FROM held h
JOIN campaigns c ON c.id = h.campaign_id
WHERE c.owner = $1 AND c.channel = $2 AND c.id <> $3 AND c.status = ANY ($5::text[])
ORDER BY h.identity, c.created_at, c.id`

// onOtherCampaigns maps each of identities held by another of the owner's
// campaigns with c's channel (SPEC §12) to the oldest such campaign.
func (s *Store) onOtherCampaigns(ctx context.Context, tx bun.Tx, owner string, c *model.Campaign, identities []string, o roster.ImportOptions) (map[string]*model.Campaign, error) {
	if len(identities) == 0 {
		return nil, nil
	}
	var statuses []string
	for _, st := range model.AllCampaignStatuses {
		if o.Counts(st) {
			v, err := st.Value()
			if err != nil {
				return nil, err
			}
			statuses = append(statuses, v.(string))
		}
	}
	ch, err := c.Channel.Value()
	if err != nil {
		return nil, err
	}
	rows, err := rawQuery(ctx, tx, otherCampaignsQuery, owner, ch, c.ID, identities, statuses)
	if err != nil {
		return nil, fmt.Errorf("look up other campaigns: %w", err)
	}
	defer rows.Close()
	holder := map[string]uuid.UUID{}
	var ids []uuid.UUID
	for rows.Next() {
		var identity string
		var id uuid.UUID
		if err := rows.Scan(&identity, &id); err != nil {
			return nil, fmt.Errorf("look up other campaigns: %w", err)
		}
		holder[identity] = id
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up other campaigns: %w", err)
	}
	camps, err := campaignsByID(ctx, tx, owner, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*model.Campaign, len(holder))
	for identity, id := range holder {
		out[identity] = camps[id]
	}
	return out, nil
}

// onRoster lists which of identities the roster holds, by its unique
// index, the identities sent as one binary array (rawQuery).
func onRoster(ctx context.Context, tx bun.Tx, campaignID uuid.UUID, identities []string) ([]string, error) {
	rows, err := rawQuery(ctx, tx, `SELECT identity FROM prospects WHERE campaign_id = $1 AND identity = ANY ($2::text[])`, campaignID, identities)
	if err != nil {
		return nil, fmt.Errorf("match roster: %w", err)
	}
	defer rows.Close()
	var on []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("match roster: %w", err)
		}
		on = append(on, id)
	}
	return on, rows.Err()
}

// readRoster reads the roster's prospects holding identities. It reads by
// the unique index, so it costs the identities', not the roster's.
func readRoster(ctx context.Context, idb bun.IDB, campaignID uuid.UUID, identities []string) (map[string]*model.Prospect, error) {
	var existing []*model.Prospect
	err := idb.NewSelect().Model(&existing).
		Where("campaign_id = ?", campaignID).
		Where("identity IN (?)", bun.In(identities)).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("match roster: %w", err)
	}
	found := make(map[string]*model.Prospect, len(existing))
	for _, p := range existing {
		found[p.Identity] = p
	}
	return found, nil
}

// updateMerged writes the prospects onDuplicate: UPDATE changed in one
// statement (a batch may merge a thousand), their values as arrays
// unnested in the database, as the insert sends its rows: the identities,
// the profile's texts (the field table), the custom fields (as text cast
// to jsonb, as updateProspect writes them) and updated_at.
func updateMerged(ctx context.Context, tx bun.Tx, changed []*model.Prospect) error {
	if len(changed) == 0 {
		return nil
	}
	n := len(changed)
	ids, stamps := make([][16]byte, n), make([]time.Time, n)
	identities, others, fields := make([]string, n), make([]*string, n), make([]string, n)
	texts := make([][]*string, len(model.ProspectTexts))
	for j := range texts {
		texts[j] = make([]*string, n)
	}
	for i, p := range changed {
		ids[i], stamps[i], identities[i], others[i] = p.ID, p.UpdatedAt, p.Identity, p.OtherIdentity
		fields[i] = string(p.CustomFieldsJSON())
		for j := range model.ProspectTexts {
			texts[j][i] = *model.ProspectTexts[j].Of(p)
		}
	}
	args := []any{ids, identities, others, fields, stamps}
	var set, arrays, names strings.Builder
	for j, f := range model.ProspectTexts {
		args = append(args, texts[j])
		fmt.Fprintf(&set, ", %s = v.%s", f.Column, f.Column)
		fmt.Fprintf(&arrays, ", $%d::text[]", len(args))
		fmt.Fprintf(&names, ", %s", f.Column)
	}
	rows, err := rawQuery(ctx, tx, `UPDATE prospects AS p SET identity = v.identity, other_identity = v.other_identity`+set.String()+`,
	custom_fields = v.custom_fields::jsonb, updated_at = v.updated_at
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]`+arrays.String()+`)
	AS v (id, identity, other_identity, custom_fields, updated_at`+names.String()+`)
WHERE p.id = v.id`, args...)
	if err != nil {
		return fmt.Errorf("merge prospects: %w", err)
	}
	return rows.Close()
}

// insertBatch writes the first row of every identity not skipped
// (Batch.ToInsert) in one statement, in submission order, which is id
// order: the three indexes that lead with the id (or the campaign and the
// id) then take each row at their right edge, where PostgreSQL appends
// without descending the tree (written sorted by identity instead, the
// same batch cost PostgreSQL a fifth more). Two batches of this API never
// insert into one campaign at once (the roster lock), so their order
// cannot deadlock them; against a writer that skips the lock a deadlock is
// retried whole (retrying). The columns go to pgx as binary arrays,
// unnested in the database (PostgreSQL parses a thousand VALUES tuples, or
// array literals in the SQL text, far slower): the statement is sent
// through database/sql as it is, not formatted by Bun, so pgx encodes its
// parameters. ON CONFLICT DO NOTHING skips the identities the roster
// holds: they are on it, whether or not their rows are then read (under
// the roster lock no other writer can have added one meanwhile). It
// returns the ids it wrote.
func (s *Store) insertBatch(ctx context.Context, tx bun.Tx, b *roster.Batch) (map[uuid.UUID]bool, error) {
	identities := b.ToInsert()
	n := len(identities)
	written := make(map[uuid.UUID]bool, n)
	if n == 0 {
		return written, nil
	}
	// [16]byte and string slices are what pgx encodes without reflection
	// ([]*string and []pgtype.UUID went through reflect, a tenth of the
	// server's CPU per batch).
	ids := make([][16]byte, n)
	rows := make([]*model.Prospect, n)
	for i, id := range identities {
		rows[i] = b.Rows[b.FirstOf[id]]
		ids[i] = rows[i].ID
	}
	now := rows[0].CreatedAt
	var idArg any = ids
	if s.hotMode == pgx.QueryExecModeSimpleProtocol {
		// The simple protocol sends text, which [16]byte has none of.
		uuids := make([]pgtype.UUID, n)
		for i, id := range ids {
			uuids[i] = pgtype.UUID{Bytes: id, Valid: true}
		}
		idArg = uuids
	}
	insert, args := insertStatement(rows, b.CampaignID, now, idArg, identities)
	res, err := tx.Tx.QueryContext(ctx, insert, append([]any{s.hotMode}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("insert prospects: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var id uuid.UUID
		if err := res.Scan(&id); err != nil {
			return nil, fmt.Errorf("insert prospects: %w", err)
		}
		written[id] = true
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("insert prospects: %w", err)
	}
	return written, nil
}

// ErrCommitUnknown is an add's error when its connection failed once
// COMMIT was sent and the database could not say, within the request's
// deadline, whether it committed: the batch may be in, whole, or not at
// all. The client still sees INTERNAL_SERVER_ERROR (SPEC §4), and may send
// the batch again: identities dedupe, so rows that did get in come back
// ALREADY_ON_ROSTER and are never written twice.
var ErrCommitUnknown = errors.New("the commit's outcome is unknown")

// inDoubtError is an error after which a COMMIT that was sent may or may
// not have run.
type inDoubtError struct{ err error }

func (e *inDoubtError) Error() string { return e.err.Error() }
func (e *inDoubtError) Unwrap() error { return e.err }

// inDoubt marks err, met once COMMIT was sent (alone, or batched behind
// the statement that failed), as in doubt unless it settles that COMMIT did
// not run: nothing was sent (pgconn.SafeToRetry), or the server reported
// an error of its own for a statement before COMMIT (an ERROR makes it skip
// the rest of the batch; a FATAL ends the backend) or an ERROR for COMMIT
// (the transaction rolled back). A lost connection, a timeout, or a FATAL
// on COMMIT do not: PostgreSQL may send a FATAL after committing (a backend
// terminated while waiting for synchronous replication does). pgx reports
// a connection lost in the middle of a batch's results as "conn closed"
// (pgconn.ErrConnClosed), which claims SafeToRetry although the batch was
// sent: that one is in doubt too.
func inDoubt(err error, atCommit bool) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil, pgconn.SafeToRetry(err) && !errors.Is(err, pgconn.ErrConnClosed):
		return err
	case errors.As(err, &pgErr) && (!atCommit || pgErr.SeverityUnlocalized == "ERROR"):
		return err
	}
	return &inDoubtError{err}
}

// commitOutcome finds out, when err left an add's COMMIT in doubt, whether
// it committed, so that the answer is true both ways (SECURITY.md: in-flight
// calls fail whole): it returns nil if it did (the result already reported
// stands), err if it did not (nothing was written), and ErrCommitUnknown
// if the database does not tell within ctx. It asks on another
// connection, under the roster lock: the add's transaction held that lock
// until it ended, so once it is granted that transaction can no longer
// commit and what is read is final (without it, a COMMIT still on its way
// would land after the read). The batch's ids were made here (roster.Plan),
// so any of them on the roster is this batch's, as is a merged prospect
// whose updated_at is the batch's timestamp; neither means nothing was
// written (a batch that wrote nothing is the same either way).
func (s *Store) commitOutcome(ctx context.Context, owner string, b *roster.Batch, err error) error {
	var doubt *inDoubtError
	if !errors.As(err, &doubt) {
		return err
	}
	var ids []uuid.UUID
	for _, p := range b.Inserted {
		ids = append(ids, p.ID)
	}
	for _, p := range b.Updated {
		ids = append(ids, p.ID)
	}
	if len(ids) == 0 {
		return err
	}
	stamp := b.Rows[0].CreatedAt
	var present int
	rerr := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := campaignFor(ctx, tx, owner, b.CampaignID, rosterLock); err != nil {
			return err
		}
		return tx.NewSelect().Table("prospects").ColumnExpr("count(*)").
			Where("campaign_id = ?", b.CampaignID).Where("id IN (?)", bun.In(ids)).
			Where("created_at = ? OR updated_at = ?", stamp, stamp).
			Scan(ctx, &present)
	})
	if rerr != nil {
		// %v: the read's own error (say a serialization failure) must not
		// make the caller retry a batch that may be in.
		return fmt.Errorf("%w: %w (reading it back: %v)", ErrCommitUnknown, err, rerr)
	}
	if present == 0 {
		return err
	}
	slog.WarnContext(ctx, "add prospects: the connection failed after COMMIT was sent; the batch is in", "campaign", b.CampaignID, "err", err)
	return nil
}

// optionalColumns are the columns of a prospect that a batch may lack on
// every row: such a column is left out of the insert, and takes its
// default (NULL, or '{}' for custom_fields). PostgreSQL would otherwise
// decode an array of a thousand nothings per column: the four a typical
// email batch lacks (linkedin_url, title, phone, location) cost a tenth
// more time in the database than the statement without them. Columns go
// in or out by group, so that the statement has at most 2⁵ shapes, each
// prepared once per connection as it is first met: a client cannot make
// the server prepare hundreds.
var optionalColumns = func() []optionalColumn {
	var cols []optionalColumn
	for i := range model.ProspectTexts {
		f := &model.ProspectTexts[i]
		cols = append(cols, optionalColumn{f.Column, f.InsertGroup, func(p *model.Prospect) (string, bool) { return text(*f.Of(p)) }})
	}
	cols = append(cols, optionalColumn{"other_identity", model.OtherIdentityInsertGroup, func(p *model.Prospect) (string, bool) { return text(p.OtherIdentity) }})
	return append(cols, optionalColumn{"custom_fields", model.CustomFieldsInsertGroup, func(p *model.Prospect) (string, bool) {
		js := string(p.CustomFieldsJSON())
		return js, js != "{}"
	}})
}()

// optionalColumn is a column of the insert, its group, and its value in a
// prospect (false: none).
type optionalColumn struct {
	name  string
	group int
	value func(*model.Prospect) (string, bool)
}

// text is s, or "" for none. An absent text travels as "" among present
// ones, and the statement turns it into NULL: the row checks never let a
// present text be blank (cleanText, the identity checks).
func text(s *string) (string, bool) {
	if s == nil {
		return "", false
	}
	return *s, true
}

// insertStatement is the insert of rows (their first rows of each
// identity, in submission order) and its arguments: the columns of
// optionalColumns that some row has, as arrays unnested in the database.
func insertStatement(rows []*model.Prospect, campaignID uuid.UUID, now time.Time, ids any, identities []string) (string, []any) {
	args := []any{campaignID, now, ids, identities}
	var groups [model.CustomFieldsInsertGroup + 1]bool
	for _, col := range optionalColumns {
		for _, p := range rows {
			if groups[col.group] {
				break
			}
			_, groups[col.group] = col.value(p)
		}
	}
	var cols, vals, arrays, names strings.Builder
	for _, col := range optionalColumns {
		if !groups[col.group] {
			continue
		}
		values := make([]string, len(rows))
		for i, p := range rows {
			values[i], _ = col.value(p)
		}
		args = append(args, values)
		fmt.Fprintf(&cols, ", %s", col.name)
		fmt.Fprintf(&arrays, ", $%d::text[]", len(args))
		fmt.Fprintf(&names, ", %s", col.name)
		if col.name == "custom_fields" {
			vals.WriteString(", r.custom_fields::jsonb")
		} else {
			fmt.Fprintf(&vals, ", NULLIF(r.%s, '')", col.name)
		}
	}
	return `INSERT INTO prospects (id, campaign_id, identity` + cols.String() + `, status, created_at, updated_at)
SELECT r.id, $1, r.identity` + vals.String() + `, 'pending', $2, $2
FROM unnest($3::uuid[], $4::text[]` + arrays.String() + `) AS r (id, identity` + names.String() + `)
ON CONFLICT (campaign_id, identity) DO NOTHING
RETURNING id`, args
}
