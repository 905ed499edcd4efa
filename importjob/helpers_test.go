package importjob_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/db"
	"roster/importjob"
	"roster/model"
)

// runWorkers runs one worker on store (chunks of chunkRows, 0 for the
// default) until the returned stop is called, which waits for it.
func runWorkers(store *db.Store, chunkRows int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&importjob.Workers{Store: store, ChunkRows: chunkRows, Poll: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Run(ctx)
	}()
	return func() { cancel(); <-done }
}

// startJob stores data as a job into a new EMAIL campaign of a new owner
// (named after prefix), and returns the owner and the job.
func startJob(t testing.TB, store *db.Store, prefix string, data []byte) (string, *model.ImportJob) {
	t.Helper()
	ctx := context.Background()
	owner := prefix + "-" + uuid.NewString()
	c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: prefix, Channel: model.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	job, _, err := store.StartImport(ctx, owner, c.ID, db.ImportStart{File: bytes.NewReader(data), FileName: prefix + ".csv"})
	if err != nil {
		t.Fatal(err)
	}
	return owner, job
}

// waitSucceeded polls a job every 50 ms (as the HTTP benchmark does: each
// poll costs the job CPU) until it has SUCCEEDED, failing on any other end.
func waitSucceeded(t testing.TB, store *db.Store, owner string, job *model.ImportJob) *model.ImportJob {
	t.Helper()
	for {
		j, err := store.ImportJob(context.Background(), owner, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == model.ImportJobStatusSucceeded {
			return j
		}
		if j.Status != model.ImportJobStatusQueued && j.Status != model.ImportJobStatusRunning {
			t.Fatalf("job %+v", j)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
