package graph_test

// Transports (SPEC §3): POST, GET and OPTIONS, CORS, the endpoints beside
// /graphql, and the media types negotiated.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/httpapi"
)

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
		big := htGQLBody(t, createIDMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"},
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
		requireRefused(t, roundTrip(t, req), http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE")
		if n := campaignsNamed(t, name); n != 0 {
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
				htGQLBody(t, createIDMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}}), h)
			requireRefused(t, r, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE")
			if n := campaignsNamed(t, name); n != 0 {
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
				htGQLBody(t, createIDMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}}), h)
			if r.Status != http.StatusOK || campaignsNamed(t, name) != 1 {
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
		if n := campaignsNamed(t, name); n != 0 {
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
}

func TestHTTPGet(t *testing.T) {
	t.Parallel()
	base := server(t)
	t.Run("query", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		a.createCampaign("EMAIL")
		r := htDo(t, http.MethodGet, base, "/graphql?query={campaigns{totalCount}}", nil, htBearer(a.token))
		if r.Status != http.StatusOK {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
		var out struct {
			Data struct {
				Campaigns struct {
					TotalCount int `json:"totalCount"`
				} `json:"campaigns"`
			} `json:"data"`
			Errors []gqlError `json:"errors"`
		}
		if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Errors) != 0 || out.Data.Campaigns.TotalCount != 1 {
			t.Fatalf("body %s", r.Body)
		}
	})
	t.Run("query with variables", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		c := a.createCampaign("LINKEDIN")
		q := url.Values{
			"query":     {`query($id: UUID!) { campaign(id: $id) { id channel } }`},
			"variables": {fmt.Sprintf(`{"id": %q}`, c)},
		}
		r := htDo(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, htBearer(a.token))
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"channel":"LINKEDIN"`) {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
	})
	mutations := map[string]string{
		"mutation":                 `mutation { createCampaign(input: {name: "%s", channel: EMAIL}) { campaign { id } } }`,
		"named mutation":           `mutation M { createCampaign(input: {name: "%s", channel: EMAIL}) { campaign { id } } }`,
		"mutation after a query":   `query Q { campaigns { totalCount } } mutation M { createCampaign(input: {name: "%s", channel: EMAIL}) { campaign { id } } }`,
		"mutation with whitespace": "\n  mutation{createCampaign(input:{name:\"%s\",channel:EMAIL}){campaign{id}}}",
	}
	for name, doc := range mutations {
		t.Run("refuses a "+name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			cname := "get-" + uuid.NewString()
			q := url.Values{"query": {fmt.Sprintf(doc, cname)}}
			if strings.Contains(name, "after") {
				q.Set("operationName", "M")
			}
			r := htDo(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, htBearer(a.token))
			if r.Status == http.StatusOK {
				t.Fatalf("GET mutation answered 200: %s", r.Body)
			}
			if n := campaignsNamed(t, cname); n != 0 {
				t.Fatalf("GET mutation created %d campaigns", n)
			}
			if n := sqlInt(t, `SELECT count(*) FROM campaigns WHERE owner = ?`, a.sub); n != 0 {
				t.Fatalf("GET mutation created %d campaigns", n)
			}
		})
	}
}

func TestHTTPEndpoints(t *testing.T) {
	t.Parallel()
	base := server(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			r := htDo(t, http.MethodGet, base, path, nil, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: HTTP %d %s", path, r.Status, r.Body)
			}
		})
	}
	t.Run("GraphiQL at /", func(t *testing.T) {
		t.Parallel()
		r := htDo(t, http.MethodGet, base, "/", nil, nil)
		body := strings.ToLower(string(r.Body))
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(body, "<html") || !strings.Contains(body, "graphiql") || !strings.Contains(body, "/graphql") {
			t.Fatalf("HTTP %d %s: %.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		t.Parallel()
		if r := htDo(t, http.MethodGet, base, "/nope", nil, nil); r.Status != http.StatusNotFound {
			t.Fatalf("HTTP %d", r.Status)
		}
	})
}
