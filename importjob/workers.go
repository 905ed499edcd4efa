// Package importjob runs import jobs (SPEC §13): workers in every server
// process take queued jobs (and jobs whose worker died) from the
// database, read each job's stored file back, and write its rows in
// chunks through the store, each chunk one transaction with the job's
// progress; and it previews a file as a job would read it.
package importjob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"roster/csvimport"
	"roster/db"
	"roster/model"
	"roster/roster"
)

// Workers are one process's import workers.
type Workers struct {
	Store  *db.Store
	Logger *slog.Logger
	// N is how many jobs the process runs at once (default 1): each runs
	// one chunk at a time, so N bounds what imports take from the
	// database's other users.
	N int
	// ChunkRows is a chunk's size (default 1000, addProspects' batch).
	ChunkRows int
	// Poll is how often an idle worker looks for a job (default 500 ms);
	// a job stored through the same Store wakes one at once.
	Poll time.Duration
	// Lease is how long a job stays a worker's without a chunk committing
	// (default 5 s): a job whose process died is taken again after it.
	Lease time.Duration
}

func (w *Workers) defaults() {
	if w.N <= 0 {
		w.N = 1
	}
	if w.ChunkRows <= 0 {
		w.ChunkRows = 1000
	}
	if w.Poll <= 0 {
		w.Poll = 500 * time.Millisecond
	}
	if w.Lease <= 0 {
		w.Lease = 5 * time.Second
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
}

// Run runs the workers until ctx ends; a worker then finishes the chunk it
// is writing, gives its job's lease back (another process takes the job at
// once) and returns. Run returns when every worker has.
func (w *Workers) Run(ctx context.Context) {
	w.defaults()
	var wg sync.WaitGroup
	for range w.N {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
}

// purgeEvery is how often a worker purges finished jobs past 30 days.
const purgeEvery = time.Hour

func (w *Workers) loop(ctx context.Context) {
	var purged time.Time
	failures := 0
	for ctx.Err() == nil {
		if time.Since(purged) > purgeEvery {
			purged = time.Now()
			w.purge(ctx)
		}
		run, err := w.Store.ClaimImport(ctx, w.Lease)
		wait := w.Poll
		if err != nil && ctx.Err() == nil {
			// The database is away: ask less often, up to every 5 s, and
			// say so once per attempt.
			failures++
			wait = min(w.Poll<<min(failures, 4), 5*time.Second)
			w.Logger.Warn("import jobs: claim", "err", err, "retry_in", wait)
		} else {
			failures = 0
		}
		if run == nil {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			case <-w.Store.ImportQueued():
			}
			continue
		}
		w.Logger.Info("import job: running", "job", run.ID, "campaign", run.CampaignID, "from_row", run.NextRow, "rows", run.TotalRows)
		err = w.process(ctx, run)
		switch {
		case errors.Is(err, db.ErrImportStopped):
			w.Logger.Info("import job: stopped here", "job", run.ID, "row", run.NextRow)
		case ctx.Err() != nil:
			// Shutting down: another process may take the job at once.
			release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			if err := w.Store.ReleaseImport(release, run); err != nil {
				w.Logger.Warn("import job: release", "job", run.ID, "err", err)
			}
			cancel()
		case err != nil:
			// The lease runs out and a worker tries again.
			w.Logger.Error("import job: chunk failed", "job", run.ID, "row", run.NextRow, "err", err)
		default:
			w.Logger.Info("import job: done", "job", run.ID)
		}
	}
}

// purge deletes the jobs finished more than 30 days ago, a hundred at a
// time.
func (w *Workers) purge(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := w.Store.PurgeImportJobs(ctx)
		if err != nil {
			if ctx.Err() == nil {
				w.Logger.Warn("import jobs: purge", "err", err)
			}
			return
		}
		if n < 100 {
			return
		}
	}
}

// process reads the job's file from its start, skips the rows committed
// already, and writes the rest in chunks. The file is read, parsed and
// checked a chunk ahead, while the database writes the one before.
func (w *Workers) process(ctx context.Context, run *db.ImportRun) error {
	c, err := w.Store.Campaign(ctx, run.Owner, run.CampaignID)
	if errors.Is(err, model.ErrNotFound) {
		return w.Store.FailImport(ctx, run, model.NewUserError(model.UserErrorCodeNotFound, []string{"campaignId"}, "campaign %s was not found", run.CampaignID))
	}
	if err != nil {
		return err
	}
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	// The heartbeat keeps the lease while the run holds it, however long
	// skipping the rows done or a chunk's wait takes; a run that lost it
	// (cancelled, taken over) stops at once.
	beat := make(chan struct{})
	defer func() { <-beat }()
	defer stop()
	go func() {
		defer close(beat)
		t := time.NewTicker(w.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-readCtx.Done():
				return
			case <-t.C:
			}
			held, err := w.Store.RenewImport(readCtx, run, w.Lease)
			if err == nil && !held {
				stop()
				return
			}
		}
	}()
	chunks := make(chan chunk, 1)
	go w.read(readCtx, run, c.Channel, chunks)
	stats := w.statsAfter(ctx, run)
	defer stats.wait()
	for ch := range chunks {
		if ch.err != nil {
			if readCtx.Err() != nil && ctx.Err() == nil {
				return db.ErrImportStopped
			}
			return ch.err
		}
		if ch.last && len(ch.rows) == 0 && run.TotalRows > 0 && run.NextRow >= run.TotalRows {
			stats.grew(run.NextRow, true)
			return nil // the last full chunk ended the job
		}
		if err := w.Store.ImportChunk(readCtx, run, ch.rows, ch.checks, w.Lease); err != nil {
			if readCtx.Err() != nil && ctx.Err() == nil {
				return db.ErrImportStopped // the heartbeat found the lease gone
			}
			return err
		}
		stats.grew(run.NextRow, ch.last)
		if ch.last {
			if run.NextRow < run.TotalRows {
				// The file ended early: cancelled meanwhile (its file
				// deleted), or damaged.
				return w.Store.FailImport(ctx, run, model.NewUserError(model.UserErrorCodeBadUserInput, []string{"file"},
					"the stored file ended after %d of its %d rows", run.NextRow, run.TotalRows))
			}
			return nil
		}
	}
	if readCtx.Err() != nil && ctx.Err() == nil {
		return db.ErrImportStopped
	}
	return ctx.Err()
}

// chunk is a chunk of rows read ahead, with their checks by the row
// rules; last says the file ended after it.
type chunk struct {
	rows   []csvimport.Row
	checks []roster.RowCheck
	last   bool
	err    error
}

// read sends the job's rows from run.NextRow on, in chunks checked for a
// ch campaign, until the file ends or ctx does: the reading, mapping and
// checking of a chunk run while the database writes the one before.
func (w *Workers) read(ctx context.Context, run *db.ImportRun, ch model.Channel, out chan<- chunk) {
	defer close(out)
	send := func(c chunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	rd, err := csvimport.NewReader(w.Store.ImportFile(ctx, run.ID))
	if err != nil {
		send(chunk{err: fmt.Errorf("read the job's file: %w", err)})
		return
	}
	for skip := run.NextRow; skip > 0; skip-- {
		if _, err := rd.Next(); err != nil {
			send(chunk{err: fmt.Errorf("skip the rows done: %w", err)})
			return
		}
	}
	rows := make([]csvimport.Row, 0, w.ChunkRows)
	for {
		rec, err := rd.Next()
		last := errors.Is(err, io.EOF)
		if err != nil && !last {
			send(chunk{err: fmt.Errorf("read the job's file: %w", err)})
			return
		}
		if !last {
			rows = append(rows, csvimport.ToRow(run.Mapping, rec))
			if len(rows)%64 == 0 {
				// Reading is all CPU: let the requests waiting for one of
				// the process's few threads go first (else up to the
				// scheduler's 10 ms slice a poll).
				runtime.Gosched()
			}
		}
		if len(rows) == w.ChunkRows || last {
			if !send(chunk{rows: rows, checks: csvimport.Check(ch, rows), last: last}) || last {
				return
			}
			rows = make([]csvimport.Row, 0, w.ChunkRows)
		}
	}
}

// minAnalyzeRows is the least a job writes between two refreshes of the
// planner's statistics.
const minAnalyzeRows = 10_000

// statsKeeper refreshes the planner's statistics of prospects while a job
// grows the table (db.Store.AnalyzeProspects says why): each time the job
// has written as many rows as the table held at the last refresh (at
// least minAnalyzeRows), and when it ends, so the statistics are never
// off by more than half; the table's rows at the job's start are
// PostgreSQL's estimate. ANALYZE samples a fixed number of rows, so a
// 1M-row job into an empty table costs a handful; each runs beside the
// chunks, one at a time.
type statsKeeper struct {
	w       *Workers
	ctx     context.Context
	from    int          // the job's row at the last refresh
	tuples  atomic.Int64 // the table's rows then
	running chan struct{}
}

func (w *Workers) statsAfter(ctx context.Context, run *db.ImportRun) *statsKeeper {
	k := &statsKeeper{w: w, ctx: ctx, from: run.NextRow, running: make(chan struct{}, 1)}
	if n, err := w.Store.ProspectsEstimate(ctx); err == nil {
		k.tuples.Store(n)
	}
	return k
}

// grew notes the job's progress, at row next; last: the job ended. At the
// end a tenth of the table is enough (autovacuum's own threshold): a job
// that added little to a large table leaves its statistics to autovacuum
// (an ANALYZE of millions of rows beside the polls cost them more than
// the statistics were off).
func (k *statsKeeper) grew(next int, last bool) {
	n, tuples := next-k.from, int(k.tuples.Load())
	due := n >= max(minAnalyzeRows, tuples) || last && n >= max(minAnalyzeRows/10, tuples/10)
	if !due {
		return
	}
	if last {
		k.running <- struct{}{} // the last refresh waits its turn
	} else {
		select {
		case k.running <- struct{}{}:
		default:
			return // one runs: a later chunk asks again
		}
	}
	k.from = next
	go func() {
		defer func() { <-k.running }()
		ctx, cancel := context.WithTimeout(k.ctx, time.Minute)
		defer cancel()
		n, err := k.w.Store.AnalyzeProspects(ctx)
		if err != nil {
			if k.ctx.Err() == nil {
				k.w.Logger.Warn("import job: analyze", "err", err)
			}
			return
		}
		k.tuples.Store(n)
	}()
}

// wait waits for a refresh that runs.
func (k *statsKeeper) wait() {
	k.running <- struct{}{}
	<-k.running
}
