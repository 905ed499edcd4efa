package httpapi

import (
	"context"
	"net/http"

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
	current string // the current ETag, when matched
	reads   *db.Reads
}

// conditional checks If-None-Match before anything is parsed or run: a
// tag of this request's (its request MAC says so) costs the one statement
// that reads its scope's versions; any other tag, none. The context it
// returns collects the versions the answer's statements read.
func (t httpTransport) conditional(ctx context.Context, r *http.Request, params *graphql.RawParams) (context.Context, *conditional) {
	if t.tags == nil {
		return ctx, nil
	}
	sub, ok := auth.Subject(ctx)
	if !ok {
		return ctx, nil
	}
	c := &conditional{tags: t.tags, req: etag.Request{
		Subject:       sub,
		Document:      etag.DocumentID(params.Query, params.Extensions),
		OperationName: params.OperationName,
		Variables:     params.Variables,
	}}
	if c.req.Document == "" {
		return ctx, nil
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		var err error
		if c.matched, c.current, err = t.tags.Match(ctx, c.req, inm); err != nil {
			// Answered in full, then, and without an ETag.
			return ctx, nil
		}
	}
	ctx, c.reads = db.WithReads(ctx)
	return ctx, c
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

// setHeaders gives a query's answer its caching headers: Cache-Control
// always; an ETag when it has no errors and its statements read the
// versions of everything its root fields cover (graph.VersionScope).
func (c *conditional) setHeaders(ctx context.Context, w http.ResponseWriter, rc *graphql.OperationContext, resp *graphql.Response) {
	if rc.Operation == nil || rc.Operation.Operation != ast.Query {
		return
	}
	w.Header().Set("Cache-Control", etag.CacheControl)
	if c == nil || resp == nil || len(resp.Errors) != 0 {
		return
	}
	scope, ok := graph.VersionScope(rc)
	if !ok {
		return
	}
	versions, ok := c.reads.Versions(scope)
	if !ok {
		return
	}
	if tag, err := c.tags.Tag(ctx, c.req, etag.Read{Scope: scope, Versions: versions}); err == nil {
		w.Header().Set("ETag", tag)
	}
}
