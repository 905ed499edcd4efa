package graph_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

func htCampaignsNamed(t testing.TB, name string) int {
	t.Helper()
	var n int
	err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT count(*) FROM campaigns WHERE name = ?`, name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const htCreateMutation = `mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { campaign { id } userErrors { code } } }`

// htRequireUnauthenticated checks the 401 of SPEC §3, body shape included,
// for a client that sent no Accept header.
func htRequireUnauthenticated(t testing.TB, r htResult) {
	t.Helper()
	htRequireUnauthenticatedAs(t, r, "application/json")
}

// htRequireUnauthenticatedAs checks the 401 of SPEC §3 in contentType.
func htRequireUnauthenticatedAs(t testing.TB, r htResult, contentType string) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("HTTP %d, want 401: %s", r.Status, r.Body)
	}
	if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
		t.Fatalf("WWW-Authenticate = %q, want Bearer…", h)
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != contentType {
		t.Fatalf("Content-Type = %q, want %s", r.Header.Get("Content-Type"), contentType)
	}
	// Exactly {"errors":[{"message":…,"extensions":{"code":"UNAUTHENTICATED"}}]}.
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("body is not a JSON object: %s", r.Body)
	}
	if len(body) != 1 || body["errors"] == nil {
		t.Fatalf("body keys: %s", r.Body)
	}
	var errs []map[string]json.RawMessage
	if err := json.Unmarshal(body["errors"], &errs); err != nil || len(errs) != 1 {
		t.Fatalf("errors: %s", r.Body)
	}
	e := errs[0]
	if len(e) != 2 || e["message"] == nil || e["extensions"] == nil {
		t.Fatalf("error keys: %s", r.Body)
	}
	var msg string
	if err := json.Unmarshal(e["message"], &msg); err != nil || strings.TrimSpace(msg) == "" {
		t.Fatalf("message: %s", r.Body)
	}
	var ext map[string]any
	if err := json.Unmarshal(e["extensions"], &ext); err != nil || len(ext) != 1 || ext["code"] != "UNAUTHENTICATED" {
		t.Fatalf("extensions: %s", r.Body)
	}
}

func TestHTTPUnauthenticated(t *testing.T) {
	t.Parallel()
	base := server(t)
	expired, err := auth.Issue(auth.Config{Secret: testAuth.Secret, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}, "alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherSecret, err := auth.Issue(auth.Config{Secret: []byte("a-completely-different-secret-0123456789")}, "alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	good, err := auth.Issue(testAuth, "alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	bigToken := htB64JSON(t, map[string]any{"alg": "HS256", "typ": "JWT"}) + "." + strings.Repeat("A", 100<<10) + "." + parts[2]
	algNone := htB64JSON(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + "."
	// signed signs claims with the server's secret: only what they hold
	// is wrong.
	signed := func(claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(testAuth.Secret)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	exp := time.Now().Add(time.Hour).Unix()

	cases := []struct {
		name   string
		header map[string]string
		also   []string // Authorization headers sent after header's
		reason string   // the message says this, when set
	}{
		{"no Authorization header", nil, nil, ""},
		{"empty Authorization header", map[string]string{"Authorization": ""}, nil, ""},
		{"Basic scheme", map[string]string{"Authorization": "Basic YWxpY2U6c2VjcmV0"}, nil, ""},
		{"Bearer without a token", map[string]string{"Authorization": "Bearer "}, nil, ""},
		{"malformed token", htBearer("this.is.not-a-jwt"), nil, ""},
		{"garbage token", htBearer("garbage"), nil, ""},
		{"expired token", htBearer(expired), nil, ""},
		{"token signed with another secret", htBearer(otherSecret), nil, ""},
		{"alg none", htBearer(algNone), nil, ""},
		{"token without its scheme", map[string]string{"Authorization": good}, nil, ""},
		// Far longer than any real token (yet under the server's header
		// limit): the contract's 401 all the same.
		{"100 KB token", htBearer(bigToken), nil, ""},
		// RFC 7519's NumericDate is a JSON number, not a number in a string.
		{"exp a number in a string", htBearer(signed(jwt.MapClaims{"sub": "alice", "exp": fmt.Sprint(exp)})), nil, "exp is not a number"},
		{"nbf a number in a string", htBearer(signed(jwt.MapClaims{"sub": "alice", "exp": exp, "nbf": fmt.Sprint(exp - 7200)})), nil, "nbf is not a number"},
		{"iat a number in a string", htBearer(signed(jwt.MapClaims{"sub": "alice", "exp": exp, "iat": fmt.Sprint(exp - 3600)})), nil, "iat is not a number"},
		// PostgreSQL cannot store a NUL (it was INTERNAL_SERVER_ERROR);
		// the other control characters are refused by choice.
		{"sub with a NUL", htBearer(signed(jwt.MapClaims{"sub": "al\x00ice", "exp": exp})), nil, "sub holds a NUL character"},
		{"sub with an escape sequence", htBearer(signed(jwt.MapClaims{"sub": "alice\x1b[2J", "exp": exp})), nil, "sub holds a control character"},
		{"sub with a newline", htBearer(signed(jwt.MapClaims{"sub": "alice\nbob", "exp": exp})), nil, "sub holds a control character"},
		// Longer than the owner index takes (it was INTERNAL_SERVER_ERROR).
		{"sub of 3000 bytes", htBearer(signed(jwt.MapClaims{"sub": htRandomText(3000), "exp": exp})), nil, "sub is longer than"},
		{"sub one byte over the bound", htBearer(signed(jwt.MapClaims{"sub": htRandomText(auth.MaxSubjectLen + 1), "exp": exp})), nil, "sub is longer than"},
		// Authorization is not a list: a second header is refused, even
		// the same good token again.
		{"two Authorization headers", htBearer(good), []string{"Bearer " + otherSecret}, "one Authorization header"},
		{"the same good token twice", htBearer(good), []string{"Bearer " + good}, "one Authorization header"},
		{"an empty header before a good one", map[string]string{"Authorization": ""}, []string{"Bearer " + good}, "one Authorization header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header := http.Header{}
			for k, v := range tc.header {
				header.Set(k, v)
			}
			for _, v := range tc.also {
				header.Add("Authorization", v)
			}
			requireRefused := func(r htResult) {
				t.Helper()
				htRequireUnauthenticated(t, r)
				if msg := htErrors(t, r)[0].Message; !strings.Contains(msg, tc.reason) {
					t.Fatalf("message %q, want it to say %q", msg, tc.reason)
				}
			}
			name := "unauth-" + uuid.NewString()
			body := htGQLBody(t, htCreateMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}})
			requireRefused(htDoHeader(t, http.MethodPost, base, "/graphql", body, header))
			q := url.Values{"query": {`{ campaigns { totalCount } }`}}
			requireRefused(htDoHeader(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, header))
			if n := htCampaignsNamed(t, name); n != 0 {
				t.Fatalf("the refused mutation ran: %d campaigns named %s", n, name)
			}
		})
	}
	// The longest sub accepted, of text that does not compress, owns its
	// campaigns: the bound is under what the owner index holds.
	t.Run("a sub of MaxSubjectLen bytes", func(t *testing.T) {
		t.Parallel()
		a := asSubject(t, htRandomText(auth.MaxSubjectLen))
		var made struct {
			CreateCampaign struct {
				Campaign *campaign `json:"campaign"`
			} `json:"createCampaign"`
		}
		a.query(htCreateMutation, map[string]any{"in": map[string]any{"name": "long sub", "channel": "EMAIL"}}, &made)
		if made.CreateCampaign.Campaign == nil {
			t.Fatal("no campaign created")
		}
		id := made.CreateCampaign.Campaign.ID
		var out struct {
			Campaign *campaign `json:"campaign"`
		}
		a.query(`query($id: UUID!) { campaign(id: $id) { id } }`, map[string]any{"id": id}, &out)
		if out.Campaign == nil || out.Campaign.ID != id {
			t.Fatalf("campaign %s not found by its owner: %+v", id, out.Campaign)
		}
	})
	// The same mutation with a good token does run: the check above is not vacuous.
	t.Run("good token runs", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		name := "auth-ok-" + uuid.NewString()
		r := htDo(t, http.MethodPost, base, "/graphql",
			htGQLBody(t, htCreateMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}}), htBearer(a.token))
		if r.Status != http.StatusOK || htCampaignsNamed(t, name) != 1 {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
	})
}

// htRandomText is n bytes of random printable ASCII: text that PostgreSQL
// cannot compress to make it fit an index.
func htRandomText(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// TestHTTPUnauthenticatedContentType: the 401 comes in the media type the
// client's Accept prefers, as GraphQL answers do (Apollo Client asks for
// application/graphql-response+json first), over POST and GET alike.
func TestHTTPUnauthenticatedContentType(t *testing.T) {
	t.Parallel()
	base := server(t)
	const j, g = "application/json", "application/graphql-response+json"
	for _, tc := range []struct {
		accept string // "": no Accept header
		want   string
	}{
		{"", j},
		{"*/*", j},
		{"application/json", j},
		{"application/json; charset=utf-8", j},
		{"application/json, multipart/mixed", j}, // GraphiQL
		{"text/html, */*;q=0.8", j},
		{"application/graphql-response+json,application/json;q=0.9", g}, // Apollo Client
		{"application/graphql-response+json", g},
		{"application/json;q=0.5, application/graphql-response+json", g},
		{"application/graphql-response+json;q=0, application/json", j},
		{"text/html", g}, // neither: GraphQL over HTTP's default
	} {
		t.Run("Accept "+tc.accept, func(t *testing.T) {
			t.Parallel()
			h := map[string]string{}
			if tc.accept != "" {
				h["Accept"] = tc.accept
			}
			body := htGQLBody(t, `{ campaigns { totalCount } }`, nil)
			htRequireUnauthenticatedAs(t, htDo(t, http.MethodPost, base, "/graphql", body, h), tc.want)
			q := url.Values{"query": {`{ campaigns { totalCount } }`}}
			h["Authorization"] = "Bearer not-a-token"
			htRequireUnauthenticatedAs(t, htDo(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, h), tc.want)
		})
	}
}

func htB64JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
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
			if n := htCampaignsNamed(t, cname); n != 0 {
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

// TestHTTPInternalErrorsDoNotLeak serves the real handler over a closed
// database: every resolver then fails with a driver error, which must
// reach the client only as INTERNAL_SERVER_ERROR with a request id.
func TestHTTPInternalErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	if dbtest.URL() == "" {
		t.Fatal("dbtest.URL is empty")
	}
	bdb, err := db.Open(context.Background(), dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	base := ownServer(t, func(o *httpapi.Options) {
		o.Store, o.Logger = db.NewStore(bdb), slog.New(slog.NewTextHandler(logs, nil))
	})
	tok, err := auth.Issue(testAuth, "internal-"+uuid.NewString(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	docs := []struct {
		name, query string
		vars        map[string]any
		reqID       string
	}{
		{"query", `{ campaigns { totalCount nodes { id } } }`, nil, ""},
		{"query by id", `query($id: UUID!) { campaign(id: $id) { id } }`, map[string]any{"id": uuid.NewString()}, "client-chosen-id"},
		{"prospects", `query($id: UUID!) { prospects(campaignId: $id) { totalCount } }`, map[string]any{"id": uuid.NewString()}, ""},
		{"mutation", htCreateMutation, map[string]any{"in": map[string]any{"name": "never", "channel": "EMAIL"}}, ""},
		{"roster mutation", `mutation($id: UUID!) { addProspects(campaignId: $id, prospects: [{email: "a@example.com"}]) { imported userErrors { code } } }`,
			map[string]any{"id": uuid.NewString()}, ""},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			hdr := htBearer(tok)
			if d.reqID != "" {
				hdr["X-Request-Id"] = d.reqID
			}
			r := htDo(t, http.MethodPost, base, "/graphql", htGQLBody(t, d.query, d.vars), hdr)
			if r.Status != http.StatusOK {
				t.Fatalf("HTTP %d (an execution error answers 200): %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			errs := htErrors(t, r)
			if len(errs) == 0 {
				t.Fatalf("no error: %s", r.Body)
			}
			reqID := r.Header.Get("X-Request-Id")
			if reqID == "" || d.reqID != "" && reqID != d.reqID {
				t.Fatalf("X-Request-Id %q", reqID)
			}
			for _, e := range errs {
				if e.Code() != "INTERNAL_SERVER_ERROR" || e.Message != "internal server error" {
					t.Fatalf("error %+v", e)
				}
				if e.Extensions["requestId"] != reqID {
					t.Fatalf("requestId %v, X-Request-Id %q", e.Extensions["requestId"], reqID)
				}
			}
			lower := strings.ToLower(string(r.Body))
			for _, leak := range []string{"sql", "pq", "pgx", "select", "insert", ".go", "closed", "database", "bun", "goroutine"} {
				if strings.Contains(lower, leak) {
					t.Fatalf("body leaks %q: %s", leak, r.Body)
				}
			}
			// The details go to the log, under the same request id.
			if l := logs.String(); !strings.Contains(l, reqID) || !strings.Contains(l, "internal error") {
				t.Fatalf("log lacks the request id %s: %s", reqID, l)
			}
		})
	}
	t.Run("readyz", func(t *testing.T) {
		t.Parallel()
		r := htDo(t, http.MethodGet, base, "/readyz", nil, nil)
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
		lower := strings.ToLower(string(r.Body))
		if strings.Contains(lower, "sql:") || strings.Contains(lower, "closed") {
			t.Fatalf("readyz leaks: %s", r.Body)
		}
	})
	t.Run("healthz stays up", func(t *testing.T) {
		t.Parallel()
		if r := htDo(t, http.MethodGet, base, "/healthz", nil, nil); r.Status != http.StatusOK {
			t.Fatalf("HTTP %d", r.Status)
		}
	})
}

func TestHTTPComplexity(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	rows := make([]map[string]any, 200)
	for i := range rows {
		rows[i] = map[string]any{"email": fmt.Sprintf("c%03d@example.com", i), "firstName": "F", "customFields": map[string]any{"k": i}}
	}
	if res := a.add(c, rows, false); res.Imported != 200 {
		t.Fatalf("add: %d", res.Imported)
	}

	t.Run("too costly", func(t *testing.T) {
		t.Parallel()
		// Pages of 200 prospects in each of 200 campaigns: 200 × 200 × the
		// prospect's fields. (Sixty aliases of a 200-row page, the other
		// way to cost that much, are refused by MaxAliases first: see
		// TestQueryCost.)
		q := `{ campaigns(limit: 200) { nodes { id prospects(limit: 200) { nodes { ` + prospectFields + ` } } } } }`
		r := a.do(q, nil)
		if len(r.Errors) == 0 || r.Errors[0].Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Fatalf("HTTP %d errors %+v", r.Status, r.Errors)
		}
		if len(r.Data) > 0 && string(r.Data) != "null" {
			t.Fatalf("a refused query ran: %.200s", r.Data)
		}
	})
	t.Run("limit above 200 is costed as 200, not as asked", func(t *testing.T) {
		t.Parallel()
		q := `query($c: UUID!) { prospects(campaignId: $c, limit: 1000000) { nodes { ` + prospectFields + ` } } }`
		var out struct {
			Prospects struct {
				Limit int        `json:"limit"`
				Nodes []prospect `json:"nodes"`
			} `json:"prospects"`
		}
		a.query(q, map[string]any{"c": c}, &out)
		if len(out.Prospects.Nodes) != 200 {
			t.Fatalf("%d nodes", len(out.Prospects.Nodes))
		}
	})
	admitted := map[string]string{
		"200-row page and the campaign's stats": `query($c: UUID!) {
			campaign(id: $c) { id name status rosterFrozen ` + statsFields + ` }
			prospects(campaignId: $c, limit: 200) { totalCount page limit nodes { ` + prospectFields + ` } } }`,
		"200-row page nested under the campaign": `query($c: UUID!) { campaign(id: $c) { id ` + statsFields + `
			prospects(limit: 200) { totalCount page limit nodes { ` + prospectFields + ` } } } }`,
		"200-row page with edges and page info": `query($c: UUID!) {
			campaign(id: $c) { ` + statsFields + ` }
			prospects(campaignId: $c, limit: 200) { totalCount page limit
				nodes { ` + prospectFields + ` }
				edges { cursor node { ` + prospectFields + ` } }
				pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
	}
	for name, q := range admitted {
		t.Run("admits "+name, func(t *testing.T) {
			t.Parallel()
			r := a.do(q, map[string]any{"c": c})
			if r.Status != http.StatusOK || len(r.Errors) != 0 {
				t.Fatalf("HTTP %d errors %+v", r.Status, r.Errors)
			}
			if n := strings.Count(string(r.Data), `"campaignId"`); n < 200 {
				t.Fatalf("%d prospects served", n)
			}
			if !strings.Contains(string(r.Data), `"total":200`) {
				t.Fatalf("stats missing: %.300s", r.Data)
			}
		})
	}
	t.Run("admits a 1000-row add returning every prospect and duplicate row", func(t *testing.T) {
		t.Parallel()
		b := newAPI(t)
		bc := b.createCampaign("EMAIL")
		rows := make([]map[string]any, 1000)
		for i := range rows {
			rows[i] = map[string]any{"email": fmt.Sprintf("r%d@example.com", i%600)}
		}
		res := b.add(bc, rows, false) // addMutation asks for every field of both
		if res.Imported != 600 || res.Duplicates != 400 || len(res.DuplicateRows) != 400 {
			t.Fatalf("imported %d duplicates %d", res.Imported, res.Duplicates)
		}
		requireStatsMatchRoster(t, bc)
	})
}
