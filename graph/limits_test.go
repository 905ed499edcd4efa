package graph_test

// Query cost limits: documents built to cost the server are refused before
// execution, the largest legitimate ones fit, and introspection is switched
// as configured.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/graph"
	"roster/httpapi"
)

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

// nestedType is `__type(name: "Prospect") { ofType { … { name } } }` with
// depth fields on the longest path, the leaf included.
func nestedType(depth int) string {
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
		{"a 30-deep nesting", nestedType(30), "depth", nil},
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
		{"depth", nestedType(graph.MaxDepth), nestedType(graph.MaxDepth + 1), "depth", true},
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
		a.query(introspectionQuery, nil, &out)
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
		r, stmts, _ := countedDo(t, http.MethodGet, base, "/graphql?query="+strings.ReplaceAll(nestedType(30), " ", "+"), nil, htBearer(a.token))
		if e := requireRefused(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"); e.Extensions["limit"] != "depth" || len(stmts) != 0 {
			t.Fatalf("%+v, %d statements", e, len(stmts))
		}
	})
}

// introspectionQuery is GraphiQL 4's introspection query with every
// option on (graphql-js getIntrospectionQuery): 15 fields deep.
const introspectionQuery = `query IntrospectionQuery {
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
