package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"roster/db/dbtest"
	"roster/httpapi"
)

// BenchmarkListOverHTTP is the polling query of issue 3's bench (a
// 200-row page of eight fields) through the real handler in this process,
// answered by the list fast path (/fast) or by gqlgen's executor
// (/gqlgen), to measure what the fast path buys: cpu-µs/op is this
// process's CPU per request (server and client; PostgreSQL apart).
func BenchmarkListOverHTTP(b *testing.B) {
	a := newAPI(b)
	c := a.createCampaign("EMAIL")
	for batch := range 2 {
		rows := make([]map[string]any, 1000)
		for i := range rows {
			rows[i] = map[string]any{"email": fmt.Sprintf("p%d.%d@x.com", batch, i), "firstName": "Ann", "lastName": "Lee",
				"company": "Acme", "customFields": map[string]any{"source": "bench", "tier": "A"}}
		}
		a.add(c, rows, false)
	}
	body, _ := json.Marshal(map[string]any{
		"query":     `query($c: UUID!) { prospects(campaignId: $c, page: 3, limit: 200) { totalCount nodes { id email firstName lastName company status customFields createdAt } } }`,
		"variables": map[string]any{"c": c},
	})
	for _, fast := range []bool{true, false} {
		name := "fast"
		if !fast {
			name = "gqlgen"
		}
		b.Run(name, func(b *testing.B) {
			srv := httptest.NewServer(newHandler(b, func(o *httpapi.Options) { o.NoFastList = !fast }))
			defer srv.Close()
			var buf bytes.Buffer
			b.ReportAllocs()
			before := dbtest.ProcessCPU()
			for b.Loop() {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+a.token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				buf.Reset()
				_, _ = buf.ReadFrom(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || buf.Len() < 20_000 {
					b.Fatalf("HTTP %d, %d bytes", res.StatusCode, buf.Len())
				}
			}
			b.ReportMetric(float64((dbtest.ProcessCPU()-before).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
