package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
	"roster/importjob"
	"roster/model"
)

// TestImportCommand runs `import` against the real handler and workers:
// the file streams up, the job runs, the command returns once it ended.
func TestImportCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := db.NewStore(dbtest.DB(t))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ac := auth.Config{Secret: []byte(strings.Repeat("c", 32))}
	v, err := auth.NewVerifier(ac)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Store: store, Verifier: v, Logger: logger}))
	defer srv.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&importjob.Workers{Store: store, Logger: logger, Poll: 50 * time.Millisecond}).Run(ctx)
	}()
	defer func() { cancel(); <-done }()

	owner := "importcmd-" + uuid.NewString()
	c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "cli", Channel: model.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := auth.Issue(ac, owner, time.Hour)
	path := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(path, []byte("Work Address,Name\na@x.io,Ann\nbad,Bob\nb@x.io,Bea\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = runCommand(t, config{}, "import", "--campaign", c.ID.String(), "--file", path, "--url", srv.URL,
		"--token", tok, "--map", "Work Address=email", "--map", "Name=first_name")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := store.ImportJobs(ctx, owner, c.ID, nil, nil)
	if err != nil || len(jobs.Jobs) != 1 {
		t.Fatalf("jobs: %v %v", jobs, err)
	}
	if j := jobs.Jobs[0]; j.Status != model.ImportJobStatusSucceeded || j.Imported != 2 || j.Invalid != 1 {
		t.Errorf("job: %+v", j)
	}
	if _, err := parseMappings([]string{"x=nonsense"}); err == nil {
		t.Error("a mapping to no field was accepted")
	}
}
