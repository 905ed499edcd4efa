package httpapi

import (
	"encoding/json"
	"fmt"
	"testing"
)

// benchBody is an addProspects request shaped like the bench's (go run
// ./bench): 1000 rows of an email, three names and three custom fields.
func benchBody(b *testing.B) []byte {
	rows := make([]map[string]any, 1000)
	for i := range rows {
		rows[i] = map[string]any{"email": fmt.Sprintf("Ann.Lee.api%d.%d@new-acme.example.com", i%7, i), "firstName": "Ann", "lastName": "Lee",
			"company": "Acme", "customFields": json.RawMessage(fmt.Sprintf(`{"source":"bench","score":%d,"tier":"%c"}`, i%100, 'A'+rune(i%3)))}
	}
	body, err := json.Marshal(map[string]any{"query": `mutation Add($c: UUID!, $rows: [ProspectInput!]!) { addProspects(campaignId: $c, prospects: $rows) { imported } }`,
		"variables": map[string]any{"c": "0193a5d0-0000-7000-8000-000000000000", "rows": rows}})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeRequest compares decodeRequest's typed rows with
// transport.POST's decoding (which gqlgen's validation then walks again).
func BenchmarkDecodeRequest(b *testing.B) {
	body := benchBody(b)
	b.Run("typed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, rows, ok := decodeRequest(body); !ok || len(rows["rows"]) != 1000 {
				b.Fatal("not read as typed rows")
			}
		}
	})
	b.Run("generic", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeGeneric(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodePoll is the same for the polling query's small body,
// which every list request pays.
func BenchmarkDecodePoll(b *testing.B) {
	body := []byte(`{"query":"query($c: UUID!, $p: Int, $s: ProspectStatus) { prospects(campaignId: $c, status: $s, page: $p, limit: 200) { totalCount nodes { id email firstName lastName company status customFields createdAt } } }","variables":{"c":"0193a5d0-0000-7000-8000-000000000000","p":17,"s":"PENDING"}}`)
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, ok := decodeRequest(body); !ok {
				b.Fatal("not read")
			}
		}
	})
	b.Run("generic", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeGeneric(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
