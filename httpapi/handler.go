// Package httpapi is the HTTP layer of the API: the mux and its endpoints
// (/graphql, GraphiQL, /healthz, /readyz, /metrics), request ids, the
// access log, CORS, the per-subject rate limit, the refusals before
// GraphQL runs (body size, content type, method), the GraphQL-over-HTTP
// transport with its typed reading of addProspects' rows, and the
// http.Server's timeouts. The GraphQL handler itself (gqlgen's server, its
// extensions, the resolvers) is graph's: NewHandler builds it with
// graph.NewHandler, handing it this package's transport and the extension
// that must come first.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"roster/apierr"
	"roster/auth"
	"roster/db"
	"roster/etag"
	"roster/graph"
	"roster/graphiql"
	"roster/metrics"
	"roster/requestlog"
)

// MaxBodyBytes admits a 1000-row add at the limits of SPEC §6, as JSON
// encoders write it (non-ASCII characters as UTF-8): eight text fields of
// 500 characters at 4 bytes (16,000 bytes), customFields of 4,096 bytes
// and about 130 bytes of keys and quotes make 20,226 bytes a row, 20.2 MB
// for 1000; 32 MiB (33.5 MB) leaves 1.6× for the query and the rest. JSON
// that escapes every non-ASCII character (\uXXXX, 12 bytes for a 4-byte
// character) can take 3× that at those extremes: such a batch gets 413
// (REQUEST_TOO_LARGE) and must be split.
const MaxBodyBytes = 32 << 20

// Options are the dependencies of the HTTP handler.
type Options struct {
	Store    *db.Store
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// DevToken, in dev mode, is put in GraphiQL's Headers pane.
	DevToken string
	// DisableIntrospection refuses __schema and __type, and takes the
	// "Did you mean …?" hints out of validation errors.
	DisableIntrospection bool
	// CORSOrigins are the origins whose pages may call the API; none: no
	// CORS headers at all (see ParseCORSOrigins).
	CORSOrigins []string
	// CORSHeaders are request headers those pages may send besides
	// DefaultCORSHeaders (see ParseCORSHeaders).
	CORSHeaders []string
	// RateLimit is each subject's request budget; the zero value: none.
	RateLimit RateLimit
	// RateLimitClock is the clock the rate limit's buckets fill by, for a
	// test that passes a Retry-After without sleeping through it; nil
	// means time.Now. (An idle bucket is forgotten by the real clock all
	// the same: see subjectLimiter.)
	RateLimitClock func() time.Time
	// RequestTimeout bounds each GraphQL request (its context, hence its
	// SQL); zero: none.
	RequestTimeout time.Duration
	// NoFastList serves the polling query through gqlgen's generic
	// executor too, skipping the list fast path (graph/fastlist.go): tests
	// compare the two answers with it.
	NoFastList bool
	// NoTypedRows decodes every POST body the generic way, skipping the
	// typed rows of vars.go: tests compare the two answers with it.
	NoTypedRows bool
	// ImportLimits bound an import's file (IMPORT_MAX_BYTES,
	// IMPORT_MAX_ROWS; zero: SPEC §13's).
	ImportLimits db.ImportLimits
	// Draining, when it says true, makes /readyz answer 503: the server is
	// shutting down and a load balancer should send no more.
	Draining func() bool
}

// NewHandler serves the API: POST and GET /graphql (GET for queries only),
// GraphiQL at /, and the health endpoints.
func NewHandler(o Options) http.Handler {
	m := metrics.New(o.Store.DB().DB)
	marksStat := func(pick func(pages, reads, failures int64) int64) func() float64 {
		return func() float64 { return float64(pick(o.Store.MarksStats())) }
	}
	m.CounterFunc("roster_list_marked_pages_total", "List pages found from the marks of their roster (db/marks.go) instead of a walk.",
		marksStat(func(p, _, _ int64) int64 { return p }))
	m.CounterFunc("roster_list_marks_reads_total", "Readings of a roster's marks.",
		marksStat(func(_, r, _ int64) int64 { return r }))
	m.CounterFunc("roster_list_marks_read_failures_total", "Readings of a roster's marks that failed (the roster walks meanwhile).",
		marksStat(func(_, _, f int64) int64 { return f }))
	m.CounterFuncs("roster_import_job_rows_total", "Rows of import jobs this process's workers committed, by outcome.",
		"outcome", db.ImportOutcomes[:], o.Store.ImportJobRows)
	gql := graph.NewHandler(graph.Options{
		Store:     o.Store,
		Metrics:   m,
		Logger:    o.Logger,
		Transport: newUploadTransport(httpTransport{typedRows: !o.NoTypedRows, m: m, tags: etag.New(o.Store)}, o.ImportLimits),
		// First: the extensions after it (the complexity limit counts
		// rows) see the rows the transport decoded (vars.go).
		First:                typedVariables{},
		DisableIntrospection: o.DisableIntrospection,
		NoFastList:           o.NoFastList,
		ImportLimits:         o.ImportLimits,
	})

	mux := http.NewServeMux()
	limiter := newSubjectLimiter(o.RateLimit)
	if limiter != nil && o.RateLimitClock != nil {
		limiter.now = o.RateLimitClock
	}
	api := withDeadline(o.RequestTimeout, o.Verifier.Middleware(noteSubject(limiter.middleware(m, gql))))
	// An upload gets longer than a request: a file of IMPORT_MAX_BYTES
	// must be able to arrive over an ordinary link (multipart.go).
	uploadAPI := withDeadline(max(o.RequestTimeout, UploadTimeout), o.Verifier.Middleware(noteSubject(limiter.middleware(m, gql))))
	mux.Handle("POST /graphql", withUploads(m, o.ImportLimits, uploadAPI, requireJSON(m, limitBody(m, MaxBodyBytes, api))))
	mux.Handle("GET /graphql", api)
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, POST")
		refuse(w, r, m, apierr.MethodNotAllowed, "/graphql takes POST, and GET for queries")
	})
	mux.Handle("GET /{$}", graphiql.Handler(graphiql.Options{Title: "Prospect roster", Endpoint: "/graphql", DevToken: o.DevToken}))
	mux.Handle("GET "+graphiql.AssetsPrefix, graphiql.Assets())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if o.Draining != nil && o.Draining() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := o.Store.Ping(ctx); err != nil {
			o.Logger.WarnContext(ctx, "not ready: database does not answer", "request_id", requestlog.ID(ctx), "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", m.Handler())
	return closeAfterChunked(withRequestID(observe(o.Logger, m, withCORS(o.CORSOrigins, o.CORSHeaders, mux))))
}

// NewServer is the HTTP server for h at addr. Its timeouts bound what a
// slow or stalled client can hold: the headers must arrive within 5 s and
// the whole request within 30 s (a body still arriving then is refused with
// 400, see httpTransport), an answer gets 60 s to be written, and an idle
// keep-alive connection is closed after 120 s.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// withDeadline bounds a request's context: a query or mutation still
// running past it is cancelled in the database and answers an error.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
