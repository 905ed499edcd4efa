package httpapi

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"roster/auth"
	"roster/metrics"
	"roster/requestlog"
)

// statusRecorder remembers the status the client received: the first one
// written (net/http ignores any later one), or 200 when the handler wrote
// a body first.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.written {
		s.status, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe writes one log line per request (request id, operation, subject,
// duration, outcome) and records its latency.
func observe(logger *slog.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, info := requestlog.WithLine(r.Context())
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		d := time.Since(start)
		route := r.URL.Path
		if !knownRoutes[route] {
			route = "other"
		}
		m.HTTPDuration.WithLabelValues(route, strconv.Itoa(rec.status)).Observe(d.Seconds())
		if info.Outcome == "" {
			info.Outcome = "ok"
			if rec.status >= 400 {
				info.Outcome = "http " + strconv.Itoa(rec.status)
			}
		}
		attrs := []any{"request_id", requestlog.ID(r.Context()), "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration", d, "outcome", info.Outcome}
		if info.Operation != "" {
			attrs = append(attrs, "operation", info.Operation)
		}
		if info.Subject != "" {
			attrs = append(attrs, "subject", info.Subject)
		}
		logger.InfoContext(r.Context(), "request", attrs...)
	})
}

// knownRoutes bound the route label of the HTTP metrics.
var knownRoutes = map[string]bool{"/graphql": true, "/": true, "/healthz": true, "/readyz": true, "/metrics": true}

// noteSubject records the authenticated subject for the request's log line.
func noteSubject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := requestlog.LineOf(r.Context()); info != nil {
			info.Subject, _ = auth.Subject(r.Context())
		}
		next.ServeHTTP(w, r)
	})
}
