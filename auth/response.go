package auth

import (
	"encoding/json"
	"net/http"
)

// writeUnauthenticated answers 401 with the GraphQL error body of SPEC §3.
func writeUnauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	body := map[string]any{"errors": []any{map[string]any{
		"message":    msg,
		"extensions": map[string]any{"code": "UNAUTHENTICATED"},
	}}}
	_ = json.NewEncoder(w).Encode(body)
}
