package roster

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"roster/model"
)

// BenchmarkPlanBatch is the Go side of validating a 1000-row batch shaped
// like the bench's (go run ./bench): an email, three names, three custom
// fields, read as the API reads them.
func BenchmarkPlanBatch(b *testing.B) {
	rows := make([]*model.ProspectInput, 1000)
	for i := range rows {
		email, first, last, company := fmt.Sprintf("Ann.Lee.api%d.%d@new-acme.example.com", i%7, i), "Ann", "Lee", "Acme"
		// Custom fields as the API reads them (httpapi/vars.go).
		custom, ok := model.NewJSONReader(fmt.Appendf(nil, `{"source":"bench","score":%d,"tier":"A"}`, i%100)).CompactObject()
		if !ok {
			b.Fatal("custom fields not read")
		}
		rows[i] = &model.ProspectInput{Email: &email, FirstName: &first, LastName: &last, Company: &company, CustomFieldsCompact: custom}
	}
	c := &model.Campaign{ID: uuid.New(), Channel: model.ChannelEmail}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Plan(c, rows); err != nil {
			b.Fatal(err)
		}
	}
}
