package main

import (
	"runtime"
	"strings"
	"testing"

	"roster/httpapi"
)

// TestHTTPOptions: the HTTP limits' environment, its defaults and what it
// refuses at startup.
func TestHTTPOptions(t *testing.T) {
	t.Setenv("GRAPHQL_INTROSPECTION", "")
	t.Setenv("CORS_ORIGINS", "")
	t.Setenv("CORS_ALLOWED_HEADERS", "")
	t.Setenv("RATE_LIMIT_RPS", "")
	t.Setenv("RATE_LIMIT_BURST", "")
	o, err := httpOptions(loadConfig())
	if err != nil || o.DisableIntrospection || len(o.CORSOrigins) != 0 || len(o.CORSHeaders) != 0 || o.RateLimit != (httpapi.RateLimit{RPS: 50, Burst: 100}) {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	t.Setenv("GRAPHQL_INTROSPECTION", "false")
	t.Setenv("CORS_ORIGINS", "https://app.example.com, http://localhost:5173")
	t.Setenv("CORS_ALLOWED_HEADERS", "X-Tenant-Id, x-feature-flags")
	t.Setenv("RATE_LIMIT_RPS", "0.5")
	t.Setenv("RATE_LIMIT_BURST", "3")
	o, err = httpOptions(loadConfig())
	if err != nil || !o.DisableIntrospection || strings.Join(o.CORSOrigins, " ") != "https://app.example.com http://localhost:5173" ||
		strings.Join(o.CORSHeaders, " ") != "X-Tenant-Id X-Feature-Flags" || o.RateLimit != (httpapi.RateLimit{RPS: 0.5, Burst: 3}) {
		t.Fatalf("set: %+v %v", o, err)
	}
	t.Setenv("RATE_LIMIT_RPS", "0")
	if o, err = httpOptions(loadConfig()); err != nil || o.RateLimit.RPS != 0 {
		t.Fatalf("RATE_LIMIT_RPS=0: %+v %v", o, err)
	}
	for key, bad := range map[string]string{
		"GRAPHQL_INTROSPECTION": "off",
		"CORS_ORIGINS":          "*",
		"CORS_ALLOWED_HEADERS":  "*",
		"RATE_LIMIT_RPS":        "-1",
		"RATE_LIMIT_BURST":      "0",
	} {
		t.Run(key, func(t *testing.T) {
			t.Setenv(key, bad)
			if _, err := httpOptions(loadConfig()); err == nil || !strings.Contains(err.Error(), key) {
				t.Fatalf("%s=%s: %v", key, bad, err)
			}
		})
	}
}

// TestPoolSize: DB_MAX_CONNS, its default (pgxpool's) and what it refuses.
func TestPoolSize(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want int
		ok   bool
	}{
		{"", max(4, runtime.NumCPU()), true},
		{"12", 12, true},
		{"1", 1, true},
		{"0", 0, false},
		{"-3", 0, false},
		{"many", 0, false},
	} {
		t.Setenv("DB_MAX_CONNS", tc.env)
		n, err := poolSize(loadConfig())
		if (err == nil) != tc.ok || n != tc.want {
			t.Errorf("DB_MAX_CONNS=%q: %d, %v", tc.env, n, err)
		}
		if err != nil && !strings.Contains(err.Error(), "DB_MAX_CONNS") {
			t.Errorf("DB_MAX_CONNS=%q: the error does not name the variable: %v", tc.env, err)
		}
	}
}
