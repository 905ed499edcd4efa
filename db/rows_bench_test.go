package db

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"roster/model"
)

// BenchmarkPlanBatch is the Go side of validating a 1000-row batch shaped
// like the bench's (go run ./bench): an email, three names, three custom
// fields.
func BenchmarkPlanBatch(b *testing.B) {
	rows := make([]*model.ProspectInput, 1000)
	for i := range rows {
		email, first, last, company := fmt.Sprintf("Ann.Lee.api%d.%d@new-acme.example.com", i%7, i), "Ann", "Lee", "Acme"
		rows[i] = &model.ProspectInput{Email: &email, FirstName: &first, LastName: &last, Company: &company,
			CustomFields: map[string]any{"source": "bench", "score": json.Number(fmt.Sprint(i % 100)), "tier": "A"}}
	}
	c := &model.Campaign{ID: uuid.New(), Channel: model.ChannelEmail}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planBatch(c, rows); err != nil {
			b.Fatal(err)
		}
	}
}
