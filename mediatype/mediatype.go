// Package mediatype chooses the media type of a GraphQL answer from the
// request's Accept header, so that every layer answering /graphql (the
// GraphQL transports, and the 401 of auth that runs before them) chooses
// alike: a client that asked for application/graphql-response+json gets
// it on a refusal as on a result.
package mediatype

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// The two media types of a GraphQL answer (GraphQL over HTTP): the legacy
// one every client takes, and the one whose status codes say more.
const (
	JSON            = "application/json"
	GraphQLResponse = "application/graphql-response+json"
)

// Response is the media type to answer r in: of JSON and GraphQLResponse,
// the one r's Accept header prefers by its q-values (RFC 9110 §12.5.1);
// at equal q, the one named rather than matched by a wildcard, then the
// one listed first; at a tie still (*/*, application/*), JSON. No Accept
// header means JSON, as GraphQL over HTTP asks until clients have moved
// on. An Accept that takes neither gets GraphQLResponse: the spec lets a
// server disregard such a header and answer its default media type.
//
// Apollo Client's `application/graphql-response+json,application/json;q=0.9`
// gets GraphQLResponse; no Accept, `*/*` or `application/json` get JSON.
func Response(r *http.Request) string {
	accept := strings.Join(r.Header.Values("Accept"), ",")
	if strings.TrimSpace(accept) == "" {
		return JSON
	}
	j, g := match{specificity: -1}, match{specificity: -1}
	i := 0
	for part := range strings.SplitSeq(accept, ",") {
		i++
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue // as if not sent
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil || !(q >= 0 && q <= 1) {
				continue
			}
		}
		j.consider(mt, JSON, q, i)
		g.consider(mt, GraphQLResponse, q, i)
	}
	if j.q == 0 && g.q == 0 {
		return GraphQLResponse
	}
	if g.better(j) {
		return GraphQLResponse
	}
	return JSON
}

// match is how an Accept header takes one media type: the q-value of the
// most specific range that matches it (RFC 9110: that range decides, even
// with q=0), how specific that range is (2 the type itself, 1 type/*, 0
// */*, -1 none) and its place in the list.
type match struct {
	q           float64
	specificity int
	index       int
}

// consider takes the range r (q, at index) into account for mediaType.
func (m *match) consider(r, mediaType string, q float64, index int) {
	specificity := -1
	switch {
	case r == mediaType:
		specificity = 2
	case strings.HasSuffix(r, "/*") && strings.HasPrefix(mediaType, r[:len(r)-1]):
		specificity = 1
	case r == "*/*", r == "*": // "*" is no range, but Java's clients send it
		specificity = 0
	}
	if specificity > m.specificity {
		*m = match{q: q, specificity: specificity, index: index}
	}
}

// better says whether m is preferred to o; a tie is not.
func (m match) better(o match) bool {
	switch {
	case m.q != o.q:
		return m.q > o.q
	case m.specificity != o.specificity:
		return m.specificity > o.specificity
	default:
		return m.index < o.index
	}
}
