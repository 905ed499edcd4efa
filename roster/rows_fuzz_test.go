package roster

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"roster/model"
)

// These targets test pure functions: package roster needs no database, so
// the fuzzer runs them without starting PostgreSQL.

// fuzzObject decodes s as a client's JSON object would arrive (numbers kept
// as json.Number); ok is false when s is not a JSON object.
func fuzzObject(s string) (m map[string]any, ok bool) {
	if err := decodeJSON([]byte(s), &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

func compact(t *testing.T, v any) string {
	t.Helper()
	b, err := model.CompactJSON(v)
	if err != nil {
		t.Fatalf("CompactJSON(%#v): %v", v, err)
	}
	return string(b)
}

var customFieldSeeds = []string{
	`{}`,
	`{"a":1}`,
	`{"tier":"gold","score":42,"vip":true,"tags":["a","b"],"nested":{"x":null}}`,
	`{"big":12345678901234567890123,"tiny":1e-400,"neg":-0.0}`,
	`{"":1}`,
	`{"has space":1}`,
	`{"k\n":1}`,
	`{"ключ":1}`,
	`{"` + strings.Repeat("k", 64) + `":1}`,
	`{"` + strings.Repeat("k", 65) + `":1}`,
	`{"a":"` + strings.Repeat("x", 4088) + `"}`, // exactly 4096 bytes
	`{"a":"` + strings.Repeat("x", 4089) + `"}`, // 4097 bytes
	`{"a":"<>&"}`,                               // no HTML escaping: 3 bytes, not 18
	`{"a":"\ud800"}`,
	"{\"a\":\"\xff\"}",
	`{"a":{"b":{"c":[1,[2,[3,{"d":null}]]]}}}`,
	`[1,2]`,
	`null`,
	`"str"`,
	// NULs (SPEC §4), and the six storable characters \u0000.
	`{"a":"x\u0000y"}`,
	`{"a":{"b":["ok",{"c":"\u0000"}]}}`,
	`{"a":{"b\u0000":1}}`,
	`{"a":[[{"\u0000":null}]]}`,
	`{"\u0000":1}`,
	`{"a":"\\u0000"}`,
	`{"a":"\\\u0000"}`,
}

// holdsNUL says whether a string of a decoded JSON value, or a key, holds
// a NUL: what jsonb cannot store.
func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, "\x00")
	case map[string]any:
		for k, x := range v {
			if strings.Contains(k, "\x00") || holdsNUL(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if holdsNUL(x) {
				return true
			}
		}
	}
	return false
}

// FuzzCheckCustomFields: checkCustomFields never panics, and an object it
// accepts has only keys a template can name, is at most 4096 bytes of
// valid compact JSON (SPEC §6) and holds no NUL in any string or key
// (SPEC §4); it refuses for a NUL only an object that holds one. The
// typed rows' check of the same object read without a map
// (checkCompactFields) gives the same answer, error for error.
func FuzzCheckCustomFields(f *testing.F) {
	for _, s := range customFieldSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := fuzzObject(s)
		if !ok {
			return
		}
		js, err := checkCustomFields(m)
		if o, ok := model.NewJSONReader([]byte(s)).CompactObject(); ok {
			cjs, cerr := checkCompactFields(o)
			if (err == nil) != (cerr == nil) || err != nil && err.Error() != cerr.Error() || !bytes.Equal(js, cjs) {
				t.Fatalf("%q: checkCustomFields %s, %v; checkCompactFields %s, %v", s, js, err, cjs, cerr)
			}
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refusal with an empty message")
			}
			if errors.Is(err, model.ErrNUL) && !holdsNUL(m) {
				t.Fatalf("%q refused for a NUL it does not hold", s)
			}
			return
		}
		if holdsNUL(m) {
			t.Fatalf("accepted %q, which holds a NUL", s)
		}
		b, err := model.CompactJSON(m)
		if err != nil {
			t.Fatalf("accepted %q, which does not encode: %v", s, err)
		}
		if len(b) > MaxCustomFieldBytes {
			t.Fatalf("accepted %q, %d bytes as compact JSON", s, len(b))
		}
		if !json.Valid(b) {
			t.Fatalf("accepted %q, whose compact form %q is not valid JSON", s, b)
		}
		var dst bytes.Buffer
		if err := json.Compact(&dst, b); err != nil || dst.Len() != len(b) {
			t.Fatalf("accepted %q, whose encoding %q is not compact", s, b)
		}
		for k := range m {
			if !keyPattern.MatchString(k) {
				t.Fatalf("accepted the key %q", k)
			}
		}
	})
}

// keyPattern is SPEC §6's custom-field key, the oracle of customFieldKey.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// FuzzCustomFieldKey: the loop accepts exactly what the pattern does.
func FuzzCustomFieldKey(f *testing.F) {
	for _, k := range []string{"", "a", "A-z_9", strings.Repeat("k", 64), strings.Repeat("k", 65), "a b", "é", "a.b", "a\n"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if got, want := customFieldKey(k), keyPattern.MatchString(k); got != want {
			t.Fatalf("%q: customFieldKey says %v, the pattern %v", k, got, want)
		}
	})
}

// FuzzMergeCustomFields: mergeCustomFields never panics and behaves as an
// RFC 7396 merge patch: applying a patch twice equals applying it once, a
// key the patch sets to null is absent from the result, a key it sets to
// anything but an object (scalars and arrays) holds exactly that value,
// keys the patch leaves out keep their value, and a nil patch clears all.
// It never produces a value jsonb refuses: a patch holding a NUL anywhere
// (a key it removes included) is refused with model.ErrNUL, and so is a
// result holding one (from a document that did not come from jsonb).
func FuzzMergeCustomFields(f *testing.F) {
	for _, s := range customFieldSeeds {
		f.Add(s, `{"a":null}`)
		f.Add(`{"a":1,"b":{"c":2}}`, s)
	}
	f.Add(`{"a":{"b":1,"c":2}}`, `{"a":{"b":null,"d":[null,{"e":null}]}}`)
	f.Add(`{"a":[1,2,3]}`, `{"a":{"x":null}}`)
	f.Add(`{"a":"x"}`, `{"b":{"c":{"d":null}}}`)
	f.Add(`{"n":1.50}`, `{"n":100000000000000000000000000001,"f":1E+2}`)
	f.Add(`{}`, `{"a":null,"a":1}`)
	f.Add(`{"a":"\\u0000"}`, `{"b":"\\u0000","c":{"d":"\\\\u0000"}}`)
	f.Add(`{"a":1}`, `{"a\u0000":null}`)
	f.Add(`{"a":{"b":1}}`, `{"a":{"b\u0000":null}}`)
	f.Add(`{"a":"\u0000","b":1}`, `{"a":null}`)
	f.Add(`{"a":"\u0000","b":1}`, `{"b":2}`)
	f.Fuzz(func(t *testing.T, docJSON, patchJSON string) {
		doc, ok := fuzzObject(docJSON)
		if !ok {
			return
		}
		patch, ok := fuzzObject(patchJSON)
		if !ok {
			return
		}
		docBefore, patchBefore := compact(t, doc), compact(t, patch)
		once, err := mergeCustomFields(doc, patch)
		if err != nil {
			// Objects a client can send always merge, unless they hold a
			// NUL.
			if !errors.Is(err, model.ErrNUL) || !holdsNUL(patch) && !holdsNUL(doc) {
				t.Fatalf("merge %s into %s: %v", patchJSON, docJSON, err)
			}
			return
		}
		if holdsNUL(patch) || holdsNUL(once) {
			t.Fatalf("merge %s into %s gave %s: a NUL got through", patchJSON, docJSON, compact(t, once))
		}
		if compact(t, doc) != docBefore || compact(t, patch) != patchBefore {
			t.Fatal("merge modified its arguments")
		}
		twice, err := mergeCustomFields(once, patch)
		if err != nil {
			t.Fatalf("merge %s into %s: %v", patchJSON, compact(t, once), err)
		}
		if a, b := compact(t, once), compact(t, twice); a != b {
			t.Fatalf("not idempotent: patch %s on %s gives %s once, %s twice", patchJSON, docJSON, a, b)
		}
		for k, v := range patch {
			got, present := once[k]
			switch v.(type) {
			case nil:
				if present {
					t.Fatalf("patch %s sets %q to null; result %s still has it", patchJSON, k, compact(t, once))
				}
			case map[string]any:
				if _, isObject := got.(map[string]any); !present || !isObject {
					t.Fatalf("patch %s merges an object into %q; result %s", patchJSON, k, compact(t, once))
				}
			default:
				if !present || compact(t, got) != compact(t, v) {
					t.Fatalf("patch %s sets %q to %s; result %s", patchJSON, k, compact(t, v), compact(t, once))
				}
			}
		}
		for k, v := range doc {
			if _, patched := patch[k]; patched {
				continue
			}
			if got, present := once[k]; !present || compact(t, got) != compact(t, v) {
				t.Fatalf("key %q not in patch %s changed: %s → %s", k, patchJSON, docJSON, compact(t, once))
			}
		}
		cleared, err := mergeCustomFields(doc, nil)
		if err != nil || cleared == nil || len(cleared) != 0 {
			t.Fatalf("nil patch: %v, %v", cleared, err)
		}
	})
}
