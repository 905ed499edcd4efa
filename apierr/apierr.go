// Package apierr is the table of the API's top-level error codes (SPEC §4,
// the README's "Error model"): the extensions.code of every GraphQL error a
// client can receive, with what each code says about the HTTP status of
// its answer. The refusals and the transport (httpapi), the error
// presenter and the document limits (graph), auth's 401 and the scalars
// (model) take their codes from here, so that a code and its status are
// written once.
//
// The codes are untyped string constants because they travel as
// extensions.code, a map[string]any value that gqlgen sets (errcode.Set)
// and reads back as a string: a named type would not compare equal there.
package apierr

import (
	"maps"
	"net/http"
	"slices"
)

// The top-level error codes, in the order of SPEC §4's table.
const (
	// Unauthenticated: no valid bearer token (SPEC §3).
	Unauthenticated = "UNAUTHENTICATED"
	// BadUserInput: a query argument breaks a rule (page, limit, cursor),
	// or a text PostgreSQL cannot store.
	BadUserInput = "BAD_USER_INPUT"
	// NotFound: a campaign that is absent or not the caller's.
	NotFound = "NOT_FOUND"
	// BadRequest: a body that is not a GraphQL-over-HTTP request.
	BadRequest = "BAD_REQUEST"
	// UnsupportedMediaType: a POST that is not application/json.
	UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// RequestTooLarge: a body over the cap.
	RequestTooLarge = "REQUEST_TOO_LARGE"
	// MethodNotAllowed: a mutation over GET, or another method.
	MethodNotAllowed = "METHOD_NOT_ALLOWED"
	// RateLimited: a subject past its request budget.
	RateLimited = "RATE_LIMITED"
	// ParseFailed: a malformed document (gqlgen's errcode.ParseFailed).
	ParseFailed = "GRAPHQL_PARSE_FAILED"
	// ValidationFailed: a document that does not validate, a value that
	// fails its type, a document over a limit of its shape (gqlgen's
	// errcode.ValidationFailed).
	ValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	// ComplexityLimitExceeded: a query costlier than the server allows
	// (set by gqlgen's complexity extension).
	ComplexityLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"
	// PersistedQueryNotFound: an APQ hash the server does not know (set by
	// gqlgen's APQ extension); the client then sends the query.
	PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// Internal: anything unexpected; the details go to the log.
	Internal = "INTERNAL_SERVER_ERROR"
)

// answer is what a code says about the HTTP answer that carries it.
type answer struct {
	// status is the HTTP status of a refusal with the code: an answer
	// given before GraphQL runs, whose code alone decides its status,
	// whatever the client accepts. 0: the code does not decide it; an
	// error raised while executing answers 200, with data.
	status int
	// request marks a request error (SPEC §4): one that stops a request
	// before anything runs (a parse, validation or variable-coercion
	// failure, a document over a limit, the complexity limit). Such an
	// answer has no data and is 200 under application/json, 400 under
	// application/graphql-response+json.
	request bool
}

// table is every top-level code and what it says about its answer.
var table = map[string]answer{
	Unauthenticated:      {status: http.StatusUnauthorized},
	BadUserInput:         {},
	NotFound:             {},
	BadRequest:           {status: http.StatusBadRequest},
	UnsupportedMediaType: {status: http.StatusUnsupportedMediaType},
	RequestTooLarge:      {status: http.StatusRequestEntityTooLarge},
	// A mutation over GET is refused once the document is parsed, but
	// before it runs: 405 with Allow, whatever the client accepts.
	MethodNotAllowed:        {status: http.StatusMethodNotAllowed},
	RateLimited:             {status: http.StatusTooManyRequests},
	ParseFailed:             {request: true},
	ValidationFailed:        {request: true},
	ComplexityLimitExceeded: {request: true},
	// Not a request error, though it stops the request before anything
	// runs: Apollo's clients expect it with a 200 whatever they accept,
	// and then send the query.
	PersistedQueryNotFound: {},
	Internal:               {},
}

// Status is the HTTP status of a refusal with code, an answer given before
// GraphQL runs (401, 400, 415, 413, 405, 429); 0 for a code that does not
// decide the status of its answer.
func Status(code string) int { return table[code].status }

// IsRequestError tells whether code is a request error's (SPEC §4):
// nothing ran, and the answer is 400 under
// application/graphql-response+json, 200 under application/json.
func IsRequestError(code string) bool { return table[code].request }

// Codes are every top-level code, sorted.
func Codes() []string { return slices.Sorted(maps.Keys(table)) }
