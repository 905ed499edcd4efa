package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"roster/model"
	"roster/roster"
)

// Store owns the SQL and the transactions of the roster. Every method checks
// ownership: another subject's campaign is model.ErrNotFound (or the userError
// NOT_FOUND), exactly as an id that does not exist.
type Store struct {
	db *bun.DB
	// Timeouts bound every mutation's transaction.
	Timeouts Timeouts
	// hotMode is how the list and the add's insert are sent (hotModeFor).
	hotMode pgx.QueryExecMode
	// marks are positions of the rosters listed deep (marks.go).
	marks *marksCache
	// turns hands the pool's connections to the hot paths (withPgx) in
	// the order they asked: nil when the pool is unbounded.
	turns chan struct{}
	// directPages counts pages decodePageRow read (for tests).
	directPages atomic.Int64
	// queued says a job was stored here (ImportQueued).
	queued chan struct{}
	// jobRows count the rows of import jobs this store committed, by
	// ImportOutcomes.
	jobRows [len(ImportOutcomes)]atomic.Int64
}

// Timeouts are the database budgets of a mutation, set with SET LOCAL at the
// start of its transaction: per transaction, so they hold through PgBouncer
// in transaction mode too (a session-level SET would leak to other clients
// of the pooled connection). Reads are bounded by the request's context.
type Timeouts struct {
	// Statement bounds each statement (statement_timeout).
	Statement time.Duration
	// Lock bounds each wait for a lock (lock_timeout), e.g. on the campaign
	// row another mutation holds.
	Lock time.Duration
	// IdleInTx ends a transaction left idle (idle_in_transaction_session_timeout).
	IdleInTx time.Duration
}

// setTimeouts sets a transaction's Timeouts (set_config(…, true) is SET
// LOCAL), with parameters.
const setTimeouts = `SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true),
	set_config('idle_in_transaction_session_timeout', $3, true)`

// args are setTimeouts' parameters: milliseconds, as text.
func (t Timeouts) args() []any {
	ms := func(d time.Duration) any { return strconv.FormatInt(d.Milliseconds(), 10) }
	return []any{ms(t.Statement), ms(t.Lock), ms(t.IdleInTx)}
}

// DefaultTimeouts admit a 1000-row add into a million-row roster many times
// over while a stuck lock or query fails in seconds, not minutes.
var DefaultTimeouts = Timeouts{Statement: 15 * time.Second, Lock: 5 * time.Second, IdleInTx: 30 * time.Second}

// lockStrength says how a mutation holds its campaign row.
type lockStrength int

const (
	// noLock reads the campaign plainly (dry runs, reads).
	noLock lockStrength = iota
	// rosterLock is what every roster write takes (lockRoster).
	rosterLock
)

// The roster lock protocol (SPEC §7), written once: every roster write
// reads its campaign with lockRoster in its transaction, then asks
// roster.CheckDraft. FOR NO KEY UPDATE conflicts with transitionCampaign's
// UPDATE of the status (which reads with lockRoster too), so no roster
// write commits after a launch; FOR SHARE would not do, since the stats
// trigger then upgrades the lock and two concurrent adds holding FOR SHARE
// deadlock on the upgrade. The statements take pgx's $n parameters; Bun
// runs them through bunSQL.
const (
	// campaignColumns are model.Campaign's columns, in scanCampaign's order.
	campaignColumns = `id, owner, name, channel, status, stats, created_at, updated_at, version::text`
	selectCampaign  = `SELECT ` + campaignColumns + ` FROM campaigns WHERE id = $1 AND owner = $2`
	lockRoster      = selectCampaign + ` FOR NO KEY UPDATE`
)

// scanCampaign reads a row of campaignColumns, from database/sql or pgx; a
// campaign that is absent (or another owner's) is model.ErrNotFound.
func scanCampaign(row interface{ Scan(...any) error }) (*model.Campaign, error) {
	c := new(model.Campaign)
	err := row.Scan(&c.ID, &c.Owner, &c.Name, &c.Channel, &c.Status, &c.Stats, &c.CreatedAt, &c.UpdatedAt, &c.Version)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return nil, model.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read campaign: %w", err)
	}
	return c, nil
}

// bunParams turns a statement's $n parameters into Bun's ?, in order.
var bunParams = regexp.MustCompile(`\$[0-9]+`)

// bunSQL is q for Bun, whose queries take ? for parameters.
func bunSQL(q string) string { return bunParams.ReplaceAllString(q, "?") }

// campaignFor reads the caller's campaign, locked as asked. A campaign
// that is absent or another subject's is model.ErrNotFound.
func campaignFor(ctx context.Context, idb bun.IDB, owner string, id uuid.UUID, lock lockStrength) (*model.Campaign, error) {
	q := selectCampaign
	if lock == rosterLock {
		q = lockRoster
	}
	return scanCampaign(idb.QueryRowContext(ctx, bunSQL(q), id, owner))
}

// draftCampaign reads and locks the caller's campaign for a roster write
// and refuses it unless the campaign is DRAFT. It returns the campaign even
// with the ROSTER_FROZEN userError, whose payload shows its status.
func draftCampaign(ctx context.Context, idb bun.IDB, owner string, id uuid.UUID, lock lockStrength) (*model.Campaign, error) {
	c, err := campaignFor(ctx, idb, owner, id, lock)
	if errors.Is(err, model.ErrNotFound) {
		return nil, roster.CheckDraft(id, nil)
	}
	if err != nil {
		return nil, err
	}
	return c, roster.CheckDraft(id, c)
}

// inTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise (userErrors included, so a refused mutation writes nothing).
// A serialization failure or a deadlock (SQLSTATE 40001, 40P01) rolls the
// whole transaction back, so it is safe to run again: fn is retried a few
// times with jittered backoff before the error is returned. A COMMIT that
// fails so that it may still have run (a lost connection) comes back
// marked in doubt (inDoubt), for a caller that must find out (an add's
// commitOutcome).
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.retrying(ctx, func() (err error) {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() {
			if p := recover(); p != nil {
				_ = tx.Rollback()
				panic(p)
			}
		}()
		if _, err := tx.ExecContext(ctx, bunSQL(setTimeouts), s.Timeouts.args()...); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("set timeouts: %w", err)
		}
		if err := fn(ctx, tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", inDoubt(err, true))
		}
		return nil
	})
}

// retrying runs run, and runs it again after a serialization failure or a
// deadlock (which roll the whole transaction back), a few times with
// jittered backoff.
func (s *Store) retrying(ctx context.Context, run func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = run()
		if !retryable(err) || attempt == maxTxAttempts {
			return err
		}
		backoff := time.Duration(attempt) * 20 * time.Millisecond
		backoff += time.Duration(rand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
	}
}

// maxTxAttempts bounds the retries of a transaction that keeps failing.
const maxTxAttempts = 4

// settle finishes a mutation: with userErrors its result goes along (the
// payload shows the campaign, say, beside ROSTER_FROZEN); any other error
// is wrapped with what was being done.
func settle[T any](res *T, err error, what string) (*T, error) {
	var ue model.UserErrors
	switch {
	case errors.As(err, &ue):
		return res, err
	case err != nil:
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return res, nil
}
