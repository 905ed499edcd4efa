package graph_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/graph"
	"roster/httpapi"
)

// tpNested is `__type(name: "Prospect") { ofType { … { name } } }` with
// depth fields on the longest path, the leaf included.
func tpNested(depth int) string {
	return `{ __type(name: "Prospect") { ` + strings.Repeat("ofType { ", depth-2) + "name" + strings.Repeat(" }", depth-2) + " } }"
}

// TestQueryCost sends documents built to cost the server (many aliases,
// deep nesting, many tokens, a huge text, many fields, a fragment bomb):
// each is refused before validation and execution, quickly, with
// GRAPHQL_VALIDATION_FAILED naming the limit, and not one SQL statement
// runs for it (counted by dbtest.OnStatement, see TestListQueryCount).
func TestQueryCost(t *testing.T) {
	countStatements()
	base := server(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")

	var aliases strings.Builder
	aliases.WriteString("query($c: UUID!) {")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&aliases, " p%d: prospects(campaignId: $c, limit: 200) { nodes { id email } }", i)
	}
	aliases.WriteString(" }")

	var deepFragments strings.Builder
	deepFragments.WriteString(`{ __type(name: "Prospect") { ...F1 } }`)
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&deepFragments, " fragment F%d on __Type { ofType { ...F%d } }", i, i+1)
	}
	deepFragments.WriteString(" fragment F30 on __Type { name }")

	// Each level doubles the aliased fields: 2^13 once expanded, from a
	// 1 KB document, 14 deep.
	var bomb strings.Builder
	bomb.WriteString(`{ __type(name: "Prospect") { ...B12 } } fragment B0 on __Type { name }`)
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&bomb, " fragment B%d on __Type { a: ofType { ...B%d } b: ofType { ...B%d } }", i, i-1, i-1)
	}

	var manyMutations strings.Builder
	manyMutations.WriteString("mutation {")
	costName := "cost-" + uuid.NewString()
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&manyMutations, ` m%d: createCampaign(input: {name: %q, channel: EMAIL}) { campaign { id } }`, i, costName)
	}
	manyMutations.WriteString(" }")

	cases := []struct {
		name, query, limit string
		vars               map[string]any
	}{
		{"100 aliases of a 200-node page", aliases.String(), "aliases", map[string]any{"c": c}},
		{"100 aliased mutations", manyMutations.String(), "aliases", nil},
		{"a 30-deep nesting", tpNested(30), "depth", nil},
		{"a 30-deep nesting through fragments", deepFragments.String(), "depth", nil},
		{"a fragment bomb", bomb.String(), "aliases", nil},
		{"100k directives", "{ __typename " + strings.Repeat("@skip(if: false) ", 100_000) + "}", "queryBytes", nil},
		{"a 1 MB query string", "{ campaigns { totalCount " + strings.Repeat(" ", 1<<20) + "} }", "queryBytes", nil},
		{"10k tokens of directives in 32 KB", "{__typename" + strings.Repeat("@skip(if:false)", 2000) + "}", "tokens", nil},
		{"5000 copies of a field", "{ " + strings.Repeat("__typename ", 5000) + "}", "fields", nil},
		{"an unused fragment of 5000 fields", "{ __typename } fragment U on Query { " + strings.Repeat("__typename ", 5000) + "}", "fields", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, stmts, took := countedDo(t, http.MethodPost, base, "/graphql", htGQLBody(t, tc.query, tc.vars), htBearer(a.token))
			e := requireRefused(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED")
			if e.Extensions["limit"] != tc.limit || e.Extensions["max"] == nil {
				t.Fatalf("extensions %v, want limit %q and its max: %s", e.Extensions, tc.limit, e.Message)
			}
			if len(stmts) != 0 {
				t.Fatalf("a refused document ran %d statements:\n%s", len(stmts), strings.Join(stmts, "\n"))
			}
			if took > 5*time.Second {
				t.Fatalf("refused after %v", took)
			}
		})
	}
	if n := sqlInt(t, `SELECT count(*) FROM campaigns WHERE name = ?`, costName); n != 0 {
		t.Fatalf("refused mutations created %d campaigns", n)
	}

	// At each limit, a document passes the checks (and then runs or fails
	// validation for what it is); one past it is refused.
	withAliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, " a%d: __typename", i)
		}
		return b.String() + " }"
	}
	withTokens := func(n int) string { // `{ __typename … @skip(if:false)… }`
		dirs := (n - 3) / 7
		return "{" + strings.Repeat(" __typename", n-3-7*dirs+1) + strings.Repeat(" @skip(if:false)", dirs) + " }"
	}
	bounds := []struct {
		name, at, past, limit string
		runs                  bool // the document at the limit is valid
	}{
		{"depth", tpNested(graph.MaxDepth), tpNested(graph.MaxDepth + 1), "depth", true},
		{"aliases", withAliases(graph.MaxAliases), withAliases(graph.MaxAliases + 1), "aliases", true},
		{"fields", "{" + strings.Repeat(" __typename", graph.MaxFields) + " }", "{" + strings.Repeat(" __typename", graph.MaxFields+1) + " }", "fields", true},
		// Repeated @skip fails validation: the token count is all this checks.
		{"tokens", withTokens(graph.MaxQueryTokens), withTokens(graph.MaxQueryTokens + 1), "tokens", false},
		{"query bytes", "{ __typename" + strings.Repeat(" ", graph.MaxQueryBytes-14) + " }", "{ __typename" + strings.Repeat(" ", graph.MaxQueryBytes-13) + " }", "queryBytes", true},
	}
	for _, b := range bounds {
		t.Run("at the "+b.name+" limit", func(t *testing.T) {
			t.Parallel()
			if b.name == "query bytes" && (len(b.at) != graph.MaxQueryBytes || len(b.past) != graph.MaxQueryBytes+1) {
				t.Fatalf("sizes %d %d", len(b.at), len(b.past))
			}
			r := htDo(t, http.MethodPost, base, "/graphql", htGQLBody(t, b.at, nil), htBearer(a.token))
			errs := htErrors(t, r)
			switch {
			case b.runs && (r.Status != http.StatusOK || len(errs) != 0):
				t.Fatalf("at the limit: HTTP %d errors %+v", r.Status, errs)
			case !b.runs && (len(errs) == 0 || errs[0].Code() != "GRAPHQL_VALIDATION_FAILED" || errs[0].Extensions["limit"] != nil):
				t.Fatalf("at the limit: HTTP %d errors %+v, want a plain validation error", r.Status, errs)
			}
			e := requireRefused(t, htDo(t, http.MethodPost, base, "/graphql", htGQLBody(t, b.past, nil), htBearer(a.token)),
				http.StatusOK, "GRAPHQL_VALIDATION_FAILED")
			if e.Extensions["limit"] != b.limit {
				t.Fatalf("past the limit: %+v", e)
			}
		})
	}

	t.Run("GraphiQL's introspection query passes", func(t *testing.T) {
		t.Parallel()
		var out struct {
			Schema struct {
				Types []struct {
					Name string `json:"name"`
				} `json:"types"`
			} `json:"__schema"`
		}
		a.query(tpIntrospectionQuery, nil, &out)
		if len(out.Schema.Types) < 10 {
			t.Fatalf("%d types", len(out.Schema.Types))
		}
	})
	t.Run("a query within the limits runs, and is counted", func(t *testing.T) {
		t.Parallel()
		q := `query($c: UUID!) { campaign(id: $c) { id stats { total } prospects(limit: 200) { nodes { id } } } }`
		r, stmts, _ := countedDo(t, http.MethodPost, base, "/graphql", htGQLBody(t, q, map[string]any{"c": c}), htBearer(a.token))
		if r.Status != http.StatusOK || len(htErrors(t, r)) != 0 || len(stmts) == 0 {
			t.Fatalf("HTTP %d, %d statements: %s", r.Status, len(stmts), r.Body)
		}
	})
	t.Run("over GET too", func(t *testing.T) {
		t.Parallel()
		r, stmts, _ := countedDo(t, http.MethodGet, base, "/graphql?query="+strings.ReplaceAll(tpNested(30), " ", "+"), nil, htBearer(a.token))
		if e := requireRefused(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"); e.Extensions["limit"] != "depth" || len(stmts) != 0 {
			t.Fatalf("%+v, %d statements", e, len(stmts))
		}
	})
}

// tpIntrospectionQuery is GraphiQL 4's introspection query with every
// option on (graphql-js getIntrospectionQuery): 15 fields deep.
const tpIntrospectionQuery = `query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name description isRepeatable locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL isOneOf
  fields(includeDeprecated: true) {
    name description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// TestIntrospectionSwitch: with introspection off (GRAPHQL_INTROSPECTION=
// false), __schema and __type are refused and validation errors carry no
// "Did you mean …?" hint that would spell the schema out; with it on, both
// work as before.
func TestIntrospectionSwitch(t *testing.T) {
	t.Parallel()
	off := ownServer(t, func(o *httpapi.Options) { o.DisableIntrospection = true })
	on := ownServer(t, nil)
	a := newAPI(t)
	typos := []struct{ name, query, hint string }{
		{"field", `{ campaigns { totalCont } }`, `totalCount`},
		{"argument", `{ campaigns(limt: 5) { totalCount } }`, `limit`},
		{"enum value", `{ campaigns(status: DRAFTT) { totalCount } }`, `DRAFT`},
		{"input field", `mutation { createCampaign(input: {nme: "x", channel: EMAIL}) { campaign { id } } }`, `name`},
	}
	for _, tc := range typos {
		t.Run("a "+tc.name+" typo", func(t *testing.T) {
			t.Parallel()
			for _, srv := range []struct {
				url  string
				hint bool
			}{{on, true}, {off, false}} {
				r := htDo(t, http.MethodPost, srv.url, "/graphql", htGQLBody(t, tc.query, nil), htBearer(a.token))
				errs := htErrors(t, r)
				if len(errs) == 0 || errs[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("HTTP %d errors %+v", r.Status, errs)
				}
				body := string(r.Body)
				if got := strings.Contains(body, "Did you mean"); got != srv.hint || srv.hint && !strings.Contains(body, tc.hint) {
					t.Fatalf("hints %v, want %v: %s", got, srv.hint, body)
				}
			}
		})
	}
	for _, q := range []string{`{ __schema { types { name } } }`, `{ __type(name: "Prospect") { fields { name } } }`,
		`{ campaigns { totalCount } ...I } fragment I on Query { ... on Query { __schema { queryType { name } } } }`} {
		t.Run("refuses "+q, func(t *testing.T) {
			t.Parallel()
			r := htDo(t, http.MethodPost, off, "/graphql", htGQLBody(t, q, nil), htBearer(a.token))
			e := requireRefused(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED")
			if !strings.Contains(e.Message, "introspection is disabled") || strings.Contains(string(r.Body), "email") {
				t.Fatalf("HTTP %d %s", r.Status, r.Body)
			}
			r = htDo(t, http.MethodPost, on, "/graphql", htGQLBody(t, q, nil), htBearer(a.token))
			if errs := htErrors(t, r); r.Status != http.StatusOK || len(errs) != 0 || !strings.Contains(string(r.Body), `"__`) {
				t.Fatalf("with introspection on: HTTP %d %.300s", r.Status, r.Body)
			}
		})
	}
	t.Run("queries and __typename still work", func(t *testing.T) {
		t.Parallel()
		r := htDo(t, http.MethodPost, off, "/graphql", htGQLBody(t, `{ __typename campaigns { totalCount } }`, nil), htBearer(a.token))
		if r.Status != http.StatusOK || len(htErrors(t, r)) != 0 || !strings.Contains(string(r.Body), `"__typename":"Query"`) {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
	})
}

// TestTransport: the body cap (413), JSON only over POST (415), queries
// only over GET (405), each refusal a GraphQL error body with a code, and
// nothing run for it.
func TestTransport(t *testing.T) {
	t.Parallel()
	base := server(t)
	a := newAPI(t)
	t.Run("a body over the cap is refused with 413", func(t *testing.T) {
		t.Parallel()
		name := "big-" + uuid.NewString()
		big := htGQLBody(t, htCreateMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"},
			"pad": strings.Repeat("x", httpapi.MaxBodyBytes)})
		r := htDo(t, http.MethodPost, base, "/graphql", big, htBearer(a.token))
		requireRefused(t, r, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE")
		// Without a Content-Length (chunked), the cap stops the reader.
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/graphql", io.MultiReader(bytes.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+a.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		requireRefused(t, htResult{Status: resp.StatusCode, Header: resp.Header, Body: raw}, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE")
		if n := htCampaignsNamed(t, name); n != 0 {
			t.Fatalf("the refused mutation ran: %d", n)
		}
	})
	t.Run("a 1000-row add at the field limits fits under the cap", func(t *testing.T) {
		t.Parallel()
		// The worst row SPEC §6 admits, as a JSON encoder writes it: eight
		// text fields of 500 4-byte characters, 4096 bytes of customFields.
		const keys = len(`{"email":"","linkedinUrl":"","firstName":"","lastName":"","company":"","title":"","phone":"","location":"","customFields":},`)
		if worst := 1000 * (8*500*4 + 4096 + keys); worst*3/2 > httpapi.MaxBodyBytes {
			t.Fatalf("1000 worst rows take %d bytes: the cap %d leaves less than 1.5x", worst, httpapi.MaxBodyBytes)
		}
		b := newAPI(t)
		c := b.createCampaign("EMAIL")
		text := strings.Repeat("😀", 500)
		custom := map[string]any{"k": strings.Repeat("😀", (4096-len(`{"k":""}`))/4)}
		rows := make([]map[string]any, 1000)
		for i := range rows {
			rows[i] = map[string]any{"email": fmt.Sprintf("row%04d@example.com", i), "linkedinUrl": text,
				"firstName": text, "lastName": text, "company": text, "title": text, "phone": text, "location": text,
				"customFields": custom}
		}
		body := htGQLBody(t, `mutation($c: UUID!, $rows: [ProspectInput!]!) {
			addProspects(campaignId: $c, prospects: $rows, dryRun: true) { imported userErrors { code message } } }`,
			map[string]any{"c": c, "rows": rows})
		if len(body) < 18_000_000 || len(body) > httpapi.MaxBodyBytes {
			t.Fatalf("body of %d bytes", len(body))
		}
		r := htDo(t, http.MethodPost, base, "/graphql", body, htBearer(b.token))
		if r.Status != http.StatusOK || len(htErrors(t, r)) != 0 || !strings.Contains(string(r.Body), `"imported":1000`) {
			t.Fatalf("HTTP %d %.500s", r.Status, r.Body)
		}
	})
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x",
		"application/x-www-form-urlencoded", "", "application/graphql", "application/json; charset=latin1", "application/jsonx"} {
		t.Run("Content-Type "+strconv.Quote(ct)+" is refused with 415", func(t *testing.T) {
			t.Parallel()
			name := "ct-" + uuid.NewString()
			h := htBearer(a.token)
			h["Content-Type"] = ct
			r := htDo(t, http.MethodPost, base, "/graphql",
				htGQLBody(t, htCreateMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}}), h)
			requireRefused(t, r, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE")
			if n := htCampaignsNamed(t, name); n != 0 {
				t.Fatalf("the refused mutation ran: %d", n)
			}
		})
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"} {
		t.Run("Content-Type "+strconv.Quote(ct)+" is taken", func(t *testing.T) {
			t.Parallel()
			name := "ct-" + uuid.NewString()
			h := htBearer(a.token)
			h["Content-Type"] = ct
			r := htDo(t, http.MethodPost, base, "/graphql",
				htGQLBody(t, htCreateMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}}), h)
			if r.Status != http.StatusOK || htCampaignsNamed(t, name) != 1 {
				t.Fatalf("HTTP %d %s", r.Status, r.Body)
			}
		})
	}
	t.Run("a mutation over GET is refused with 405", func(t *testing.T) {
		t.Parallel()
		name := "get-" + uuid.NewString()
		q := fmt.Sprintf(`mutation { createCampaign(input: {name: %q, channel: EMAIL}) { campaign { id } } }`, name)
		r := htDo(t, http.MethodGet, base, "/graphql?query="+strings.ReplaceAll(q, " ", "+"), nil, htBearer(a.token))
		requireRefused(t, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
		if r.Header.Get("Allow") != "POST" {
			t.Fatalf("Allow %q", r.Header.Get("Allow"))
		}
		if n := htCampaignsNamed(t, name); n != 0 {
			t.Fatalf("the refused mutation ran: %d", n)
		}
	})
	t.Run("other methods are refused", func(t *testing.T) {
		t.Parallel()
		for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
			if r := htDo(t, m, base, "/graphql", []byte(`{}`), htBearer(a.token)); r.Status != http.StatusMethodNotAllowed {
				t.Fatalf("%s: HTTP %d", m, r.Status)
			}
		}
	})
}

// TestCORS: with CORS_ORIGINS set, a preflight from a listed origin is
// answered for the API's methods and headers (the browser clients' tracing
// and client-awareness headers included, and those CORS_ALLOWED_HEADERS
// adds), and answers to its requests carry Access-Control-Allow-Origin
// (refusals too, so a page can read them) and expose the request id and
// the rate limit's headers; any other origin, or any origin when none is
// listed, gets no CORS header at all. Credentials are never allowed.
func TestCORS(t *testing.T) {
	t.Parallel()
	const app, dev, evil = "https://app.example.com", "http://localhost:5173", "https://evil.example.net"
	base := ownServer(t, func(o *httpapi.Options) { o.CORSOrigins = []string{app, dev} })
	extra := ownServer(t, func(o *httpapi.Options) {
		o.CORSOrigins = []string{app}
		o.CORSHeaders = []string{"X-Tenant-Id"}
	})
	plain := server(t)
	a := newAPI(t)
	preflight := func(t *testing.T, url, origin, method, headers string) htResult {
		t.Helper()
		h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
		if headers != "" {
			h["Access-Control-Request-Headers"] = headers
		}
		return htDo(t, http.MethodOptions, url, "/graphql", nil, h)
	}
	noCORS := func(t *testing.T, r htResult) {
		t.Helper()
		for k := range r.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Fatalf("%s: %q", k, r.Header.Get(k))
			}
		}
	}
	for _, origin := range []string{app, dev} {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			t.Run("preflight "+method+" from "+origin, func(t *testing.T) {
				t.Parallel()
				r := preflight(t, base, origin, method, "authorization,content-type,x-request-id")
				if r.Status != http.StatusNoContent && r.Status != http.StatusOK {
					t.Fatalf("HTTP %d", r.Status)
				}
				h := r.Header
				if h.Get("Access-Control-Allow-Origin") != origin {
					t.Fatalf("Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
				}
				if !strings.Contains(h.Get("Access-Control-Allow-Methods"), method) {
					t.Fatalf("Allow-Methods %q", h.Get("Access-Control-Allow-Methods"))
				}
				allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
				for _, want := range []string{"authorization", "content-type", "x-request-id"} {
					if !strings.Contains(allowed, want) {
						t.Fatalf("Allow-Headers %q lacks %s", allowed, want)
					}
				}
				if h.Get("Access-Control-Max-Age") == "" || h.Get("Access-Control-Allow-Credentials") != "" {
					t.Fatalf("Max-Age %q, Allow-Credentials %q", h.Get("Access-Control-Max-Age"), h.Get("Access-Control-Allow-Credentials"))
				}
				if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
					t.Fatalf("Vary %q", h.Values("Vary"))
				}
			})
		}
	}
	// What browsers send in Access-Control-Request-Headers: the
	// non-safelisted headers a script set, lowercase, sorted.
	allowedPreflights := []struct{ name, url, headers string }{
		{"Apollo Client's client awareness", base, "apollographql-client-name,apollographql-client-version,authorization,content-type"},
		{"OpenTelemetry's trace context", base, "authorization,content-type,traceparent,tracestate"},
		{"Sentry's tracing", base, "authorization,baggage,content-type,sentry-trace"},
		{"every default header", base, "apollographql-client-name,apollographql-client-version,authorization,baggage,content-type,sentry-trace,traceparent,tracestate,x-request-id"},
		{"a header CORS_ALLOWED_HEADERS adds", extra, "authorization,content-type,x-tenant-id"},
		{"the defaults beside the one added", extra, "authorization,content-type,traceparent,x-request-id,x-tenant-id"},
	}
	for _, tc := range allowedPreflights {
		t.Run("preflight for "+tc.name, func(t *testing.T) {
			t.Parallel()
			r := preflight(t, tc.url, app, http.MethodPost, tc.headers)
			if r.Header.Get("Access-Control-Allow-Origin") != app {
				t.Fatalf("HTTP %d, Allow-Origin %q", r.Status, r.Header.Get("Access-Control-Allow-Origin"))
			}
			allowed := strings.Split(strings.ToLower(strings.Join(r.Header.Values("Access-Control-Allow-Headers"), ",")), ",")
			for _, want := range strings.Split(tc.headers, ",") {
				if !slices.Contains(allowed, want) {
					t.Fatalf("Allow-Headers %q lacks %s", allowed, want)
				}
			}
		})
	}
	refusedPreflights := []struct{ name, url, origin, method, headers string }{
		{"from an unknown origin", base, evil, http.MethodPost, "authorization,content-type"},
		{"from a look-alike origin", base, "https://app.example.com.evil.example.net", http.MethodPost, "content-type"},
		{"from the right host over http", base, "http://app.example.com", http.MethodPost, "content-type"},
		{"for another method", base, app, http.MethodDelete, ""},
		{"for another header", base, app, http.MethodPost, "authorization,x-forwarded-for"},
		{"for a header another server adds", base, app, http.MethodPost, "authorization,content-type,x-tenant-id"},
		{"for another header beside the one added", extra, app, http.MethodPost, "authorization,x-forwarded-for,x-tenant-id"},
		{"with no origin listed", plain, app, http.MethodPost, "authorization,content-type"},
		{"with no origin listed, for a default header", plain, app, http.MethodPost, "authorization,content-type,traceparent"},
	}
	for _, tc := range refusedPreflights {
		t.Run("no CORS for a preflight "+tc.name, func(t *testing.T) {
			t.Parallel()
			noCORS(t, preflight(t, tc.url, tc.origin, tc.method, tc.headers))
		})
	}
	gql := htGQLBody(t, `{ campaigns { totalCount } }`, nil)
	t.Run("a request from an allowed origin", func(t *testing.T) {
		t.Parallel()
		h := htBearer(a.token)
		h["Origin"] = app
		h["Apollographql-Client-Name"] = "roster-web"
		h["Traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		r := htDo(t, http.MethodPost, base, "/graphql", gql, h)
		if r.Status != http.StatusOK || r.Header.Get("Access-Control-Allow-Origin") != app ||
			r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("HTTP %d headers %v", r.Status, r.Header)
		}
		// Scripts may read the request id and the rate limit's headers.
		exposed := strings.Split(strings.ToLower(strings.ReplaceAll(strings.Join(r.Header.Values("Access-Control-Expose-Headers"), ","), " ", "")), ",")
		for _, want := range []string{"x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} {
			if !slices.Contains(exposed, want) {
				t.Fatalf("Expose-Headers %q lacks %s", exposed, want)
			}
		}
		// A refusal carries it too: the page can read why.
		r = htDo(t, http.MethodPost, base, "/graphql", gql, map[string]string{"Origin": app})
		if r.Status != http.StatusUnauthorized || r.Header.Get("Access-Control-Allow-Origin") != app {
			t.Fatalf("HTTP %d headers %v", r.Status, r.Header)
		}
	})
	t.Run("a request from an unknown origin gets no CORS header", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct{ url, origin string }{{base, evil}, {plain, evil}, {plain, app}} {
			h := htBearer(a.token)
			h["Origin"] = tc.origin
			r := htDo(t, http.MethodPost, tc.url, "/graphql", gql, h)
			if r.Status != http.StatusOK {
				t.Fatalf("HTTP %d", r.Status) // the browser, not the server, withholds the answer
			}
			noCORS(t, r)
		}
	})
	t.Run("CORS_ORIGINS", func(t *testing.T) {
		t.Parallel()
		got, err := httpapi.ParseCORSOrigins(" https://App.example.com , http://localhost:5173,")
		if err != nil || strings.Join(got, " ") != "https://app.example.com http://localhost:5173" {
			t.Fatalf("%q %v", got, err)
		}
		if got, err := httpapi.ParseCORSOrigins(""); err != nil || len(got) != 0 {
			t.Fatalf("%q %v", got, err)
		}
		for _, bad := range []string{"*", "https://*.example.com", "https://app.example.com/", "app.example.com",
			"ftp://app.example.com", "https://user@app.example.com", "https://app.example.com?x", "null", "https://a.com/path"} {
			if _, err := httpapi.ParseCORSOrigins("https://ok.example.com," + bad); err == nil {
				t.Fatalf("%q accepted", bad)
			}
		}
	})
	t.Run("CORS_ALLOWED_HEADERS", func(t *testing.T) {
		t.Parallel()
		got, err := httpapi.ParseCORSHeaders(" x-tenant-id , X-Feature-Flags,")
		if err != nil || strings.Join(got, " ") != "X-Tenant-Id X-Feature-Flags" {
			t.Fatalf("%q %v", got, err)
		}
		if got, err := httpapi.ParseCORSHeaders(""); err != nil || len(got) != 0 {
			t.Fatalf("%q %v", got, err)
		}
		for _, bad := range []string{"*", "x tenant", "x-tenant:1", "x-tenant\x00", "é", "x-tenant;", `"x-tenant"`} {
			if _, err := httpapi.ParseCORSHeaders("x-ok," + bad); err == nil || !strings.Contains(err.Error(), "CORS_ALLOWED_HEADERS") {
				t.Fatalf("%q: %v", bad, err)
			}
		}
	})
}

// TestRateLimit: one subject's flood gets 429 with Retry-After and
// RATE_LIMITED, before any statement runs, while another subject's
// requests, sent during the flood, all succeed; after Retry-After the
// flooder is served again.
func TestRateLimit(t *testing.T) {
	countStatements()
	t.Parallel()
	const burst = 5
	base := ownServer(t, func(o *httpapi.Options) { o.RateLimit = httpapi.RateLimit{RPS: 1, Burst: burst} })
	flooder, other := newAPI(t), newAPI(t)
	gql := htGQLBody(t, `{ campaigns { totalCount } }`, nil)

	type outcome struct {
		r     htResult
		stmts []string
		err   error
	}
	var (
		mu       sync.Mutex
		floods   []outcome
		others   []outcome
		wg       sync.WaitGroup
		start    = make(chan struct{})
		flooders = 4
	)
	for g := 0; g < flooders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 15; i++ {
				r, stmts, _, err := tryCountedDo(http.MethodPost, base, "/graphql", gql, htBearer(flooder.token))
				mu.Lock()
				floods = append(floods, outcome{r, stmts, err})
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		for i := 0; i < burst; i++ {
			r, stmts, _, err := tryCountedDo(http.MethodPost, base, "/graphql", gql, htBearer(other.token))
			mu.Lock()
			others = append(others, outcome{r, stmts, err})
			mu.Unlock()
		}
	}()
	close(start)
	wg.Wait()

	limited, served, retry := 0, 0, 0
	for _, o := range append(floods, others...) {
		if o.err != nil {
			t.Fatal(o.err)
		}
	}
	for _, o := range floods {
		switch o.r.Status {
		case http.StatusOK:
			served++
		case http.StatusTooManyRequests:
			limited++
			requireRefused(t, o.r, http.StatusTooManyRequests, "RATE_LIMITED")
			secs, err := strconv.Atoi(o.r.Header.Get("Retry-After"))
			if err != nil || secs < 1 {
				t.Fatalf("Retry-After %q", o.r.Header.Get("Retry-After"))
			}
			retry = max(retry, secs)
			if len(o.stmts) != 0 {
				t.Fatalf("a limited request ran %d statements", len(o.stmts))
			}
		default:
			t.Fatalf("HTTP %d %s", o.r.Status, o.r.Body)
		}
	}
	// 60 requests in a few seconds at 1 a second after a burst of 5.
	if limited < 30 || served < burst {
		t.Fatalf("%d served, %d limited", served, limited)
	}
	for _, o := range others {
		if o.r.Status != http.StatusOK || len(htErrors(t, o.r)) != 0 || len(o.stmts) == 0 {
			t.Fatalf("the other subject's request: HTTP %d %s", o.r.Status, o.r.Body)
		}
	}
	time.Sleep(time.Duration(retry) * time.Second)
	if r := htDo(t, http.MethodPost, base, "/graphql", gql, htBearer(flooder.token)); r.Status != http.StatusOK {
		t.Fatalf("after Retry-After: HTTP %d %s", r.Status, r.Body)
	}
	// The shared server has no limit (the zero RateLimit).
	for i := 0; i < 3*burst; i++ {
		if r := htDo(t, http.MethodPost, server(t), "/graphql", gql, htBearer(flooder.token)); r.Status != http.StatusOK {
			t.Fatalf("HTTP %d", r.Status)
		}
	}
}

// TestRateLimitHeaders: every answer to a rate-limited subject says where
// its bucket stands (RateLimit-Limit: the burst; RateLimit-Remaining: the
// requests it can still send at once; RateLimit-Reset: seconds until the
// bucket is full again), its 429 too, beside Retry-After; a 401 (no
// subject) and a server without a limit send none of them.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	// One token per 100 s: the bucket does not visibly refill during the
	// test, however slow the machine.
	const burst, rps = 3, 0.01
	base := ownServer(t, func(o *httpapi.Options) { o.RateLimit = httpapi.RateLimit{RPS: rps, Burst: burst} })
	a := newAPI(t)
	gql := htGQLBody(t, `{ campaigns { totalCount } }`, nil)
	headers := []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"}
	num := func(t *testing.T, r htResult, name string) int {
		t.Helper()
		n, err := strconv.Atoi(r.Header.Get(name))
		if err != nil {
			t.Fatalf("%s %q: %v", name, r.Header.Get(name), err)
		}
		return n
	}
	// Reset is the seconds to refill what is missing, less the few that
	// the test has taken so far.
	requireReset := func(t *testing.T, r htResult, missing int) {
		t.Helper()
		full := int(float64(missing) / rps)
		if reset := num(t, r, "RateLimit-Reset"); reset > full || reset < full-10 {
			t.Fatalf("RateLimit-Reset %d with %d tokens missing, want about %d", reset, missing, full)
		}
	}
	for i := 1; i <= burst; i++ {
		r := htDo(t, http.MethodPost, base, "/graphql", gql, htBearer(a.token))
		if r.Status != http.StatusOK {
			t.Fatalf("request %d: HTTP %d %s", i, r.Status, r.Body)
		}
		if num(t, r, "RateLimit-Limit") != burst || num(t, r, "RateLimit-Remaining") != burst-i || r.Header.Get("Retry-After") != "" {
			t.Fatalf("request %d: %v", i, r.Header)
		}
		requireReset(t, r, i)
	}
	r := htDo(t, http.MethodPost, base, "/graphql", gql, htBearer(a.token))
	requireRefused(t, r, http.StatusTooManyRequests, "RATE_LIMITED")
	if num(t, r, "RateLimit-Limit") != burst || num(t, r, "RateLimit-Remaining") != 0 {
		t.Fatalf("429: %v", r.Header)
	}
	requireReset(t, r, burst)
	if retry := num(t, r, "Retry-After"); retry > int(1/rps) || retry < int(1/rps)-10 {
		t.Fatalf("Retry-After %d, want about %v", retry, 1/rps)
	}
	// Over GET as over POST.
	q := url.Values{"query": {`{ campaigns { totalCount } }`}}
	if r := htDo(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, htBearer(a.token)); r.Status != http.StatusTooManyRequests || r.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("GET: HTTP %d %v", r.Status, r.Header)
	}
	none := func(t *testing.T, r htResult) {
		t.Helper()
		for _, h := range headers {
			if v := r.Header.Get(h); v != "" {
				t.Fatalf("HTTP %d with %s: %q", r.Status, h, v)
			}
		}
	}
	t.Run("no subject, no headers", func(t *testing.T) {
		none(t, htDo(t, http.MethodPost, base, "/graphql", gql, nil))
	})
	t.Run("no limit, no headers", func(t *testing.T) {
		r := htDo(t, http.MethodPost, server(t), "/graphql", gql, htBearer(a.token))
		if r.Status != http.StatusOK {
			t.Fatalf("HTTP %d", r.Status)
		}
		none(t, r)
	})
}
