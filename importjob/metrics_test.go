package importjob_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
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

// TestJobRowsMetric: the rows a process's workers commit are counted by
// outcome on its /metrics, beside addProspects' own counters.
func TestJobRowsMetric(t *testing.T) {
	ctx := context.Background()
	store := db.NewStore(dbtest.DB(t))
	v, err := auth.NewVerifier(auth.Config{Secret: []byte("metrics-test-secret-0123456789-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Store: store, Verifier: v, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&importjob.Workers{Store: store, ChunkRows: 2, Poll: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Run(wctx)
	}()
	defer func() { stop(); <-done }()

	owner := "metrics-" + uuid.NewString()
	c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "metrics", Channel: model.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	csv := "email,first name\na@m.example,A\nb@m.example,B\nA@m.example,again\nnot an email,C\nc@m.example,C\n"
	job, _, err := store.StartImport(ctx, owner, c.ID, db.ImportStart{File: bytes.NewReader([]byte(csv)), FileName: "m.csv"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		j, err := store.ImportJob(ctx, owner, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == model.ImportJobStatusSucceeded {
			break
		}
		if j.Status != model.ImportJobStatusQueued && j.Status != model.ImportJobStatusRunning {
			t.Fatalf("job %+v", j)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for outcome, want := range map[string]string{"imported": "3", "duplicate": "1", "invalid": "1", "skipped": "0", "updated": "0"} {
		re := regexp.MustCompile(`(?m)^roster_import_job_rows_total\{outcome="` + outcome + `"\} (\S+)$`)
		if m := re.FindSubmatch(text); m == nil || string(m[1]) != want {
			t.Errorf("rows %s: %q, want %s", outcome, m, want)
		}
	}
}
