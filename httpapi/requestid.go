package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"

	"roster/requestlog"
)

// clientRequestID is what a client may pass as its own request id.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// withRequestID gives every request an id (the client's X-Request-Id when
// it is sane), echoed in the response and attached to every log line
// (requestlog.ID).
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !clientRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(requestlog.WithID(r.Context(), id)))
	})
}
