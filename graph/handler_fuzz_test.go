package graph_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/auth"
	"roster/httpapi"
)

// FuzzHandler drives whole requests (method, URL query, headers, body)
// through the real handler over the test database, and holds every answer
// to issue 10's rules: a status below 500, never INTERNAL_SERVER_ERROR, a
// GraphQL error body with a code on every 4xx, no panic in the log, and
// the body never echoed back.
func FuzzHandler(f *testing.F) {
	add := `mutation($c: UUID!, $rows: [ProspectInput!]!) { addProspects(campaignId: $c, prospects: $rows) { imported userErrors { code field } } }`
	seeds := []struct {
		method                                   byte
		rawQuery, contentType, accept, hdr, hval string
		body                                     string
	}{
		{0, "", "application/json", "", "", "", `{"query":"{ campaigns { totalCount } }"}`},
		{0, "", "application/json", "application/graphql-response+json", "", "", `{"query":"{"}`},
		{0, "", "application/json", "", "Content-Encoding", "gzip", `{"query":"{ __typename }"}`},
		{0, "", "application/json; charset=utf-8", "", "", "", "\xef\xbb\xbf{\"query\":\"{ __typename }\"}"},
		{0, "", "application/json", "", "", "", `[{"query":"{ __typename }"},{"query":"{ __typename }"}]`},
		{0, "", "application/json", "", "", "", `{"query":"mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { campaign { id } userErrors { code } } }","variables":{"in":{"name":"a\u0000b","channel":"email"}}}`},
		{0, "", "application/json", "", "", "", `{"query":` + jsonString(add) + `,"variables":{"c":"0190f3a0-0000-7000-8000-000000000000","rows":[{"email":"a@b.co","firstName":1,"customFields":{"k":"\u0000"}}]}}`},
		{0, "", "application/json", "", "", "", `{"query":"query($p: Int) { campaigns(page: $p) { totalCount } }","variables":{"p":"1"}}`},
		{0, "", "application/json", "", "", "", `{"query":"{ prospects(campaignId: \"0190f3a0-0000-7000-8000-000000000000\", page: 9223372036854775807) { totalCount } }"}`},
		{0, "", "application/json", "", "", "", `{"query":"{ campaigns { nodes { ... @defer { id } } } }"}`},
		{0, "", "text/plain", "", "", "", `{"query":"{ __typename }"}`},
		{0, "", "multipart/form-data; boundary=x", "", "", "", "--x\r\n\r\n--x--"},
		{1, "query=%7B__typename%7D&variables=%5B1%5D", "", "", "", "", ``},
		{1, "query=mutation%7BclearProspects(campaignId:%22x%22)%7Bremoved%7D%7D", "", "", "", "", ``},
		{1, "query=%ZZ", "", "", "", "", ``},
		{2, "", "application/json", "", "", "", `{"query":"{ __typename }"}`},
		{0, "", "application/json", "", "Authorization", "Bearer x.y.z", `{"query":"{ __typename }"}`},
		{0, "", "application/json", "", "", "", `{"query":"{ __typename }"} {"query":"x"}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.rawQuery, s.contentType, s.accept, s.hdr, s.hval, []byte(s.body))
	}
	h, logs, token := fuzzHandler(f)
	methods := []string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions}
	f.Fuzz(func(t *testing.T, method byte, rawQuery, contentType, accept, hdr, hval string, body []byte) {
		req := httptest.NewRequest(methods[int(method)%len(methods)], "/graphql", bytes.NewReader(body))
		req.URL.RawQuery = rawQuery
		req.Header.Set("Authorization", "Bearer "+token)
		for k, v := range map[string]string{"Content-Type": contentType, "Accept": accept, hdr: hval} {
			if k != "" && v != "" && validHeader(k, v) {
				req.Header.Set(k, v)
			}
		}
		panics := logs.panics.Load()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		out := rec.Body.Bytes()
		if res.StatusCode >= 500 || bytes.Contains(out, []byte("INTERNAL_SERVER_ERROR")) {
			t.Fatalf("HTTP %d: %s", res.StatusCode, out)
		}
		if res.StatusCode >= 400 && req.Method != http.MethodHead {
			var e struct {
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(out, &e); err != nil || len(e.Errors) == 0 || e.Errors[0].Extensions["code"] == nil || e.Errors[0].Message == "" {
				t.Fatalf("HTTP %d without a coded GraphQL error: %s", res.StatusCode, out)
			}
		}
		if len(body) >= 24 && bytes.Contains(out, body) {
			t.Fatalf("the body is echoed: %s", out)
		}
		if logs.panics.Load() != panics {
			t.Fatalf("a panic was logged: %s", logs.last.Load())
		}
	})
}

var (
	fuzzOnce    sync.Once
	fuzzH       http.Handler
	fuzzLogs    *panicLog
	fuzzSubject string
)

// panicLog counts the log lines that mention a panic, keeping the last.
type panicLog struct {
	panics atomic.Int64
	last   atomic.Value
}

func (l *panicLog) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("panic")) {
		l.last.Store(string(p))
		l.panics.Add(1)
	}
	return len(p), nil
}

// fuzzHandler is the real handler with a log the fuzz target reads, and a
// token of a subject of its own.
func fuzzHandler(tb testing.TB) (http.Handler, *panicLog, string) {
	fuzzOnce.Do(func() {
		fuzzLogs = &panicLog{}
		fuzzH = newHandler(tb, func(o *httpapi.Options) { o.Logger = slog.New(slog.NewJSONHandler(fuzzLogs, nil)) })
		var err error
		fuzzSubject, err = auth.Issue(testAuth, "fuzz-handler", time.Hour)
		if err != nil {
			tb.Fatal(err)
		}
	})
	return fuzzH, fuzzLogs, fuzzSubject
}

// validHeader: what net/http would let through on the wire (a token name,
// a value without control characters but tab).
func validHeader(name, value string) bool {
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	for _, c := range []byte(value) {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
