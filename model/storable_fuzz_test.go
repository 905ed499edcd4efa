package model_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"roster/model"
)

// anyUnstorable says whether some string of a decoded JSON value, object
// keys included, fails StorableText: StorableJSON's oracle.
func anyUnstorable(v any) bool {
	switch v := v.(type) {
	case string:
		return model.StorableText(v) != nil
	case map[string]any:
		for k, x := range v {
			if model.StorableText(k) != nil || anyUnstorable(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if anyUnstorable(x) {
				return true
			}
		}
	}
	return false
}

// FuzzStorableJSON: StorableJSON refuses a JSON document exactly when one
// of its strings or keys, at any depth, is text StorableText refuses;
// whether the document is read as sent or as CompactJSON writes it.
func FuzzStorableJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `"x"`, `"\u0000"`, `"a\u0000b"`, `"\\u0000"`, `"\\\u0000"`, `"\\\\u0000"`, `"\\\\\u0000"`,
		`{"a\u0000":1}`, `{"a":{"b":[1,{"c\u0000d":null}]}}`, `["x",["y",["\u0000"]]]`, `{"a":"\u0001\u00000"}`,
		`{"k":"u0000"}`, `{"k":"\u00000000"}`, `{"\\":"\\","u0000":"\\u0000"}`, `{"a":"\ud800\u0000"}`,
		`{"a": "\u0000" }`, `[1, 2e5, true, null]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil || dec.More() || !json.Valid([]byte(doc)) {
			return
		}
		want := anyUnstorable(v)
		if err := model.StorableJSON([]byte(doc)); (err != nil) != want || err != nil && !errors.Is(err, model.ErrNUL) {
			t.Fatalf("%q: StorableJSON says %v; a string holds a NUL: %v", doc, err, want)
		}
		compact, err := model.CompactJSON(v)
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if err := model.StorableJSON(compact); (err != nil) != want {
			t.Fatalf("%q as %s: StorableJSON says %v; a string holds a NUL: %v", doc, compact, err, want)
		}
	})
}

func TestStorableText(t *testing.T) {
	for s, ok := range map[string]bool{
		"": true, "plain": true, `\u0000`: true, "é 🚀 \u2028": true, "\x01\x7f": true,
		"\x00": false, "a\x00": false, "\x00a": false, " \x00 ": false, "a\x00b\x00": false,
	} {
		if err := model.StorableText(s); (err == nil) != ok || err != nil && !errors.Is(err, model.ErrNUL) {
			t.Errorf("StorableText(%q) = %v, want storable %v", s, err, ok)
		}
	}
}
