package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rs/cors"
)

// ParseCORSOrigins reads CORS_ORIGINS: a comma-separated list of exact
// origins (scheme://host[:port]). A wildcard is refused: the API is for the
// front ends it names.
func ParseCORSOrigins(s string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || strings.Contains(o, "*") || (u.Scheme != "http" && u.Scheme != "https") ||
			u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
			return nil, fmt.Errorf("CORS_ORIGINS: %q is not an origin: want scheme://host[:port], exactly, no wildcard", o)
		}
		origins = append(origins, strings.ToLower(o))
	}
	return origins, nil
}

// DefaultCORSHeaders are the request headers the pages of the allowed
// origins may always send: the API's own, and those that browser clients
// add to every request when so set up (Apollo Client's client awareness,
// W3C Trace Context as OpenTelemetry sends it, Sentry's tracing). A header
// missing here fails the preflight, and with it every call of the page.
var DefaultCORSHeaders = []string{
	"Authorization", "Content-Type", "X-Request-Id",
	"Apollographql-Client-Name", "Apollographql-Client-Version",
	"Traceparent", "Tracestate",
	"Sentry-Trace", "Baggage",
}

// ParseCORSHeaders reads CORS_ALLOWED_HEADERS: a comma-separated list of
// request header names the pages of the allowed origins may send besides
// DefaultCORSHeaders. It adds to the defaults rather than replacing them:
// whoever sets it wants one more header, and a list that dropped
// Authorization or Content-Type would break every call. A wildcard is
// refused, as in CORS_ORIGINS: name the headers.
func ParseCORSHeaders(s string) ([]string, error) {
	var headers []string
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if h == "*" || !isToken(h) {
			return nil, fmt.Errorf("CORS_ALLOWED_HEADERS: %q is not a header name: want names such as X-Tenant-Id, comma-separated, no wildcard", h)
		}
		headers = append(headers, http.CanonicalHeaderKey(h))
	}
	return headers, nil
}

// isToken tells whether s is an HTTP token (RFC 9110 §5.6.2), what a
// header name is.
func isToken(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// withCORS lets the browser pages of the allowed origins call the API: a
// preflight from one of them is answered (Allow-Origin echoing it, the
// methods the API takes and the headers of DefaultCORSHeaders and
// extraHeaders, a Max-Age), and its requests' answers, refusals included,
// carry Access-Control-Allow-Origin and expose the request id and the rate
// limit's headers to its scripts. Any other origin gets no CORS header.
// Credentials are not allowed: the API authenticates by bearer token,
// never by cookie. No origin listed: no CORS at all.
func withCORS(origins, extraHeaders []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next // rs/cors would take an empty list for "every origin"
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   append(slices.Clone(DefaultCORSHeaders), extraHeaders...),
		ExposedHeaders:   append([]string{"X-Request-Id"}, rateLimitHeaders...),
		MaxAge:           600,
		AllowCredentials: false,
	}).Handler(next)
}
