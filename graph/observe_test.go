package graph_test

// Observability: one structured log line per request, the request id echoed
// and logged, and /metrics.

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRequestLog checks one structured line per request with its id,
// operation, subject, duration and outcome.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	url, logs := observedServer(t)
	a := newAPI(t)
	a.url = url
	c := a.createCampaign("EMAIL")
	body := `{"query":"query Roster($c: UUID!) { prospects(campaignId: $c, page: 0) { totalCount } }","variables":{"c":"` + c + `"}}`
	if r := htResponse(t, htDo(t, http.MethodPost, url, "/graphql", []byte(body),
		map[string]string{"Authorization": "Bearer " + a.token, "X-Request-Id": "log-test-" + c})); len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Fatalf("want one BAD_USER_INPUT error, got %+v", r.Errors)
	}
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "log-test-"+c) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no log line carries the request id; log:\n%s", logs.String())
	}
	want := map[string]any{"msg": "request", "subject": a.sub, "operation": "query Roster (prospects)",
		"outcome": "errors: BAD_USER_INPUT", "status": float64(200), "path": "/graphql"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Errorf("log line has no duration: %v", line)
	}
}

// TestMetrics checks /metrics: rows imported and duplicates, errors by code,
// operation latency, the database pool.
func TestMetrics(t *testing.T) {
	t.Parallel()
	url, _ := observedServer(t)
	a := newAPI(t)
	a.url = url
	c := a.createCampaign("EMAIL")
	a.add(c, emails("m1@x.com", "M1@x.com", "m2@x.com"), false)
	a.add(c, emails("m3@x.com"), true) // a dry run counts nothing
	a.do(`{ prospects(campaignId: "`+c+`", limit: 0) { totalCount } }`, nil)

	text := string(htDo(t, http.MethodGet, url, "/metrics", nil, nil).Body)
	value := func(series string) float64 {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("/metrics has no %s", series)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	if v := value("roster_prospects_imported_total"); v != 2 {
		t.Errorf("imported %v, want 2", v)
	}
	if v := value("roster_prospects_duplicates_total"); v != 1 {
		t.Errorf("duplicates %v, want 1", v)
	}
	if v := value(`roster_graphql_errors_total{code="BAD_USER_INPUT"}`); v != 1 {
		t.Errorf("BAD_USER_INPUT errors %v, want 1", v)
	}
	if v := value(`roster_graphql_operation_duration_seconds_count{field="addProspects",type="mutation"}`); v != 2 {
		t.Errorf("addProspects operations %v, want 2", v)
	}
	if v := value(`go_sql_max_open_connections{db_name="roster"}`); v < 1 {
		t.Errorf("database pool gauge %v", v)
	}
}

func TestHTTPRequestID(t *testing.T) {
	t.Parallel()
	base := server(t)
	a := newAPI(t)
	gql := htGQLBody(t, `{ campaigns { totalCount } }`, nil)
	for _, tc := range []struct {
		name, method, path string
		body               []byte
		token              bool
	}{
		{"graphql", http.MethodPost, "/graphql", gql, true},
		{"graphql refused", http.MethodPost, "/graphql", gql, false},
		{"healthz", http.MethodGet, "/healthz", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := map[string]string{"X-Request-Id": "client-req.42:abc_DEF"}
			if tc.token {
				h["Authorization"] = "Bearer " + a.token
			}
			r := htDo(t, tc.method, base, tc.path, tc.body, h)
			if got := r.Header.Get("X-Request-Id"); got != "client-req.42:abc_DEF" {
				t.Fatalf("X-Request-Id = %q, want the client's", got)
			}
			// Without one, the server makes one up.
			delete(h, "X-Request-Id")
			r = htDo(t, tc.method, base, tc.path, tc.body, h)
			if r.Header.Get("X-Request-Id") == "" {
				t.Fatal("no X-Request-Id")
			}
		})
	}
	t.Run("an unsafe one is replaced", func(t *testing.T) {
		t.Parallel()
		for _, bad := range []string{"has space", strings.Repeat("x", 200), "<script>"} {
			r := htDo(t, http.MethodGet, base, "/healthz", nil, map[string]string{"X-Request-Id": bad})
			if got := r.Header.Get("X-Request-Id"); got == "" || got == bad {
				t.Fatalf("X-Request-Id %q for %q", got, bad)
			}
		}
	})
}
