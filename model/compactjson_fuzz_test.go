package model_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"roster/model"
)

// stdCompact is what CompactJSON must write: encoding/json's Encoder
// without HTML escaping.
func stdCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// FuzzCompactJSON: CompactJSON writes what encoding/json writes, byte for
// byte, for any JSON document decoded as the API decodes it (json.Number),
// and for the same document decoded to float64s; both fail together.
func FuzzCompactJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"a":1,"b":[true,false,null,"x"]}`, `{"b":1,"a":{"c":[1.50,-0,1e3,1E-7]}}`,
		`"\u2028\u2029 <>& \" \\ \b\f\n\r\t \u0001 \u007f é 🚀"`, `{"":"","z":{},"y":[]}`,
		"\"\xff\xfe invalid utf-8 \xc3\"", `[1,"2",[3,[4,{"5":6}]]]`, `123456789012345678901234567890`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, useNumber := range []bool{true, false} {
			dec := json.NewDecoder(strings.NewReader(doc))
			if useNumber {
				dec.UseNumber()
			}
			var v any
			if dec.Decode(&v) != nil {
				return
			}
			got, gotErr := model.CompactJSON(v)
			want, wantErr := stdCompact(v)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%q: error %v, encoding/json's %v", doc, gotErr, wantErr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%q:\n got %s\nwant %s", doc, got, want)
			}
		}
	})
}

// TestCompactJSONNumbers: json.Number values that did not come from a
// decoder are checked as encoding/json checks them.
func TestCompactJSONNumbers(t *testing.T) {
	for _, n := range []json.Number{"", "0", "-1.5e10", "1 ", " 1", "01", "-", "1.", "abc", "1e", "NaN"} {
		got, gotErr := model.CompactJSON(map[string]any{"n": n})
		want, wantErr := stdCompact(map[string]any{"n": n})
		if (gotErr == nil) != (wantErr == nil) || !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, %v; encoding/json %s, %v", n, got, gotErr, want, wantErr)
		}
	}
	var nilMap map[string]any
	var nilSlice []any
	for _, v := range []any{nilMap, nilSlice, map[string]any{"m": nilMap, "s": nilSlice}, 1.5, int64(7), float32(0.1)} {
		got, _ := model.CompactJSON(v)
		want, _ := stdCompact(v)
		if !bytes.Equal(got, want) {
			t.Errorf("%#v: got %s, want %s", v, got, want)
		}
	}
}
