package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"roster/httpapi"
)

// TestTypedRowsMatchGeneric holds the typed rows of httpapi/vars.go to
// gqlgen's generic decoding and validation: every body below goes to a
// server reading rows straight into ProspectInputs and to one that does
// not, each into a campaign of its own, and the two answers must be the
// same bytes, never an internal error. Each case also says whether the
// typed rows must have been used (their counter in /metrics moves) or the
// generic way taken, so typed rows that silently always stepped aside
// would fail too.
func TestTypedRowsMatchGeneric(t *testing.T) {
	typed, generic := serverPair(t, func(o *httpapi.Options) { o.NoTypedRows = true })
	a := newAPI(t)
	const sel = `imported duplicates dryRun duplicateRows { index reason identity } userErrors { code message field index }
		prospects { email linkedinUrl firstName lastName company title phone location customFields status }`
	add := `mutation($c: UUID!, $rows: [ProspectInput!]!, $dry: Boolean) { addProspects(campaignId: $c, prospects: $rows, dryRun: $dry) { ` + sel + ` } }`
	body := func(query, vars string) string {
		q, _ := json.Marshal(query)
		return fmt.Sprintf(`{"query":%s,"variables":{"c":"%%C%%",%s}}`, q, vars)
	}
	many := func(n int, row func(i int) string) string {
		rows := make([]string, n)
		for i := range rows {
			rows[i] = row(i)
		}
		return "[" + strings.Join(rows, ",") + "]"
	}
	cases := []struct {
		name  string
		body  string
		typed bool // the typed rows must have been used
	}{
		{"plain rows", body(add, `"rows":[{"email":"ann@x.com","firstName":"Ann"},{"email":"bob@x.com","company":"B"}]`), true},
		{"escapes and unicode", body(add, `"rows":[{"email":"zoe@x.com","firstName":"Zo\u00eb \"Q\" \\ back","lastName":"tab\there\nnew","company":"<b>&amp;</b> \u2028","title":"ctl\u0001\u001f","location":"東京 🚀"}]`), true},
		{"custom fields of every kind", body(add, `"rows":[{"email":"c@x.com","customFields":{"b":1,"aa":[1,2.50,{"x":"y"}],"s":"q \" \\","n":null,"t":true,"e":{},"big":1e3,"neg":-0.125,"huge":123456789012345678901234567890}}]`), true},
		{"nulls for fields", body(add, `"rows":[{"email":"n@x.com","firstName":null,"customFields":null,"phone":null}]`), true},
		{"duplicates in the batch, spaces and case", body(add, `"rows":[{"email":" Dup@X.com "},{"email":"dup@x.com"},{"email":"other@x.com"}]`), true},
		{"bad rows become userErrors", body(add, `"rows":[{"email":"nope"},{"firstName":"no identity"},{"email":"ok@x.com","customFields":{"bad key!":1}}]`), true},
		{"dry run", body(add, `"rows":[{"email":"dry@x.com"}],"dry":true`), true},
		{"custom fields nested and escaped", body(add, `"rows":[{"email":"n2@x.com","customFields":{"z":{"b":[1e5,{"y":2,"x":"\u2028<\u0041"}],"a":-0.0},"a":"\n","m":[],"e":{}}}]`), true},
		{"custom fields with bad keys", body(add, `"rows":[{"email":"k@x.com","customFields":{"ok":1,"z z":2,"b b":3}}]`), true},
		{"custom fields too big once numbers are written out", body(add, `"rows":[{"email":"e@x.com","customFields":{"n":1e5000}}]`), true},
		{"custom fields over 4096 bytes", body(add, `"rows":[{"email":"o@x.com","customFields":{"s":"`+strings.Repeat("x", 4100)+`"}}]`), true},
		{"1001 rows", body(add, `"rows":`+many(1001, func(i int) string { return fmt.Sprintf(`{"email":"r%d@x.com"}`, i) })), true},
		{"rows in a variable the operation does not use", body(`mutation($c: UUID!) { clearProspects(campaignId: $c) { removed } }`, `"rows":[{"email":"u@x.com"}]`), true},
		// NULs (SPEC §4): refused alike, whichever way the rows are read.
		{"a NUL in a text field", body(add, `"rows":[{"email":"a@x.com"},{"email":"b@x.com"},{"email":"c@x.com"},{"email":"d@x.com","firstName":"a\u0000b"}]`), true},
		{"a NUL in every text field", body(add, `"rows":[{"email":"a@x.com","lastName":"\u0000","company":"\u0000","title":"\u0000","phone":" \u0000 ","location":"\u0000x"}]`), true},
		{"a NUL in the required identity", body(add, `"rows":[{"email":"a\u0000@x.com"}]`), true},
		{"a NUL in the other identity", body(add, `"rows":[{"email":"o@x.com","linkedinUrl":"linkedin.com/in/o\u0000"}]`), true},
		{"a NUL in a custom field value", body(add, `"rows":[{"email":"v@x.com","customFields":{"k":"\u0000"}}]`), true},
		{"a NUL in a nested custom field value", body(add, `"rows":[{"email":"v@x.com","customFields":{"a":{"b":[1,{"c":"x\u0000"}]}}}]`), true},
		{"a NUL in a nested custom field key", body(add, `"rows":[{"email":"v@x.com","customFields":{"a":[{"b\u0000":null}]}}]`), true},
		{"a NUL in a custom field key", body(add, `"rows":[{"email":"v@x.com","customFields":{"ok":1,"k\u0000":1}}]`), true},
		{"NULs in several rows, dry run", body(add, `"rows":[{"email":"a@x.com","title":"\u0000"},{"email":"b@x.com"},{"email":"c@x.com","customFields":{"\u0000":{}}}],"dry":true`), true},
		{"the six characters \\u0000 are no NUL", body(add, `"rows":[{"email":"s@x.com","firstName":"\\u0000","customFields":{"k":"x\\u0000","n":{"\\u0000":["\\\\u0000"]}}}]`), true},

		// The generic way answers these.
		{"trailing bytes after the body", body(add, `"rows":[{"email":"t@x.com"}]`) + ` and then some`, false},
		{"a number for a text field", body(add, `"rows":[{"email":"x@x.com","phone":5551234}]`), false},
		{"a boolean for a text field", body(add, `"rows":[{"email":"x@x.com","firstName":true}]`), false},
		{"a NUL beside a number for a text field", body(add, `"rows":[{"email":"x@x.com","phone":5551234,"customFields":{"k":["\u0000"]}}]`), false},
		{"an unknown field", body(add, `"rows":[{"email":"x@x.com","nickname":"X"}]`), false},
		{"__typename in a row", body(add, `"rows":[{"email":"x@x.com","__typename":"ProspectInput"}]`), false},
		{"a field twice", body(add, `"rows":[{"email":"first@x.com","email":"second@x.com"}]`), false},
		{"a custom field twice", body(add, `"rows":[{"email":"x@x.com","customFields":{"a":1,"a":2}}]`), false},
		{"custom fields not an object", body(add, `"rows":[{"email":"x@x.com","customFields":"x"}]`), false},
		{"a null row", body(add, `"rows":[{"email":"x@x.com"},null]`), false},
		{"a string row", body(add, `"rows":[{"email":"x@x.com"},"y@x.com"]`), false},
		{"invalid UTF-8", body(add, "\"rows\":[{\"email\":\"x@x.com\",\"firstName\":\"A\xffB\"}]"), false},
		{"a lone surrogate", body(add, `"rows":[{"email":"x@x.com","firstName":"A\ud800B"}]`), false},
		{"no rows", body(add, `"rows":[]`), false},
		{"one row, not in a list", body(add, `"rows":{"email":"x@x.com"}`), false},
		{"rows inline in the document", body(`mutation($c: UUID!) { addProspects(campaignId: $c, prospects: [{email: "i@x.com"}]) { `+sel+` } }`, `"x":1`), false},
		{"over the complexity limit once the rows are counted", body(`mutation($c: UUID!, $rows: [ProspectInput!]!) { addProspects(campaignId: $c, prospects: $rows) { imported campaign { prospects(limit: 200) { nodes { id } } } } }`,
			`"rows":`+many(1000, func(i int) string { return fmt.Sprintf(`{"email":"k%d@x.com"}`, i) })), false},
		{"another variable is bad", body(`mutation($rows: [ProspectInput!]!, $c: UUID!) { addProspects(campaignId: $c, prospects: $rows) { imported } }`, `"rows":[{"email":"x@x.com"}],"c":"nope"`), false},
		{"objects for a list of UUIDs", body(`mutation($c: UUID!, $ids: [UUID!]!) { removeProspects(campaignId: $c, ids: $ids) { removed } }`, `"ids":[{"email":"x@x.com"}]`), false},
		{"a syntax error", body(`mutation($c: UUID!, $rows: [ProspectInput!]!) { addProspects(campaignId: $c, prospects: $rows) { imported }`, `"rows":[{"email":"x@x.com"}]`), false},
		{"a field name in other case", strings.Replace(body(add, `"rows":[{"email":"x@x.com"}]`), `"variables"`, `"Variables"`, 1), false},
		{"variables twice", strings.Replace(body(add, `"rows":[{"email":"x@x.com"}]`), `{"query"`, `{"variables":{"rows":[{"email":"y@x.com"}]},"query"`, 1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			send := func(s fastServer) []byte {
				c := a.createCampaign("EMAIL")
				return bytes.ReplaceAll(s.post(t, a.token, []byte(strings.Replace(tc.body, "%C%", c, 1))), []byte(c), []byte("%C%"))
			}
			before := typed.counter(t, "roster_add_typed_rows_total")
			got := send(typed)
			used := typed.counter(t, "roster_add_typed_rows_total") - before
			want := send(generic)
			if !bytes.Equal(got, want) {
				t.Fatalf("answers differ\ntyped:   %.2000s\ngeneric: %.2000s", got, want)
			}
			if bytes.Contains(got, []byte("INTERNAL_SERVER_ERROR")) {
				t.Fatalf("an internal error for what the client sent: %.2000s", got)
			}
			if tc.typed && used != 1 {
				t.Fatalf("the typed rows were not used (counter moved %d): %.2000s", used, got)
			}
			if !tc.typed && used != 0 {
				t.Fatalf("the typed rows were used where the generic way should answer: %.2000s", got)
			}
		})
	}
}
