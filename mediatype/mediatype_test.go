package mediatype_test

import (
	"net/http"
	"testing"

	"roster/mediatype"
)

// TestResponse: the choice by Accept, edge cases of the header included;
// TestHTTPUnauthenticatedContentType in graph/ checks it on the wire.
func TestResponse(t *testing.T) {
	t.Parallel()
	const j, g = mediatype.JSON, mediatype.GraphQLResponse
	for _, tc := range []struct {
		accept []string // one Accept header each; nil: none
		want   string
	}{
		{nil, j},
		{[]string{""}, j},
		{[]string{" "}, j},
		{[]string{"*/*"}, j},
		{[]string{"application/*"}, j},
		{[]string{"application/json"}, j},
		{[]string{"Application/JSON; charset=utf-8"}, j},
		{[]string{"application/graphql-response+json"}, g},
		{[]string{"application/graphql-response+json; charset=utf-8"}, g},
		// Apollo Client 4, GraphQL over HTTP's recommended header.
		{[]string{"application/graphql-response+json,application/json;q=0.9"}, g},
		{[]string{"application/graphql-response+json, application/json"}, g},
		{[]string{"application/json, application/graphql-response+json"}, j},
		// GraphiQL and Apollo Client 3.
		{[]string{"application/json, multipart/mixed"}, j},
		{[]string{"multipart/mixed;deferSpec=20220824,application/json"}, j},
		// q decides before the order.
		{[]string{"application/json;q=0.5, application/graphql-response+json"}, g},
		{[]string{"application/graphql-response+json;q=0.5, application/json"}, j},
		{[]string{"application/graphql-response+json;q=0, */*"}, j},
		{[]string{"*/*;q=0.1, application/graphql-response+json"}, g},
		{[]string{"application/json;q=0, application/*"}, g},
		// At equal q, a type named beats a wildcard.
		{[]string{"*/*, application/graphql-response+json"}, g},
		{[]string{"text/html, */*;q=0.8"}, j},
		// Java's URLConnection default: "*" and a q without its 0.
		{[]string{"text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"}, j},
		// Neither acceptable: the spec's default.
		{[]string{"text/html"}, g},
		{[]string{"application/json;q=0"}, g},
		{[]string{"application/json;q=0, application/graphql-response+json;q=0"}, g},
		// Malformed ranges count as not sent.
		{[]string{"application/graphql-response+json;q=2, application/json"}, j},
		{[]string{"application/graphql-response+json;q=NaN, application/json"}, j},
		{[]string{"application/graphql-response+json;q=x, application/json"}, j},
		{[]string{"application/graphql-response+json;;=, application/json"}, j},
		{[]string{"application/graphql-response+json;q=1;q=0.1, application/json"}, j},
		{[]string{",,, ;"}, g},
		// Accept is a list: two headers are one list.
		{[]string{"application/json;q=0.5", "application/graphql-response+json"}, g},
		{[]string{"", "application/graphql-response+json"}, g},
	} {
		r := &http.Request{Header: http.Header{}}
		for _, a := range tc.accept {
			r.Header.Add("Accept", a)
		}
		if got := mediatype.Response(r); got != tc.want {
			t.Errorf("Accept %q: %s, want %s", tc.accept, got, tc.want)
		}
	}
}
