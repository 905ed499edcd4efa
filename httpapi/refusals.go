package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"roster/apierr"
	"roster/mediatype"
	"roster/metrics"
	"roster/requestlog"
)

// refuse answers a request refused before GraphQL runs: the status of code
// in apierr's table, and a GraphQL error body carrying code all the same
// (in the media type the client accepts). It counts the error as GraphQL
// errors are counted, and names it on the request's log line.
func refuse(w http.ResponseWriter, r *http.Request, m *metrics.Metrics, code, msg string) {
	m.Errors.WithLabelValues(code).Inc()
	if info := requestlog.LineOf(r.Context()); info != nil {
		info.Outcome = "errors: " + code
	}
	w.Header().Set("Content-Type", mediatype.Response(r))
	writeBody(w, apierr.Status(code), requestErrors{Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": code},
	}}})
}

// closeAfterChunked closes the connection after answering a request whose
// body came chunked. RFC 9112 §6.3: a request with both Transfer-Encoding
// and Content-Length may be an attempt at request smuggling, and once it
// is answered the connection must close. net/http reads such a body as
// chunked but drops the Content-Length header before a handler sees it, so
// the two cannot be told apart here: every chunked request closes its
// connection (they are rare; browsers and the usual clients send a
// Content-Length).
func closeAfterChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// requireJSON lets a POST through only with a JSON body: an HTML form or a
// fetch without preflight (text/plain, multipart/form-data,
// application/x-www-form-urlencoded) is refused with 415 before anything
// runs, so no cross-site form can reach a resolver (CSRF).
func requireJSON(m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isJSON(r.Header.Get("Content-Type")) {
			refuse(w, r, m, apierr.UnsupportedMediaType,
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
	refuse(w, r, m, apierr.RequestTooLarge,
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
