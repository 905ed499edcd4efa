package importjob_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

// TestJobRowsMetric: the rows a process's workers commit are counted by
// outcome on its /metrics, beside addProspects' own counters.
func TestJobRowsMetric(t *testing.T) {
	store := db.NewStore(dbtest.DB(t))
	v, err := auth.NewVerifier(auth.Config{Secret: []byte("metrics-test-secret-0123456789-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Store: store, Verifier: v, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	defer runWorkers(store, 2)()

	csv := "email,first name\na@m.example,A\nb@m.example,B\nA@m.example,again\nnot an email,C\nc@m.example,C\n"
	owner, job := startJob(t, store, "metrics", []byte(csv))
	waitSucceeded(t, store, owner, job)
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
