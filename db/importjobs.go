package db

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/csvimport"
	"roster/model"
	"roster/roster"
)

// opStartImport scopes startProspectImport's idempotency keys.
const opStartImport = "startProspectImport"

// ImportLimits bound an uploaded file (SPEC §13: IMPORT_MAX_BYTES,
// IMPORT_MAX_ROWS).
type ImportLimits struct {
	MaxBytes int64
	MaxRows  int
}

// DefaultImportLimits are SPEC §13's: 100 MiB and a million data rows.
var DefaultImportLimits = ImportLimits{MaxBytes: 100 << 20, MaxRows: 1_000_000}

// ImportStart is a startProspectImport call.
type ImportStart struct {
	// File is the upload; it is read from its start (a retried
	// transaction reads it again).
	File           io.ReadSeeker
	FileName       string
	Mapping        []*model.ColumnMappingInput
	Options        roster.ImportOptions
	IdempotencyKey *string
	Limits         ImportLimits
}

// filePiece is how much of a file one row of import_files holds.
const filePiece = 1 << 20

// maxFileName bounds the file name a job keeps, in characters.
const maxFileName = 255

// maxJobErrors is how many bad rows a job keeps (SPEC: at most 1000).
const maxJobErrors = 1000

// errReplayed ends StartImport's transaction when its key replays an
// earlier job: the file it streamed in is rolled back.
var errReplayed = errors.New("replayed")

// StartImport stores a CSV file and queues its import into a DRAFT
// campaign (SPEC §13), in one transaction: the job's row, the file in
// pieces as it streams in (hashed and its rows counted on the way, so
// totalRows is known from the start), the mapping, the idempotency key,
// and last the roster lock, under which the campaign must still be DRAFT
// (a launch serialized after it sees the job: IMPORT_IN_PROGRESS).
func (s *Store) StartImport(ctx context.Context, owner string, campaignID uuid.UUID, in ImportStart) (*model.ImportJob, bool, error) {
	key, err := roster.CheckKey(in.IdempotencyKey)
	if err != nil {
		return nil, false, err
	}
	if in.Limits == (ImportLimits{}) {
		in.Limits = DefaultImportLimits
	}
	if in.Options == (roster.ImportOptions{}) {
		in.Options = roster.Options(nil)
	}
	// The file's name is kept as sent, within what a text column holds.
	if model.StorableText(in.FileName) != nil {
		return nil, false, model.Fail(model.UserErrorCodeBadUserInput, []string{"file"}, "the file's name holds a NUL character")
	}
	in.FileName = model.Truncate(strings.ToValidUTF8(in.FileName, "\uFFFD"), maxFileName)
	// The friendly refusals first, before the file is read.
	c, err := draftCampaign(ctx, s.db, owner, campaignID, noLock)
	if err != nil {
		return nil, false, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, false, fmt.Errorf("start import: %w", err)
	}
	opts, err := json.Marshal(in.Options)
	if err != nil {
		return nil, false, fmt.Errorf("start import: %w", err)
	}
	var replayed uuid.UUID
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := in.File.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("rewind the upload: %w", err)
		}
		var name *string
		if in.FileName != "" {
			name = &in.FileName
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_jobs (id, owner, campaign_id, status, file_name, options, created_at)
			VALUES (?, ?, ?, 'queued', ?, ?::jsonb, ?)`, id, owner, campaignID, name, string(opts), time.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return fmt.Errorf("insert import job: %w", err)
		}
		sum := sha256.New()
		pieces := &pieceWriter{ctx: ctx, tx: tx, job: id}
		capped := &cappedReader{r: in.File, left: in.Limits.MaxBytes}
		src := io.TeeReader(capped, io.MultiWriter(sum, pieces))
		cols, rows, err := countRows(src, c.Channel, in.Mapping, in.Limits.MaxRows)
		if err == nil {
			_, err = io.Copy(io.Discard, src) // what the CSV reader left, if anything
		}
		if capped.over {
			return model.Fail(model.UserErrorCodeBadUserInput, []string{"file"},
				"the file is over the limit of %d bytes (IMPORT_MAX_BYTES); split it", in.Limits.MaxBytes)
		}
		if err != nil {
			return err
		}
		if err := pieces.flush(); err != nil {
			return err
		}
		if key != "" {
			digest, err := roster.ImportDigest(campaignID, in.FileName, sum.Sum(nil), in.Mapping, in.Options)
			if err != nil {
				return err
			}
			var stored uuid.UUID
			replay, err := claimKey(ctx, tx, owner, opStartImport, key, digest, &stored)
			if err != nil {
				return err
			}
			if replay {
				replayed = stored
				return errReplayed
			}
		}
		if _, err := draftCampaign(ctx, tx, owner, campaignID, rosterLock); err != nil {
			return err
		}
		mapping, err := json.Marshal(cols)
		if err != nil {
			return fmt.Errorf("start import: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE import_jobs SET total_rows = ?, mapping = ?::jsonb WHERE id = ?`,
			rows, string(mapping), id); err != nil {
			return fmt.Errorf("start import: %w", err)
		}
		if key != "" {
			return storeResult(ctx, tx, owner, opStartImport, key, id)
		}
		return nil
	})
	if errors.Is(err, errReplayed) {
		job, err := s.ImportJob(ctx, owner, replayed)
		if errors.Is(err, model.ErrNotFound) {
			err = fmt.Errorf("start import: the replayed job %s is gone", replayed)
		}
		return job, true, err
	}
	if _, err := settle(&struct{}{}, err, "start import"); err != nil {
		return nil, false, err
	}
	select {
	case s.queued <- struct{}{}:
	default: // a wake-up is pending already
	}
	job, err := s.ImportJob(ctx, owner, id)
	return job, false, err
}

// ImportQueued receives after this store queued a job, so that an idle
// worker of this process starts it at once rather than at its next poll
// (workers of other processes sharing the database find it by polling).
func (s *Store) ImportQueued() <-chan struct{} { return s.queued }

// countRows reads a file's header and mapping, and counts its data rows:
// a file without a header, or whose mapping is refused, or with more than
// maxRows rows, is a BAD_USER_INPUT userError.
func countRows(src io.Reader, ch model.Channel, overrides []*model.ColumnMappingInput, maxRows int) ([]*model.ColumnMapping, int, error) {
	rd, err := csvimport.NewReader(src)
	if errors.Is(err, csvimport.ErrNoHeader) {
		return nil, 0, model.Fail(model.UserErrorCodeBadUserInput, []string{"file"}, "%v", err)
	}
	if err != nil {
		var ue model.UserErrors
		if errors.As(err, &ue) {
			return nil, 0, err
		}
		return nil, 0, model.Fail(model.UserErrorCodeBadUserInput, []string{"file"}, "the file cannot be read as CSV: %v", err)
	}
	cols, err := csvimport.Map(rd.Header, overrides, ch)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return cols, n, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if n++; n > maxRows {
			return nil, 0, model.Fail(model.UserErrorCodeBadUserInput, []string{"file"},
				"the file has more than %d data rows (IMPORT_MAX_ROWS); split it", maxRows)
		}
	}
}

// cappedReader reads up to left bytes, and notes a file that has more.
type cappedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.over = true
			return 0, errors.New("the file is over the limit")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// pieceWriter stores what is written to it as the job's file, a piece of
// filePiece bytes per row: the file never sits whole in memory.
type pieceWriter struct {
	ctx context.Context
	tx  bun.Tx
	job uuid.UUID
	buf []byte
	seq int
}

func (w *pieceWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = make([]byte, 0, filePiece)
		}
		k := min(len(p), filePiece-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == filePiece {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *pieceWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	// Through database/sql with $n parameters: pgx sends the piece as
	// binary (Bun would inline it as hex text, twice its size).
	if _, err := w.tx.Tx.ExecContext(w.ctx, `INSERT INTO import_files (job_id, seq, data) VALUES ($1, $2, $3)`, w.job, w.seq, w.buf); err != nil {
		return fmt.Errorf("store the file: %w", err)
	}
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// ImportFile reads a job's stored file back, a piece at a time.
func (s *Store) ImportFile(ctx context.Context, job uuid.UUID) io.Reader {
	return &pieceReader{ctx: ctx, s: s, job: job}
}

type pieceReader struct {
	ctx  context.Context
	s    *Store
	job  uuid.UUID
	seq  int
	buf  []byte
	done bool
}

func (r *pieceReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		var data []byte
		err := r.s.db.QueryRowContext(r.ctx, `SELECT data FROM import_files WHERE job_id = ? AND seq = ?`, r.job, r.seq).Scan(&data)
		if isNoRows(err) {
			r.done = true
			return 0, io.EOF
		}
		if err != nil {
			return 0, fmt.Errorf("read the job's file: %w", err)
		}
		r.seq++
		r.buf = data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// importJobColumns are what scanImportJob reads, in its order.
const importJobColumns = `j.id, j.campaign_id, j.status, j.file_name, j.total_rows, j.next_row, j.imported, j.duplicates,
	j.skipped, j.updated, j.invalid, j.mapping, j.failure, j.created_at, j.started_at, j.finished_at`

func scanImportJob(row interface{ Scan(...any) error }) (*model.ImportJob, error) {
	j := &model.ImportJob{Campaign: &model.Campaign{}}
	var status string
	var mapping, failure []byte
	err := row.Scan(&j.ID, &j.Campaign.ID, &status, &j.FileName, &j.TotalRows, &j.ProcessedRows, &j.Imported, &j.Duplicates,
		&j.Skipped, &j.Updated, &j.Invalid, &mapping, &failure, &j.CreatedAt, &j.StartedAt, &j.FinishedAt)
	if isNoRows(err) {
		return nil, model.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read import job: %w", err)
	}
	j.Status = model.ImportJobStatus(strings.ToUpper(status))
	if err := json.Unmarshal(mapping, &j.Mapping); err != nil {
		return nil, fmt.Errorf("read import job's mapping: %w", err)
	}
	if failure != nil {
		j.Failure = new(model.UserError)
		if err := json.Unmarshal(failure, j.Failure); err != nil {
			return nil, fmt.Errorf("read import job's failure: %w", err)
		}
	}
	return j, nil
}

// ImportJob is one of the owner's import jobs, with its campaign, or
// model.ErrNotFound.
func (s *Store) ImportJob(ctx context.Context, owner string, id uuid.UUID) (*model.ImportJob, error) {
	j, err := scanImportJob(s.db.QueryRowContext(ctx, `SELECT `+importJobColumns+` FROM import_jobs j WHERE j.id = ? AND j.owner = ?`, id, owner))
	if err != nil {
		return nil, err
	}
	if j.Campaign, err = campaignFor(ctx, s.db, owner, j.Campaign.ID, noLock); err != nil {
		return nil, err
	}
	return j, nil
}

// ImportJobPage is one page of a campaign's import jobs.
type ImportJobPage struct {
	Jobs       []*model.ImportJob
	TotalCount int
	Page       Page
}

// ImportJobs lists a campaign's import jobs, newest first; a campaign
// that is absent or another owner's is model.ErrNotFound.
func (s *Store) ImportJobs(ctx context.Context, owner string, campaignID uuid.UUID, page, limit *int) (*ImportJobPage, error) {
	pg, err := NewPage(page, limit, false)
	if err != nil {
		return nil, err
	}
	out := &ImportJobPage{Page: pg, Jobs: []*model.ImportJob{}}
	err = s.db.RunInTx(ctx, &readOnlySnapshot, func(ctx context.Context, tx bun.Tx) error {
		c, err := campaignFor(ctx, tx, owner, campaignID, noLock)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM import_jobs WHERE campaign_id = ?`, campaignID).Scan(&out.TotalCount); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+importJobColumns+` FROM import_jobs j WHERE j.campaign_id = ?
			ORDER BY j.created_at DESC, j.id DESC LIMIT ? OFFSET ?`, campaignID, pg.Limit+1, pg.Offset())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanImportJob(rows)
			if err != nil {
				return err
			}
			j.Campaign = c
			out.Jobs = append(out.Jobs, j)
		}
		return rows.Err()
	})
	if errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("list import jobs: %w", err)
	}
	if len(out.Jobs) > pg.Limit {
		out.Jobs = out.Jobs[:pg.Limit]
		out.Page.HasNext = true
	}
	return out, nil
}

// ImportErrors are a job's first limit bad rows, in file order.
func (s *Store) ImportErrors(ctx context.Context, job uuid.UUID, limit int) ([]*model.ImportRowError, error) {
	out := []*model.ImportRowError{}
	rows, err := s.db.QueryContext(ctx, `SELECT line, column_name, message FROM import_job_errors WHERE job_id = ? ORDER BY line LIMIT ?`, job, limit)
	if err != nil {
		return nil, fmt.Errorf("read import errors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e := new(model.ImportRowError)
		if err := rows.Scan(&e.Line, &e.Column, &e.Message); err != nil {
			return nil, fmt.Errorf("read import errors: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ImportErrorsOf are the first limit bad rows of each of jobs, in file
// order, in one statement: a page of jobs that shows their errors reads
// them at once, not one job at a time.
func (s *Store) ImportErrorsOf(ctx context.Context, jobs []uuid.UUID, limit int) (map[uuid.UUID][]*model.ImportRowError, error) {
	out := make(map[uuid.UUID][]*model.ImportRowError, len(jobs))
	for _, id := range jobs {
		out[id] = []*model.ImportRowError{}
	}
	if len(jobs) == 0 || limit <= 0 {
		return out, nil
	}
	ids := make([]string, len(jobs))
	for i, id := range jobs {
		ids[i] = id.String()
	}
	rows, err := s.db.QueryContext(ctx, `SELECT e.job_id, e.line, e.column_name, e.message FROM unnest(?::uuid[]) AS j (id)
		CROSS JOIN LATERAL (SELECT * FROM import_job_errors WHERE job_id = j.id ORDER BY line LIMIT ?) e
		ORDER BY e.job_id, e.line`, pgdialect.Array(ids), limit)
	if err != nil {
		return nil, fmt.Errorf("read import errors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		e := new(model.ImportRowError)
		if err := rows.Scan(&id, &e.Line, &e.Column, &e.Message); err != nil {
			return nil, fmt.Errorf("read import errors: %w", err)
		}
		out[id] = append(out[id], e)
	}
	return out, rows.Err()
}

// CancelImport stops a QUEUED or RUNNING job of the owner (SPEC §13): it
// waits for the chunk being written (its transaction holds the job's row),
// then marks the job CANCELLED and deletes its file, so no further chunk
// commits. A finished job is answered as it is; another owner's, or an
// unknown one, is the userError NOT_FOUND.
func (s *Store) CancelImport(ctx context.Context, owner string, id uuid.UUID) (*model.ImportJob, error) {
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM import_jobs WHERE id = ? AND owner = ? FOR UPDATE`, id, owner).Scan(&status)
		if isNoRows(err) {
			return model.Fail(model.UserErrorCodeNotFound, []string{"id"}, "import job %s was not found", id)
		}
		if err != nil {
			return err
		}
		if status != "queued" && status != "running" {
			return nil
		}
		return endJob(ctx, tx, id, "cancelled", nil)
	})
	if _, err := settle(&struct{}{}, err, "cancel import"); err != nil {
		return nil, err
	}
	return s.ImportJob(ctx, owner, id)
}

// endJob finishes a job in status, with failure (FAILED), and deletes what
// only a running job needs: its file and the identities it saw.
func endJob(ctx context.Context, tx bun.Tx, id uuid.UUID, status string, failure *model.UserError) error {
	var f any
	if failure != nil {
		b, err := json.Marshal(failure)
		if err != nil {
			return err
		}
		f = string(b)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE import_jobs SET status = ?, failure = ?::jsonb, finished_at = now(),
		lease_owner = NULL, lease_until = '-infinity' WHERE id = ?`, status, f, id); err != nil {
		return fmt.Errorf("end import job: %w", err)
	}
	for _, table := range []string{"import_files", "import_job_seen"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE job_id = ?`, id); err != nil {
			return fmt.Errorf("end import job: %w", err)
		}
	}
	return nil
}

// importing says whether a job of the campaign is QUEUED or RUNNING (a
// launch's IMPORT_IN_PROGRESS, SPEC §13).
func importing(ctx context.Context, idb bun.IDB, campaignID uuid.UUID) (bool, error) {
	var busy bool
	err := idb.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM import_jobs WHERE campaign_id = ? AND status IN ('queued', 'running'))`, campaignID).Scan(&busy)
	if err != nil {
		return false, fmt.Errorf("look for import jobs: %w", err)
	}
	return busy, nil
}
