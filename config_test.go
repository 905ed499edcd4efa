package main

import (
	"strings"
	"testing"

	"roster/graph"
)

// TestHTTPOptions: the HTTP limits' environment, its defaults and what it
// refuses at startup.
func TestHTTPOptions(t *testing.T) {
	t.Setenv("GRAPHQL_INTROSPECTION", "")
	t.Setenv("CORS_ORIGINS", "")
	t.Setenv("RATE_LIMIT_RPS", "")
	t.Setenv("RATE_LIMIT_BURST", "")
	o, err := httpOptions(loadConfig())
	if err != nil || o.DisableIntrospection || len(o.CORSOrigins) != 0 || o.RateLimit != (graph.RateLimit{RPS: 50, Burst: 100}) {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	t.Setenv("GRAPHQL_INTROSPECTION", "false")
	t.Setenv("CORS_ORIGINS", "https://app.example.com, http://localhost:5173")
	t.Setenv("RATE_LIMIT_RPS", "0.5")
	t.Setenv("RATE_LIMIT_BURST", "3")
	o, err = httpOptions(loadConfig())
	if err != nil || !o.DisableIntrospection || strings.Join(o.CORSOrigins, " ") != "https://app.example.com http://localhost:5173" ||
		o.RateLimit != (graph.RateLimit{RPS: 0.5, Burst: 3}) {
		t.Fatalf("set: %+v %v", o, err)
	}
	t.Setenv("RATE_LIMIT_RPS", "0")
	if o, err = httpOptions(loadConfig()); err != nil || o.RateLimit.RPS != 0 {
		t.Fatalf("RATE_LIMIT_RPS=0: %+v %v", o, err)
	}
	for key, bad := range map[string]string{
		"GRAPHQL_INTROSPECTION": "off",
		"CORS_ORIGINS":          "*",
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
