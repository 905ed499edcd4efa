package model

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"roster/apierr"
)

// scalarError is how a scalar refuses its input: the contract files a bad
// scalar (a malformed UUID, say) under GRAPHQL_VALIDATION_FAILED.
func scalarError(format string, args ...any) error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": apierr.ValidationFailed},
	}
}

// MarshalUUID writes a UUID in its canonical lowercase form.
func MarshalUUID(u uuid.UUID) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(u.String()))
	})
}

// UnmarshalUUID accepts only the canonical 8-4-4-4-12 form the contract names
// (uuid.Parse alone would also take braces, URNs and bare hex), of versions 1
// to 8 with the RFC 4122 variant, or the nil and max UUIDs.
func UnmarshalUUID(v any) (uuid.UUID, error) {
	s, ok := v.(string)
	if !ok {
		return uuid.Nil, scalarError("UUID must be a string, got %T", v)
	}
	u, err := ParseUUID(s)
	if err != nil {
		return uuid.Nil, scalarError("%q is not a UUID: %v", s, err)
	}
	return u, nil
}

// ParseUUID parses a canonical UUID string, as UnmarshalUUID does.
func ParseUUID(s string) (uuid.UUID, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return uuid.Nil, fmt.Errorf("want the 8-4-4-4-12 hex form")
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, fmt.Errorf("want the 8-4-4-4-12 hex form")
	}
	if u == uuid.Nil || u == uuid.Max {
		return u, nil
	}
	if v := u.Version(); v < 1 || v > 8 {
		return uuid.Nil, fmt.Errorf("version %d is not 1 to 8", v)
	}
	if u.Variant() != uuid.RFC4122 {
		return uuid.Nil, fmt.Errorf("not the RFC 4122 variant")
	}
	return u, nil
}

// MarshalTime writes an RFC 3339 timestamp in UTC.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 timestamp; no argument takes one today,
// but the scalar must be complete.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, scalarError("Time must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, scalarError("%q is not an RFC 3339 timestamp", s)
	}
	return t.UTC(), nil
}

// MarshalJSONObject writes the object as JSON; a nil map is the empty object.
func MarshalJSONObject(m map[string]any) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if m == nil {
			_, _ = io.WriteString(w, "{}")
			return
		}
		b, err := CompactJSON(m)
		if err != nil {
			// The value came out of PostgreSQL's jsonb or through
			// UnmarshalJSONObject, so it always encodes.
			panic(fmt.Sprintf("marshal JSONObject: %v", err))
		}
		_, _ = w.Write(b)
	})
}

// RawJSONObject is a JSONObject already encoded as compact JSON: what
// output fields carry, written as is (empty is the empty object).
type RawJSONObject []byte

// MarshalGQL writes the JSON as is (empty: the empty object).
func (r RawJSONObject) MarshalGQL(w io.Writer) {
	if len(r) == 0 {
		_, _ = io.WriteString(w, "{}")
		return
	}
	_, _ = w.Write(r)
}

// AppendTo appends the JSON to b as is (empty: the empty object).
func (r RawJSONObject) AppendTo(b []byte) []byte {
	if len(r) == 0 {
		return append(b, "{}"...)
	}
	return append(b, r...)
}

// UnmarshalGQL accepts what UnmarshalJSONObject does (no argument takes a
// RawJSONObject; gqlgen wants the pair).
func (r *RawJSONObject) UnmarshalGQL(v any) error {
	m, err := UnmarshalJSONObject(v)
	if err != nil {
		return err
	}
	b, err := CompactJSON(m)
	if err != nil {
		return scalarError("JSONObject does not encode: %v", err)
	}
	*r = b
	return nil
}

// UnmarshalJSONObject accepts an object only: a list, a string or a number
// where an object is expected is the client's mistake, said so.
func UnmarshalJSONObject(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, scalarError("JSONObject must be an object, got %s", jsonKind(v))
	}
	return m, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, int, int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// A Cursor is an opaque position in a roster's order: the id of the prospect
// it follows. Ids are time-ordered (UUIDv7) and assigned in submission
// order, so a cursor stays a valid position after its prospect is removed.
//
// cursorVersion leads every encoded cursor so the format can change later
// without old cursors being misread.
const cursorVersion = 1

// EncodeCursor makes the opaque string a client sees.
func EncodeCursor(id uuid.UUID) string {
	b := make([]byte, 0, 17)
	b = append(b, cursorVersion)
	b = append(b, id[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reverses EncodeCursor; anything else is ErrBadCursor. A
// cursor has exactly one spelling: the base64 decoder alone would also take
// it with non-zero padding bits or with CR and LF anywhere inside.
func DecodeCursor(s string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 17 || b[0] != cursorVersion {
		return uuid.Nil, ErrBadCursor
	}
	id := uuid.UUID(b[1:])
	if EncodeCursor(id) != s {
		return uuid.Nil, ErrBadCursor
	}
	return id, nil
}

// MarshalCursor writes a cursor.
func MarshalCursor(id uuid.UUID) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(EncodeCursor(id)))
	})
}

// UnmarshalCursor decodes a cursor. A string that is not one is a bad
// argument (BAD_USER_INPUT, as the contract says), not a malformed request.
func UnmarshalCursor(v any) (uuid.UUID, error) {
	s, ok := v.(string)
	if !ok {
		return uuid.Nil, &InputError{Message: "after must be a cursor string"}
	}
	id, err := DecodeCursor(s)
	if err != nil {
		return uuid.Nil, &InputError{Message: "after is not a cursor this server issued"}
	}
	return id, nil
}
