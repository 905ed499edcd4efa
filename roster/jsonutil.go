package roster

import (
	"bytes"
	"encoding/json"
)

// decodeJSON decodes keeping numbers exact (json.Number), so a merge patch
// never rounds a large integer a client stored in custom fields.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
