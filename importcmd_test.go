package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestImportCommandInterrupt: Ctrl-C while the job runs asks whether to
// cancel it: "n" follows the job to its end, "y" cancels it (the rows
// imported so far stay) and the command says so. The job waits QUEUED
// (no worker yet) while the test interrupts.
func TestImportCommandInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := db.NewStore(dbtest.DB(t))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ac := auth.Config{Secret: []byte(strings.Repeat("i", 32))}
	v, err := auth.NewVerifier(ac)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Store: store, Verifier: v, Logger: logger}))
	defer srv.Close()
	owner := "interrupt-" + uuid.NewString()
	tok, _ := auth.Issue(ac, owner, time.Hour)
	path := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(path, []byte("email\na@x.io\nb@x.io\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The command's interrupts and answers come from the test: a pipe's
	// write returns once the command has read the answer.
	interrupts := make(chan chan<- os.Signal, 1)
	realInterrupts, realAnswers := cliInterrupts, cliAnswers
	cliInterrupts = func(ch chan<- os.Signal) func() { interrupts <- ch; return func() {} }
	answers, answer := io.Pipe()
	cliAnswers = answers
	defer func() {
		cliInterrupts, cliAnswers = realInterrupts, realAnswers
		answer.Close()
	}()
	// The workers run for the first job only: the second waits QUEUED
	// until it is cancelled.
	wctx, stopWorkers := context.WithCancel(ctx)
	var workers sync.WaitGroup
	defer func() { stopWorkers(); workers.Wait() }()
	for _, tc := range []struct {
		answer string
		want   model.ImportJobStatus
	}{
		{"n\n", model.ImportJobStatusSucceeded},
		{"y\n", model.ImportJobStatusCancelled},
	} {
		c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "cli", Channel: model.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			done <- runCommand(t, config{}, "import", "--campaign", c.ID.String(), "--file", path, "--url", srv.URL, "--token", tok)
		}()
		var ch chan<- os.Signal
		select {
		case ch = <-interrupts:
		case err := <-done:
			t.Fatalf("the command ended before the job ran: %v", err)
		}
		ch <- os.Interrupt
		if _, err := io.WriteString(answer, tc.answer); err != nil {
			t.Fatal(err)
		}
		if tc.want == model.ImportJobStatusSucceeded {
			workers.Go(func() { (&importjob.Workers{Store: store, Logger: logger, Poll: 20 * time.Millisecond}).Run(wctx) })
		}
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("answer %q: the command still follows the job", tc.answer)
		}
		stopWorkers()
		workers.Wait()
		jobs, jerr := store.ImportJobs(ctx, owner, c.ID, nil, nil)
		if jerr != nil || len(jobs.Jobs) != 1 {
			t.Fatalf("jobs: %v %v", jobs, jerr)
		}
		if got := jobs.Jobs[0].Status; got != tc.want {
			t.Fatalf("answer %q: the job is %s, want %s (the command: %v)", tc.answer, got, tc.want, err)
		}
		if (err == nil) != (tc.want == model.ImportJobStatusSucceeded) || err != nil && !strings.Contains(err.Error(), "CANCELLED") {
			t.Errorf("answer %q: the command returned %v", tc.answer, err)
		}
	}
}
