package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"roster/metrics"
)

// postTransport is gqlgen's POST transport (transport.POST) with one
// change: a response that is only data is written as {"data":…} around the
// executor's bytes, as they are. transport.POST encodes the whole response
// with encoding/json, which re-scans (compacts and HTML-escapes) every byte
// of data the executor already wrote as JSON: on a 200-row page that pass
// cost about as much CPU as serving the page (issue 3's profile). Errors,
// extensions and incremental parts still go through encoding/json. The
// data is then not HTML-escaped ('<' stays '<'), which JSON allows; the
// responses say nosniff so that no browser takes them for HTML.
//
// It also reads addProspects' rows straight into typed rows (vars.go)
// unless typedRows is false.
type postTransport struct {
	typedRows bool
	m         *metrics.Metrics
}

var _ graphql.Transport = postTransport{}

const (
	contentTypeJSON            = "application/json"
	contentTypeGraphQLResponse = "application/graphql-response+json"
)

// Supports takes what transport.POST takes: a POST of application/json.
func (postTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mediaType == contentTypeJSON
}

// Do mirrors transport.POST.Do.
func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	start := graphql.Now()

	body, err := readBody(r)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	badBody := func(err error) {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body)}))
	}
	var params *graphql.RawParams
	var rows map[string][]any
	fast := false
	if t.typedRows {
		params, rows, fast = decodeRequest(body)
	}
	if !fast {
		if params, err = decodeGeneric(body); err != nil {
			badBody(err)
			return
		}
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	var rc *graphql.OperationContext
	var opErr gqlerror.List
	if rows != nil {
		rc, opErr = exec.CreateOperationContext(withTypedRows(ctx, rows), params)
		if opErr != nil {
			// Whatever went wrong, the generic way says it as gqlgen
			// would (vars.go).
			generic, err := decodeGeneric(body)
			if err != nil {
				badBody(err) // not expected: jsontext read it as valid JSON
				return
			}
			generic.Headers, generic.ReadTime = params.Headers, params.ReadTime
			params, rows = generic, nil
		}
	}
	if rows == nil {
		rc, opErr = exec.CreateOperationContext(ctx, params)
	} else {
		t.m.TypedRows.Inc()
	}
	if opErr != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if contentType == contentTypeGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// readBody reads the request's body into one buffer of its announced
// length (io.ReadAll would grow and copy it a dozen times for a 1000-row
// batch); limitBody has already bounded it.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > MaxBodyBytes {
		return io.ReadAll(r.Body)
	}
	buf := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, buf) // net/http holds the body to its length
	return buf, err
}

// decodeGeneric is transport.POST's decoding.
func decodeGeneric(body []byte) (*graphql.RawParams, error) {
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return params, dec.Decode(params)
}

// responseContentType is transport.POST's choice by the Accept header.
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return contentTypeJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", contentTypeJSON:
			return contentTypeJSON
		case contentTypeGraphQLResponse:
			return contentTypeGraphQLResponse
		}
	}
	return contentTypeGraphQLResponse
}

// writeResponse writes a data-only response around the executor's bytes;
// anything else as encoding/json does. Either way the answer goes in one
// write with its Content-Length: net/http then sends a 40 KB page in two
// system calls rather than chunk by chunk.
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	var b []byte
	if resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 &&
		resp.Label == "" && resp.Path == nil && resp.HasNext == nil {
		data := resp.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		b = make([]byte, 0, len(`{"data":}`)+len(data))
		b = append(append(append(b, `{"data":`...), data...), '}')
	} else {
		var err error
		if b, err = json.Marshal(resp); err != nil {
			// As transport.POST: the executor wrote data that is not JSON.
			panic(err)
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}
