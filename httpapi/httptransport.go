package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"roster/apierr"
	"roster/etag"
	"roster/mediatype"
	"roster/metrics"
	"roster/model"
)

// httpTransport serves GraphQL over HTTP at /graphql: POST with a JSON body,
// and GET for queries only. It stands in for gqlgen's transport.POST and
// transport.GET, whose answers do not follow the GraphQL over HTTP
// specification as SPEC §4 requires (and as the graphql-http audit checks):
//
//   - A body that is not a GraphQL request (not JSON, not an object, a
//     parameter of the wrong type, no query, a batch) is 400 BAD_REQUEST,
//     a short message saying what is wrong and never the body itself.
//   - A parse, validation or variable-coercion failure is a request error:
//     200 under application/json, 400 under
//     application/graphql-response+json, and in either case a body with
//     no "data" key (nothing was executed).
//   - A mutation over GET is 405 with Allow: POST.
//
// It also writes a data-only answer around the executor's bytes as they
// are: transport.POST re-encodes the whole response with encoding/json,
// which re-scans (compacts and HTML-escapes) every byte of data the
// executor already wrote as JSON, and on a 200-row page that pass cost
// about as much CPU as serving the page (issue 3's profile). The data is
// then not HTML-escaped ('<' stays '<'), which JSON allows; the responses
// say nosniff so that no browser takes them for HTML.
//
// And it reads addProspects' rows straight into typed rows (vars.go) unless
// typedRows is false.
//
// And it answers conditional requests (SPEC §14, conditional.go): queries
// get an ETag, and a poll whose If-None-Match holds the current one 304
// (412 for a POST) without running.
type httpTransport struct {
	typedRows bool
	m         *metrics.Metrics
	// tags, when set, makes and checks the answers' ETags.
	tags *etag.Tagger
}

var _ graphql.Transport = httpTransport{}

// Supports takes POST and GET; requireJSON has refused a POST that is not
// application/json before it gets here.
func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodPost || r.Method == http.MethodGet)
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := mediatype.Response(r)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	start := graphql.Now()

	var (
		params *graphql.RawParams
		rows   map[string][]any
		body   []byte
		err    error
	)
	if r.Method == http.MethodGet {
		params, err = getParams(r)
	} else if body, err = readBody(r); err == nil {
		params, rows, err = t.postParams(body)
	}
	if err == nil && params.Query == "" && params.Extensions["persistedQuery"] == nil {
		err = badRequestf(`the request has no query: send {"query": "…"}`)
	}
	if err != nil {
		t.refuseBody(w, r, err)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx, cond := t.conditional(ctx, r, params)
	if cond.notModified(w, r) {
		return
	}
	rc, errs := t.operation(ctx, exec, params, rows, body)
	if errs != nil {
		// Nothing ran, so there is no data to speak of.
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		writeBody(w, requestErrorStatus(contentType, resp.Errors), requestErrors{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, r, t.m, apierr.MethodNotAllowed,
			"GET requests only allow query operations: send mutations with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// The request's context ended before it ran (its deadline passed
		// while it waited, say): gqlgen then answers nothing at all.
		cause := context.Cause(ctx)
		if cause == nil {
			cause = errors.New("the executor gave no response")
		}
		resp = exec.DispatchError(graphql.WithOperationContext(ctx, rc), gqlerror.List{{
			Message: "the request ended before it ran", Err: cause}})
	}
	cond.setHeaders(ctx, w, rc, resp)
	writeResponse(w, resp)
}

// operation prepares the request's operation, with the typed rows when
// there are any; whatever goes wrong with them, the request is decoded
// again the generic way so that the error is said as gqlgen would say it
// (vars.go).
func (t httpTransport) operation(ctx context.Context, exec graphql.GraphExecutor, params *graphql.RawParams, rows map[string][]any, body []byte) (*graphql.OperationContext, gqlerror.List) {
	if rows != nil {
		rc, errs := exec.CreateOperationContext(withTypedRows(ctx, rows), params)
		if errs == nil {
			t.m.TypedRows.Inc()
			return rc, nil
		}
		generic, err := decodeGeneric(body)
		if err != nil {
			// Not expected: jsontext read it as valid JSON.
			return rc, gqlerror.List{gqlerror.Errorf("the request body could not be decoded")}
		}
		generic.Headers, generic.ReadTime = params.Headers, params.ReadTime
		params = generic
	}
	return exec.CreateOperationContext(ctx, params)
}

// postParams reads a POST body: typed rows when it can, else the generic
// way.
func (t httpTransport) postParams(body []byte) (*graphql.RawParams, map[string][]any, error) {
	if t.typedRows {
		if params, rows, ok := decodeRequest(body); ok {
			return params, rows, nil
		}
	}
	params, err := decodeGeneric(body)
	if err != nil {
		return nil, nil, describeBodyError(body, err)
	}
	return params, nil, nil
}

// getParams reads a GET request's parameters from its URL: query,
// operationName, and variables and extensions as JSON objects.
func getParams(r *http.Request) (*graphql.RawParams, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequestf("the URL's query string is malformed")
	}
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		s := q.Get(p.name)
		if s == "" {
			continue
		}
		if err := decodeObject(json.RawMessage(s), p.dst); err != nil {
			return nil, badRequestf("the %s parameter must be a JSON object", p.name)
		}
	}
	return params, nil
}

// badRequest is a request that is not a GraphQL request: 400 BAD_REQUEST.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badRequestf(format string, args ...any) error {
	return &badRequest{msg: fmt.Sprintf(format, args...)}
}

// refuseBody answers a body that could not be read or is not a GraphQL
// request.
func (t httpTransport) refuseBody(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		// limitBody's writer answers 413 in place of whatever is written.
		w.WriteHeader(apierr.Status(apierr.RequestTooLarge))
		return
	}
	var bad *badRequest
	if !errors.As(err, &bad) {
		// The body did not arrive whole: the rest of it may still be on
		// the connection, which cannot serve another request.
		w.Header().Set("Connection", "close")
		bad = &badRequest{msg: "the request body could not be read whole"}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			bad.msg = "the request body did not arrive within the server's read timeout"
		}
	}
	refuse(w, r, t.m, apierr.BadRequest, bad.msg)
}

// readBody reads the request's body into one buffer of its announced
// length (io.ReadAll would grow and copy it a dozen times for a 1000-row
// batch); limitBody has already bounded it. A compressed body is refused:
// the server reads JSON as it is sent.
func readBody(r *http.Request) ([]byte, error) {
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, badRequestf("Content-Encoding %q is not supported: send the body uncompressed", model.Truncate(ce, 32))
	}
	if r.ContentLength <= 0 || r.ContentLength > MaxBodyBytes {
		return io.ReadAll(r.Body)
	}
	buf := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, buf) // net/http holds the body to its length
	return buf, err
}

// decodeGeneric is transport.POST's decoding (encoding/json with UseNumber
// into graphql.RawParams), except that nothing may follow the object and
// each parameter's type is checked on its own, so that describeBodyError
// can say which one is wrong. It is the oracle of decodeRequest
// (FuzzDecodeRequest).
func decodeGeneric(body []byte) (*graphql.RawParams, error) {
	var env struct {
		Query, OperationName, Variables, Extensions json.RawMessage
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	params := &graphql.RawParams{}
	switch {
	case !decodeString(env.Query, &params.Query):
		return nil, &paramError{"query", "a string"}
	case !decodeString(env.OperationName, &params.OperationName):
		return nil, &paramError{"operationName", "a string"}
	case decodeObject(env.Variables, &params.Variables) != nil:
		return nil, &paramError{"variables", "an object"}
	case decodeObject(env.Extensions, &params.Extensions) != nil:
		return nil, &paramError{"extensions", "an object"}
	}
	return params, nil
}

// paramError is a request parameter of the wrong type.
type paramError struct{ name, want string }

func (e *paramError) Error() string { return e.name + " must be " + e.want + " (or null)" }

// decodeString reads a JSON string or null ("") into dst.
func decodeString(raw json.RawMessage, dst *string) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	return raw[0] == '"' && json.Unmarshal(raw, dst) == nil
}

// decodeObject reads a JSON object or null (nil) into dst, numbers as
// json.Number.
func decodeObject(raw json.RawMessage, dst *map[string]any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || raw[0] != '{' {
		return errors.New("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(dst)
}

// describeBodyError says what is wrong with a body decodeGeneric refused,
// in a few words and without repeating it.
func describeBodyError(body []byte, err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		param    *paramError
		trimmed  = bytes.TrimLeft(body, " \t\r\n")
		bom      = []byte("\xef\xbb\xbf")
		notJSONf = "the request body is not valid JSON (%s)"
	)
	switch {
	case len(trimmed) == 0:
		return badRequestf(`the request body is empty: send a JSON object such as {"query": "…"}`)
	case bytes.HasPrefix(body, bom):
		return badRequestf("the request body starts with a byte order mark: send JSON without one")
	case errors.As(err, &param):
		return badRequestf("%s", param.Error())
	case errors.As(err, &typ) && typ.Field == "" && typ.Value == "array":
		return badRequestf("batched operations are not supported: send one operation per request, as a JSON object")
	case errors.As(err, &typ) && typ.Field == "":
		return badRequestf("the request body must be a JSON object, not %s", typ.Value)
	case errors.As(err, &syntax) && strings.Contains(syntax.Error(), "max depth"):
		return badRequestf(notJSONf, "nested too deeply")
	case errors.As(err, &syntax) && strings.HasSuffix(syntax.Error(), "after top-level value"):
		return badRequestf("the request body has more after its JSON object")
	case errors.As(err, &syntax) && strings.Contains(syntax.Error(), "unexpected end of JSON input"):
		return badRequestf(notJSONf, "it ends early")
	case errors.As(err, &syntax):
		return badRequestf(notJSONf, "syntax error at byte "+strconv.FormatInt(syntax.Offset, 10))
	}
	return badRequestf("the request body is not a GraphQL request")
}

// requestErrorStatus is the status of the answer to a request stopped
// before it ran, by the codes of its errors as presented (apierr): 400
// under application/graphql-response+json for request errors, else 200
// (application/json; and an unknown APQ hash, which Apollo's clients
// expect with a 200 whatever they accept, so that they send the query).
func requestErrorStatus(contentType string, errs gqlerror.List) int {
	if contentType == mediatype.GraphQLResponse {
		for _, e := range errs {
			if code, _ := e.Extensions["code"].(string); apierr.IsRequestError(code) {
				return http.StatusBadRequest
			}
		}
	}
	return http.StatusOK
}

// requestErrors is the body of a request error: errors, no data.
type requestErrors struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// writeResponse writes a data-only response around the executor's bytes;
// anything else as encoding/json does.
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil || len(resp.Errors) != 0 || len(resp.Extensions) != 0 ||
		resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		writeBody(w, http.StatusOK, resp)
		return
	}
	data := resp.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	b := make([]byte, 0, len(`{"data":}`)+len(data))
	b = append(append(append(b, `{"data":`...), data...), '}')
	writeBytes(w, http.StatusOK, b)
}

// writeBody writes v as JSON with status.
func writeBody(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// As transport.POST: the executor wrote data that is not JSON.
		panic(err)
	}
	writeBytes(w, status, b)
}

// writeBytes writes an answer in one write with its Content-Length:
// net/http then sends a 40 KB page in two system calls rather than chunk
// by chunk.
func writeBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
