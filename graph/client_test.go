package graph_test

// The tests' one HTTP and GraphQL client: every request of the package goes
// through tryDo (the one place the tests talk HTTP) and every GraphQL POST
// through api.post; top-level errors are checked by requireTopError (an
// executed document) and requireRefused (a request refused before
// execution).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/db/dbtest"
	"roster/requestlog"
)

// htResult is a raw HTTP answer.
type htResult struct {
	Status int
	Header http.Header
	Body   []byte
	// ContentLength and TransferEncoding are how the body was framed.
	ContentLength    int64
	TransferEncoding []string
}

// tryDo sends one request to base+path (body nil means none, and a body is
// JSON unless header says otherwise) and reads the whole answer. It takes
// no testing.TB, so that a goroutine of the test's may call it.
func tryDo(method, base, path string, body []byte, header http.Header) (htResult, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, r)
	if err != nil {
		return htResult{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return tryRoundTrip(req)
}

// tryRoundTrip sends req and reads the whole answer.
func tryRoundTrip(req *http.Request) (htResult, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return htResult{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return htResult{}, err
	}
	return htResult{Status: resp.StatusCode, Header: resp.Header, Body: raw,
		ContentLength: resp.ContentLength, TransferEncoding: resp.TransferEncoding}, nil
}

// htDo sends one request to base+path; body nil means none.
func htDo(t testing.TB, method, base, path string, body []byte, header map[string]string) htResult {
	t.Helper()
	return htDoHeader(t, method, base, path, body, headerOf(header))
}

// htDoHeader is htDo for a header sent twice.
func htDoHeader(t testing.TB, method, base, path string, body []byte, header http.Header) htResult {
	t.Helper()
	r, err := tryDo(method, base, path, body, header)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// roundTrip sends a request the test built itself (a method, a body or a
// header htDo does not send) and reads the whole answer.
func roundTrip(t testing.TB, req *http.Request) htResult {
	t.Helper()
	r, err := tryRoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// headerOf is a header with each field of m once.
func headerOf(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}

// htGQLBody is a GraphQL request body.
func htGQLBody(t testing.TB, query string, vars map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func htBearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e gqlError) Code() string { s, _ := e.Extensions["code"].(string); return s }

// response is a raw GraphQL response.
type response struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// decode reads r as a GraphQL response.
func decode(r htResult) (*response, error) {
	out := &response{Status: r.Status, Header: r.Header}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return nil, fmt.Errorf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	return out, nil
}

// htResponse decodes a GraphQL answer.
func htResponse(t testing.TB, r htResult) *response {
	t.Helper()
	out, err := decode(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// htErrors decodes a GraphQL error body.
func htErrors(t testing.TB, r htResult) []gqlError {
	t.Helper()
	return htResponse(t, r).Errors
}

// send sends req and decodes its GraphQL answer.
func send(t testing.TB, req *http.Request) *response {
	t.Helper()
	return htResponse(t, roundTrip(t, req))
}

// post is the one GraphQL POST: the document as a's subject, with header's
// fields besides. It takes no testing.TB, so that a goroutine of the
// test's may call it.
func (a *api) post(query string, vars map[string]any, header map[string]string) (*response, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	h := headerOf(header)
	if a.token != "" {
		h.Set("Authorization", "Bearer "+a.token)
	}
	r, err := tryDo(http.MethodPost, a.url, "/graphql", body, h)
	if err != nil {
		return nil, err
	}
	return decode(r)
}

// do posts a GraphQL document and decodes the response.
func (a *api) do(query string, vars map[string]any) *response {
	a.t.Helper()
	r, err := a.post(query, vars, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return r
}

// query runs a document that must succeed and decodes its data into out.
func (a *api) query(query string, vars map[string]any, out any) {
	a.t.Helper()
	r := a.do(query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		a.t.Fatalf("query failed: HTTP %d, errors %+v", r.Status, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			a.t.Fatalf("decode data: %v: %s", err, r.Data)
		}
	}
}

// try is query for any goroutine: a transport error, a non-200 answer or
// top-level errors come back as its error.
func (a *api) try(query string, vars map[string]any, out any) error {
	r, err := a.post(query, vars, nil)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		return fmt.Errorf("HTTP %d, errors %+v", r.Status, r.Errors)
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// on is a's subject acting in test t (a subtest must not FailNow its
// parent's t).
func (a *api) on(t testing.TB) *api {
	return &api{t: t, url: a.url, sub: a.sub, token: a.token}
}

// requireTopError checks that r is an executed document's failure: HTTP 200
// (a document that did not parse or validate may answer 4xx), exactly one
// top-level error, of code, and nothing of field in data; it returns the
// error.
func requireTopError(t testing.TB, r *response, field, code string) gqlError {
	t.Helper()
	if len(r.Errors) != 1 || r.Errors[0].Code() != code {
		t.Fatalf("want one top-level %s error, got HTTP %d errors %+v data %s", code, r.Status, r.Errors, r.Data)
	}
	if code != "GRAPHQL_VALIDATION_FAILED" && code != "GRAPHQL_PARSE_FAILED" && r.Status != http.StatusOK {
		t.Fatalf("an execution error answers HTTP 200, got %d", r.Status)
	}
	var data map[string]any
	_ = json.Unmarshal(r.Data, &data)
	if data[field] != nil {
		t.Fatalf("%s came back despite the error: %s", field, r.Data)
	}
	return r.Errors[0]
}

// requireRefused checks a request refused before execution: status, a JSON
// GraphQL error body with code, no data.
func requireRefused(t testing.TB, r htResult, status int, code string) gqlError {
	t.Helper()
	if r.Status != status {
		t.Fatalf("HTTP %d, want %d: %.300s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/graphql-response+json") {
		t.Fatalf("Content-Type %q", ct)
	}
	out, err := decode(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) == 0 || out.Errors[0].Code() != code || strings.TrimSpace(out.Errors[0].Message) == "" {
		t.Fatalf("errors %+v, want code %s", out.Errors, code)
	}
	if len(out.Data) > 0 {
		t.Fatalf("a refused request has a data key: %.200s", out.Data)
	}
	return out.Errors[0]
}

// countPrefix marks the requests whose statements the counter counts.
const countPrefix = "ltcount-"

// statementCounter records the statements run for each request whose id
// (requestlog.ID) carries countPrefix (dbtest.OnStatement).
type statementCounter struct {
	mu    sync.Mutex
	stmts map[string][]string
}

func (h *statementCounter) record(ctx context.Context, sql string, _ []any) {
	id := requestlog.ID(ctx)
	if !strings.HasPrefix(id, countPrefix) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stmts[id] = append(h.stmts[id], sql)
}

func (h *statementCounter) of(id string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.stmts[id])
}

var (
	countOnce   sync.Once
	stmtCounter = &statementCounter{stmts: map[string][]string{}}
)

// countStatements starts counting the statements of counted requests.
func countStatements() { countOnce.Do(func() { dbtest.OnStatement(stmtCounter.record) }) }

// countedID is a fresh request id the counter counts.
func countedID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return countPrefix + hex.EncodeToString(b[:])
}

// counted runs a document as a with a fresh counted request id and
// returns the response and the statements it ran.
func (a *api) counted(query string, vars map[string]any) (*response, []string) {
	a.t.Helper()
	id := countedID()
	r, err := a.post(query, vars, map[string]string{"X-Request-Id": id})
	if err != nil {
		a.t.Fatal(err)
	}
	if got := r.Header.Get("X-Request-Id"); got != id {
		a.t.Fatalf("X-Request-Id %q, want %q echoed", got, id)
	}
	return r, stmtCounter.of(id)
}

// countedOK is counted for a document that must succeed.
func (a *api) countedOK(query string, vars map[string]any) (*response, []string) {
	a.t.Helper()
	r, stmts := a.counted(query, vars)
	if len(r.Errors) != 0 {
		a.t.Fatalf("query failed: %+v", r.Errors)
	}
	return r, stmts
}

// countedDo sends one request under a fresh counted request id and returns
// the answer, the statements it ran and how long it took.
func countedDo(t testing.TB, method, base, path string, body []byte, header map[string]string) (htResult, []string, time.Duration) {
	t.Helper()
	r, stmts, took, err := tryCountedDo(method, base, path, body, header)
	if err != nil {
		t.Fatal(err)
	}
	return r, stmts, took
}

// tryCountedDo is countedDo for a goroutine of its own.
func tryCountedDo(method, base, path string, body []byte, header map[string]string) (htResult, []string, time.Duration, error) {
	id := countedID()
	h := headerOf(header)
	h.Set("Content-Type", "application/json")
	h.Set("X-Request-Id", id)
	start := time.Now()
	r, err := tryDo(method, base, path, body, h)
	took := time.Since(start)
	if err != nil {
		return htResult{}, nil, 0, err
	}
	if got := r.Header.Get("X-Request-Id"); got != id {
		return htResult{}, nil, 0, fmt.Errorf("X-Request-Id %q, want %q", got, id)
	}
	return r, stmtCounter.of(id), took, nil
}

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func readyz(t *testing.T, url string) int {
	t.Helper()
	return htDo(t, http.MethodGet, url, "/readyz", nil, nil).Status
}
