package graph

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

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

// operationObserver is a gqlgen extension that names each operation for
// the log line and the metrics, and counts its errors by code.
type operationObserver struct{ m *metrics.Metrics }

func (operationObserver) ExtensionName() string                   { return "OperationObserver" }
func (operationObserver) Validate(graphql.ExecutableSchema) error { return nil }

func (o operationObserver) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	opType, field, name := "", "", ""
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			opType, name = string(op.Operation), op.Name
			if len(op.SelectionSet) > 0 {
				if f, ok := op.SelectionSet[0].(*ast.Field); ok {
					field = f.Name
				}
			}
		}
	}
	if opType != "" {
		o.m.OperationDuration.WithLabelValues(opType, field).Observe(time.Since(start).Seconds())
	}
	var codes []string
	if resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			if code == "" {
				code = "UNKNOWN"
			}
			o.m.Errors.WithLabelValues(code).Inc()
			codes = append(codes, code)
		}
	}
	if info := requestlog.LineOf(ctx); info != nil {
		info.Operation = strings.TrimSpace(opType + " " + name)
		if field != "" {
			info.Operation += " (" + field + ")"
		}
		if len(codes) > 0 {
			info.Outcome = "errors: " + strings.Join(codes, ",")
		}
	}
	return resp
}
