package model

import (
	"bytes"
	"errors"
	"strings"
)

// What PostgreSQL cannot store is bad input (SPEC §4): a NUL character.
// A text column refuses one (SQLSTATE 22021), jsonb refuses the escape
// \u0000 (22P05), and a statement whose values are inlined, as Bun's are,
// is cut at it. So every text a client sends to be stored passes
// StorableText where it is read, and every JSON object StorableJSON,
// before anything reaches SQL.

// ErrNUL is how StorableText and StorableJSON refuse; its message follows
// the field's name ("prospects[3].firstName contains a NUL character …").
var ErrNUL = errors.New(`contains a NUL character (\u0000), which cannot be stored`)

// StorableText is nil when PostgreSQL can store s as text: s holds no NUL
// character. (Invalid UTF-8 never gets this far: the request's JSON
// decoding replaces it or refuses the request.)
func StorableText(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNUL
	}
	return nil
}

// nulEscape is the only way JSON can write a NUL inside a string.
var nulEscape = []byte(`\u0000`)

// StorableJSON is StorableText for every string of the JSON value b, object
// keys included, at any depth: nil when jsonb can store b. b is valid JSON,
// as CompactJSON or encoding/json write it; one of its strings holds a NUL
// exactly when b holds the escape \u0000 with its backslash not itself
// escaped, that is after an even run of other backslashes, none included
// (`\\u0000` is a backslash and "u0000", six storable characters).
// FuzzStorableJSON holds it to StorableText on every decoded string and
// key. It reads the encoded bytes, not a decoded value, because the typed
// rows never decode custom fields (CompactObject), and a scan for the
// escape costs next to nothing.
func StorableJSON(b []byte) error {
	if bytes.IndexByte(b, 0) >= 0 {
		return ErrNUL // not valid JSON, but not storable either
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], nulEscape)
		if j < 0 {
			return nil
		}
		j += i
		n := 0
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return ErrNUL
		}
		i = j + 1
	}
}
