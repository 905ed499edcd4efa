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
// transaction (addWrite): lock the campaign, validate every row, dedup
// within the batch (first row wins), write the first row of every
// identity with a single INSERT ... ON CONFLICT DO NOTHING (the unique
// index dedups against the roster, which wins), then read what o does not
// leave out: the roster's rows for the identities the insert skipped, the
// campaign after the write. The stats follow in the same transaction
// (trigger). A dry run takes no lock and looks all the batch's identities
// up instead of writing.
func (s *Store) AddProspects(ctx context.Context, owner string, campaignID uuid.UUID, rows []*model.ProspectInput, o AddOptions) (*roster.AddResult, error) {
	if !o.DryRun {
		res, err := s.addWrite(ctx, owner, campaignID, rows, o)
		return settle(res, err, "add prospects")
	}
	res := &roster.AddResult{}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := draftCampaign(ctx, tx, owner, campaignID, noLock)
		res.Campaign = c
		if err != nil {
			return err
		}
		if err := roster.CheckBatchSize(rows); err != nil {
			return err
		}
		plan, err := roster.Plan(c, rows)
		if err != nil {
			return err
		}
		if err := matchRoster(ctx, tx, plan, plan.Identities()); err != nil {
			return err
		}
		plan.Report(res, true)
		return nil
	})
	return settle(res, err, "add prospects")
}

// sequentialAdd makes addWrite send its statements one round trip each
// (BEGIN, the timeouts, the lock, the insert, COMMIT), as a transaction
// does without pipelining: BenchmarkAddBatch sets it to measure what the
// pipeline buys (BENCHMARKS.md, "What the speed code buys"). Nothing else
// sets it.
var sequentialAdd bool

// lockSequentially is addWrite's first round trip as three.
func lockSequentially(ctx context.Context, pc *pgx.Conn, t Timeouts, campaignID uuid.UUID, owner string, c **model.Campaign) error {
	if _, err := pc.Exec(ctx, "BEGIN"); err != nil {
		return err
	}
	if _, err := pc.Exec(ctx, setTimeouts, t.args()...); err != nil {
		return err
	}
	var err error
	if *c, err = scanCampaign(pc.QueryRow(ctx, lockRoster, campaignID, owner)); errors.Is(err, model.ErrNotFound) {
		return nil
	}
	return err
}

// addWrite is AddProspects' write: the same transaction inTx would run
// (its timeouts, the roster lock, then the checks in the same order), in
// fewer round trips. BEGIN, the timeouts and the lock go as one pipelined
// batch; then, when nothing is to be read back before COMMIT (the lean
// AddOptions) and the insert is a statement prepared on the connection,
// the insert and COMMIT go as another. Through Bun's transaction the same
// write took five round trips, 1.5 to 5 ms of a 30 ms batch on the bench.
// A refused batch (not found, frozen, bad rows) reads the whole campaign,
// for the payload, and rolls back. A connection lost once COMMIT was sent
// leaves the outcome in doubt: commitOutcome finds it out before answering.
func (s *Store) addWrite(ctx context.Context, owner string, campaignID uuid.UUID, rows []*model.ProspectInput, o AddOptions) (*roster.AddResult, error) {
	var res *roster.AddResult
	err := s.retrying(ctx, func() error {
		res = &roster.AddResult{}
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		raw := func(f func(*pgx.Conn) error) error {
			return conn.Raw(func(dc any) error { return asPgx(dc, f) })
		}
		// Whatever happened, no transaction goes back to the pool open.
		defer func() {
			_ = raw(func(c *pgx.Conn) error {
				if c.PgConn().TxStatus() == 'I' || c.IsClosed() {
					return nil
				}
				_, err := c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
				return err
			})
		}()
		var c *model.Campaign
		err = raw(func(pc *pgx.Conn) error {
			if sequentialAdd {
				return lockSequentially(ctx, pc, s.Timeouts, campaignID, owner, &c)
			}
			b := &pgx.Batch{}
			b.Queue("BEGIN")
			b.Queue(setTimeouts, s.Timeouts.args()...)
			b.Queue(lockRoster, campaignID, owner)
			br := pc.SendBatch(ctx, b)
			defer br.Close()
			for range 2 {
				if _, err := br.Exec(); err != nil {
					return err
				}
			}
			var err error
			if c, err = scanCampaign(br.QueryRow()); err != nil && !errors.Is(err, model.ErrNotFound) {
				return err
			}
			return br.Close()
		})
		if err != nil {
			return fmt.Errorf("lock campaign: %w", err)
		}
		// A refused batch's payload shows the campaign, as the lock read it.
		res.Campaign = c
		if err := roster.CheckDraft(campaignID, c); err != nil {
			return err
		}
		if err := roster.CheckBatchSize(rows); err != nil {
			return err
		}
		plan, err := roster.Plan(c, rows)
		if err != nil {
			return err
		}
		res.Campaign = nil // read back after the write, when asked
		readBack := !o.NoDuplicateProspects || !o.NoCampaign
		committed, err := insertBatch(ctx, raw, plan, s.hotMode, !readBack && !sequentialAdd)
		if err != nil {
			// A COMMIT sent with the insert may have run all the same.
			written, err := s.commitOutcome(ctx, owner, plan, err)
			if err != nil {
				return err
			}
			plan.Record(written)
			committed = true
		}
		if !committed {
			if !o.NoDuplicateProspects && len(plan.OnRoster) > 0 {
				if err := matchRoster(ctx, conn, plan, plan.Skipped()); err != nil {
					return err
				}
			}
			if !o.NoCampaign {
				if err := raw(func(pc *pgx.Conn) error {
					res.Campaign, err = scanCampaign(pc.QueryRow(ctx, selectCampaign, campaignID, owner))
					return err
				}); err != nil {
					return err
				}
			}
			if err := raw(func(pc *pgx.Conn) error {
				_, err := pc.Exec(ctx, "COMMIT")
				return inDoubt(err, true)
			}); err != nil {
				// The insert's RETURNING told what it wrote, if it commits.
				if _, err := s.commitOutcome(ctx, owner, plan, fmt.Errorf("commit: %w", err)); err != nil {
					return err
				}
			}
		}
		plan.Report(res, false)
		return nil
	})
	return res, err
}

// matchRoster finds which of identities the roster already holds. It reads
// by the unique index, so it costs the identities', not the roster's.
func matchRoster(ctx context.Context, idb bun.IDB, b *roster.Batch, identities []string) error {
	var existing []*model.Prospect
	err := idb.NewSelect().Model(&existing).
		Where("campaign_id = ?", b.CampaignID).
		Where("identity IN (?)", bun.In(identities)).
		Scan(ctx)
	if err != nil {
		return fmt.Errorf("match roster: %w", err)
	}
	b.OnRoster = make(map[string]*model.Prospect, len(existing))
	for _, p := range existing {
		b.OnRoster[p.Identity] = p
	}
	return nil
}

// insertBatch writes the first row of every identity in one statement, in
// submission order, which is id order: the three indexes that lead with the
// id (or the campaign and the id) then take each row at their right edge,
// where PostgreSQL appends without descending the tree (written sorted by
// identity instead, the same batch cost PostgreSQL a fifth more). Two
// batches of this API never insert into one campaign at once (the roster
// lock), so their order cannot deadlock them; against a writer that skips
// the lock a deadlock is retried whole (retrying). The columns are passed
// to pgx as binary arrays and unnested in the database (PostgreSQL parses
// a thousand VALUES tuples, or array literals in the SQL text, far slower).
// ON CONFLICT DO NOTHING skips the identities the roster holds: they are
// on it, whether or not their rows are then read (matchRoster; under the
// roster lock no other writer can have added one meanwhile).
//
// With commit, and the statement prepared on the connection (hotMode
// CacheStatement), COMMIT goes in the same round trip; committed says
// whether it did.
func insertBatch(ctx context.Context, raw rawConn, b *roster.Batch, hotMode pgx.QueryExecMode, commit bool) (committed bool, err error) {
	identities := b.Identities()
	n := len(identities)
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
	if hotMode == pgx.QueryExecModeSimpleProtocol {
		// The simple protocol sends text, which [16]byte has none of.
		uuids := make([]pgtype.UUID, n)
		for i, id := range ids {
			uuids[i] = pgtype.UUID{Bytes: id, Valid: true}
		}
		idArg = uuids
	}
	insert, args := insertStatement(rows, b.CampaignID, now, idArg, identities)
	written := make(map[uuid.UUID]bool, n)
	var id [16]byte
	collect := func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			written[uuid.UUID(id)] = true
			return nil
		})
		return err
	}
	commit = commit && hotMode == pgx.QueryExecModeCacheStatement
	err = raw(func(c *pgx.Conn) error {
		if !commit {
			rows, err := c.Query(ctx, insert, append([]any{hotMode}, args...)...)
			if err != nil {
				return err
			}
			return collect(rows)
		}
		// Prepared under its own text as its name, a batch finds it.
		if _, err := c.Prepare(ctx, insert, insert); err != nil {
			return err
		}
		pb := &pgx.Batch{}
		pb.Queue(insert, args...)
		pb.Queue("COMMIT")
		br := c.SendBatch(ctx, pb)
		defer br.Close()
		rows, err := br.Query()
		if err == nil {
			err = collect(rows)
		}
		if err != nil {
			return inDoubt(err, false)
		}
		tag, err := br.Exec()
		if err != nil {
			return fmt.Errorf("commit: %w", inDoubt(err, true))
		}
		if tag.String() != "COMMIT" {
			return fmt.Errorf("commit: the transaction ended with %s", tag)
		}
		// COMMIT's own answer says the batch is in: the call succeeded,
		// whatever comes after. What comes is the batch's end (its Sync's
		// ReadyForQuery), and a server shut down between COMMIT and that
		// Sync (pg_ctl restart -m fast) sends its FATAL there instead,
		// read only by Close: failing the call on it answered "nothing was
		// written" for a batch that was in (issue 10).
		if err := br.Close(); err != nil {
			slog.WarnContext(ctx, "add prospects: committed, then the connection failed", "campaign", b.CampaignID, "err", err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("insert prospects: %w", err)
	}
	b.Record(written)
	return commit, nil
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
// calls fail whole): it returns the batch's ids on the roster if it did,
// err if it did not (nothing was written), and ErrCommitUnknown if the
// database does not tell within ctx. It asks on another connection, under
// the roster lock: the add's transaction held that lock until it ended, so
// once it is granted that transaction can no longer commit and what is read
// is final (without it, a COMMIT still on its way would land after the
// read). The batch's ids were made here (planBatch), so any of them on the
// roster is this batch's; none means nothing was written (a batch that
// wrote no row is the same either way).
func (s *Store) commitOutcome(ctx context.Context, owner string, b *roster.Batch, err error) (map[uuid.UUID]bool, error) {
	var doubt *inDoubtError
	if !errors.As(err, &doubt) {
		return nil, err
	}
	identities := b.Identities()
	ids := make([]uuid.UUID, len(identities))
	for i, id := range identities {
		ids[i] = b.Rows[b.FirstOf[id]].ID
	}
	var present []uuid.UUID
	rerr := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := campaignFor(ctx, tx, owner, b.CampaignID, rosterLock); err != nil {
			return err
		}
		return tx.NewSelect().Table("prospects").Column("id").
			Where("campaign_id = ?", b.CampaignID).Where("id IN (?)", bun.In(ids)).
			Scan(ctx, &present)
	})
	if rerr != nil {
		// %v: the read's own error (say a serialization failure) must not
		// make the caller retry a batch that may be in.
		return nil, fmt.Errorf("%w: %w (reading it back: %v)", ErrCommitUnknown, err, rerr)
	}
	if len(present) == 0 {
		return nil, err
	}
	slog.WarnContext(ctx, "add prospects: the connection failed after COMMIT was sent; the batch is in", "campaign", b.CampaignID, "err", err)
	written := make(map[uuid.UUID]bool, len(present))
	for _, id := range present {
		written[id] = true
	}
	return written, nil
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
