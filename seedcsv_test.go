package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/csvimport"
	"roster/db"
	"roster/db/dbtest"
	"roster/importjob"
	"roster/model"
	"roster/roster"
)

// TestSeedDemoCSV: seed --demo writes a CSV file that an import of the
// demo EMAIL campaign maps by itself, with a few bad rows among good ones.
func TestSeedDemoCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.csv")
	cfg := config{DatabaseURL: dbtest.URL(), DataDir: t.TempDir()}
	sub := "seedcsv-" + uuid.NewString()
	if err := runCommand(t, cfg, "seed", "--demo", "--sub", sub, "--csv", path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := csvimport.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := csvimport.Map(rd.Header, nil, model.ChannelEmail)
	if err != nil {
		t.Fatalf("the sample does not map by itself: %v", err)
	}
	var inputs []*model.ProspectInput
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if row := csvimport.ToRow(cols, rec); row.Input != nil {
			inputs = append(inputs, row.Input)
		}
	}
	bad := 0
	for _, c := range roster.CheckRows(model.ChannelEmail, inputs) {
		if !c.Valid {
			bad++
		}
	}
	if len(inputs) != demoCSVRows || bad == 0 || bad > 20 {
		t.Errorf("%d rows, %d bad; want %d rows, a few bad", len(inputs), bad, demoCSVRows)
	}

	// Imported into the demo EMAIL campaign: its first 50 rows are there.
	ctx := context.Background()
	store := db.NewStore(dbtest.DB(t))
	camps, err := store.Campaigns(ctx, sub, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var email *model.Campaign
	for _, c := range camps.Campaigns {
		if c.Channel == model.ChannelEmail {
			email = c
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	job, _, err := store.StartImport(ctx, sub, email.ID, db.ImportStart{File: f, FileName: "leads.csv"})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&importjob.Workers{Store: store, Poll: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Run(wctx)
	}()
	defer func() { stop(); <-done }()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		j, err := store.ImportJob(ctx, sub, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == model.ImportJobStatusSucceeded {
			// The demo suppression list (its domains are demo companies')
			// skips some rows: the sample shows it at work too.
			if j.Duplicates < 50 || j.Invalid != bad || j.Skipped == 0 || j.Imported+j.Duplicates+j.Skipped+j.Invalid != demoCSVRows {
				t.Errorf("the sample's job: %+v", j)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job: %+v", j)
		}
	}
}
