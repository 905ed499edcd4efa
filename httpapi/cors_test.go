package httpapi

import (
	"strings"
	"testing"
)

// TestParseCORSOrigins: CORS_ORIGINS is a list of exact origins,
// lowercased, empty entries skipped; a wildcard, a path, user info, a query
// or another scheme is refused. (It was a subtest of graph's TestCORS,
// which needs no database for it.)
func TestParseCORSOrigins(t *testing.T) {
	t.Parallel()
	got, err := ParseCORSOrigins(" https://App.example.com , http://localhost:5173,")
	if err != nil || strings.Join(got, " ") != "https://app.example.com http://localhost:5173" {
		t.Fatalf("%q %v", got, err)
	}
	if got, err := ParseCORSOrigins(""); err != nil || len(got) != 0 {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"*", "https://*.example.com", "https://app.example.com/", "app.example.com",
		"ftp://app.example.com", "https://user@app.example.com", "https://app.example.com?x", "null", "https://a.com/path"} {
		if _, err := ParseCORSOrigins("https://ok.example.com," + bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// TestParseCORSHeaders: CORS_ALLOWED_HEADERS is a list of header names,
// canonicalized, empty entries skipped; a wildcard or anything that is not
// a token is refused with an error naming the variable. (It was a subtest
// of graph's TestCORS.)
func TestParseCORSHeaders(t *testing.T) {
	t.Parallel()
	got, err := ParseCORSHeaders(" x-tenant-id , X-Feature-Flags,")
	if err != nil || strings.Join(got, " ") != "X-Tenant-Id X-Feature-Flags" {
		t.Fatalf("%q %v", got, err)
	}
	if got, err := ParseCORSHeaders(""); err != nil || len(got) != 0 {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"*", "x tenant", "x-tenant:1", "x-tenant\x00", "é", "x-tenant;", `"x-tenant"`} {
		if _, err := ParseCORSHeaders("x-ok," + bad); err == nil || !strings.Contains(err.Error(), "CORS_ALLOWED_HEADERS") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}
