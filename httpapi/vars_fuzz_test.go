package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"roster/graph"
	"roster/model"
)

// FuzzDecodeRequest: whatever decodeRequest reads, encoding/json reads
// the same way: the same query, operation name, extensions and variables;
// and a variable it read as typed rows holds rows that gqlparser's
// validation accepts as [ProspectInput!]! and that unmarshal from
// encoding/json's maps to the very same ProspectInputs.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ x }","variables":{"rows":[{"email":"a@b.co","customFields":{"k":[1,2.5e3,"x",true,null,{}]}}]}}`,
		`{"query":"q","operationName":null,"variables":null,"extensions":{"persistedQuery":{"version":1}}}`,
		`{"variables":{"r":[{"email":"O\u0027Brien \"q\" \\ é 🚀","firstName":null,"customFields":null}],"c":"x","n":1e400}}`,
		`{"variables":{"r":[{"email":1}]}}`, `{"variables":{"r":[{"email":true}]}}`, `{"variables":{"r":[{"x":"y"}]}}`,
		`{"variables":{"r":[{"email":"a","email":"b"}]}}`, `{"variables":{"r":[{"customFields":{"a":1,"a":2}}]}}`,
		`{"variables":{"r":[{"customFields":"x"}]}}`, `{"variables":{"r":[{"email":"a"},null]}}`, `{"variables":{"r":[{"email":"a"},"s"]}}`,
		`{"variables":{"r":[{"__typename":"ProspectInput"}]}}`, `{"Query":"x"}`, `{"query":"a","query":"b"}`,
		`{"variables":{"a":1,"a":2}}`, "{\"variables\":{\"r\":[{\"email\":\"\xff\"}]}}", `{"variables":{"r":[{"email":"\ud800"}]}}`,
		`{"query":"x"} trailing`, `{"query":1}`, `{"variables":[]}`, `{"variables":{"r":[]}}`, `{"variables":{"r":[[{"email":"a"}]]}}`,
		`{"unknown":{"deep":[1,{"a":null}]},"query":"q"}`,
		`{"variables":{"r":[{"customFields":{"z":{"b":[1e5,{"y":2,"x":"\u2028<"}],"a":-0.0},"a":"\u0041\n","m":[]}}]}}`,
		`{"variables":{"r":[{"customFields":{"z":{"b":1,"b":2}}}]}}`, `{"variables":{"r":[{"customFields":{"bad key":1,"é":2}}]}}`, `[]`, ``, `{"extensions":"x"}`, `{"variables":{"r":[{"email":"a"}],"s":[{"phone":"1"}]}}`,
		// NULs, and the six characters \u0000, anywhere.
		`{"query":"q\u0000","operationName":"\u0000","variables":{"r":[{"email":"a\u0000","firstName":"\u0000","customFields":{"k\u0000":["\u0000",{"\u0000":"\\u0000"}]}}],"\u0000":"\u0000"}}`,
		`{"variables":{"r":[{"location":"\\\u0000","customFields":{"a":{"b":"x\\u0000"}}}]},"extensions":{"\u0000":null}}`,
	} {
		f.Add([]byte(s))
	}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	f.Fuzz(func(t *testing.T, body []byte) {
		params, rows, ok := decodeRequest(body)
		if !ok {
			return
		}
		want, err := decodeGeneric(body)
		if err != nil {
			t.Fatalf("%q: decodeRequest read it, encoding/json says %v", body, err)
		}
		if params.Query != want.Query || params.OperationName != want.OperationName || !reflect.DeepEqual(params.Extensions, want.Extensions) {
			t.Fatalf("%q: got %+v, encoding/json %+v", body, params, want)
		}
		if len(params.Variables) != len(want.Variables) || (params.Variables == nil) != (want.Variables == nil) {
			t.Fatalf("%q: variables %v, encoding/json %v", body, params.Variables, want.Variables)
		}
		for name, v := range want.Variables {
			typed, isRows := rows[name]
			if !isRows {
				if !reflect.DeepEqual(params.Variables[name], v) {
					t.Fatalf("%q: $%s = %#v, encoding/json %#v", body, name, params.Variables[name], v)
				}
				continue
			}
			if l, _ := params.Variables[name].([]any); l == nil || len(l) != 0 {
				t.Fatalf("%q: $%s holds %#v in place of its rows, not []", body, name, params.Variables[name])
			}
			op := &ast.OperationDefinition{VariableDefinitions: ast.VariableDefinitionList{{
				Variable: name, Definition: schema.Types["ProspectInput"],
				Type: ast.NonNullListType(ast.NonNullNamedType("ProspectInput", nil), nil),
			}}}
			coerced, err := validator.VariableValues(schema, op, map[string]any{name: v})
			if err != nil {
				t.Fatalf("%q: rows read as typed, which validation refuses: %v", body, err)
			}
			list := coerced[name].([]any)
			if len(list) != len(typed) {
				t.Fatalf("%q: %d typed rows, %d validated", body, len(typed), len(list))
			}
			for i, m := range list {
				var p model.ProspectInput
				if err := p.UnmarshalGQLContext(context.Background(), m); err != nil {
					t.Fatalf("%q: row %d read as typed, which unmarshalling refuses: %v", body, i, err)
				}
				row := *typed[i].(*model.ProspectInput)
				if c := row.CustomFieldsCompact; c != nil {
					// Read without a map: the same object as the map's.
					compact, err := model.CompactJSON(p.CustomFields)
					if err != nil || !bytes.Equal(c.JSON, compact) {
						t.Fatalf("%q: row %d custom fields %s, generic %s (%v)", body, i, c.JSON, compact, err)
					}
					if keys := slices.Sorted(maps.Keys(p.CustomFields)); !slices.Equal(c.Keys, keys) {
						t.Fatalf("%q: row %d keys %q, generic %q", body, i, c.Keys, keys)
					}
					if nums := numbers(p.CustomFields, nil); !slices.Equal(slices.Sorted(slices.Values(c.Numbers)), nums) {
						t.Fatalf("%q: row %d numbers %q, generic %q", body, i, c.Numbers, nums)
					}
					row.CustomFieldsCompact, p.CustomFields = nil, nil
				}
				if !reflect.DeepEqual(&p, &row) {
					t.Fatalf("%q: row %d typed %+v, generic %+v", body, i, row, p)
				}
			}
		}
	})
}

// numbers lists, sorted, the number literals of a decoded JSON value.
func numbers(v any, out []string) []string {
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			out = numbers(x, out)
		}
	case []any:
		for _, x := range v {
			out = numbers(x, out)
		}
	case json.Number:
		out = append(out, string(v))
	}
	slices.Sort(out)
	return out
}
