package graph_test

// Malformed requests (issue 10): every request gets a clean answer. These
// tests send what a client, a browser app or an attacker would, over the real
// handler, and hold the server to SPEC §4: no 5xx, no INTERNAL_SERVER_ERROR,
// no panic in the log, a GraphQL error body with a code on every 4xx, the
// body never echoed, and the status logged that the client received.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roster/httpapi"
)

// Issue 10: every request gets a clean answer. These tests send what a
// client, a browser app or an attacker would, over the real handler, and
// hold the server to SPEC §4: no 5xx, no INTERNAL_SERVER_ERROR, no panic
// in the log, a GraphQL error body with a code on every 4xx, the body
// never echoed, and the status logged that the client received.

// loggedServer is a server of its own whose request log (JSON) and
// net/http error log the test reads.
type loggedServer struct {
	url      string
	logs     *lockedBuffer
	httpLogs *lockedBuffer
}

func newLoggedServer(t testing.TB, configure func(*http.Server)) loggedServer {
	t.Helper()
	s := loggedServer{logs: &lockedBuffer{}, httpLogs: &lockedBuffer{}}
	h := newHandler(t, func(o *httpapi.Options) { o.Logger = slog.New(slog.NewJSONHandler(s.logs, nil)) })
	srv := httptest.NewUnstartedServer(h)
	real := httpapi.NewServer("", h)
	srv.Config.ReadHeaderTimeout, srv.Config.ReadTimeout = real.ReadHeaderTimeout, real.ReadTimeout
	srv.Config.WriteTimeout, srv.Config.MaxHeaderBytes = real.WriteTimeout, real.MaxHeaderBytes
	srv.Config.ErrorLog = log.New(s.httpLogs, "", 0)
	if configure != nil {
		configure(srv.Config)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// requireClean checks what every answer must be: below 500, a GraphQL
// error body with a code on a 4xx, never INTERNAL_SERVER_ERROR, no panic
// or superfluous header in either log.
func (s loggedServer) requireClean(t testing.TB, r htResult) {
	t.Helper()
	if r.Status >= 500 {
		t.Fatalf("HTTP %d: %s", r.Status, r.Body)
	}
	if bytes.Contains(r.Body, []byte("INTERNAL_SERVER_ERROR")) {
		t.Fatalf("HTTP %d: %s", r.Status, r.Body)
	}
	if r.Status >= 400 {
		errs := htErrors(t, r)
		if len(errs) == 0 || errs[0].Code() == "" || strings.TrimSpace(errs[0].Message) == "" {
			t.Fatalf("HTTP %d without a coded error: %s", r.Status, r.Body)
		}
	}
	for _, bad := range []string{"panic", "superfluous"} {
		if strings.Contains(s.logs.String(), bad) || strings.Contains(s.httpLogs.String(), bad) {
			t.Fatalf("%q logged:\n%s\n%s", bad, s.logs.String(), s.httpLogs.String())
		}
	}
}

// loggedStatus is the status the request log says request id got.
func (s loggedServer) loggedStatus(t testing.TB, id string) int {
	t.Helper()
	for line := range strings.SplitSeq(s.logs.String(), "\n") {
		var entry struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
			Status    int    `json:"status"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "request" && entry.RequestID == id {
			return entry.Status
		}
	}
	t.Fatalf("no request line for %s in\n%s", id, s.logs.String())
	return 0
}

// hasDataKey tells whether a JSON body has a "data" member.
func hasDataKey(t testing.TB, body []byte) bool {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %s", body)
	}
	_, ok := m["data"]
	return ok
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// TestMalformedBodies: a body that is not a GraphQL request is 400
// BAD_REQUEST with a short message saying what is wrong, whatever the
// client accepts, and the body is not echoed.
func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	s := newLoggedServer(t, nil)
	a := newAPI(t)
	const marker = "SECRET-MARKER-7f3a"
	deep := `{"query":"{ __typename }","variables":{"v":` + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + `}}`
	valid := []byte(`{"query":"{ __typename } # ` + marker + `"}`)
	cases := []struct {
		name   string
		body   []byte
		header map[string]string
		says   string // in the message
	}{
		{"not JSON", []byte("hello " + marker), nil, "not valid JSON"},
		{"array of numbers", []byte(`[1,2]`), nil, "batched operations are not supported"},
		{"batch", []byte(`[{"query":"{ __typename }"},{"query":"{ __typename }"}]`), nil, "batched operations are not supported"},
		{"truncated", []byte(`{"query": "{ campaigns { totalCount } } ` + marker + `"`), nil, "ends early"},
		{"empty", []byte{}, nil, "empty"},
		{"blank", []byte(" \n "), nil, "empty"},
		{"null", []byte(`null`), nil, "no query"},
		{"a string", []byte(`"` + marker + `"`), nil, "must be a JSON object"},
		{"a number", []byte(`42`), nil, "must be a JSON object"},
		{"query a number", []byte(`{"query": 1}`), nil, "query must be a string"},
		{"query a list", []byte(`{"query": ["` + marker + `"]}`), nil, "query must be a string"},
		{"query missing", []byte(`{"qeury": "{ __typename }"}`), nil, "no query"},
		{"variables a string", []byte(`{"query": "{ __typename }", "variables": "` + marker + `"}`), nil, "variables must be an object"},
		{"variables a list", []byte(`{"query": "{ __typename }", "variables": [1]}`), nil, "variables must be an object"},
		{"operationName a number", []byte(`{"query": "{ __typename }", "operationName": 1}`), nil, "operationName must be a string"},
		{"extensions a list", []byte(`{"query": "{ __typename }", "extensions": ["a"]}`), nil, "extensions must be an object"},
		{"byte order mark", append([]byte("\xef\xbb\xbf"), valid...), nil, "byte order mark"},
		{"nested 20,000 deep", []byte(deep), nil, "nested too deeply"},
		{"gzip", gzipped(valid), map[string]string{"Content-Encoding": "gzip"}, "Content-Encoding"},
		{"more after the object", append(append([]byte{}, valid...), []byte(` {"query": "x"}`)...), nil, "more after its JSON object"},
		{"not JSON, graphql-response+json", []byte("hello " + marker), map[string]string{"Accept": "application/graphql-response+json"}, "not valid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			header := map[string]string{"Authorization": "Bearer " + a.token, "X-Request-Id": "malformed-" + strings.ReplaceAll(tc.name, " ", "-")}
			for k, v := range tc.header {
				header[k] = v
			}
			header["X-Request-Id"] = strings.NewReplacer(",", "", "+", "").Replace(header["X-Request-Id"])
			r := htDo(t, http.MethodPost, s.url, "/graphql", tc.body, header)
			s.requireClean(t, r)
			errs := htErrors(t, r)
			if r.Status != http.StatusBadRequest || errs[0].Code() != "BAD_REQUEST" {
				t.Fatalf("HTTP %d %s, want 400 BAD_REQUEST", r.Status, r.Body)
			}
			if !strings.Contains(errs[0].Message, tc.says) {
				t.Fatalf("message %q does not say %q", errs[0].Message, tc.says)
			}
			if len(r.Body) > 400 || bytes.Contains(r.Body, []byte(marker)) || bytes.Contains(r.Body, []byte("[[[[")) {
				t.Fatalf("the body is echoed or the answer is long (%d bytes): %s", len(r.Body), r.Body)
			}
			if hasDataKey(t, r.Body) {
				t.Fatalf("a refused request has a data key: %s", r.Body)
			}
			want := "application/json"
			if tc.header["Accept"] != "" {
				want = tc.header["Accept"]
			}
			if ct := r.Header.Get("Content-Type"); ct != want {
				t.Fatalf("Content-Type %q, want %q", ct, want)
			}
			if got := s.loggedStatus(t, r.Header.Get("X-Request-Id")); got != r.Status {
				t.Fatalf("logged status %d, the client got %d", got, r.Status)
			}
		})
	}
}

// TestStalledBody: a body that stops arriving is refused with 400 once the
// server's read timeout passes, and the connection closes.
func TestStalledBody(t *testing.T) {
	t.Parallel()
	s := newLoggedServer(t, func(srv *http.Server) { srv.ReadTimeout = 300 * time.Millisecond })
	a := newAPI(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nX-Request-Id: stalled-body\r\nContent-Length: 100\r\n\r\n{\"query\":", a.token)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	r := htResult{Status: resp.StatusCode, Header: resp.Header, Body: body}
	s.requireClean(t, r)
	if errs := htErrors(t, r); r.Status != http.StatusBadRequest || errs[0].Code() != "BAD_REQUEST" || !strings.Contains(errs[0].Message, "read timeout") {
		t.Fatalf("HTTP %d %s", r.Status, body)
	}
	if got := s.loggedStatus(t, "stalled-body"); got != http.StatusBadRequest {
		t.Fatalf("logged status %d", got)
	}
}

// TestChunkedWithContentLength: a request that carries both
// Transfer-Encoding: chunked and Content-Length (a request smuggling
// attempt, RFC 9112 §6.3) is answered once and its connection closed, so
// a request hidden after it never runs.
func TestChunkedWithContentLength(t *testing.T) {
	t.Parallel()
	s := newLoggedServer(t, nil)
	a := newAPI(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"query":"{ __typename }"}`
	smuggled := "GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + a.token + "\r\nX-Request-Id: smuggled\r\n\r\n"
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n%s",
		a.token, len(body), body, smuggled)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 || !resp.Close {
		t.Fatalf("HTTP %d, Connection %q: the connection must close", resp.StatusCode, resp.Header.Get("Connection"))
	}
	if rest, _ := io.ReadAll(br); len(rest) > 0 {
		t.Fatalf("the connection answered again:\n%s", rest)
	}
	if strings.Contains(s.logs.String(), `"request_id":"smuggled"`) {
		t.Fatal("the smuggled request ran")
	}
}

// TestRequestErrorStatuses: parse, validation and variable-coercion
// failures answer 200 under application/json (or no Accept) and 400 under
// application/graphql-response+json, with no data key either way (GraphQL
// over HTTP); an error while executing is 200 with data.
func TestRequestErrorStatuses(t *testing.T) {
	t.Parallel()
	s := newLoggedServer(t, nil)
	a := newAPI(t)
	docs := []struct {
		name, body, code string
	}{
		{"parse failure", `{"query":"{"}`, "GRAPHQL_PARSE_FAILED"},
		{"validation failure", `{"query":"{ notAField }"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"variable coercion failure", `{"query":"query CoerceFailure($id: ID!){ __typename }","variables":{"id":null}}`, "GRAPHQL_VALIDATION_FAILED"},
		{"bad UUID variable", `{"query":"query($id: UUID!){ campaign(id: $id) { id } }","variables":{"id":"nope"}}`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown operation name", `{"query":"query A { __typename }","operationName":"B"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"complexity limit", `{"query":"{ campaigns(limit: 200) { nodes { prospects(limit: 200) { nodes { id email firstName lastName company title } } } } }"}`, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	accepts := []struct {
		accept, contentType string
		status              int
	}{
		{"", "application/json", http.StatusOK},
		{"application/json", "application/json", http.StatusOK},
		{"*/*", "application/json", http.StatusOK},
		{"application/graphql-response+json", "application/graphql-response+json", http.StatusBadRequest},
		{"application/graphql-response+json, application/json;q=0.9", "application/graphql-response+json", http.StatusBadRequest},
	}
	for _, d := range docs {
		for _, acc := range accepts {
			t.Run(d.name+"/"+acc.accept, func(t *testing.T) {
				header := htBearer(a.token)
				if acc.accept != "" {
					header["Accept"] = acc.accept
				}
				r := htDo(t, http.MethodPost, s.url, "/graphql", []byte(d.body), header)
				s.requireClean(t, r)
				errs := htErrors(t, r)
				if r.Status != acc.status || len(errs) == 0 || errs[0].Code() != d.code {
					t.Fatalf("HTTP %d %s, want %d %s", r.Status, r.Body, acc.status, d.code)
				}
				if ct := r.Header.Get("Content-Type"); ct != acc.contentType {
					t.Fatalf("Content-Type %q, want %q", ct, acc.contentType)
				}
				if hasDataKey(t, r.Body) {
					t.Fatalf("a request error has a data key: %s", r.Body)
				}
			})
		}
	}
	// APQ's unknown hash stops the request before it runs too, but Apollo's
	// clients expect it with a 200 whatever they accept, and then send
	// the query.
	for _, acc := range accepts {
		t.Run("unknown persisted query/"+acc.accept, func(t *testing.T) {
			header := htBearer(a.token)
			if acc.accept != "" {
				header["Accept"] = acc.accept
			}
			body := `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("0", 64) + `"}}}`
			r := htDo(t, http.MethodPost, s.url, "/graphql", []byte(body), header)
			s.requireClean(t, r)
			if errs := htErrors(t, r); r.Status != http.StatusOK || len(errs) != 1 || errs[0].Code() != "PERSISTED_QUERY_NOT_FOUND" || hasDataKey(t, r.Body) {
				t.Fatalf("HTTP %d %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != acc.contentType {
				t.Fatalf("Content-Type %q, want %q", ct, acc.contentType)
			}
		})
	}
	t.Run("an error while executing", func(t *testing.T) {
		r := htDo(t, http.MethodPost, s.url, "/graphql", []byte(`{"query":"{ prospects(campaignId: \"0190f3a0-0000-7000-8000-000000000000\") { totalCount } }"}`),
			map[string]string{"Authorization": "Bearer " + a.token, "Accept": "application/graphql-response+json"})
		s.requireClean(t, r)
		if errs := htErrors(t, r); r.Status != http.StatusOK || len(errs) != 1 || errs[0].Code() != "NOT_FOUND" || !hasDataKey(t, r.Body) {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
	})
}

// TestInputCoercion: GraphQL's input coercion, through variables and
// literals, refuses a value of another type, an enum value in another
// case, and an Int past 2^53−1, as GRAPHQL_VALIDATION_FAILED before
// anything runs; nothing is written.
func TestInputCoercion(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	const transition = `mutation($id: UUID!, $to: CampaignStatus!) { transitionCampaign(id: $id, to: $to) { campaign { status } } }`
	const list = `query($c: UUID!, $s: ProspectStatus, $p: Int) { prospects(campaignId: $c, status: $s, page: $p) { totalCount } }`
	cases := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"Channel in lower case", createIDMutation, map[string]any{"in": map[string]any{"name": "coercion lower", "channel": "email"}}},
		{"ProspectStatus in lower case", list, map[string]any{"c": c, "s": "pending"}},
		{"CampaignStatus in lower case", transition, map[string]any{"id": c, "to": "launching"}},
		{"a string for an Int", list, map[string]any{"c": c, "p": "1"}},
		{"a fraction for an Int", list, map[string]any{"c": c, "p": 1.5}},
		{"an Int past 2^53-1", list, map[string]any{"c": c, "p": json.Number("9007199254740992")}},
		{"an Int of 2^63-1", list, map[string]any{"c": c, "p": json.Number("9223372036854775807")}},
		{"a number for a String", createIDMutation, map[string]any{"in": map[string]any{"name": 123, "channel": "EMAIL"}}},
		{"a boolean for a String", createIDMutation, map[string]any{"in": map[string]any{"name": true, "channel": "EMAIL"}}},
		{"a string for a Boolean", `mutation($c: UUID!, $d: Boolean) { addProspects(campaignId: $c, prospects: [{email: "a@example.com"}], dryRun: $d) { imported } }`,
			map[string]any{"c": c, "d": "true"}},
		{"a number in a row's text", `mutation($c: UUID!, $rows: [ProspectInput!]!) { addProspects(campaignId: $c, prospects: $rows) { imported } }`,
			map[string]any{"c": c, "rows": []any{map[string]any{"email": "b@example.com", "firstName": 7}}}},
		{"a literal Int of 2^63-1", fmt.Sprintf(`{ prospects(campaignId: %q, page: 9223372036854775807) { totalCount } }`, c), nil},
		{"a literal Int of 2^53", fmt.Sprintf(`{ campaign(id: %q) { prospects(page: 9007199254740992) { totalCount } } }`, c), nil},
		{"a literal enum in lower case", `mutation { createCampaign(input: {name: "coercion literal", channel: email}) { campaign { id } } }`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(tc.query, tc.vars)
			if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || r.Data != nil {
				t.Fatalf("HTTP %d errors %+v data %s", r.Status, r.Errors, r.Data)
			}
		})
	}
	// Nothing was written: one campaign, still DRAFT, with no prospects.
	var out struct {
		Campaigns struct {
			TotalCount int `json:"totalCount"`
			Nodes      []struct {
				Status string `json:"status"`
				Stats  struct {
					Total int `json:"total"`
				} `json:"stats"`
			} `json:"nodes"`
		} `json:"campaigns"`
	}
	a.query(`{ campaigns { totalCount nodes { status stats { total } } } }`, nil, &out)
	if out.Campaigns.TotalCount != 1 || out.Campaigns.Nodes[0].Status != "DRAFT" || out.Campaigns.Nodes[0].Stats.Total != 0 {
		t.Fatalf("something was written: %+v", out)
	}

	t.Run("page 2^53-1 is an empty page everywhere", func(t *testing.T) {
		a.add(c, []map[string]any{{"email": "p1@example.com"}}, false)
		var got struct {
			Prospects struct {
				TotalCount int   `json:"totalCount"`
				Nodes      []any `json:"nodes"`
			} `json:"prospects"`
			Campaign struct {
				Prospects struct {
					TotalCount int   `json:"totalCount"`
					Nodes      []any `json:"nodes"`
				} `json:"prospects"`
			} `json:"campaign"`
			Campaigns struct {
				TotalCount int   `json:"totalCount"`
				Nodes      []any `json:"nodes"`
			} `json:"campaigns"`
		}
		a.query(`query($c: UUID!, $p: Int) {
			prospects(campaignId: $c, page: $p, limit: 200) { totalCount nodes { id } }
			campaign(id: $c) { prospects(page: 9007199254740991, limit: 200) { totalCount nodes { id } } }
			campaigns(page: $p) { totalCount nodes { id } }
		}`, map[string]any{"c": c, "p": json.Number("9007199254740991")}, &got)
		if got.Prospects.TotalCount != 1 || len(got.Prospects.Nodes) != 0 ||
			got.Campaign.Prospects.TotalCount != 1 || len(got.Campaign.Prospects.Nodes) != 0 ||
			got.Campaigns.TotalCount != 1 || len(got.Campaigns.Nodes) != 0 {
			t.Fatalf("%+v", got)
		}
	})
}

// TestDeferRefused: the server answers in one part, so @defer is a
// validation error, wherever it is in the operation.
func TestDeferRefused(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	for name, q := range map[string]string{
		"inline fragment":      `query($c: UUID!) { campaign(id: $c) { id ... @defer { stats { total } } } }`,
		"fragment spread":      `query($c: UUID!) { campaign(id: $c) { id ...S @defer(label: "s") } } fragment S on Campaign { stats { total } }`,
		"nested in a fragment": `query($c: UUID!) { ...Q } fragment Q on Query { prospects(campaignId: $c) { totalCount ... @defer { nodes { id } } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			r := a.do(q, map[string]any{"c": c})
			if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
				!strings.Contains(r.Errors[0].Message, "@defer is not supported") || r.Data != nil {
				t.Fatalf("HTTP %d errors %+v data %s", r.Status, r.Errors, r.Data)
			}
		})
	}
}

func TestHTTPRequestErrors(t *testing.T) {
	t.Parallel()
	base := server(t)
	a := newAPI(t)
	cases := []struct {
		name, query, code string
	}{
		{"syntax error", `{ campaigns { totalCount `, "GRAPHQL_PARSE_FAILED"},
		{"syntax error in a mutation", `mutation { createCampaign(input: {name: "x" channel: EMAIL}) { campaign { id } }`, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{ campaigns { totalCount bogusField } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown root field", `{ nothingHere }`, "GRAPHQL_VALIDATION_FAILED"},
		{"missing argument", `{ campaign { id } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"bad UUID literal", `{ campaign(id: "not-a-uuid") { id } }`, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := htDo(t, http.MethodPost, base, "/graphql", htGQLBody(t, tc.query, nil), htBearer(a.token))
			errs := htErrors(t, r)
			if len(errs) == 0 || errs[0].Code() != tc.code {
				t.Fatalf("HTTP %d errors %+v, want %s", r.Status, errs, tc.code)
			}
			if r.Status != http.StatusOK && (r.Status < 400 || r.Status > 499) {
				t.Fatalf("HTTP %d", r.Status)
			}
		})
	}
	t.Run("body that is not JSON", func(t *testing.T) {
		t.Parallel()
		r := htDo(t, http.MethodPost, base, "/graphql", []byte(`{"query": `), htBearer(a.token))
		if r.Status < 400 || r.Status > 499 || len(htErrors(t, r)) == 0 {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
	})
}
