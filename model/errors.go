package model

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound means the campaign or prospect does not exist or is not the
// caller's: the two are the same to a client (SPEC §3).
var ErrNotFound = errors.New("not found")

// ErrBadCursor means an `after` argument that this server did not issue.
var ErrBadCursor = errors.New("bad cursor")

// InputError is a query argument that breaks a rule (BAD_USER_INPUT as a
// top-level error, its message naming the argument); mutations report the
// same as a UserError instead.
type InputError struct {
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrors are the expected failures of a mutation (SPEC §4). A store
// returns them as an error so that nothing is written; the resolver moves
// them into the payload.
type UserErrors []*UserError

func (u UserErrors) Error() string {
	msgs := make([]string, len(u))
	for i, e := range u {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, "; ")
}

// NewUserError builds a UserError with a formatted message.
func NewUserError(code UserErrorCode, field []string, format string, args ...any) *UserError {
	return &UserError{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Fail wraps one UserError as an error.
func Fail(code UserErrorCode, field []string, format string, args ...any) error {
	return UserErrors{NewUserError(code, field, format, args...)}
}
