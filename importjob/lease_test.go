package importjob_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/csvimport"
	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

// TestLease: a run holds its job while its lease is renewed; once it
// lapses another run takes the job, and the first one's chunks are
// refused (never written twice); a cancelled job's lease cannot be
// renewed.
func TestLease(t *testing.T) {
	ctx := context.Background()
	store := db.NewStore(dbtest.DB(t))
	owner := "lease-" + uuid.NewString()
	c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "lease", Channel: model.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	job, _, err := store.StartImport(ctx, owner, c.ID, db.ImportStart{File: bytes.NewReader(file(10)), FileName: "f.csv"})
	if err != nil {
		t.Fatal(err)
	}
	claim := func() *db.ImportRun {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			run, err := store.ClaimImport(ctx, 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if run != nil && run.ID == job.ID {
				return run
			}
		}
		t.Fatal("the job was never claimed")
		return nil
	}
	first := claim()
	if again, err := store.ClaimImport(ctx, time.Second); err != nil || again != nil && again.ID == job.ID {
		t.Fatalf("a held job was claimed again: %v %v", again, err)
	}
	if held, err := store.RenewImport(ctx, first, 300*time.Millisecond); err != nil || !held {
		t.Fatalf("renew: %v %v", held, err)
	}
	time.Sleep(400 * time.Millisecond) // the lease lapses
	second := claim()
	row := csvimport.Row{Line: 2, Input: &model.ProspectInput{Email: ptr("a@x.io")}}
	if err := store.ImportChunk(ctx, first, []csvimport.Row{row}, csvimport.Check(model.ChannelEmail, []csvimport.Row{row}), time.Second); !errors.Is(err, db.ErrImportStopped) {
		t.Errorf("the lapsed run's chunk: %v, want ErrImportStopped", err)
	}
	if held, _ := store.RenewImport(ctx, first, time.Second); held {
		t.Error("the lapsed run renewed a lease it lost")
	}
	if err := store.ImportChunk(ctx, second, []csvimport.Row{row}, csvimport.Check(model.ChannelEmail, []csvimport.Row{row}), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CancelImport(ctx, owner, job.ID); err != nil {
		t.Fatal(err)
	}
	if held, _ := store.RenewImport(ctx, second, time.Second); held {
		t.Error("a cancelled job's lease was renewed")
	}
	j, err := store.ImportJob(ctx, owner, job.ID)
	if err != nil || j.Status != model.ImportJobStatusCancelled || j.ProcessedRows != 1 || j.Imported != 1 {
		t.Errorf("job %+v %v", j, err)
	}
}

func ptr(s string) *string { return &s }
