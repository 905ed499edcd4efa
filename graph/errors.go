package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"roster/apierr"
	"roster/auth"
	"roster/model"
	"roster/requestlog"
)

// errorPresenter is the one place where errors become what a client sees.
// Domain errors map to the contract's codes; errors gqlgen raised about the
// request itself (parse, validation, scalars) keep theirs; everything else
// is logged with the request id and reaches the client only as
// INTERNAL_SERVER_ERROR, so no SQL, driver text or source path leaks.
func errorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var (
			input  *model.InputError
			unauth *auth.ErrUnauthenticated
			gqlErr *gqlerror.Error
		)
		switch {
		case errors.Is(err, model.ErrNotFound):
			return withCode(ctx, err, apierr.NotFound, "campaign not found")
		case errors.As(err, &input):
			return withCode(ctx, err, apierr.BadUserInput, input.Message)
		case errors.As(err, &unauth):
			return withCode(ctx, err, apierr.Unauthenticated, unauth.Reason)
		case errors.As(err, &gqlErr) && gqlErr.Err == nil:
			if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
				// gqlgen leaves some request errors without a code.
				if gqlErr.Extensions == nil {
					gqlErr.Extensions = map[string]any{}
				}
				gqlErr.Extensions["code"] = apierr.ValidationFailed
			}
			return gqlErr
		}
		id := requestlog.ID(ctx)
		logger.ErrorContext(ctx, "internal error", "request_id", id, "path", graphql.GetPath(ctx).String(), "err", err)
		e := withCode(ctx, err, apierr.Internal, "internal server error")
		e.Extensions["requestId"] = id
		return e
	}
}

func withCode(ctx context.Context, err error, code, msg string) *gqlerror.Error {
	e := &gqlerror.Error{Message: msg, Path: graphql.GetPath(ctx), Extensions: map[string]any{"code": code}}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		if gqlErr.Path != nil {
			e.Path = gqlErr.Path
		}
		e.Locations = gqlErr.Locations
	}
	return e
}

// recoverFunc turns a resolver's panic into an internal error, logging the
// stack; the server keeps serving.
func recoverFunc(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "request_id", requestlog.ID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", p)
	}
}
