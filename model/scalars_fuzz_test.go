package model_test

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/model"
)

// FuzzCursor: DecodeCursor never panics, refuses with ErrBadCursor, and a
// string it accepts is exactly the one EncodeCursor makes of its id, so a
// cursor has one spelling (no padding bits, newlines or other slack the
// base64 decoder would tolerate). EncodeCursor and DecodeCursor round-trip
// every id, here one derived from the input.
func FuzzCursor(f *testing.F) {
	for _, id := range []uuid.UUID{uuid.Nil, uuid.Max, uuid.MustParse("0190b2a4-5f3e-7c1a-9d2b-3e4f5a6b7c8d")} {
		c := model.EncodeCursor(id)
		f.Add(c)
		f.Add(c + "\n")
		f.Add(c[:len(c)-1] + "B") // non-zero padding bits
		f.Add(c[:10] + "\r\n" + c[10:])
		f.Add(c + "=")
		f.Add(strings.ToUpper(c))
	}
	for _, s := range []string{"", "A", "AQ", "not a cursor", "AQAAAAAAAAAAAAAAAAAAAA", "AgAAAAAAAAAAAAAAAAAAAAA", "AQAAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := model.DecodeCursor(s)
		if err != nil {
			if !errors.Is(err, model.ErrBadCursor) {
				t.Fatalf("DecodeCursor(%q) = %v, want ErrBadCursor", s, err)
			}
			if id != uuid.Nil {
				t.Fatalf("DecodeCursor(%q) refused but returned %v", s, id)
			}
		} else if back := model.EncodeCursor(id); back != s {
			t.Fatalf("DecodeCursor(%q) = %v, which encodes as %q", s, id, back)
		}

		sum := sha256.Sum256([]byte(s))
		want := uuid.UUID(sum[:16])
		c := model.EncodeCursor(want)
		got, err := model.DecodeCursor(c)
		if err != nil || got != want {
			t.Fatalf("EncodeCursor(%v) = %q decodes to %v, %v", want, c, got, err)
		}
	})
}

// FuzzParseUUID: ParseUUID never panics and accepts only the canonical
// 8-4-4-4-12 hex form (either letter case) of an RFC 4122 UUID of version
// 1 to 8, or the nil or max UUID; what it accepts is the input's lowercase
// spelling and parses back to itself.
func FuzzParseUUID(f *testing.F) {
	for _, s := range []string{
		"0190b2a4-5f3e-7c1a-9d2b-3e4f5a6b7c8d",
		"0190B2A4-5F3E-7C1A-9D2B-3E4F5A6B7C8D",
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"{0190b2a4-5f3e-7c1a-9d2b-3e4f5a6b7c8d}",
		"urn:uuid:0190b2a4-5f3e-7c1a-9d2b-3e4f5a6b7c8d",
		"0190b2a45f3e7c1a9d2b3e4f5a6b7c8d",
		"0190b2a4-5f3e-0c1a-9d2b-3e4f5a6b7c8d", // version 0
		"0190b2a4-5f3e-9c1a-9d2b-3e4f5a6b7c8d", // version 9
		"0190b2a4-5f3e-7c1a-cd2b-3e4f5a6b7c8d", // Microsoft variant
		"0190b2a4-5f3e-7c1a-9d2b-3e4f5a6b7c8g",
		"0190b2a4+5f3e-7c1a-9d2b-3e4f5a6b7c8d",
		" 0190b2a4-5f3e-7c1a-9d2b-3e4f5a6b7c8",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := model.ParseUUID(s)
		if err != nil {
			if u != uuid.Nil {
				t.Fatalf("ParseUUID(%q) refused but returned %v", s, u)
			}
		} else {
			if u.String() != strings.ToLower(s) {
				t.Fatalf("ParseUUID(%q) = %v: not the input's canonical form", s, u)
			}
			if u != uuid.Nil && u != uuid.Max && (u.Version() < 1 || u.Version() > 8 || u.Variant() != uuid.RFC4122) {
				t.Fatalf("ParseUUID(%q) accepted version %d variant %v", s, u.Version(), u.Variant())
			}
		}

		// Any 16 bytes: the canonical spelling parses back to the same
		// UUID exactly when the version and variant are acceptable.
		sum := sha256.Sum256([]byte(s))
		want := uuid.UUID(sum[:16])
		ok := want == uuid.Nil || want == uuid.Max ||
			want.Version() >= 1 && want.Version() <= 8 && want.Variant() == uuid.RFC4122
		got, err := model.ParseUUID(want.String())
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("ParseUUID(%q) = %v, %v; acceptable %v", want.String(), got, err, ok)
		}
	})
}
