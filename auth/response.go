package auth

import (
	"encoding/json"
	"net/http"

	"roster/apierr"
	"roster/mediatype"
)

// writeUnauthenticated answers 401 with the GraphQL error body of SPEC §3,
// in the media type r's Accept prefers, as the GraphQL answers are: a
// client that asked for application/graphql-response+json reads its
// refusal as it would read any other answer.
func writeUnauthenticated(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	w.Header().Set("Content-Type", mediatype.Response(r))
	w.WriteHeader(apierr.Status(apierr.Unauthenticated))
	body := map[string]any{"errors": []any{map[string]any{
		"message":    msg,
		"extensions": map[string]any{"code": apierr.Unauthenticated},
	}}}
	_ = json.NewEncoder(w).Encode(body)
}
