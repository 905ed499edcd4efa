// Package requestlog carries, in a request's context, what ties its log
// lines together and what its access log line says. The HTTP layer
// (httpapi) gives each request its id and its Line; the layers below it
// read the id when they log (the GraphQL error presenter, /readyz) and
// note on the Line what they learn (the subject, the operation, the
// outcome). It is its own package because both the HTTP layer and the
// GraphQL layer below it, which must not import each other both ways,
// write and read these.
package requestlog

import "context"

type idKey struct{}

// WithID gives ctx the request id id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// ID is the id of the request ctx belongs to, as logged and as echoed in
// X-Request-Id; "" outside a request.
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// Line is what one request's access log line says besides its method,
// path, status and duration; the layers below the access log fill it in
// as they learn it.
type Line struct {
	Subject   string
	Operation string
	// Outcome is "errors: CODE,…" once an error is known; empty, the
	// access log says "ok" or the HTTP status.
	Outcome string
}

type lineKey struct{}

// WithLine gives ctx a Line to fill in, returned too.
func WithLine(ctx context.Context) (context.Context, *Line) {
	l := &Line{}
	return context.WithValue(ctx, lineKey{}, l), l
}

// LineOf is the Line of the request ctx belongs to; nil outside one.
func LineOf(ctx context.Context) *Line {
	l, _ := ctx.Value(lineKey{}).(*Line)
	return l
}
