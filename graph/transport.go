package graph

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"

	"roster/metrics"
)

// The codes of the requests refused before GraphQL sees them; their bodies
// are GraphQL error bodies all the same.
const (
	codeRequestTooLarge  = "REQUEST_TOO_LARGE"      // 413
	codeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE" // 415
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"     // 405: a mutation over GET
	codeRateLimited      = "RATE_LIMITED"           // 429
)

// refuse answers status with a GraphQL error body carrying code, counts the
// error as GraphQL errors are counted, and names it on the request's log
// line.
func refuse(w http.ResponseWriter, r *http.Request, m *metrics.Metrics, status int, code, msg string) {
	m.Errors.WithLabelValues(code).Inc()
	if info := infoOf(r.Context()); info != nil {
		info.outcome = "errors: " + code
	}
	writeJSON(w, status, map[string]any{"errors": []any{map[string]any{
		"message":    msg,
		"extensions": map[string]any{"code": code},
	}}})
}

// requireJSON lets a POST through only with a JSON body: an HTML form or a
// fetch without preflight (text/plain, multipart/form-data,
// application/x-www-form-urlencoded) is refused with 415 before anything
// runs, so no cross-site form can reach a resolver (CSRF).
func requireJSON(m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isJSON(r.Header.Get("Content-Type")) {
			refuse(w, r, m, http.StatusUnsupportedMediaType, codeUnsupportedMedia,
				"POST /graphql needs Content-Type: application/json")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isJSON accepts application/json, with no parameter but a UTF-8 charset.
func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// limitBody refuses a body over limit with 413 and a GraphQL error body:
// at once when Content-Length says so, else when the reader hits the limit
// (a chunked body), replacing whatever the handler then writes.
func limitBody(m *metrics.Metrics, limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			tooLarge(w, r, m, limit)
			return
		}
		body := &cappedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit)}
		r2 := *r
		r2.Body = body
		next.ServeHTTP(&tooLargeWriter{ResponseWriter: w, r: r, m: m, limit: limit, body: body}, &r2)
	})
}

func tooLarge(w http.ResponseWriter, r *http.Request, m *metrics.Metrics, limit int64) {
	refuse(w, r, m, http.StatusRequestEntityTooLarge, codeRequestTooLarge,
		fmt.Sprintf("the request body is over the limit of %d bytes; split the batch", limit))
}

// cappedBody remembers that its reader hit the limit.
type cappedBody struct {
	io.ReadCloser
	exceeded atomic.Bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		b.exceeded.Store(true)
	}
	return n, err
}

// tooLargeWriter answers 413 in place of the handler's answer once the
// body has hit the limit.
type tooLargeWriter struct {
	http.ResponseWriter
	r       *http.Request
	m       *metrics.Metrics
	limit   int64
	body    *cappedBody
	decided bool
	refused bool
}

func (t *tooLargeWriter) decide() {
	if !t.decided {
		t.decided = true
		if t.body.exceeded.Load() {
			t.refused = true
			tooLarge(t.ResponseWriter, t.r, t.m, t.limit)
		}
	}
}

func (t *tooLargeWriter) WriteHeader(code int) {
	if t.decide(); !t.refused {
		t.ResponseWriter.WriteHeader(code)
	}
}

func (t *tooLargeWriter) Write(b []byte) (int, error) {
	if t.decide(); t.refused {
		return len(b), nil
	}
	return t.ResponseWriter.Write(b)
}

// queriesOnlyOverGET gives gqlgen's refusal of a mutation over GET (a 406
// whose error has no code) the status GraphQL over HTTP asks for, 405 with
// Allow: POST, and a code.
func queriesOnlyOverGET(m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&getWriter{ResponseWriter: w, r: r, m: m}, r)
	})
}

type getWriter struct {
	http.ResponseWriter
	r       *http.Request
	m       *metrics.Metrics
	refused bool
}

func (g *getWriter) WriteHeader(code int) {
	if code != http.StatusNotAcceptable {
		g.ResponseWriter.WriteHeader(code)
		return
	}
	g.refused = true
	g.Header().Set("Allow", "POST")
	refuse(g.ResponseWriter, g.r, g.m, http.StatusMethodNotAllowed, codeMethodNotAllowed,
		"GET requests only allow query operations: send mutations with POST")
}

func (g *getWriter) Write(b []byte) (int, error) {
	if g.refused {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}
