package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

// BenchmarkListPage is one page of 200 of the polling query's fields
// through the Store (PostgreSQL's time included): its allocations are the
// list path's own. /decoded is the server's way (decodePageRow, pageTexts),
// /scanned pgx's Scan, to measure what the former buys.
func BenchmarkListPage(b *testing.B) {
	for _, generic := range []bool{false, true} {
		name := "decoded"
		if generic {
			name = "scanned"
		}
		b.Run(name, func(b *testing.B) {
			db.ScanPagesGenerically(generic)
			defer db.ScanPagesGenerically(false)
			benchmarkListPage(b)
		})
	}
}

func benchmarkListPage(b *testing.B) {
	ctx := context.Background()
	s := db.NewStore(dbtest.DB(b))
	owner := "owner-" + uuid.NewString()
	c, err := s.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "bench", Channel: model.ChannelEmail})
	if err != nil {
		b.Fatal(err)
	}
	for batch := range 2 {
		in := make([]*model.ProspectInput, 1000)
		for i := range in {
			email, first, last, company := fmt.Sprintf("p%d.%d@x.com", batch, i), "Ann", "Lee", "Acme"
			in[i] = &model.ProspectInput{Email: &email, FirstName: &first, LastName: &last, Company: &company,
				CustomFields: map[string]any{"source": "bench", "tier": "A"}}
		}
		if _, err := s.AddProspects(ctx, owner, c.ID, in, db.AddOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	page, limit := 3, 200
	q := db.ListQuery{Page: &page, Limit: &limit,
		Fields: []string{"id", "email", "firstName", "lastName", "company", "status", "customFields", "createdAt"}}
	b.ReportAllocs()
	before := dbtest.ProcessCPU()
	for b.Loop() {
		res, err := s.ListProspects(ctx, owner, c.ID, q)
		if err != nil || len(res.Prospects) != 200 {
			b.Fatalf("%v, %+v", err, res)
		}
	}
	// The server's own CPU per page, PostgreSQL's (another process) apart.
	b.ReportMetric(float64((dbtest.ProcessCPU()-before).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkAddBatch is one 1000-row add of fresh identities through the
// Store (PostgreSQL's time included), as the bench's add measures it
// through the API.
func BenchmarkAddBatch(b *testing.B) {
	ctx := context.Background()
	s := db.NewStore(dbtest.DB(b))
	owner := "owner-" + uuid.NewString()
	c, err := s.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "bench", Channel: model.ChannelEmail})
	if err != nil {
		b.Fatal(err)
	}
	batch := 0
	for b.Loop() {
		in := make([]*model.ProspectInput, 1000)
		for i := range in {
			email, first := fmt.Sprintf("a%d.%d@x.com", batch, i), "Ann"
			in[i] = &model.ProspectInput{Email: &email, FirstName: &first}
		}
		batch++
		res, err := s.AddProspects(ctx, owner, c.ID, in, db.AddOptions{NoDuplicateProspects: true, NoCampaign: true})
		if err != nil || res.ImportedCount != 1000 {
			b.Fatalf("%v %+v", err, res)
		}
	}
}
