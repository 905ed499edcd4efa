package graph

import (
	"fmt"
	"net/http"
	"net/url"
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

// withCORS lets the browser pages of the allowed origins call the API: a
// preflight from one of them is answered (Allow-Origin echoing it, the
// methods and headers the API takes, a Max-Age), and its requests' answers,
// refusals included, carry Access-Control-Allow-Origin. Any other origin
// gets no CORS header. Credentials are not allowed: the API authenticates
// by bearer token, never by cookie. No origin listed: no CORS at all.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next // rs/cors would take an empty list for "every origin"
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id", "Retry-After"},
		MaxAge:           600,
		AllowCredentials: false,
	}).Handler(next)
}
