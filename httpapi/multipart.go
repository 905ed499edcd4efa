package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"roster/apierr"
	"roster/db"
	"roster/metrics"
)

// The GraphQL multipart request specification (SPEC §13): a POST of
// multipart/form-data whose first part is `operations` (the request's
// JSON, its files' variables null), whose second is `map` (which part
// goes to which variable), and whose other parts are the files. It is
// how startProspectImport and previewProspectImport get their file. Like
// a JSON POST it needs the bearer token, which no cross-site form can
// send; every other multipart or form body stays 415.

// uploadOverhead admits the `operations` and `map` parts and the parts'
// headers beside a file of the largest size.
const uploadOverhead = 1 << 20

// uploadMemory is the largest body gqlgen's transport keeps in memory;
// a larger file goes to a temporary file, read from there as the job's
// file streams into the database.
const uploadMemory = 1 << 20

// UploadTimeout bounds a GraphQL multipart request, its file's arrival
// included, in place of the server's read and write timeouts and
// REQUEST_TIMEOUT (30 s each, which a 100 MiB file over a link of less
// than about 30 Mbit/s would not meet).
const UploadTimeout = 10 * time.Minute

// withUploads serves a GraphQL multipart request with api (shape
// checked, body bounded by the import limit, the connection's deadlines
// moved to UploadTimeout), and hands every other POST to jsonPost (which
// refuses what is not JSON).
func withUploads(m *metrics.Metrics, limits db.ImportLimits, api, jsonPost http.Handler) http.Handler {
	if limits == (db.ImportLimits{}) {
		limits = db.DefaultImportLimits
	}
	max := limits.MaxBytes + uploadOverhead
	uploads := limitBody(m, max, api)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		boundary, ok := multipartBoundary(r.Header.Get("Content-Type"))
		if !ok {
			jsonPost.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			tooLarge(w, r, m, max)
			return
		}
		// Errors mean a connection that cannot move its deadlines (an
		// HTTP/2 stream, a test's recorder): its own timeouts stay.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(UploadTimeout))
		_ = rc.SetWriteDeadline(time.Now().Add(UploadTimeout))
		prefix, err := peekShape(r.Body, boundary)
		if err != nil {
			refuse(w, r, m, apierr.UnsupportedMediaType,
				"POST /graphql needs Content-Type: application/json, or a GraphQL multipart request (parts operations, map, then the files)")
			return
		}
		r.Body = readCloser{io.MultiReader(bytes.NewReader(prefix), r.Body), r.Body}
		if r.ContentLength < 0 {
			// A chunked body's size is unknown: gqlgen's transport would
			// read it whole into memory; so large, it goes to a file.
			r.ContentLength = uploadMemory
		}
		uploads.ServeHTTP(w, r)
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}

// multipartBoundary is a multipart/form-data body's boundary.
func multipartBoundary(contentType string) (string, bool) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", false
	}
	return params["boundary"], true
}

// shapePeek bounds what is read to check a body's shape: `operations` and
// the start of `map` must fit.
const shapePeek = 256 << 10

var errNotGraphQLMultipart = errors.New("not a GraphQL multipart request")

// peekShape reads the body's start and checks that its first part is
// `operations` and its second `map`, neither a file. It returns what it
// read, for the handler to read again.
func peekShape(body io.Reader, boundary string) ([]byte, error) {
	buf := make([]byte, shapePeek)
	n, err := io.ReadFull(body, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	buf = buf[:n]
	mr := multipart.NewReader(bytes.NewReader(buf), boundary)
	for _, name := range []string{"operations", "map"} {
		part, err := mr.NextPart()
		if err != nil || part.FormName() != name || part.FileName() != "" {
			return nil, errNotGraphQLMultipart
		}
		if name == "operations" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, errNotGraphQLMultipart
			}
		}
	}
	return buf, nil
}

// uploadTransport is the GraphQL transport: multipart requests go to
// gqlgen's MultipartForm, everything else to the JSON transport.
type uploadTransport struct {
	json graphql.Transport
	form transport.MultipartForm
}

func newUploadTransport(json graphql.Transport, limits db.ImportLimits) uploadTransport {
	if limits == (db.ImportLimits{}) {
		limits = db.DefaultImportLimits
	}
	return uploadTransport{json: json, form: transport.MultipartForm{
		MaxUploadSize: limits.MaxBytes + uploadOverhead,
		MaxMemory:     uploadMemory,
	}}
}

func (t uploadTransport) Supports(r *http.Request) bool { return t.json.Supports(r) }

func (t uploadTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if _, ok := multipartBoundary(r.Header.Get("Content-Type")); ok && r.Method == http.MethodPost {
		t.form.Do(w, r, exec)
		return
	}
	t.json.Do(w, r, exec)
}
