package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"roster/apierr"
	"roster/metrics"
	"roster/requestlog"
)

// TestRefuseReadsTheTable: every code that decides its status answers
// that status through refuse, with a GraphQL error body carrying it, in
// the media type the client accepts, counted and named on the log line.
func TestRefuseReadsTheTable(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil)
	for _, code := range apierr.Codes() {
		status := apierr.Status(code)
		if status == 0 {
			continue
		}
		t.Run(code, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			r.Header.Set("Accept", "application/graphql-response+json")
			ctx, line := requestlog.WithLine(r.Context())
			w := httptest.NewRecorder()
			refuse(w, r.WithContext(ctx), m, code, "refused")
			var body struct {
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
				t.Fatalf("body %s (%v)", w.Body, err)
			}
			if w.Code != status || body.Errors[0].Extensions["code"] != code || body.Errors[0].Message != "refused" {
				t.Fatalf("HTTP %d %s, want %d with %s", w.Code, w.Body, status, code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/graphql-response+json" {
				t.Fatalf("Content-Type %q", ct)
			}
			if line.Outcome != "errors: "+code {
				t.Fatalf("log line outcome %q", line.Outcome)
			}
		})
	}
}
