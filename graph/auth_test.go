package graph_test

// Authentication (SPEC §3): a request without a valid bearer token is 401
// UNAUTHENTICATED in the client's media type, whatever it sends, before
// anything reaches the database.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"roster/auth"
)

// requireUnauthenticated checks the 401 of SPEC §3, body shape included,
// for a client that sent no Accept header.
func requireUnauthenticated(t testing.TB, r htResult) {
	t.Helper()
	requireUnauthenticatedAs(t, r, "application/json")
}

// requireUnauthenticatedAs checks the 401 of SPEC §3 in contentType.
func requireUnauthenticatedAs(t testing.TB, r htResult, contentType string) {
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
	bigToken := b64JSON(t, map[string]any{"alg": "HS256", "typ": "JWT"}) + "." + strings.Repeat("A", 100<<10) + "." + parts[2]
	algNone := b64JSON(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + "."
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
		{"sub of 3000 bytes", htBearer(signed(jwt.MapClaims{"sub": randomText(3000), "exp": exp})), nil, "sub is longer than"},
		{"sub one byte over the bound", htBearer(signed(jwt.MapClaims{"sub": randomText(auth.MaxSubjectLen + 1), "exp": exp})), nil, "sub is longer than"},
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
				requireUnauthenticated(t, r)
				if msg := htErrors(t, r)[0].Message; !strings.Contains(msg, tc.reason) {
					t.Fatalf("message %q, want it to say %q", msg, tc.reason)
				}
			}
			name := "unauth-" + uuid.NewString()
			body := htGQLBody(t, createIDMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}})
			requireRefused(htDoHeader(t, http.MethodPost, base, "/graphql", body, header))
			q := url.Values{"query": {`{ campaigns { totalCount } }`}}
			requireRefused(htDoHeader(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, header))
			if n := campaignsNamed(t, name); n != 0 {
				t.Fatalf("the refused mutation ran: %d campaigns named %s", n, name)
			}
		})
	}
	// The longest sub accepted, of text that does not compress, owns its
	// campaigns: the bound is under what the owner index holds.
	t.Run("a sub of MaxSubjectLen bytes", func(t *testing.T) {
		t.Parallel()
		a := asSubject(t, randomText(auth.MaxSubjectLen))
		var made struct {
			CreateCampaign struct {
				Campaign *campaign `json:"campaign"`
			} `json:"createCampaign"`
		}
		a.query(createIDMutation, map[string]any{"in": map[string]any{"name": "long sub", "channel": "EMAIL"}}, &made)
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
			htGQLBody(t, createIDMutation, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}}), htBearer(a.token))
		if r.Status != http.StatusOK || campaignsNamed(t, name) != 1 {
			t.Fatalf("HTTP %d %s", r.Status, r.Body)
		}
	})
}

// randomText is n bytes of random printable ASCII: text that PostgreSQL
// cannot compress to make it fit an index.
func randomText(n int) string {
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
			requireUnauthenticatedAs(t, htDo(t, http.MethodPost, base, "/graphql", body, h), tc.want)
			q := url.Values{"query": {`{ campaigns { totalCount } }`}}
			h["Authorization"] = "Bearer not-a-token"
			requireUnauthenticatedAs(t, htDo(t, http.MethodGet, base, "/graphql?"+q.Encode(), nil, h), tc.want)
		})
	}
}

func b64JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
