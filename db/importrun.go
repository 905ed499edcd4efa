package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/csvimport"
	"roster/model"
	"roster/roster"
)

// ImportRun is a job a worker holds the lease of: what it needs to read
// the file and write the chunks.
type ImportRun struct {
	ID         uuid.UUID
	Owner      string
	CampaignID uuid.UUID
	// Lease is this run's token: a chunk commits only while the job's
	// lease is still this one.
	Lease     uuid.UUID
	Mapping   []*model.ColumnMapping
	Options   roster.ImportOptions
	NextRow   int
	TotalRows int
	Invalid   int
}

// ErrImportStopped is a chunk refused because the run no longer holds its
// job: cancelled, finished, or taken over by another worker once the lease
// expired. The run stops; what it committed stays.
var ErrImportStopped = errors.New("the import job is no longer this run's")

// ClaimImport takes the lease of the oldest job that is QUEUED, or
// RUNNING with its lease expired (its worker was killed or stopped), for
// lease: the job is RUNNING and this run's until then, each chunk renewing
// it. SKIP LOCKED: workers of every process poll together without
// waiting on each other. nil when no job waits.
func (s *Store) ClaimImport(ctx context.Context, lease time.Duration) (*ImportRun, error) {
	run := &ImportRun{}
	token, err := uuid.NewRandom()
	if err != nil {
		return nil, err
	}
	var mapping, opts []byte
	err = s.db.QueryRowContext(ctx, `UPDATE import_jobs j SET status = 'running', lease_owner = ?,
			lease_until = now() + ? * interval '1 millisecond', started_at = coalesce(started_at, now())
		WHERE j.id = (SELECT id FROM import_jobs WHERE status IN ('queued', 'running') AND lease_until < now()
			ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING j.id, j.owner, j.campaign_id, j.mapping, j.options, j.next_row, j.total_rows, j.invalid`,
		token, lease.Milliseconds()).Scan(&run.ID, &run.Owner, &run.CampaignID, &mapping, &opts, &run.NextRow, &run.TotalRows, &run.Invalid)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim import job: %w", err)
	}
	run.Lease = token
	if err := json.Unmarshal(mapping, &run.Mapping); err != nil {
		return nil, fmt.Errorf("claim import job: mapping: %w", err)
	}
	if err := json.Unmarshal(opts, &run.Options); err != nil {
		return nil, fmt.Errorf("claim import job: options: %w", err)
	}
	return run, nil
}

// RenewImport extends a run's lease (a worker's heartbeat, while it
// skips the rows done or waits on a lock); false when the run no longer
// holds its job (cancelled, finished, taken over).
func (s *Store) RenewImport(ctx context.Context, run *ImportRun, lease time.Duration) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE import_jobs SET lease_until = now() + ? * interval '1 millisecond'
		WHERE id = ? AND lease_owner = ? AND status = 'running'`, lease.Milliseconds(), run.ID, run.Lease)
	if err != nil {
		return false, fmt.Errorf("renew import lease: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseImport gives a run's lease back (a server shutting down): another
// worker takes the job at once instead of after the lease.
func (s *Store) ReleaseImport(ctx context.Context, run *ImportRun) error {
	_, err := s.db.ExecContext(ctx, `UPDATE import_jobs SET lease_until = '-infinity', lease_owner = NULL
		WHERE id = ? AND lease_owner = ? AND status = 'running'`, run.ID, run.Lease)
	return err
}

// FailImport ends a run's job FAILED with why (unless it ended meanwhile
// or another run holds it).
func (s *Store) FailImport(ctx context.Context, run *ImportRun, why *model.UserError) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := holdRun(ctx, tx, run, -1); err != nil {
			if errors.Is(err, ErrImportStopped) {
				return nil
			}
			return err
		}
		return endJob(ctx, tx, run.ID, "failed", why)
	})
}

// holdRun locks the job's row for a chunk and checks the run still holds
// it, at row next (-1: any).
func holdRun(ctx context.Context, tx bun.Tx, run *ImportRun, next int) error {
	var status string
	var owner *uuid.UUID
	var at int
	err := tx.QueryRowContext(ctx, `SELECT status, lease_owner, next_row FROM import_jobs WHERE id = ? FOR UPDATE`, run.ID).Scan(&status, &owner, &at)
	if isNoRows(err) {
		return ErrImportStopped // purged, or its campaign deleted
	}
	if err != nil {
		return fmt.Errorf("lock import job: %w", err)
	}
	if status != "running" || owner == nil || *owner != run.Lease || next >= 0 && at != next {
		return ErrImportStopped
	}
	return nil
}

// ImportChunk writes one chunk of a run's rows (those from row
// run.NextRow on, in file order) in one transaction (SPEC §13): the job's
// row locked and its lease checked, the rows' checks by the row rules
// (csvimport.Check, made while the chunk before was written: bad rows
// counted invalid, the first 1000 kept with their lines), every
// identity's first row in the file winning (the job's seen identities),
// the rest added as addProspects adds (the roster lock and the freeze
// check, the roster, the suppression list, other campaigns, merge), and
// the counts, the next row and the lease renewed; the last chunk ends the
// job SUCCEEDED and deletes its file. A crash anywhere leaves the chunk
// whole or absent. A campaign that left DRAFT or vanished ends the job
// FAILED with that userError.
func (s *Store) ImportChunk(ctx context.Context, run *ImportRun, rows []csvimport.Row, checks []roster.RowCheck, lease time.Duration) error {
	// Rows that merge refuses (a merge past the custom fields' limit)
	// become invalid, and the chunk runs again without them.
	forced := map[int]string{}
	for {
		var refused model.UserErrors
		var counts chunkCounts
		err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := holdRun(ctx, tx, run, run.NextRow); err != nil {
				return err
			}
			var err error
			counts, refused, err = s.writeChunk(ctx, tx, run, rows, checks, forced, lease)
			if err != nil || len(refused) > 0 {
				return err
			}
			return nil
		})
		if err == nil && len(refused) > 0 {
			ended := false
			for _, ue := range refused {
				if ue.Index == nil {
					// The campaign is gone or frozen: the job cannot go on.
					if err := s.FailImport(ctx, run, ue); err != nil {
						return err
					}
					ended = true
					break
				}
				forced[*ue.Index] = ue.Message
			}
			if ended {
				return ErrImportStopped
			}
			continue
		}
		if err != nil {
			return err
		}
		run.NextRow += len(rows)
		run.Invalid += counts.invalid
		for i, n := range [...]int{counts.imported, counts.duplicates, counts.skipped, counts.updated, counts.invalid} {
			s.jobRows[i].Add(int64(n))
		}
		return nil
	}
}

type chunkCounts struct {
	imported, duplicates, skipped, updated, invalid int
}

// ImportOutcomes name a job's rows by what became of them, in chunkCounts'
// order: the label of the rows metric (ImportJobRows).
var ImportOutcomes = [...]string{"imported", "duplicate", "skipped", "updated", "invalid"}

// ImportJobRows are the rows of import jobs this store's workers
// committed, by ImportOutcomes (rows of addProspects are counted by its
// resolver).
func (s *Store) ImportJobRows() []int64 {
	out := make([]int64, len(s.jobRows))
	for i := range s.jobRows {
		out[i] = s.jobRows[i].Load()
	}
	return out
}

// writeChunk is ImportChunk's transaction after the job's row is held.
// refused are addProspects' userErrors when it refused the batch (the
// transaction then rolls back; nothing else is written).
func (s *Store) writeChunk(ctx context.Context, tx bun.Tx, run *ImportRun, rows []csvimport.Row, checks []roster.RowCheck, forced map[int]string, lease time.Duration) (chunkCounts, model.UserErrors, error) {
	var counts chunkCounts
	// The rows the merge refused are invalid now (on a copy: the
	// chunk may run again).
	if len(forced) > 0 {
		checks = slices.Clone(checks)
		for i, msg := range forced {
			checks[i] = roster.RowCheck{Problems: []roster.FieldProblem{{Message: msg}}}
		}
	}
	seen, err := seenIdentities(ctx, tx, run.ID, checks)
	if err != nil {
		return counts, nil, err
	}
	plan := roster.PlanChunk(checks, func(id string) bool { return seen[id] })
	counts.duplicates = plan.InBatch
	counts.invalid = len(plan.Invalid)
	var skipped []*model.SkippedRow
	if len(plan.Add) > 0 {
		add := make([]*model.ProspectInput, len(plan.Add))
		for k, i := range plan.Add {
			add[k] = rows[i].Input
		}
		res := &roster.AddResult{}
		_, err := s.addInTx(ctx, tx, run.Owner, run.CampaignID, add, AddOptions{NoDuplicateProspects: true, NoCampaign: true, Import: run.Options}, res)
		var ue model.UserErrors
		if errors.As(err, &ue) {
			// Index is the batch's; make it the chunk's.
			out := make(model.UserErrors, len(ue))
			for k, e := range ue {
				c := *e
				if e.Index != nil {
					i := plan.Add[*e.Index]
					c.Index = &i
					c.Message = strings.TrimPrefix(c.Message, fmt.Sprintf("prospects[%d].", *e.Index))
				}
				out[k] = &c
			}
			return counts, out, nil
		}
		if err != nil {
			return counts, nil, err
		}
		counts.imported, counts.duplicates = res.ImportedCount, counts.duplicates+len(res.Duplicates)
		counts.skipped, counts.updated = len(res.Skipped), res.UpdatedCount
		skipped = res.Skipped
	}
	if err := noteSeen(ctx, tx, run, plan, checks, skipped); err != nil {
		return counts, nil, err
	}
	if err := keepErrors(ctx, tx, run, rows, checks, plan.Invalid); err != nil {
		return counts, nil, err
	}
	next := run.NextRow + len(rows)
	if _, err := tx.ExecContext(ctx, `UPDATE import_jobs SET next_row = ?, imported = imported + ?, duplicates = duplicates + ?,
		skipped = skipped + ?, updated = updated + ?, invalid = invalid + ?, lease_until = now() + ? * interval '1 millisecond'
		WHERE id = ?`, next, counts.imported, counts.duplicates, counts.skipped, counts.updated, counts.invalid, lease.Milliseconds(), run.ID); err != nil {
		return counts, nil, fmt.Errorf("note import progress: %w", err)
	}
	if next >= run.TotalRows {
		if err := endJob(ctx, tx, run.ID, "succeeded", nil); err != nil {
			return counts, nil, err
		}
	}
	return counts, nil, nil
}

// noteSeen records the identities the chunk's rows claimed first, so
// that a later row of one is IN_BATCH. The roster answers for those its
// first row put there or found there (imported, ALREADY_ON_ROSTER: a
// later row is found on it, a duplicate either way), so only the others
// are written: those of invalid and skipped first rows, a few of a file's
// (writing every identity cost a tenth of a chunk's time). With
// onDuplicate: UPDATE every one is written: a later row found on the
// roster would be merged, and IN_BATCH rows never are (SPEC §12).
func noteSeen(ctx context.Context, tx bun.Tx, run *ImportRun, plan roster.ChunkPlan, checks []roster.RowCheck, skipped []*model.SkippedRow) error {
	note := plan.Claimed
	if run.Options.OnDuplicate != model.DuplicatePolicyUpdate {
		added := make(map[string]bool, len(plan.Add))
		for _, i := range plan.Add {
			added[checks[i].Identity] = true
		}
		note = nil
		for _, id := range plan.Claimed {
			if !added[id] {
				note = append(note, id) // an invalid first row's
			}
		}
		for _, r := range skipped {
			note = append(note, r.Identity)
		}
	}
	if len(note) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO import_job_seen (job_id, identity) SELECT ?, unnest(?::text[])
		ON CONFLICT DO NOTHING`, run.ID, pgdialect.Array(note)); err != nil {
		return fmt.Errorf("note seen identities: %w", err)
	}
	return nil
}

// seenIdentities are those of the chunk's identities an earlier chunk of
// the job claimed.
func seenIdentities(ctx context.Context, tx bun.Tx, job uuid.UUID, checks []roster.RowCheck) (map[string]bool, error) {
	var ids []string
	for _, c := range checks {
		if c.Identity != "" {
			ids = append(ids, c.Identity)
		}
	}
	seen := map[string]bool{}
	if len(ids) == 0 {
		return seen, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT identity FROM import_job_seen WHERE job_id = ? AND identity = ANY (?::text[])`, job, pgdialect.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("read seen identities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		seen[id] = true
	}
	return seen, rows.Err()
}

// keepErrors stores the chunk's bad rows, while the job keeps fewer than
// maxJobErrors.
func keepErrors(ctx context.Context, tx bun.Tx, run *ImportRun, rows []csvimport.Row, checks []roster.RowCheck, invalid []int) error {
	room := maxJobErrors - run.Invalid
	if room <= 0 || len(invalid) == 0 {
		return nil
	}
	invalid = invalid[:min(len(invalid), room)]
	lines := make([]int32, len(invalid))
	cols := make([]string, len(invalid)) // "" for none
	msgs := make([]string, len(invalid))
	for k, i := range invalid {
		e := RowError(run.Mapping, rows[i], checks[i].Problems)
		lines[k], msgs[k] = int32(e.Line), e.Message
		if e.Column != nil {
			cols[k] = *e.Column
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO import_job_errors (job_id, line, column_name, message)
		SELECT ?, r.line, NULLIF(r.col, ''), r.msg FROM unnest(?::int[], ?::text[], ?::text[]) AS r (line, col, msg)
		ON CONFLICT DO NOTHING`,
		run.ID, pgdialect.Array(lines), pgdialect.Array(cols), pgdialect.Array(msgs)); err != nil {
		return fmt.Errorf("keep import errors: %w", err)
	}
	return nil
}

// RowError is a bad row as a job reports it: its line, the column of its
// first problem, and every problem, each named by its column.
func RowError(cols []*model.ColumnMapping, row csvimport.Row, problems []roster.FieldProblem) *model.ImportRowError {
	e := &model.ImportRowError{Line: row.Line}
	var msgs []string
	for _, p := range row.Problems {
		if e.Column == nil && p.Column != "" {
			c := p.Column
			e.Column = &c
		}
		msgs = append(msgs, csvimport.ProblemText(p.Column, p.Message))
	}
	for _, p := range problems {
		col := csvimport.ColumnOf(cols, p.Field)
		if e.Column == nil && col != "" {
			e.Column = &col
		}
		msgs = append(msgs, csvimport.ProblemText(col, p.Message))
	}
	e.Message = strings.Join(msgs, "; ")
	return e
}

// PurgeImportJobs deletes jobs that finished more than 30 days ago (SPEC
// §13), a few at a time: the workers call it now and then, so no job
// outside the server is needed.
func (s *Store) PurgeImportJobs(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM import_jobs WHERE id = ANY (ARRAY (
		SELECT id FROM import_jobs WHERE finished_at < now() - interval '30 days' LIMIT 100 FOR UPDATE SKIP LOCKED))`)
	if err != nil {
		return 0, fmt.Errorf("purge import jobs: %w", err)
	}
	return res.RowsAffected()
}

// AnalyzeProspects refreshes the planner's statistics of prospects and
// returns the rows they count. An import job grows one roster fast,
// faster than autovacuum notices (a minute's nap, then a tenth of the
// table): with statistics that still had a small roster as the whole
// table, the planner walked the primary key over the job's new rows to
// list it, 40–100 ms a poll instead of 5.
func (s *Store) AnalyzeProspects(ctx context.Context) (int64, error) {
	if _, err := s.db.ExecContext(ctx, `ANALYZE prospects`); err != nil {
		return 0, fmt.Errorf("analyze prospects: %w", err)
	}
	return s.ProspectsEstimate(ctx)
}

// ProspectsEstimate is the rows of prospects by the last statistics (0
// before any).
func (s *Store) ProspectsEstimate(ctx context.Context) (int64, error) {
	var n float64
	if err := s.db.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'prospects'::regclass`).Scan(&n); err != nil {
		return 0, fmt.Errorf("estimate prospects: %w", err)
	}
	return int64(max(n, 0)), nil
}
