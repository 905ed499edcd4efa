package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"roster/auth"
	"roster/db"
	"roster/etag"
	"roster/graph"
)

// conditional is one request's conditional part (SPEC §14): the ETag its
// answer gets, and whether If-None-Match already holds it.
type conditional struct {
	tags    *etag.Tagger
	req     etag.Request
	matched bool
	current string     // the current ETag, when matched
	read    *etag.Read // the versions Match read, before the answer
}

// conditional checks If-None-Match before anything is parsed or run: a
// tag of this request's (its request MAC says so) costs the one statement
// that reads its scope's versions; any other tag, none.
func (t httpTransport) conditional(ctx context.Context, r *http.Request, params *graphql.RawParams) *conditional {
	if t.tags == nil {
		return nil
	}
	sub, ok := auth.Subject(ctx)
	if !ok {
		return nil
	}
	c := &conditional{tags: t.tags, req: etag.Request{
		Subject:       sub,
		Document:      etag.DocumentID(params.Query, params.Extensions),
		OperationName: params.OperationName,
		Variables:     params.Variables,
	}}
	if c.req.Document == "" {
		return nil
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		var err error
		c.matched, c.current, c.read, err = t.tags.Match(ctx, c.req, inm)
		if err != nil {
			c.matched, c.read = false, nil // then answered in full, without an ETag
			c.tags = nil
		}
	}
	return c
}

// notModified answers a request whose If-None-Match holds the current
// ETag: 304 for a GET, 412 for a POST (RFC 9110 §13.1.2), no body.
func (c *conditional) notModified(w http.ResponseWriter, r *http.Request) bool {
	if c == nil || !c.matched {
		return false
	}
	w.Header().Del("Content-Type")
	w.Header().Set("ETag", c.current)
	w.Header().Set("Cache-Control", etag.CacheControl)
	if r.Method == http.MethodGet {
		w.WriteHeader(http.StatusNotModified)
	} else {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusPreconditionFailed)
	}
	return true
}

// tag is the ETag the answer to rc gets if it has no errors, "" when it
// gets none (a mutation, an answer that reads what no version covers).
// The versions are read before the answer is (or were, by Match), so the
// tag is never one of a newer answer.
func (c *conditional) tag(ctx context.Context, rc *graphql.OperationContext) string {
	if c == nil || c.tags == nil {
		return ""
	}
	scope, ok := graph.VersionScope(rc)
	if !ok {
		return ""
	}
	var read etag.Read
	if c.read != nil && sameScope(c.read.Scope, scope) {
		read = *c.read
	} else {
		var err error
		if read, err = c.tags.Read(ctx, c.req, scope); err != nil {
			return ""
		}
	}
	tag, err := c.tags.Tag(ctx, c.req, read)
	if err != nil {
		return ""
	}
	return tag
}

// setHeaders gives a query's answer its caching headers: Cache-Control
// always, the ETag when it has no errors.
func (c *conditional) setHeaders(w http.ResponseWriter, rc *graphql.OperationContext, resp *graphql.Response, tag string) {
	if rc.Operation == nil || rc.Operation.Operation != ast.Query {
		return
	}
	w.Header().Set("Cache-Control", etag.CacheControl)
	if tag != "" && resp != nil && len(resp.Errors) == 0 {
		w.Header().Set("ETag", tag)
	}
}

func sameScope(a, b db.VersionScope) bool {
	return a.Owner == b.Owner && slices.Equal(a.Campaigns, b.Campaigns)
}
