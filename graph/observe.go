package graph

import (
	"context"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"roster/metrics"
	"roster/requestlog"
)

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
